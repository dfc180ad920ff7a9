// The umbrella module: `import Plugboard` gives an embedder the common layers at once. Each layer is also a
// product of its own, so an app can link less (e.g. only PlugboardRuntime, without the registry).
@_exported import PlugboardABI
@_exported import PlugboardManifest
@_exported import PlugboardRegistry
@_exported import PlugboardRuntime
@_exported import PlugboardWasmKit
@_exported import PlugboardWasmtime
