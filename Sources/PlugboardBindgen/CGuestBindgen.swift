import PlugboardABI
/// Generates C guest bindings for a WIT world: what a plugin written in C (or anything that links C) needs to
/// implement the world as a core WebAssembly module with the canonical ABI.
///
/// The output is a header declaring C types for every WIT type the world's functions use, `_free` and string
/// helpers, a wrapper for each import and the prototype of each export the plugin implements; and a source file
/// with `cabi_realloc`, the import declarations (`import_module`/`import_name`), the export trampolines
/// (`export_name`), and `cabi_post_*` functions that free what an export returned. Memory is read and written at
/// offsets computed from the canonical ABI, so the glue does not depend on how C lays out its structs.
///
/// Resources are bound as wit-bindgen's C generator binds them. For one the host implements: handle structs
/// `<world>_own_<r>_t` and `<world>_borrow_<r>_t`, `<world>_<r>_drop_own`, `<world>_borrow_<r>`, and its
/// constructor, methods and static functions as imports (`<world>_<interface>_constructor_<r>`,
/// `_method_<r>_<m>`, `_static_<r>_<f>`); a borrow an export receives is dropped when the export returns. For one
/// the plugin implements: the plugin defines `struct exports_<world>_<r>_t` and
/// `exports_<world>_<r>_destructor`, gets `exports_<world>_<r>_new`, `_rep` and `_drop_own`, receives borrows as
/// pointers to its struct, and implements the constructor, methods and static functions as exports. The
/// header's opening comment says who drops what.
///
/// ```swift
/// let world = try WITPackage.load(path: "wit/").world(named: "plugin-world")
/// let bindings = try CGuestBindgen.generate(world: world)
/// // write bindings.header to bindings.headerName and bindings.source to bindings.sourceName
/// ```
///
/// The same world always gives byte-identical output. `plugboard bindgen --guest c` is the command-line front end.
public enum CGuestBindgen {
    /// The generated files: a header and a source file named after the world.
    public struct Output: Sendable {
        public var headerName: String
        public var header: String
        public var sourceName: String
        public var source: String
    }

    /// The C bindings for a plugin implementing `world`.
    ///
    /// - Throws: ``PlugboardError`` with code `unsupportedType` when a function uses a future or stream (or flags
    ///   with more than 32 members), naming the type and the function, or a resource the bindings cannot place: one
    ///   whose interface the world both imports and exports, or one no interface of the world defines;
    ///   `invalidArgument` when two different types, resources or functions would get the same C name.
    public static func generate(world: WITWorld) throws -> Output {
        let generator = try CGuestGenerator(world: world)
        return Output(
            headerName: generator.prefix + ".h", header: generator.header(),
            sourceName: generator.prefix + ".c", source: generator.source())
    }
}

/// One import or export as the generated C sees it.
package struct CGuestFunction {
    package var interface: WITInterface
    package var function: WITFunction
    package var isImport: Bool
    /// The C function the plugin calls (imports) or implements (exports).
    package var userName: String
    /// The core import or export name.
    package var coreName: String
    /// The generated static/extern core function.
    package var internalName: String

    /// The WIT result as one C value: nothing, the single result, or a tuple of several.
    package var resultType: WITType? {
        switch function.results.count {
        case 0: nil
        case 1: function.results[0]
        default: .tuple(function.results)
        }
    }

    package var spillsParameters: Bool {
        function.parameters.flatMap { CanonicalLayout.flatten($0.type) }.count > CanonicalLayout.maxFlatParams
    }
}

