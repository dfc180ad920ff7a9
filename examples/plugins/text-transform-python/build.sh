#!/usr/bin/env bash
# Builds plugin.wasm (a WebAssembly component: CPython and app.py, importing WASI 0.2) with PyPI componentize-py,
# which scripts/setup installs into the repository's .venv. Takes ~15 s and ~400 MB of memory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
../../../.venv/bin/componentize-py -d ../../../wit -w plugin-world componentize app -o "${1:-plugin.wasm}"
