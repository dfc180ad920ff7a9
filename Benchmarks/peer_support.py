"""What the Python peer benchmarks (Benchmarks/extism/bench.py, Benchmarks/wasmtime-py/bench.py) share: their
command line, how they fail, and how they time a call."""
import argparse
import gc
import json
import platform
import statistics
import sys
import time


def fail(message):
    print(f"bench.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def parse_arguments(description):
    """--calls, --runs and --prefix, as every peer takes them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--calls", type=positive, default=20_000, help="calls per run (default 20000)")
    parser.add_argument("--runs", type=positive, default=7, help="runs; the median is reported (default 7)")
    parser.add_argument("--prefix", default=None,
                        help='config "prefix" prepended to the output (default: none, get-config finds nothing)')
    return parser.parse_args()


def timed(call, calls, runs):
    """Microseconds per call of `call()` for each of `runs` runs of `calls` calls, after calls/10 warm-up calls, with
    the cyclic GC off while timing."""
    for _ in range(max(1, calls // 10)):
        call()
    samples = []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter_ns()
            for _ in range(calls):
                call()
            elapsed = time.perf_counter_ns() - start
        finally:
            gc.enable()
        samples.append(round(elapsed / calls / 1000, 3))
    return samples


def report(identity, module, input_bytes, args, runs_1kib, runs_empty, loads):
    """Prints the one JSON line every peer prints: who it is (`identity`, first), what it ran and the medians."""
    print(json.dumps({
        **identity,
        "python": platform.python_version(),
        "module": module,
        "input_bytes": input_bytes,
        "prefix": args.prefix,
        "calls": args.calls,
        "process_1kib_us": statistics.median(runs_1kib),
        "process_empty_us": statistics.median(runs_empty),
        "runs": runs_1kib,
        "runs_empty": runs_empty,
        "loadavg_1m": list(loads),
    }))
