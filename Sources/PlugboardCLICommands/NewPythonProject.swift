import Foundation
import Plugboard

/// What `plugboard new --lang python` writes: app.py implementing the default world with componentize-py's
/// generated bindings, the WIT, a build script and a README. The plugin builds where it is made: build.sh runs
/// componentize-py (`$PLUGBOARD_COMPONENTIZE_PY`, else the one scripts/setup installed in the Plugboard checkout this
/// binary comes from, else it explains how to install it) and installs nothing.
enum NewPythonProject {
    /// The componentize-py version Plugboard is tested with.
    static let componentizePyVersion = "0.25.1"

    static func app(pluginName: String) -> String {
        """
        \"\"\"\(pluginName): a Plugboard plugin in Python implementing plugboard:plugin/plugin-world@1.0.0 (see wit/).

        componentize-py generates the `wit_world` bindings from wit/ when build.sh runs; every export is implemented
        here. Raise componentize_py_types.Err(message) from initialize or shutdown to report an error to the host.
        \"\"\"
        from componentize_py_types import Err
        from wit_world import exports
        from wit_world.exports.plugin_api import PluginMetadata, ProcessRequest, ProcessResponse
        from wit_world.imports import host_api


        class PluginApi(exports.PluginApi):
            def initialize(self, config):
                host_api.log_message("info", f"initialized with {len(config)} config entries")

            def process(self, req: ProcessRequest) -> ProcessResponse:
                # Placeholder: uppercase the input. Options are in req.options, configuration via host_api.get_config.
                return ProcessResponse(output=req.input.upper(), success=True, error_message=None)

            def shutdown(self):
                host_api.log_message("info", "shutting down")

            def get_metadata(self) -> PluginMetadata:
                return PluginMetadata(name=\(pythonQuoted(pluginName)), version="0.1.0", description="A new Plugboard plugin")

        """
    }

    static func buildScript(pluginName: String, fallback: String?) -> String {
        """
        #!/usr/bin/env bash
        # Builds \(pluginName).wasm (a WebAssembly component: CPython and app.py, importing WASI 0.2) with
        # componentize-py \(componentizePyVersion). Installs nothing. componentize-py is, in order:
        # $PLUGBOARD_COMPONENTIZE_PY, the one in the Plugboard checkout this project was generated from (run its
        # scripts/setup once), `componentize-py` on PATH, or an error saying how to get it.
        set -euo pipefail
        cd "$(dirname "${BASH_SOURCE[0]}")"
        CHECKOUT_COMPONENTIZE_PY=\(New.shellQuoted(fallback ?? ""))

        if [[ -n "${PLUGBOARD_COMPONENTIZE_PY:-}" ]]; then
            COMPONENTIZE_PY="$PLUGBOARD_COMPONENTIZE_PY"
        elif [[ -n "$CHECKOUT_COMPONENTIZE_PY" && -x "$CHECKOUT_COMPONENTIZE_PY" ]]; then
            COMPONENTIZE_PY="$CHECKOUT_COMPONENTIZE_PY"
        elif command -v componentize-py >/dev/null 2>&1; then
            COMPONENTIZE_PY=componentize-py
        else
            echo "build.sh: componentize-py was not found, and this script installs nothing. Install it with:" >&2
            echo "  python3 -m pip install componentize-py==\(componentizePyVersion)" >&2
            echo "or set PLUGBOARD_COMPONENTIZE_PY to its path." >&2
            exit 1
        fi

        "$COMPONENTIZE_PY" -d wit -w plugin-world componentize app -o \(New.shellQuoted(pluginName + ".wasm"))
        echo "built \(pluginName).wasm"

        """
    }

    static func readme(pluginName: String) -> String {
        """
        # \(pluginName)

        A Plugboard plugin in Python implementing the WIT world `plugboard:plugin/plugin-world@1.0.0` (see `wit/`).

        - `app.py`: the plugin; every export is implemented there, on the bindings componentize-py generates from `wit/`.
        - `build.sh`: `bash build.sh` builds `\(pluginName).wasm` (~18 MB: CPython is inside) with componentize-py
          \(componentizePyVersion); it installs nothing.

        Try it: `plugboard inspect \(pluginName).wasm`, then `plugboard run \(pluginName).wasm --input "hello"`.

        """
    }

    /// The componentize-py of the checkout this binary was built from, when it still has one.
    static var checkoutComponentizePy: String? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let path = url.appendingPathComponent(".venv/bin/componentize-py").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static func pythonQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Writes the project into `directory` (which exists).
    static func write(into directory: URL, pluginName: String) throws {
        let wit = directory.appendingPathComponent("wit")
        try FileManager.default.createDirectory(at: wit, withIntermediateDirectories: true)
        try Bindgen.write(DefaultWorld.witSource, to: wit.appendingPathComponent("plugin.wit").path)
        try Bindgen.write(app(pluginName: pluginName), to: directory.appendingPathComponent("app.py").path)
        let script = directory.appendingPathComponent("build.sh").path
        try Bindgen.write(buildScript(pluginName: pluginName, fallback: checkoutComponentizePy), to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try Bindgen.write(readme(pluginName: pluginName), to: directory.appendingPathComponent("README.md").path)
    }
}
