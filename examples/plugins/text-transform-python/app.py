"""text-transform-python: an example Plugboard plugin written in Python.

It implements the WIT world `plugboard:plugin/plugin-world@1.0.0` (wit/plugin.wit) with componentize-py, which
generates the `wit_world` bindings from the WIT and builds this file and CPython into one WebAssembly component:

    componentize-py -d ../../../wit -w plugin-world componentize app -o plugin.wasm

(./build.sh does that). The behaviour is the C and WAT examples':
    get-metadata  -> {"text-transform-python", "1.0.0", "Uppercases text or counts its words"}
    initialize    -> logs "initialized with N config entries"; err if a key "fail" is present
    process       -> option "mode" (last one wins, default "uppercase"): "uppercase" (ASCII only) or
                     "wordcount"; optional config "prefix"
    shutdown      -> logs "shutting down"
"""
import sys

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.plugin_api import PluginMetadata, ProcessRequest, ProcessResponse
from wit_world.imports import host_api


class PluginApi(exports.PluginApi):
    def initialize(self, config):
        # Goes through WASI 0.2 stderr: exercises the host's WASI layer.
        print("text-transform-python: initialized", file=sys.stderr)
        host_api.log_message("info", f"initialized with {len(config)} config entries")
        if any(key == "fail" for key, _ in config):
            raise Err("initialize failed: requested by config")

    def process(self, req: ProcessRequest) -> ProcessResponse:
        mode = "uppercase"
        for key, value in req.options:
            if key == "mode":
                mode = value
        if mode == "uppercase":
            output = "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in req.input)
        elif mode == "wordcount":
            output = str(len(req.input.split()))
        else:
            host_api.log_message("debug", f"processed {len(req.input.encode())} bytes")
            return ProcessResponse(output="", success=False, error_message=f"unknown mode: {mode}")
        prefix = host_api.get_config("prefix")
        if prefix is not None:
            output = prefix + output
        host_api.log_message("debug", f"processed {len(req.input.encode())} bytes")
        host_api.emit_event("processed", mode)
        return ProcessResponse(output=output, success=True, error_message=None)

    def shutdown(self):
        host_api.log_message("info", "shutting down")

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(name="text-transform-python", version="1.0.0", description="Uppercases text or counts its words")
