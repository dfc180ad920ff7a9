import PlugboardABI
extension CGuestBindgen {
    /// A starter `plugin.c` for a new plugin implementing `world` with the bindings of ``generate(world:)``
    /// (included as `bindings/<world>.h`): every export implemented with compiling placeholder code.
    ///
    /// For the default world, `process` returns its input in upper case and `get-metadata` returns `pluginName`,
    /// so the plugin runs as it is. For other worlds, each export frees its arguments (and drops the owned handles
    /// among them) and returns a zero value; each resource the plugin implements gets a placeholder struct and a
    /// destructor freeing it, and its constructor returns a new handle to a zeroed struct.
    public static func starter(world: WITWorld, pluginName: String) throws -> String {
        let generator = try CGuestGenerator(world: world)
        let prefix = generator.prefix
        var lines = [
            "/*",
            " * \(pluginName): a Plugboard plugin implementing the WIT world \(world.qualifiedName) (wit/).",
            " *",
            " * Build: bash build.sh. The generated bindings/\(prefix).h lists the types, the imports you can call",
            " * and the exports implemented here, and says who frees what: arguments of an export are yours to free;",
            " * what an export returns must own its memory and is freed for you after the host has read it.",
            " * Regenerate the bindings after changing wit/: plugboard bindgen --guest c wit --world \(world.name) -o bindings",
            " */",
            "#include <stdbool.h>",
            "#include <stdlib.h>",
            "#include <string.h>",
            "",
            "#include \"bindings/\(prefix).h\"",
        ]
        if world == DefaultWorld.world {
            lines += defaultWorldStarter(prefix: prefix, pluginName: pluginName)
        } else {
            for resource in generator.resources.ordered where !resource.isImport {
                lines.append("")
                lines += resourceStarter(resource, generator: generator)
            }
            for entry in generator.functions where !entry.isImport {
                lines.append("")
                lines += genericExport(entry, generator: generator)
            }
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    private static func cString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: result += "?"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func genericExport(_ entry: CGuestFunction, generator: CGuestGenerator) -> [String] {
        let types = generator.types
        var lines = ["/* \(entry.function.name): \(entry.function.signature) */", generator.prototype(entry) + " {"]
        lines.append("    /* TODO: implement \(entry.function.name). */")
        for parameter in entry.function.parameters {
            let name = CGuestTypes.identifier(parameter.name)
            if CGuestTypes.ownsMemory(parameter.type) {
                lines.append("    \(types.freeFunction(parameter.type))(&\(name));")
            } else if case .own(let handle) = parameter.type, let resource = generator.resources[handle.name] {
                lines.append("    \(generator.helperName(resource, "drop_own"))(\(name));")
            } else {
                lines.append("    (void)\(name);")
            }
        }
        if let resultType = entry.resultType {
            switch resultType {
            case .own(let handle) where entry.function.name.hasPrefix("[constructor]"):
                if let resource = generator.resources[handle.name] {
                    let representation = generator.representationType(resource)
                    lines += [
                        "    \(representation) *rep = calloc(1, sizeof *rep);",
                        "    if (rep == NULL) abort();",
                        "    return \(generator.helperName(resource, "new"))(rep);",
                    ]
                }
            case .bool: lines.append("    return false;")
            case .s8, .u8, .s16, .u16, .s32, .u32, .s64, .u64, .f32, .f64, .char, .enum, .flags: lines.append("    return 0;")
            default: lines.append("    return (\(types.cType(resultType))){0};")
            }
        }
        lines.append("}")
        return lines
    }

    /// The placeholder struct and the destructor of a resource the plugin implements.
    private static func resourceStarter(_ resource: CGuestResource, generator: CGuestGenerator) -> [String] {
        let representation = generator.representationType(resource)
        return [
            "/* \(resource.name) (\(resource.interface.qualifiedName)): a handle the host holds stands for one of these. */",
            "struct \(representation) {",
            "    int placeholder; /* TODO: what a \(resource.name) holds. */",
            "};",
            "",
            "/* Runs when the owned handle to a \(resource.name) is dropped: free what it holds, then the struct. */",
            "void \(generator.helperName(resource, "destructor"))(\(representation) *rep) {",
            "    free(rep);",
            "}",
        ]
    }

    private static func defaultWorldStarter(prefix p: String, pluginName: String) -> [String] {
        """

        /* initialize: called once after loading, with the plugin's configuration (also readable with
         * \(p)_host_api_get_config). Return an error to refuse to start. */
        \(p)_result_void_string_t exports_\(p)_plugin_api_initialize(\(p)_list_tuple2_string_string_t config) {
            /* TODO: read the configuration. */
            \(p)_list_tuple2_string_string_free(&config);
            return (\(p)_result_void_string_t){.is_err = false};
        }

        /* process: one unit of work. TODO: replace the placeholder, which returns the input in upper case. */
        \(p)_process_response_t exports_\(p)_plugin_api_process(\(p)_process_request_t req) {
            \(p)_process_response_t response = {.success = true};
            \(p)_string_dup_n(&response.output, (const char *)req.input.ptr, req.input.len);
            for (size_t i = 0; i < response.output.len; i++) {
                uint8_t c = response.output.ptr[i];
                if (c >= 'a' && c <= 'z') response.output.ptr[i] = (uint8_t)(c - 'a' + 'A');
            }
            \(p)_result_void_string_t logged = \(p)_host_api_log_message(
                \(p.uppercased())_STRING_LITERAL("debug"), \(p.uppercased())_STRING_LITERAL("processed a request"));
            \(p)_result_void_string_free(&logged);
            \(p)_process_request_free(&req);
            return response;
        }

        /* shutdown: called once before unloading. */
        \(p)_result_void_string_t exports_\(p)_plugin_api_shutdown(void) {
            return (\(p)_result_void_string_t){.is_err = false};
        }

        /* get-metadata: who the plugin is. Returned strings must be owned, hence the copies. */
        \(p)_plugin_metadata_t exports_\(p)_plugin_api_get_metadata(void) {
            \(p)_plugin_metadata_t metadata;
            \(p)_string_dup(&metadata.name, \(cString(pluginName)));
            \(p)_string_dup(&metadata.version, "0.1.0");
            \(p)_string_dup(&metadata.description, "TODO: describe what this plugin does");
            return metadata;
        }
        """.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