package struct CGuestGenerator {
    package let world: WITWorld
    package let prefix: String
    package var types: CGuestTypes
    package var functions: [CGuestFunction] = []

    package init(world: WITWorld) throws {
        self.world = world
        self.prefix = CGuestTypes.snake(world.name)
        let resources = try CGuestResources(world: world)
        self.types = CGuestTypes(prefix: prefix, resources: resources)
        var names: Set<String> = []
        for (interfaces, isImport) in [(world.imports, true), (world.exports, false)] {
            for interface in interfaces {
                for function in interface.functions.map(resources.normalized) {
                    let context = "function \(function.name) of \(interface.qualifiedName)"
                    for parameter in function.parameters { try types.register(parameter.type, context: context) }
                    for result in function.results { try types.register(result, context: context) }
                    if function.results.count > 1 { try types.register(.tuple(function.results), context: context) }
                    let base = (interface.name.map { CGuestTypes.snake($0) + "_" } ?? "") + CGuestResources.cFunctionName(function.name)
                    let entry = CGuestFunction(
                        interface: interface, function: function, isImport: isImport,
                        userName: isImport ? "\(prefix)_\(base)" : "exports_\(prefix)_\(base)",
                        coreName: isImport ? function.name : interface.coreExportName(of: function.name),
                        internalName: (isImport ? "abi_import_" : "abi_export_") + base)
                    guard names.insert(entry.userName).inserted else {
                        throw PlugboardError.invalidArgument(
                            "C guest bindings: two functions of world \(world.name) map to the C name \(entry.userName); rename one of them")
                    }
                    functions.append(entry)
                }
            }
        }
        for name in resourceHelperNames where !names.insert(name).inserted {
            throw PlugboardError.invalidArgument(
                "C guest bindings: a resource helper of world \(world.name) and another function both map to the C name \(name); rename one of them")
        }
    }

    package static func banner(world: WITWorld) -> String {
        "/* Generated by plugboard bindgen — DO NOT EDIT; regenerate with: plugboard bindgen --guest c <wit> --world \(world.name) -o <dir> */"
    }

    // MARK: header

    package func prototype(_ entry: CGuestFunction) -> String {
        let result = entry.resultType.map(types.cType) ?? "void"
        let parameters = entry.function.parameters.map { "\(types.cType($0.type)) \(CGuestTypes.identifier($0.name))" }
        return "\(result) \(entry.userName)(\(parameters.isEmpty ? "void" : parameters.joined(separator: ", ")))"
    }

    package func header() -> String {
        let guardName = prefix.uppercased() + "_H"
        let macroPrefix = prefix.uppercased()
        var lines = [Self.banner(world: world)]
        lines += """
            /*
             * C guest bindings for the WIT world \(world.qualifiedName): a plugin built as a core
             * WebAssembly module (wasm32, e.g. clang --target=wasm32-wasip1 -mexec-model=reactor) that
             * implements the world with the canonical ABI (strings are UTF-8). Compile \(prefix).c with your code.
             *
             * Calling convention: every function below takes its arguments by value and returns its result by
             * value (void when the WIT function has none). Imports are plain C functions named
             * \(prefix)_<interface>_<function>; you implement each export as exports_\(prefix)_<interface>_<function>.
             *
             * Ownership (the rules of wit-bindgen's C generator):
             *   - Arguments of an export belong to your implementation: free them with the matching _free helper
             *     when you no longer need them (numbers, bools, chars, enums and flags own nothing).
             *   - The value an export returns is handed over to the generated code, which frees it with the _free
             *     helpers in cabi_post_<export> after the host has read it. So it must own all its memory: build
             *     strings with \(prefix)_string_dup (never return a literal or static data); it may reuse memory
             *     from the export's arguments that you did not free.
             *   - Arguments you pass to an import are only borrowed for the call.
             *   - The value an import returns belongs to you: free it with the matching _free helper.
             *   - A zero-length string or list owns no memory (its ptr may be NULL or a dangling aligned pointer);
             *     everything else is malloc memory: cabi_realloc, which the host uses to allocate in this module,
             *     is malloc/realloc-based.
            """.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines += resourceOwnershipComment()
        lines += """
             */
            #ifndef \(guardName)
            #define \(guardName)

            #include <stdbool.h>
            #include <stddef.h>
            #include <stdint.h>

            #ifdef __cplusplus
            extern "C" {
            #endif

            /* ---- Types ---- */

            """.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines += resourceTypeDeclarations()
        for type in types.ordered {
            lines += types.declaration(type)
            lines.append("")
        }
        lines += [
            "/* ---- Helpers ---- */",
            "",
            "/// A string literal viewed as a \(prefix)_string_t, without copying: borrowed, so pass it to imports or",
            "/// compare with it, but never free it or return it from an export.",
            "#define \(macroPrefix)_STRING_LITERAL(s) ((\(prefix)_string_t){(uint8_t *)(s), sizeof(s) - 1})",
            "/// Points `ret` at the NUL-terminated `s` without copying (borrowed, like \(macroPrefix)_STRING_LITERAL).",
            "void \(prefix)_string_set(\(prefix)_string_t *ret, const char *s);",
            "/// Sets `ret` to an owned copy of the NUL-terminated `s`.",
            "void \(prefix)_string_dup(\(prefix)_string_t *ret, const char *s);",
            "/// Sets `ret` to an owned copy of the `len` bytes at `s`.",
            "void \(prefix)_string_dup_n(\(prefix)_string_t *ret, const char *s, size_t len);",
            "",
            "/// The _free helpers free everything a value owns (not the value itself) and leave it empty.",
        ]
        lines += types.ordered.compactMap(types.freePrototype).map { $0 + ";" }
        lines += resourceHelperPrototypes()
        for (title, isImport) in [("Imports: provided by the host, call these", true), ("Exports: implement these", false)] {
            let entries = functions.filter { $0.isImport == isImport }
            guard !entries.isEmpty else { continue }
            lines += ["", "/* ---- \(title) ---- */"]
            if !isImport { lines += resourceDestructorPrototypes() }
            for entry in entries {
                lines.append("")
                let where_ = entry.interface.name == nil ? "world \(world.name)" : entry.interface.qualifiedName
                lines.append("/// `\(entry.function.name): \(entry.function.signature)` of \(where_) (core \(isImport ? "import" : "export") \"\(entry.coreName)\").")
                lines.append(prototype(entry) + ";")
            }
        }
        lines += ["", "#ifdef __cplusplus", "}", "#endif", "", "#endif /* \(guardName) */", ""]
        return lines.joined(separator: "\n")
    }

    // MARK: source

    package func source() -> String {
        var lines = [Self.banner(world: world)]
        lines += """
            /*
             * Canonical-ABI glue for \(world.qualifiedName): cabi_realloc, the helpers declared in
             * \(prefix).h, import wrappers, export trampolines and post-return functions. Values are read and
             * written with memcpy at the offsets the canonical ABI defines (computed by the generator), so
             * nothing here depends on C struct layout.
             */
            #include "\(prefix).h"

            #include <stdlib.h>
            #include <string.h>

            _Static_assert(sizeof(void *) == 4 && sizeof(size_t) == 4, "the canonical ABI bindings are for wasm32");
            _Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE 754 floats");

            /* Not every helper is used by every world. */
            #pragma clang diagnostic ignored "-Wunused-function"

            /* ---- Memory ---- */

            static void *abi_malloc(size_t size) {
                void *ptr = malloc(size);
                if (ptr == NULL) abort(); /* traps: the host reports the failed call */
                return ptr;
            }

            /* Allocates `size` bytes (malloc: 16-byte aligned, enough for any canonical type) and records the
             * block in `allocs`, so it can be freed once the host has read it. */
            typedef struct { void **ptrs; size_t len; size_t cap; } abi_allocs_t;

            static uint8_t *abi_alloc(abi_allocs_t *allocs, size_t size) {
                uint8_t *ptr = abi_malloc(size);
                if (allocs->len == allocs->cap) {
                    allocs->cap = allocs->cap == 0 ? 8 : allocs->cap * 2;
                    allocs->ptrs = realloc(allocs->ptrs, allocs->cap * sizeof(void *));
                    if (allocs->ptrs == NULL) abort();
                }
                allocs->ptrs[allocs->len++] = ptr;
                return ptr;
            }

            static void abi_allocs_free(abi_allocs_t *allocs) {
                for (size_t i = 0; i < allocs->len; i++) free(allocs->ptrs[i]);
                free(allocs->ptrs);
                *allocs = (abi_allocs_t){0};
            }

            /* Called by the host to allocate (old_size 0) or resize memory in this module, e.g. to pass arguments
             * or return strings from imports. A zero-size request returns a dangling aligned pointer. */
            __attribute__((export_name("cabi_realloc")))
            void *cabi_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size) {
                if (new_size == 0) {
                    if (old_size != 0) free(old_ptr);
                    return (void *)align;
                }
                void *ptr;
                if (align > 16) {
                    if (posix_memalign(&ptr, align, new_size) != 0) abort();
                    if (old_size != 0) {
                        memcpy(ptr, old_ptr, old_size < new_size ? old_size : new_size);
                        free(old_ptr);
                    }
                    return ptr;
                }
                ptr = old_size != 0 ? realloc(old_ptr, new_size) : malloc(new_size);
                if (ptr == NULL) abort();
                return ptr;
            }

            static inline void abi_store_u8(uint8_t *mem, uint8_t v) { memcpy(mem, &v, 1); }
            static inline void abi_store_u16(uint8_t *mem, uint16_t v) { memcpy(mem, &v, 2); }
            static inline void abi_store_u32(uint8_t *mem, uint32_t v) { memcpy(mem, &v, 4); }
            static inline void abi_store_u64(uint8_t *mem, uint64_t v) { memcpy(mem, &v, 8); }
            static inline void abi_store_f32(uint8_t *mem, float v) { memcpy(mem, &v, 4); }
            static inline void abi_store_f64(uint8_t *mem, double v) { memcpy(mem, &v, 8); }
            static inline uint8_t abi_load_u8(const uint8_t *mem) { uint8_t v; memcpy(&v, mem, 1); return v; }
            static inline uint16_t abi_load_u16(const uint8_t *mem) { uint16_t v; memcpy(&v, mem, 2); return v; }
            static inline uint32_t abi_load_u32(const uint8_t *mem) { uint32_t v; memcpy(&v, mem, 4); return v; }
            static inline uint64_t abi_load_u64(const uint8_t *mem) { uint64_t v; memcpy(&v, mem, 8); return v; }
            static inline float abi_load_f32(const uint8_t *mem) { float v; memcpy(&v, mem, 4); return v; }
            static inline double abi_load_f64(const uint8_t *mem) { double v; memcpy(&v, mem, 8); return v; }
            static inline float abi_i32_to_f32(int32_t x) { float v; memcpy(&v, &x, 4); return v; }
            static inline int32_t abi_f32_to_i32(float x) { int32_t v; memcpy(&v, &x, 4); return v; }
            static inline double abi_i64_to_f64(int64_t x) { double v; memcpy(&v, &x, 8); return v; }
            static inline int64_t abi_f64_to_i64(double x) { int64_t v; memcpy(&v, &x, 8); return v; }

            /* ---- Helpers ---- */

            void \(prefix)_string_set(\(prefix)_string_t *ret, const char *s) {
                ret->ptr = (uint8_t *)s;
                ret->len = strlen(s);
            }

            void \(prefix)_string_dup(\(prefix)_string_t *ret, const char *s) {
                \(prefix)_string_dup_n(ret, s, strlen(s));
            }

            void \(prefix)_string_dup_n(\(prefix)_string_t *ret, const char *s, size_t len) {
                ret->len = len;
                ret->ptr = len > 0 ? abi_malloc(len) : NULL;
                if (len > 0) memcpy(ret->ptr, s, len);
            }

            """.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for type in types.ordered where CGuestTypes.ownsMemory(type) {
            lines += types.freeDefinition(type)
            lines.append("")
        }
        lines += ["/* ---- Lifting and lowering ---- */", ""]
        let abi = CGuestABI(types: types)
        for type in types.ordered {
            let helpers = abi.helpers(type)
            guard !helpers.isEmpty else { continue }
            lines += helpers
            lines.append("")
        }
        lines += resourceGlue()
        let imports = functions.filter(\.isImport)
        if !imports.isEmpty {
            lines += ["/* ---- Imports ---- */", ""]
            for entry in imports {
                lines += importWrapper(entry)
                lines.append("")
            }
        }
        let exports = functions.filter { !$0.isImport }
        if !exports.isEmpty {
            lines += ["/* ---- Exports ---- */", ""]
            for entry in exports {
                lines += exportTrampoline(entry)
                lines.append("")
            }
        }
        while lines.last == "" { lines.removeLast() }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    package static func coreParameters(_ types: [CoreType], name: String) -> String {
        types.isEmpty ? "void" : types.enumerated().map { "\(CGuestABI.coreCType($1)) \(name)\($0)" }.joined(separator: ", ")
    }

    /// The extern declaration of an import's core function and the C wrapper with the WIT signature.
    package func importWrapper(_ entry: CGuestFunction) -> [String] {
        var abi = CGuestABI(types: types)
        let signature = entry.function.coreImportSignature
        let coreResult = signature.results.first.map(CGuestABI.coreCType) ?? "void"
        var lines = [
            "__attribute__((import_module(\"\(entry.interface.qualifiedName)\"), import_name(\"\(entry.function.name)\")))",
            "extern \(coreResult) \(entry.internalName)(\(Self.coreParameters(signature.parameters, name: "p")));",
            "",
        ]
        let parameters = entry.function.parameters
        let resultType = entry.resultType
        let declared = parameters.enumerated().map { "\(types.cType($1.type)) arg\($0)" }
        lines.append("\(resultType.map(types.cType) ?? "void") \(entry.userName)(\(declared.isEmpty ? "void" : declared.joined(separator: ", "))) {")
        let allocates = parameters.contains { CGuestTypes.containsConvertedList($0.type) }
        var body = allocates ? ["abi_allocs_t allocs = {0};"] : []
        let freeAllocs = allocates ? ["abi_allocs_free(&allocs);"] : []
        var coreArguments: [String] = []
        if entry.spillsParameters {
            let tuple = WITType.tuple(parameters.map(\.type))
            body.append("uint8_t spill[\(CanonicalLayout.size(tuple))] __attribute__((aligned(\(CanonicalLayout.alignment(tuple)))));")
            for (index, (parameter, offset)) in zip(parameters, CanonicalLayout.fieldOffsets(parameters.map(\.type))).enumerated() {
                body.append(abi.store(parameter.type, value: "arg\(index)", mem: CGuestABI.at("spill", offset), allocs: allocates ? "&allocs" : "NULL"))
            }
            coreArguments = ["(int32_t)(uintptr_t)spill"]
        } else {
            let flat = parameters.flatMap { CanonicalLayout.flatten($0.type) }
            coreArguments = flat.indices.map { "c\($0)" }
            body += zip(coreArguments, flat).map { "\(CGuestABI.coreCType($1)) \($0) = 0;" }
            var rest = coreArguments[...]
            for (index, parameter) in parameters.enumerated() {
                let count = CanonicalLayout.flatten(parameter.type).count
                body += abi.lowerFlat(parameter.type, "arg\(index)", into: rest.prefix(count), allocs: allocates ? "&allocs" : "NULL")
                rest = rest.dropFirst(count)
            }
        }
        if let resultType, let area = entry.function.resultArea {
            body.append("uint8_t ret_area[\(area.size)] __attribute__((aligned(\(area.alignment))));")
            body.append("\(entry.internalName)(\((coreArguments + ["(int32_t)(uintptr_t)ret_area"]).joined(separator: ", ")));")
            body += freeAllocs
            body.append("\(types.cType(resultType)) ret;")
            body.append(abi.load(resultType, mem: "ret_area", into: "ret"))
            body.append("return ret;")
        } else if let resultType {
            body.append("\(coreResult) r0 = \(entry.internalName)(\(coreArguments.joined(separator: ", ")));")
            body += freeAllocs
            body.append("\(types.cType(resultType)) ret;")
            body += abi.liftFlat(resultType, ["r0"], into: "ret")
            body.append("return ret;")
        } else {
            body.append("\(entry.internalName)(\(coreArguments.joined(separator: ", ")));")
            body += freeAllocs
        }
        return lines + body.map { "    " + $0 } + ["}"]
    }

    /// The exported core function that lifts the arguments, calls the plugin's implementation and lowers its
    /// result; plus `cabi_post_<export>` when the result owns memory.
    package func exportTrampoline(_ entry: CGuestFunction) -> [String] {
        var abi = CGuestABI(types: types)
        let signature = entry.function.coreExportSignature
        let coreResult = signature.results.first.map(CGuestABI.coreCType) ?? "void"
        let parameters = entry.function.parameters
        let resultType = entry.resultType
        var lines: [String] = []
        let area = entry.function.resultArea
        let staticName = "abi_ret_" + entry.internalName.dropFirst("abi_export_".count)
        if let resultType, let area {
            lines += [
                "static \(types.cType(resultType)) \(staticName);",
                "static abi_allocs_t \(staticName)_allocs;",
                "static uint8_t \(staticName)_area[\(area.size)] __attribute__((aligned(\(area.alignment))));",
                "",
            ]
        }
        lines.append("__attribute__((export_name(\"\(entry.coreName)\")))")
        lines.append("\(coreResult) \(entry.internalName)(\(Self.coreParameters(signature.parameters, name: "p"))) {")
        var body: [String] = parameters.enumerated().map { "\(types.cType($1.type)) arg\($0);" }
        if entry.spillsParameters {
            body.append("uint8_t *spill = (uint8_t *)(uintptr_t)p0;")
            for (index, (parameter, offset)) in zip(parameters, CanonicalLayout.fieldOffsets(parameters.map(\.type))).enumerated() {
                body.append(abi.load(parameter.type, mem: CGuestABI.at("spill", offset), into: "arg\(index)"))
            }
            body.append("free(spill);")
        } else {
            var rest = signature.parameters.indices.map { "p\($0)" }[...]
            for (index, parameter) in parameters.enumerated() {
                let count = CanonicalLayout.flatten(parameter.type).count
                body += abi.liftFlat(parameter.type, rest.prefix(count), into: "arg\(index)")
                rest = rest.dropFirst(count)
            }
        }
        let call = "\(entry.userName)(\(parameters.indices.map { "arg\($0)" }.joined(separator: ", ")))"
        let borrows = lentBorrows(parameters)
        body += borrows.collect
        if let resultType, area != nil {
            body.append("\(staticName) = \(call);")
            body += borrows.drop
            body.append(abi.store(resultType, value: staticName, mem: "\(staticName)_area", allocs: "&\(staticName)_allocs"))
            body.append("return (int32_t)(uintptr_t)\(staticName)_area;")
        } else if let resultType {
            body.append("\(types.cType(resultType)) ret = \(call);")
            body += borrows.drop
            body.append("\(coreResult) r0 = 0;")
            body += abi.lowerFlat(resultType, "ret", into: ["r0"], allocs: "NULL")
            body.append("return r0;")
        } else {
            body.append("\(call);")
            body += borrows.drop
        }
        lines += body.map { "    " + $0 } + ["}"]
        if let resultType, area != nil, CGuestTypes.ownsMemory(resultType) {
            lines += [
                "",
                "__attribute__((export_name(\"cabi_post_\(entry.coreName)\")))",
                "void abi_post_\(entry.internalName.dropFirst("abi_".count))(int32_t ret_area) {",
                "    (void)ret_area;",
                "    abi_allocs_free(&\(staticName)_allocs);",
                "    \(types.freeFunction(resultType))(&\(staticName));",
                "}",
            ]
        }
        return lines
    }
}
