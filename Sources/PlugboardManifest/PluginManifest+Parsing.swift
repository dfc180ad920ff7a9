import TOMLKit
import PlugboardABI

extension PluginManifest {
    package static let rootKeys = ["name", "version", "wasm", "sha256", "world", "policy", "config", "capabilities", "limits", "pool", "rollout", "failure"]
    package static let capabilityKeys = ["env", "args", "clocks", "random", "stdio", "network", "dirs"]
    package static let directoryKeys = ["host", "guest", "access"]
    package static let limitKeys = ["max-memory-mb", "fuel", "stack-kb", "max-output-mb", "timeout-ms", "max-message-kb", "max-host-call-mb", "max-table-elements", "max-resource-handles"]
    package static let poolKeys = ["size", "max-invocations", "idle-timeout-ms", "max-queue", "max-wait-ms"]
    package static let rolloutKeys = ["canary-percent", "keep-versions", "min-calls", "max-error-rate", "max-trap-rate", "max-p95-ratio", "min-p95-ms"]
    package static let failureKeys = ["policy", "fallback", "max-crashes", "crash-window-ms"]

    /// Parses manifest text. `fileName` names the manifest in error messages.
    ///
    /// `[config]` keeps the order of the file (TOMLKit's tables are sorted, so the order is recovered from the
    /// lines of the text; keys it cannot place, e.g. in an inline table, follow in key order).
    public init(parsing text: String, fileName: String = "plugin.toml") throws(PlugboardError) {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .manifestSyntax(fileName, line: error.source.begin.line, column: error.source.begin.column, detail: error.description)
        } catch {
            throw .manifestSyntax(fileName, line: 1, column: 1, detail: "\(error)")
        }
        var parser = Parser(file: fileName, lines: ManifestLines(text))
        self.init(fileName: fileName)
        try parser.parse(root, into: &self)
    }

    private struct Parser {
        let file: String
        let lines: ManifestLines

        func tableLabel(_ table: String?) -> String { table.map { "[\($0)]" } ?? "the top level" }

        func line(_ key: String, _ table: String?) -> Int { lines.line(ofKey: key, inTable: table) }

        func unknown(_ key: String, _ table: String?, allowed: [String]) -> PlugboardError {
            .manifestUnknownKey(file, key: key, table: tableLabel(table), line: line(key, table), allowed: allowed)
        }

        func wrongType(_ key: String, _ table: String?, expected: String, got value: any TOMLValueConvertible) -> PlugboardError {
            .manifestWrongType(file, key: key, table: tableLabel(table), line: line(key, table), expected: expected, got: Self.describe(value))
        }

        func invalid(_ key: String, _ table: String?, _ detail: String) -> PlugboardError {
            .manifestInvalidValue(file, key: key, table: tableLabel(table), line: line(key, table), detail: detail)
        }

        static func describe(_ value: any TOMLValueConvertible) -> String {
            switch value.type {
            case .int: "an integer"
            case .array: "an array"
            case .table: "a table"
            default: "a \(value.type)"
            }
        }

        func string(_ value: any TOMLValueConvertible, _ key: String, _ table: String?) throws(PlugboardError) -> String {
            guard let string = value.string else { throw wrongType(key, table, expected: "a string", got: value) }
            return string
        }

        /// One of the cases of `Choice`, spelled as its raw value; anything else is refused naming every case.
        func choice<Choice: RawRepresentable & CaseIterable>(
            _ value: any TOMLValueConvertible, _ key: String, _ table: String?
        ) throws(PlugboardError) -> Choice where Choice.RawValue == String {
            let text = try string(value, key, table)
            guard let choice = Choice(rawValue: text) else {
                throw invalid(key, table, "must be one of: \(Choice.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'")
            }
            return choice
        }

        func bool(_ value: any TOMLValueConvertible, _ key: String, _ table: String?) throws(PlugboardError) -> Bool {
            guard let bool = value.bool else { throw wrongType(key, table, expected: "a boolean (true or false)", got: value) }
            return bool
        }

        func positive(_ value: any TOMLValueConvertible, _ key: String, _ table: String?) throws(PlugboardError) -> Int {
            guard let int = value.int else { throw wrongType(key, table, expected: "an integer", got: value) }
            guard int > 0 else { throw invalid(key, table, "must be a positive integer, got \(int)") }
            return int
        }

        func strings(_ value: any TOMLValueConvertible, _ key: String, _ table: String?) throws(PlugboardError) -> [String] {
            guard let array = value.array else { throw wrongType(key, table, expected: "an array of strings", got: value) }
            var result: [String] = []
            for element in array {
                guard let string = element.string else {
                    throw wrongType(key, table, expected: "an array of strings", got: TOMLArray([element]))
                }
                result.append(string)
            }
            return result
        }

        func table(_ value: any TOMLValueConvertible, _ key: String) throws(PlugboardError) -> TOMLTable {
            guard let table = value.table else { throw wrongType(key, nil, expected: "a table ([\(key)])", got: value) }
            return table
        }

        mutating func parse(_ root: TOMLTable, into manifest: inout PluginManifest) throws(PlugboardError) {
            for key in root.keys {
                guard let value = root[key] else { continue }
                switch key {
                case "name": manifest.name = try string(value, key, nil)
                case "version": manifest.version = try string(value, key, nil)
                case "wasm": manifest.wasm = try string(value, key, nil)
                case "sha256":
                    let hex = try string(value, key, nil).lowercased()
                    guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                        throw invalid(key, nil, "must be 64 hexadecimal digits (a SHA-256), got '\(hex)'")
                    }
                    manifest.sha256 = hex
                case "world":
                    let world = try string(value, key, nil)
                    guard WorldReference(world) != nil else {
                        throw invalid(key, nil, "must look like 'namespace:package/world@1.0.0', got '\(world)'")
                    }
                    manifest.world = world
                case "policy": manifest.policy = try choice(value, key, nil)
                case "engine": manifest.engine = try choice(value, key, nil) as PluginEngine
                case "config": manifest.config = try config(table(value, key))
                case "capabilities": manifest.capabilities = try capabilities(table(value, key))
                case "limits": manifest.limits = try limits(table(value, key))
                case "pool": try pool(table(value, key), into: &manifest.rollout)
                case "rollout": try rollout(table(value, key), into: &manifest.rollout)
                case "failure": try failure(table(value, key), into: &manifest.rollout)
                default: throw unknown(key, nil, allowed: PluginManifest.rootKeys)
                }
            }
        }

        func config(_ table: TOMLTable) throws(PlugboardError) -> [ConfigEntry] {
            var entries: [(line: Int, entry: ConfigEntry)] = []
            for key in table.keys {
                guard let value = table[key] else { continue }
                guard let string = value.string else {
                    throw wrongType(key, "config", expected: "a string (config values are text; quote numbers and booleans)", got: value)
                }
                entries.append((lines.line(ofKey: key, inTable: "config", fallback: Int.max), ConfigEntry(key: key, value: string)))
            }
            // Stable: keys TOMLKit returns sorted keep that order among equal (unplaced) lines.
            return entries.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element.entry)
        }

        func capabilities(_ table: TOMLTable) throws(PlugboardError) -> Capabilities {
            let name = "capabilities"
            var result = Capabilities()
            for key in table.keys {
                guard let value = table[key] else { continue }
                switch key {
                case "env":
                    for entry in try strings(value, key, name) {
                        if let equals = entry.firstIndex(of: "=") {
                            let variable = String(entry[..<equals])
                            guard Self.isVariableName(variable) else {
                                throw invalid(key, name, "has an entry '\(entry)' whose name is not a variable name")
                            }
                            result.environment.append(.literal(variable, String(entry[entry.index(after: equals)...])))
                        } else {
                            guard Self.isVariableName(entry) else {
                                throw invalid(key, name, "has an entry '\(entry)' that is neither NAME nor NAME=value")
                            }
                            result.environment.append(.inherit(entry))
                        }
                    }
                case "args": result.arguments = try strings(value, key, name)
                case "clocks": result.clocks = try bool(value, key, name)
                case "random": result.random = try bool(value, key, name)
                case "stdio":
                    let mode = try string(value, key, name)
                    guard let stdio = PluginCapabilities.Stdio(rawValue: mode), PluginCapabilities.Stdio.manifestCases.contains(stdio) else {
                        let known = PluginCapabilities.Stdio.manifestCases.map(\.rawValue).joined(separator: ", ")
                        throw invalid(key, name, "must be one of: \(known); got '\(mode)'")
                    }
                    result.stdio = stdio
                case "network":
                    for entry in try strings(value, key, name) {
                        do throws(PlugboardError) {
                            result.network.append(try NetworkPattern(parsing: entry))
                        } catch {
                            throw invalid(key, name, "has an entry '\(entry)' that is not scheme://host[:port]: \(error.message)")
                        }
                    }
                case "dirs": result.directories = try directories(value, key, name)
                default: throw unknown(key, name, allowed: PluginManifest.capabilityKeys)
                }
            }
            return result
        }

        /// `dirs = [{ host = "data", guest = "/data", access = "ro" }, …]`: `guest` defaults to `host`, `access` to `ro`.
        func directories(_ value: any TOMLValueConvertible, _ key: String, _ table: String) throws(PlugboardError) -> [PreopenedDirectory] {
            let expected = "an array of tables like { host = \"data\", guest = \"/data\", access = \"ro\" }"
            guard let array = value.array else { throw wrongType(key, table, expected: expected, got: value) }
            var result: [PreopenedDirectory] = []
            for element in array {
                guard let entry = element.table else { throw wrongType(key, table, expected: expected, got: TOMLArray([element])) }
                var directory = PreopenedDirectory(hostPath: "")
                var guest: String?
                for field in entry.keys {
                    guard let fieldValue = entry[field] else { continue }
                    switch field {
                    case "host": directory.hostPath = try string(fieldValue, key, table)
                    case "guest": guest = try string(fieldValue, key, table)
                    case "access":
                        let access = try string(fieldValue, key, table)
                        guard let parsed = PreopenedDirectory.Access(rawValue: access) else {
                            throw invalid(key, table, "has access '\(access)'; it must be \"ro\" or \"rw\"")
                        }
                        directory.access = parsed
                    default:
                        throw invalid(key, table, "has an unknown field '\(field)' (allowed: \(PluginManifest.directoryKeys.joined(separator: ", ")))")
                    }
                }
                guard !directory.hostPath.isEmpty else { throw invalid(key, table, "has an entry without a 'host' directory") }
                if let guest {
                    guard !guest.isEmpty else { throw invalid(key, table, "has an entry with an empty 'guest' path") }
                    directory.guestPath = guest
                } else {
                    directory.guestPath = directory.hostPath
                }
                result.append(directory)
            }
            return result
        }

        func limits(_ table: TOMLTable) throws(PlugboardError) -> Limits {
            let name = "limits"
            var result = Limits()
            for key in table.keys {
                guard let value = table[key] else { continue }
                switch key {
                case "max-memory-mb": result.maxMemoryMB = try positive(value, key, name)
                case "fuel": result.fuel = UInt64(try positive(value, key, name))
                case "stack-kb": result.stackKB = try positive(value, key, name)
                case "max-output-mb": result.maxOutputMB = try positive(value, key, name)
                case "timeout-ms": result.timeoutMilliseconds = try positive(value, key, name)
                case "max-message-kb": result.maxMessageKB = try positive(value, key, name)
                case "max-host-call-mb": result.maxHostCallMB = try positive(value, key, name)
                case "max-table-elements": result.maxTableElements = try positive(value, key, name)
                case "max-resource-handles": result.maxResourceHandles = try positive(value, key, name)
                default: throw unknown(key, name, allowed: PluginManifest.limitKeys)
                }
            }
            return result
        }

        func number(_ value: any TOMLValueConvertible, _ key: String, _ table: String?, in range: ClosedRange<Double>) throws(PlugboardError) -> Double {
            guard let number = value.double ?? value.int.map(Double.init) else { throw wrongType(key, table, expected: "a number", got: value) }
            guard range.contains(number) else {
                throw invalid(key, table, "must be between \(Self.text(range.lowerBound)) and \(Self.text(range.upperBound)), got \(Self.text(number))")
            }
            return number
        }

        static func text(_ number: Double) -> String {
            number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        }

        func pool(_ table: TOMLTable, into settings: inout RolloutSettings) throws(PlugboardError) {
            let name = "pool"
            for key in table.keys {
                guard let value = table[key] else { continue }
                switch key {
                case "size": settings.pool.size = try positive(value, key, name)
                case "max-invocations": settings.pool.maxInvocations = try positive(value, key, name)
                case "idle-timeout-ms": settings.pool.idleTimeout = .milliseconds(try positive(value, key, name))
                case "max-queue": settings.pool.maxQueue = try positive(value, key, name)
                case "max-wait-ms": settings.pool.maxWait = .milliseconds(try positive(value, key, name))
                default: throw unknown(key, name, allowed: PluginManifest.poolKeys)
                }
            }
        }

        func rollout(_ table: TOMLTable, into settings: inout RolloutSettings) throws(PlugboardError) {
            let name = "rollout"
            for key in table.keys {
                guard let value = table[key] else { continue }
                switch key {
                case "canary-percent": settings.canaryPercent = try number(value, key, name, in: 0...100)
                case "keep-versions": settings.keepVersions = try positive(value, key, name)
                case "min-calls": settings.guardrails.minimumCalls = try positive(value, key, name)
                case "max-error-rate": settings.guardrails.maxErrorRate = try number(value, key, name, in: 0...1)
                case "max-trap-rate": settings.guardrails.maxTrapRate = try number(value, key, name, in: 0...1)
                case "max-p95-ratio": settings.guardrails.maxP95Ratio = try number(value, key, name, in: 1...1_000_000)
                case "min-p95-ms": settings.guardrails.minimumP95 = .milliseconds(try positive(value, key, name))
                default: throw unknown(key, name, allowed: PluginManifest.rolloutKeys)
                }
            }
        }

        func failure(_ table: TOMLTable, into settings: inout RolloutSettings) throws(PlugboardError) {
            let name = "failure"
            for key in table.keys {
                guard let value = table[key] else { continue }
                switch key {
                case "policy": settings.failure.mode = try choice(value, key, name)
                case "fallback": settings.failure.fallback = try string(value, key, name)
                case "max-crashes": settings.failure.maxCrashes = try positive(value, key, name)
                case "crash-window-ms": settings.failure.crashWindow = .milliseconds(try positive(value, key, name))
                default: throw unknown(key, name, allowed: PluginManifest.failureKeys)
                }
            }
        }

        static func isVariableName(_ name: String) -> Bool {
            !name.isEmpty && name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
        }
    }
}

