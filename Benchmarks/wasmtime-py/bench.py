#!/usr/bin/env python3
"""Times wasmtime-py (PyPI `wasmtime`) running Plugboard's C example `process`, the canonical ABI done by hand.

    .venv/bin/python Benchmarks/wasmtime-py/bench.py [--calls N] [--runs R] [--prefix STR]

Loads examples/plugins/text-transform-c/plugin.wasm (the committed core module), defines its imports in Python
(the default world's host-api and the three WASI preview-1 functions wasi-libc pulls in), runs `_initialize` and
`initialize([("prefix", STR)])`, checks the output, then times `process` for the 1 KiB input of
`plugboard-benchmarks process` and for an empty input, lowering the request with the module's `cabi_realloc` and
lifting the response as Plugboard does: R runs of N calls each after N/10 warm-up calls, cyclic GC off while
timing. Prints one JSON line to stdout (per-call microseconds, medians over the runs), in the shape of
Benchmarks/extism/bench.py's; everything else goes to stderr.

Exit status: 0 on success; 1 if wasmtime is missing, the module fails to load or call, or the output, the events
or the log message are wrong; 2 for bad arguments.
"""
import importlib.metadata
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from peer_support import fail, parse_arguments, report, timed as timed_calls  # noqa: E402
MODULE = os.path.join(ROOT, "examples", "plugins", "text-transform-c", "plugin.wasm")
# The same input and options as Benchmarks/PlugboardBenchmarks/main.swift's ProcessBenchmark.
INPUT_1KIB = ("plugboard " * 102 + "xxxx").encode()
OPTIONS = [("mode", "uppercase")]
EVENT = ("processed", "uppercase")
HOST_API = "plugboard:plugin/host-api@1.0.0"
PLUGIN_API = "plugboard:plugin/plugin-api@1.0.0"
WASI = "wasi_snapshot_preview1"
ERRNO_SUCCESS, ERRNO_BADF, ERRNO_SPIPE = 0, 8, 70


class Plugin:
    """The C example in one wasmtime-py store, called through the core-level ABI of the default world
    (../shared/notes/default-world-abi.md, wit/plugin.wit)."""

    def __init__(self, wasmtime, config):
        self.config = dict(config)
        self.events = []
        self.event_count = 0
        self.logs = []
        self.stderr = bytearray()
        self.engine = wasmtime.Engine()
        self.store = wasmtime.Store(self.engine)
        module = wasmtime.Module.from_file(self.engine, MODULE)
        linker = wasmtime.Linker(self.engine)
        i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()

        def define(module_name, name, params, results, body):
            linker.define_func(module_name, name, wasmtime.FuncType(params, results), body, access_caller=True)

        define(HOST_API, "log-message", [i32] * 5, [], self.log_message)
        define(HOST_API, "get-config", [i32] * 3, [], self.get_config)
        define(HOST_API, "emit-event", [i32] * 5, [], self.emit_event)
        define(WASI, "fd_write", [i32] * 4, [i32], self.fd_write)
        define(WASI, "fd_seek", [i32, i64, i32, i32], [i32], lambda caller, fd, offset, whence, out: ERRNO_SPIPE)
        define(WASI, "fd_close", [i32], [i32], lambda caller, fd: ERRNO_SUCCESS)
        instance = linker.instantiate(self.store, module)
        exports = instance.exports(self.store)
        self.memory = exports["memory"]
        self.realloc = exports["cabi_realloc"]
        self.process_export = exports[f"{PLUGIN_API}#process"]
        self.process_post = exports[f"cabi_post_{PLUGIN_API}#process"]
        exports["_initialize"](self.store)
        self.initialize(exports[f"{PLUGIN_API}#initialize"], exports[f"cabi_post_{PLUGIN_API}#initialize"])

    # Memory helpers; `store` is the Store, or the Caller inside a host function.

    def read_string(self, store, pointer, length):
        return self.memory.read(store, pointer, pointer + length).decode()

    def lower_string(self, store, data):
        pointer = self.realloc(store, 0, 0, 1, len(data))
        self.memory.write(store, data, pointer)
        return pointer, len(data)

    def lower_pairs(self, store, pairs):
        """A list<tuple<string, string>>: 16-byte elements, align 4."""
        base = self.realloc(store, 0, 0, 4, 16 * len(pairs))
        elements = bytearray()
        for key, value in pairs:
            elements += struct.pack("<IIII", *self.lower_string(store, key.encode()), *self.lower_string(store, value.encode()))
        self.memory.write(store, elements, base)
        return base, len(pairs)

    # Imports.

    def log_message(self, caller, level_ptr, level_len, message_ptr, message_len, retptr):
        self.logs.append((self.read_string(caller, level_ptr, level_len), self.read_string(caller, message_ptr, message_len)))
        del self.logs[:-8]
        self.memory.write(caller, b"\0", retptr)  # result<_, string>: ok

    def get_config(self, caller, key_ptr, key_len, retptr):
        value = self.config.get(self.read_string(caller, key_ptr, key_len))
        if value is None:
            self.memory.write(caller, b"\0", retptr)  # option<string>: none
        else:
            pointer, length = self.lower_string(caller, value.encode())
            self.memory.write(caller, struct.pack("<BxxxII", 1, pointer, length), retptr)

    def emit_event(self, caller, type_ptr, type_len, payload_ptr, payload_len, retptr):
        event = (self.read_string(caller, type_ptr, type_len), self.read_string(caller, payload_ptr, payload_len))
        self.event_count += 1
        if len(self.events) < 8:
            self.events.append(event)
        self.memory.write(caller, b"\0", retptr)

    def fd_write(self, caller, fd, iovs, iovs_len, nwritten_ptr):
        if fd not in (1, 2):
            return ERRNO_BADF
        written = 0
        vectors = self.memory.read(caller, iovs, iovs + 8 * iovs_len)
        for index in range(iovs_len):
            pointer, length = struct.unpack_from("<II", vectors, 8 * index)
            self.stderr += self.memory.read(caller, pointer, pointer + length)
            written += length
        self.memory.write(caller, struct.pack("<I", written), nwritten_ptr)
        return ERRNO_SUCCESS

    # Exports.

    def initialize(self, export, post):
        result = export(self.store, *self.lower_pairs(self.store, list(self.config.items())))
        tag, pointer, length = struct.unpack("<BxxxII", self.memory.read(self.store, result, result + 12))
        if tag != 0:
            fail(f"initialize returned an error: {self.read_string(self.store, pointer, length)!r}")
        post(self.store, result)

    def process(self, data):
        """process({input, options}) -> (output, success, error-message)."""
        store = self.store
        input_ptr, input_len = self.lower_string(store, data)
        options_ptr, options_len = self.lower_pairs(store, OPTIONS)
        result = self.process_export(store, input_ptr, input_len, options_ptr, options_len)
        output_ptr, output_len, success, has_error, error_ptr, error_len = struct.unpack(
            "<IIBxxxBxxxII", self.memory.read(store, result, result + 24))
        output = self.read_string(store, output_ptr, output_len)
        error = self.read_string(store, error_ptr, error_len) if has_error else None
        self.process_post(store, result)
        return output, bool(success), error


