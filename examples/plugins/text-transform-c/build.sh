#!/usr/bin/env bash
# Builds plugin.wasm (wasm32-wasip1 reactor core module) from plugin.c and the
# generated bindings in bindings/ (regenerate them with
#   plugboard bindgen --guest c wit --world plugin-world -o examples/plugins/text-transform-c/bindings
# from the repository root; scripts/build-examples fails when they are out of date).
# Needs the toolchain from scripts/setup (run by scripts/build-examples).
# -mcpu=mvp keeps the output plain WebAssembly 1.0 (clang 21's default CPU
# would add bulk-memory and other post-1.0 instructions), so any engine runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
../../../scripts/wasm-cc -mexec-model=reactor -O2 -s -mcpu=mvp -Wall -Wextra \
    plugin.c bindings/plugin_world.c -o plugin.wasm