/// `ns:pkg/world@version`, split.
package struct WorldReference: Equatable {
    package var package: WITPackageName
    package var world: String

    package init?(_ text: String) {
        let (base, version) = text.splitOnce("@")
        let (packageText, world) = base.splitOnce("/")
        guard let world, !world.isEmpty, let package = WITPackageName(parsing: version.map { "\(packageText)@\($0)" } ?? packageText) else {
            return nil
        }
        self.package = package
        self.world = world
    }
}

/// Finds the line of a key in TOML text (TOMLKit does not report positions of parsed values).
package struct ManifestLines {
    private let lines: [Substring]

    package init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The 1-based line where `key` is set in `[table]` (`nil`: the top level); else the table's header line;
    /// else `fallback`.
    package func line(ofKey key: String, inTable table: String?, fallback: Int = 1) -> Int {
        var current: String?
        var header: Int?
        for (index, raw) in lines.enumerated() {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("[") && !line.hasPrefix("[[") {
                let name = line.dropFirst().prefix(while: { $0 != "]" }).trimmingSpaces().unquoted()
                current = name
                if name == table { header = index + 1 }
                continue
            }
            guard current == table else { continue }
            for spelling in [key, "\"\(key)\"", "'\(key)'"] where line.hasPrefix(spelling) {
                let rest = line.dropFirst(spelling.count).drop(while: { $0 == " " || $0 == "\t" })
                if rest.hasPrefix("=") { return index + 1 }
            }
        }
        if let header { return header }
        if let table {
            // An inline table (`limits = { ... }`) at the top level.
            let line = self.line(ofKey: table, inTable: nil, fallback: 0)
            if line > 0 { return line }
        }
        return fallback
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }

    fileprivate func unquoted() -> String {
        if count >= 2, let first, first == "\"" || first == "'", last == first { return String(dropFirst().dropLast()) }
        return String(self)
    }
}
