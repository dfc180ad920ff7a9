import PlugboardABI

/// The C code of ``CGuestBindgen`` for WIT resources, following wit-bindgen's C generator and the core names
/// `wasm-tools component new` expects.
///
/// - A resource the host implements (its interface is imported): handle structs `<p>_own_<r>_t` and
///   `<p>_borrow_<r>_t`, `<p>_<r>_drop_own` (core import `[resource-drop]<r>` of the interface) and
///   `<p>_borrow_<r>`. A borrow an export receives is lent for the call: its trampoline drops it afterwards.
/// - A resource the plugin implements (its interface is exported): the plugin's struct `exports_<p>_<r>_t`, the
///   handle struct `exports_<p>_own_<r>_t`, borrows as pointers to the struct (`exports_<p>_borrow_<r>_t`: the
///   canonical ABI gives an implementation its representation), `exports_<p>_<r>_new`, `_rep` and `_drop_own`
///   (core imports `[resource-new]<r>`, `[resource-rep]<r>`, `[resource-drop]<r>` of `[export]<interface>`), and the
///   core export `<interface>#[dtor]<r>` calling the plugin's `exports_<p>_<r>_destructor`.
extension CGuestGenerator {
    package var resources: CGuestResources { types.resources }

    // MARK: names

    package func ownType(_ resource: CGuestResource) -> String { types.cType(.own(resource.type)) }
    package func borrowType(_ resource: CGuestResource) -> String { types.cType(.borrow(resource.type)) }
    /// The plugin's struct representing a resource it implements.
    package func representationType(_ resource: CGuestResource) -> String { "exports_\(prefix)_\(resource.cName)_t" }

    /// The C helpers of a resource, the ones the plugin calls and (for its own resources) the destructor it defines.
    package func helperName(_ resource: CGuestResource, _ helper: String) -> String {
        (resource.isImport ? "" : "exports_") + "\(prefix)_\(resource.cName)_\(helper)"
    }

    /// The generated core function of a resource intrinsic (`resource-drop`, `resource-new`, `resource-rep`, `dtor`).
    package func intrinsicName(_ resource: CGuestResource, _ intrinsic: String) -> String {
        let interface = resource.interface.name.map { CGuestTypes.snake($0) + "_" } ?? ""
        let direction = intrinsic == "dtor" ? "abi_export_" : "abi_import_"
        return direction + interface + CGuestTypes.snake(intrinsic) + "_" + resource.cName
    }

    /// The C names the resources take besides their types, to check against the functions' names.
    package var resourceHelperNames: [String] {
        resources.ordered.flatMap { resource in
            resource.isImport
                ? [helperName(resource, "drop_own"), "\(prefix)_borrow_\(resource.cName)"]
                : ["new", "rep", "drop_own", "destructor"].map { helperName(resource, $0) }
        }
    }

    // MARK: header

    /// The ownership rules for handles, for the header's opening comment (nothing for a world without resources).
    package func resourceOwnershipComment() -> [String] {
        guard !resources.ordered.isEmpty else { return [] }
        var lines = [
            " *",
            " * Resources (a handle owns no memory, so the _free helpers leave handles alone: dropping is explicit):",
        ]
        if resources.ordered.contains(where: \.isImport) {
            lines += """
                 *   - A resource the host implements is an owned handle (\(prefix)_own_<R>_t) or a borrowed one
                 *     (\(prefix)_borrow_<R>_t); its constructor, methods and static functions are imports named
                 *     \(prefix)_<interface>_constructor_<R>, _method_<R>_<m> and _static_<R>_<f>. An owned handle you
                 *     get (an import's result, an export's argument) is yours: drop it with \(prefix)_<R>_drop_own, or
                 *     give it away by passing it to an import or returning it from an export (then it is no longer
                 *     yours to use). \(prefix)_borrow_<R>(handle) lends an owned handle to a call. A borrowed handle
                 *     an export receives is valid during that call only: the generated code drops it when your
                 *     function returns (never drop it yourself).
                """.split(separator: "\n").map(String.init)
        }
        if resources.ordered.contains(where: { !$0.isImport }) {
            lines += """
                 *   - A resource this plugin implements is a struct you define, struct exports_\(prefix)_<R>_t. You
                 *     implement its constructor (return exports_\(prefix)_<R>_new(rep), a new owned handle to it),
                 *     methods and static functions as exports named exports_\(prefix)_<interface>_constructor_<R>,
                 *     _method_<R>_<m> and _static_<R>_<f>. A borrow of it (a method's self) is a pointer to your
                 *     struct. An owned handle an export receives (exports_\(prefix)_own_<R>_t) is yours:
                 *     exports_\(prefix)_<R>_rep gives its struct; drop it with exports_\(prefix)_<R>_drop_own or
                 *     give it away by returning it. When an owned handle is dropped, by the host or by you,
                 *     exports_\(prefix)_<R>_destructor (yours to implement) runs: free the struct there.
                """.split(separator: "\n").map(String.init)
        }
        return lines
    }

