#!/usr/bin/env python3
"""Times Extism (PyPI `extism`, Wasmtime inside) doing the work of Plugboard's C example `process`.

    .venv/bin/python Benchmarks/extism/bench.py [--calls N] [--runs R] [--prefix STR]

Loads text-transform.wat (assembled with wasm-tools when it is found, else handed to Extism as text, which
its Wasmtime also accepts), registers the user host function emit_event, checks the output, then times
`plugin.call("process", input)` for the 1 KiB input of `plugboard-benchmarks process` and for an empty input:
R runs of N calls each after N/10 warm-up calls, cyclic GC off while timing (as timeit does). Prints one JSON
line to stdout (per-call microseconds, medians over the runs); everything else goes to stderr.

Exit status: 0 on success; 1 if Extism is missing, the plugin fails to load or call, or the output, the events
or the log message are wrong; 2 for bad arguments.
"""
import os

# Rust's std captures a backtrace for every error it creates when RUST_BACKTRACE=1 is set (it is on some dev
# machines), and Extism makes one error per call (Store::get_fuel without fuel configured): that alone
# doubles the cost of a call. RUST_LIB_BACKTRACE=0 turns off these library backtraces (not panic ones); it
# must be set before libextism first creates an error.
os.environ["RUST_LIB_BACKTRACE"] = "0"

import importlib.metadata
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from peer_support import fail, parse_arguments, report, timed as timed_calls  # noqa: E402
WAT = os.path.join(HERE, "text-transform.wat")
# The same input as Benchmarks/PlugboardBenchmarks/main.swift's ProcessBenchmark.
INPUT_1KIB = ("plugboard " * 102 + "xxxx").encode()
EVENT = ("processed", "uppercase")


def module_bytes():
    """The plugin as a binary module (via wasm-tools) or, without wasm-tools, as WAT text."""
    candidates = [
        os.path.join(ROOT, ".venv", "bin", "wasm-tools"),
        os.path.join(os.path.dirname(sys.executable), "wasm-tools"),
        shutil.which("wasm-tools"),
    ]
    for tool in candidates:
        if tool and os.access(tool, os.X_OK):
            result = subprocess.run([tool, "parse", WAT], capture_output=True)
            if result.returncode != 0:
                fail(f"{tool} parse {WAT} failed:\n{result.stderr.decode(errors='replace').strip()}")
            return result.stdout, "wasm-tools"
    with open(WAT, "rb") as f:
        return f.read(), "wat-text"


def main():
    args = parse_arguments(__doc__.split("\n\n")[0])

    try:
        import extism
        # Without the package, `import extism` finds this script's own directory (Benchmarks/extism, on the path
        # for peer_support) as a namespace package: no SDK at all, not a changed API.
        if getattr(extism, "__file__", None) is None:
            raise ImportError("the extism package is not installed")
    except ImportError as error:
        fail(f"cannot import extism ({error}); run scripts/setup-extism, then use .venv/bin/python")

    events = []
    counter = [0]

    @extism.host_fn(name="emit_event")
    def emit_event(event_type: str, payload: str):
        # The Plugboard host forwards events to an AsyncStream; here they are only counted (and recorded
        # while checking).
        counter[0] += 1
        if len(events) < 8:
            events.append((event_type, payload))

    wasm, module_source = module_bytes()
    config = None if args.prefix is None else {"prefix": args.prefix}
    try:
        plugin = extism.Plugin(wasm, wasi=False, config=config, functions=[emit_event])
    except extism.Error as error:
        fail(f"cannot load {WAT} into Extism: {error}")
    prefix = (args.prefix or "").encode()

    # Check the work before timing it.
    for data in (INPUT_1KIB, b"", b"Hello, World! az{`@[\xc3\xa9"):
        events.clear()
        try:
            output = plugin.call("process", data)
        except extism.Error as error:
            fail(f"process({len(data)} bytes) failed: {error}")
        if output != prefix + data.upper():
            fail(f"process({len(data)} bytes) returned {output[:80]!r}, expected {(prefix + data.upper())[:80]!r}")
        if events != [EVENT]:
            fail(f"process({len(data)} bytes) emitted {events}, expected [{EVENT}]")

    def timed(data):
        call = plugin.call
        return timed_calls(lambda: call("process", data), args.calls, args.runs)

    load_before = os.getloadavg()[0]
    counter[0] = 0
    try:
        runs_1kib = timed(INPUT_1KIB)
        runs_empty = timed(b"")
    except extism.Error as error:
        fail(f"process failed while timing: {error}")
    load_after = os.getloadavg()[0]
    expected_events = 2 * args.runs * args.calls + 2 * max(1, args.calls // 10)
    if counter[0] != expected_events:
        fail(f"emit_event ran {counter[0]} times while timing, expected {expected_events}")

    # Check the log message last: a log sink is process-wide and would slow every call after it.
    lines = []
    logger = extism.set_log_custom(lines.append, "debug")
    plugin.call("process", INPUT_1KIB)
    plugin.call("process", b"")
    logger.drain()
    for n in (len(INPUT_1KIB), 0):
        if not any(f"processed {n} bytes" in line for line in lines):
            fail(f'no debug log line "processed {n} bytes" from the plugin (got {len(lines)} lines)')

    report(
        {
            "peer": "extism-python", "extism": importlib.metadata.version("extism"),
            "extism_sys": importlib.metadata.version("extism-sys"), "extism_runtime": extism.extism_version(),
        },
        module_source, len(INPUT_1KIB), args, runs_1kib, runs_empty, (load_before, load_after))


if __name__ == "__main__":
    main()