def main():
    args = parse_arguments(__doc__.split("\n\n")[0])

    try:
        import wasmtime
    except ImportError as error:
        fail(f"cannot import wasmtime ({error}); install it with .venv/bin/pip install wasmtime==50.0.1")

    config = [] if args.prefix is None else [("prefix", args.prefix)]
    try:
        plugin = Plugin(wasmtime, config)
    except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
        fail(f"cannot load {MODULE} into wasmtime-py: {error}")
    if b"text-transform-c: initialized" not in plugin.stderr or ("info", f"initialized with {len(config)} config entries") not in plugin.logs:
        fail(f"initialize wrote {bytes(plugin.stderr)!r} and logged {plugin.logs}")
    prefix = args.prefix or ""

    # Check the work before timing it.
    for data in (INPUT_1KIB, b"", "Hello, World! az{`@[\u00e9".encode()):
        plugin.events.clear()
        plugin.logs.clear()
        try:
            output = plugin.process(data)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
            fail(f"process({len(data)} bytes) failed: {error}")
        expected = (prefix + data.decode().translate(str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")), True, None)
        if output != expected:
            fail(f"process({len(data)} bytes) returned {str(output)[:80]!r}, expected {str(expected)[:80]!r}")
        if plugin.events != [EVENT]:
            fail(f"process({len(data)} bytes) emitted {plugin.events}, expected [{EVENT}]")
        if plugin.logs != [("debug", f"processed {len(data)} bytes")]:
            fail(f"process({len(data)} bytes) logged {plugin.logs}")

    def timed(data):
        process = plugin.process
        return timed_calls(lambda: process(data), args.calls, args.runs)

    load_before = os.getloadavg()[0]
    plugin.event_count = 0
    try:
        runs_1kib = timed(INPUT_1KIB)
        runs_empty = timed(b"")
    except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
        fail(f"process failed while timing: {error}")
    load_after = os.getloadavg()[0]
    expected_events = 2 * args.runs * args.calls + 2 * max(1, args.calls // 10)
    if plugin.event_count != expected_events:
        fail(f"emit-event ran {plugin.event_count} times while timing, expected {expected_events}")

    report(
        {"peer": "wasmtime-python", "wasmtime": importlib.metadata.version("wasmtime")},
        os.path.relpath(MODULE, ROOT), len(INPUT_1KIB), args, runs_1kib, runs_empty, (load_before, load_after))


if __name__ == "__main__":
    main()