    /// The handle types (and the forward declaration of the plugin's structs), declared before every other type.
    package func resourceTypeDeclarations() -> [String] {
        var lines: [String] = []
        for resource in resources.ordered {
            let own = ownType(resource)
            let borrow = borrowType(resource)
            let of = "`\(resource.name)` of \(resource.interface.qualifiedName)"
            if resource.isImport {
                lines += [
                    "/// Handles to the resource \(of), which the host implements:",
                    "/// owned (drop it with \(helperName(resource, "drop_own")) or give it away) and borrowed (lent for a call).",
                    "typedef struct \(own) { int32_t __handle; } \(own);",
                    "typedef struct \(borrow) { int32_t __handle; } \(borrow);",
                ]
            } else {
                let representation = representationType(resource)
                lines += [
                    "/// The resource \(of), which this plugin implements: define",
                    "/// struct \(representation) (what a \(resource.name) holds). An owned handle to one crosses as",
                    "/// \(own); a borrowed one reaches your exports as a pointer to your struct.",
                    "typedef struct \(representation) \(representation);",
                    "typedef struct \(own) { int32_t __handle; } \(own);",
                    "typedef \(representation) *\(borrow);",
                ]
            }
            lines.append("")
        }
        return lines
    }

    /// The prototypes of the handle helpers.
    package func resourceHelperPrototypes() -> [String] {
        guard !resources.ordered.isEmpty else { return [] }
        var lines = ["", "/* ---- Resources ---- */"]
        for resource in resources.ordered {
            lines.append("")
            let own = ownType(resource)
            let name = resource.name
            if resource.isImport {
                lines += [
                    "/// Drops an owned \(name) handle (core import \"[resource-drop]\(name)\"): the host destroys the \(name).",
                    "void \(helperName(resource, "drop_own"))(\(own) handle);",
                    "/// A borrow of an owned \(name) handle, to pass to a call; the handle stays yours.",
                    "\(borrowType(resource)) \(prefix)_borrow_\(resource.cName)(\(own) handle);",
                ]
            } else {
                let representation = representationType(resource)
                lines += [
                    "/// A new owned handle to the \(name) `rep` (core import \"[resource-new]\(name)\"): return it to give the \(name) away.",
                    "\(own) \(helperName(resource, "new"))(\(representation) *rep);",
                    "/// The struct an owned \(name) handle stands for (core import \"[resource-rep]\(name)\"); the handle stays yours.",
                    "\(representation) *\(helperName(resource, "rep"))(\(own) handle);",
                    "/// Drops an owned \(name) handle (core import \"[resource-drop]\(name)\"): \(helperName(resource, "destructor")) runs.",
                    "void \(helperName(resource, "drop_own"))(\(own) handle);",
                ]
            }
        }
        return lines
    }

