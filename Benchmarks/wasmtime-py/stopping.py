#!/usr/bin/env python3
"""Times what epoch checks and fuel metering cost in bare Wasmtime (wasmtime-py), on the compute guests of
`plugboard-benchmarks engines`, so the benchmark can show in the same run whether an overhead it measures through
Plugboard is Plugboard's or Wasmtime's own compiled code.

    .venv/bin/python Benchmarks/wasmtime-py/stopping.py --guest LABEL=PATH:FUNCTION:ARGUMENT[:PREPARE] ... [--rounds N]

For each guest it makes three engines (Wasmtime's default Cranelift settings, like Plugboard's): "as is" (neither),
"epochs" (`epoch_interruption`, deadline one tick ahead, the epoch never bumped, as Plugboard runs a call with a
deadline) and "fuel" (`consume_fuel`, 2^40 fuel). PREPARE, when given, is an export called once with ARGUMENT
before timing (sha256's `fill`). Then it calls FUNCTION(ARGUMENT) round robin, one call per engine per round,
`--rounds` rounds after two warm-up rounds, and prints one JSON line: for each guest label the median milliseconds
per call of each engine. One call is milliseconds long, so Python's own call cost (microseconds) is negligible.

Exit status: 0 on success; 1 if wasmtime is missing or a guest fails to load or call; 2 for bad arguments.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from peer_support import fail, positive  # noqa: E402

SETTINGS = ("as_is", "epochs", "fuel")


def guest(text):
    """LABEL=PATH:FUNCTION:ARGUMENT[:PREPARE]"""
    label, separator, rest = text.partition("=")
    parts = rest.split(":")
    if not separator or len(parts) not in (3, 4):
        raise argparse.ArgumentTypeError(f"expected LABEL=PATH:FUNCTION:ARGUMENT[:PREPARE], got {text!r}")
    try:
        argument = int(parts[2])
    except ValueError:
        raise argparse.ArgumentTypeError(f"the argument is not an integer: {parts[2]!r}")
    return label, parts[0], parts[1], argument, parts[3] if len(parts) == 4 else None


def instantiate(wasmtime, path, setting):
    config = wasmtime.Config()
    config.epoch_interruption = setting == "epochs"
    config.consume_fuel = setting == "fuel"
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    if setting == "epochs":
        store.set_epoch_deadline(1)
    if setting == "fuel":
        store.set_fuel(1 << 40)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()  # the guests import nothing, but wasi-libc's reactor start may
    store.set_wasi(wasmtime.WasiConfig())
    instance = linker.instantiate(store, wasmtime.Module.from_file(engine, path))
    exports = instance.exports(store)
    if "_initialize" in exports:
        exports["_initialize"](store)
    return store, exports


def main():
    parser = argparse.ArgumentParser(description="epoch and fuel overhead in bare Wasmtime")
    parser.add_argument("--guest", type=guest, action="append", required=True)
    parser.add_argument("--rounds", type=positive, default=15, help="timed rounds (default 15)")
    args = parser.parse_args()
    try:
        import wasmtime
    except ImportError:
        fail("wasmtime is not installed in this Python; run scripts/setup (it installs wasmtime==50.0.1 into .venv)")
    results = {}
    for label, path, function, argument, prepare in args.guest:
        calls = []
        try:
            for setting in SETTINGS:
                store, exports = instantiate(wasmtime, path, setting)
                if prepare:
                    exports[prepare](store, argument)
                call = exports[function]
                calls.append(lambda call=call, store=store: call(store, argument))
        except Exception as error:  # wasmtime raises its own error types; any of them means this guest cannot run
            fail(f"{label}: {path} did not load or prepare: {error}")
        samples = [[] for _ in SETTINGS]
        for round_index in range(args.rounds + 2):
            for index, call in enumerate(calls):
                start = time.perf_counter_ns()
                call()
                if round_index >= 2:
                    samples[index].append((time.perf_counter_ns() - start) / 1e6)
        results[label] = {f"{setting}_ms": statistics.median(times) for setting, times in zip(SETTINGS, samples)}
    print(json.dumps({"peer": "wasmtime-python", "wasmtime": wasmtime_version(), "guests": results}))


def wasmtime_version():
    import importlib.metadata
    return importlib.metadata.version("wasmtime")


if __name__ == "__main__":
    main()
