import PlugboardABI
import PlugboardManifest
import PlugboardRuntime
/// Which paths beneath a plugin directory can change a plugin: `.wasm` and `.wat` modules and `plugin.toml`
/// manifests, at the top level or one subdirectory down, and not hidden or an editor's temporary file.
package enum PluginFileFilter {
    /// Whether a change to `relativePath` (relative to the watched directory, like `echo/plugin.toml`) matters.
    package static func isPluginFile(relativePath: String) -> Bool {
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: true)
        guard (1...2).contains(components.count), let name = components.last else { return false }
        // Dotfiles and dot-directories, which covers Vim's .name.swp and Emacs's .#name lock files.
        guard !components.contains(where: { $0.hasPrefix(".") }) else { return false }
        guard !isEditorTemporary(name) else { return false }
        return name.hasSuffix(".wasm") || name.hasSuffix(".wat") || name == "plugin.toml"
    }

    /// Files editors write next to the one being saved: backups (`name~`), swap files (`name.swp`, `.swx`, …),
    /// Emacs autosaves (`#name#`) and Vim's write test (`4913`). Most would fail the suffix test anyway; naming
    /// them keeps that true if the accepted suffixes grow.
    private static func isEditorTemporary(_ name: Substring) -> Bool {
        name.hasSuffix("~") || name.hasSuffix(".swp") || name.hasSuffix(".swx") || name.hasSuffix(".swo")
            || (name.hasPrefix("#") && name.hasSuffix("#")) || name == "4913" || name.hasSuffix(".tmp")
    }
}