    /// The destructors the plugin implements, one per resource it implements.
    package func resourceDestructorPrototypes() -> [String] {
        resources.ordered.filter { !$0.isImport }.flatMap { resource in
            let export = resource.interface.coreExportName(of: "[dtor]\(resource.name)")
            return [
                "",
                "/// Destroys a \(resource.name) whose owned handle was dropped, by the host or by \(helperName(resource, "drop_own"))",
                "/// (core export \"\(export)\"): free `rep` and what it owns.",
                "void \(helperName(resource, "destructor"))(\(representationType(resource)) *rep);",
            ]
        }
    }

    // MARK: source

    /// The intrinsics' core imports, the handle helpers and the destructors' core exports.
    package func resourceGlue() -> [String] {
        guard !resources.ordered.isEmpty else { return [] }
        var lines = ["/* ---- Resources ---- */", ""]
        if functions.contains(where: { !$0.isImport && $0.function.parameters.contains { nestedImportedBorrows($0.type) } }) {
            lines += [
                "/* The borrowed handles inside an export's arguments, to drop when the export returns. */",
                "typedef struct { int32_t *ptr; size_t len; size_t cap; } abi_handles_t;",
                "",
                "static void abi_handles_push(abi_handles_t *handles, int32_t handle) {",
                "    if (handles->len == handles->cap) {",
                "        handles->cap = handles->cap == 0 ? 8 : handles->cap * 2;",
                "        handles->ptr = realloc(handles->ptr, handles->cap * sizeof(int32_t));",
                "        if (handles->ptr == NULL) abort();",
                "    }",
                "    handles->ptr[handles->len++] = handle;",
                "}",
                "",
            ]
        }
        for resource in resources.ordered {
            let own = ownType(resource)
            let drop = intrinsicName(resource, "resource-drop")
            if resource.isImport {
                let module = resource.interface.qualifiedName
                lines += [
                    "__attribute__((import_module(\"\(module)\"), import_name(\"[resource-drop]\(resource.name)\")))",
                    "extern void \(drop)(int32_t handle);",
                    "",
                    "void \(helperName(resource, "drop_own"))(\(own) handle) {",
                    "    \(drop)(handle.__handle);",
                    "}",
                    "",
                    "\(borrowType(resource)) \(prefix)_borrow_\(resource.cName)(\(own) handle) {",
                    "    return (\(borrowType(resource))){handle.__handle};",
                    "}",
                    "",
                ]
            } else {
                let module = "[export]\(resource.interface.qualifiedName)"
                let representation = representationType(resource)
                let new = intrinsicName(resource, "resource-new")
                let rep = intrinsicName(resource, "resource-rep")
                lines += [
                    "__attribute__((import_module(\"\(module)\"), import_name(\"[resource-new]\(resource.name)\")))",
                    "extern int32_t \(new)(int32_t rep);",
                    "__attribute__((import_module(\"\(module)\"), import_name(\"[resource-rep]\(resource.name)\")))",
                    "extern int32_t \(rep)(int32_t handle);",
                    "__attribute__((import_module(\"\(module)\"), import_name(\"[resource-drop]\(resource.name)\")))",
                    "extern void \(drop)(int32_t handle);",
                    "",
                    "\(own) \(helperName(resource, "new"))(\(representation) *rep) {",
                    "    return (\(own)){\(new)((int32_t)(uintptr_t)rep)};",
                    "}",
                    "",
                    "\(representation) *\(helperName(resource, "rep"))(\(own) handle) {",
                    "    return (\(representation) *)(uintptr_t)\(rep)(handle.__handle);",
                    "}",
                    "",
                    "void \(helperName(resource, "drop_own"))(\(own) handle) {",
                    "    \(drop)(handle.__handle);",
                    "}",
                    "",
                    "__attribute__((export_name(\"\(resource.interface.coreExportName(of: "[dtor]\(resource.name)"))\")))",
                    "void \(intrinsicName(resource, "dtor"))(int32_t rep) {",
                    "    \(helperName(resource, "destructor"))((\(representation) *)(uintptr_t)rep);",
                    "}",
                    "",
                ]
            }
        }
        return lines
    }

    // MARK: borrows lent to an export

    /// The statements of an export trampoline that drop the borrowed handles (of resources the host implements) in
    /// its arguments `arg0`, `arg1`, … once the plugin's function has returned: `collect` runs before the call
    /// (the function may free the lists holding them), `drop` after it.
    package func lentBorrows(_ parameters: [WITParameter]) -> (collect: [String], drop: [String]) {
        var collect: [String] = []
        var drop: [String] = []
        var lists: [CGuestResource] = []
        for (index, parameter) in parameters.enumerated() {
            if case .borrow(let handle) = parameter.type, let resource = resources[handle.name], resource.isImport {
                drop.append("\(intrinsicName(resource, "resource-drop"))(arg\(index).__handle);")
            } else if nestedImportedBorrows(parameter.type) {
                collect += collectBorrows(parameter.type, "arg\(index)", depth: 0, into: &lists)
            }
        }
        let declarations = lists.map { "abi_handles_t borrowed_\($0.cName) = {0};" }
        for resource in lists {
            drop += [
                "for (size_t i = 0; i < borrowed_\(resource.cName).len; i++) \(intrinsicName(resource, "resource-drop"))(borrowed_\(resource.cName).ptr[i]);",
                "free(borrowed_\(resource.cName).ptr);",
            ]
        }
        return (declarations + collect, drop)
    }

    /// Whether `type` holds a borrow of a resource the host implements inside another type.
    private func nestedImportedBorrows(_ type: WITType) -> Bool {
        if case .borrow = type { return false }
        return containsImportedBorrow(type)
    }

    private func containsImportedBorrow(_ type: WITType) -> Bool {
        switch type {
        case .borrow(let handle): resources[handle.name]?.isImport ?? false
        case .list(let element), .option(let element): containsImportedBorrow(element)
        case .tuple(let elements): elements.contains(where: containsImportedBorrow)
        case .record(_, let fields): fields.contains { containsImportedBorrow($0.type) }
        case .variant(_, let cases): cases.contains { $0.payload.map(containsImportedBorrow) ?? false }
        case .result(let ok, let error): (ok.map(containsImportedBorrow) ?? false) || (error.map(containsImportedBorrow) ?? false)
        default: false
        }
    }

    /// Statements pushing every borrowed handle in `value` (a C lvalue of `type`) onto `borrowed_<resource>`.
    private func collectBorrows(_ type: WITType, _ value: String, depth: Int, into lists: inout [CGuestResource]) -> [String] {
        guard containsImportedBorrow(type) else { return [] }
        func nested(_ type: WITType, _ value: String) -> [String] {
            collectBorrows(type, value, depth: depth + 1, into: &lists).map { "    " + $0 }
        }
        switch type {
        case .borrow(let handle):
            guard let resource = resources[handle.name] else { return [] }
            if !lists.contains(resource) { lists.append(resource) }
            return ["abi_handles_push(&borrowed_\(resource.cName), \(value).__handle);"]
        case .list(let element):
            let index = "i\(depth)"
            return ["for (size_t \(index) = 0; \(index) < \(value).len; \(index)++) {"] + nested(element, "\(value).ptr[\(index)]") + ["}"]
        case .option(let wrapped):
            return ["if (\(value).is_some) {"] + nested(wrapped, "\(value).val") + ["}"]
        case .tuple(let elements):
            return elements.enumerated().flatMap { collectBorrows($1, "\(value).f\($0)", depth: depth, into: &lists) }
        case .record(_, let fields):
            return fields.flatMap { collectBorrows($0.type, "\(value).\(CGuestTypes.identifier($0.name))", depth: depth, into: &lists) }
        case .variant, .result:
            let tag = CGuestABI.tagField(type)
            var lines = ["switch (\(tag == "tag" ? "" : "(int)")\(value).\(tag)) {"]
            for (index, payload) in CanonicalLayout.variantShape(type).payloads.enumerated() {
                guard let payload, containsImportedBorrow(payload) else { continue }
                lines += ["case \(index): {"] + nested(payload, "\(value).\(CGuestABI.payloadMember(type, index))") + ["    break;", "}"]
            }
            return lines + ["default: break;", "}"]
        default:
            return []
        }
    }
}
