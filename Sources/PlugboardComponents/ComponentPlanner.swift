import PlugboardABI

/// Flattens a parsed component into a ``ComponentPlan`` by interpreting its definitions with symbolic index spaces
/// (as wasmtime's `inline.rs` and jco do): a nested component's instantiation runs its definitions in a frame whose
/// imports are the arguments, and only core instantiations, lowered imports and lifted exports come out.
///
/// Outer aliases are lexical, as the format defines them: a nested component sees each enclosing component as it was
/// where the nested one is defined (a ``Scope``), whoever instantiates it, so an outer alias names only what was
/// defined before it, and no component can reach itself that way.
///
/// Bounded, so that a small binary cannot make planning, the plan or what the host derives from it large: a small
/// component instantiating a nested one many times cannot fan out, types referring to earlier types cannot grow
/// exponentially, and one large type cannot be used by many functions (the host lays out each). A frame's index
/// spaces grow in place, so planning costs linear work in what it runs.
public enum ComponentPlanner {
    /// The most core instantiations a plan holds.
    public static let maxSteps = 1_000
    /// The most component instantiations planning runs.
    public static let maxComponentInstances = 10_000
    /// How deep component instantiations may nest (a component instantiating one that instantiates one...).
    public static let maxInstantiationDepth = 100
    /// The most definitions planning runs in all, a nested component's counted each time it is instantiated.
    public static let maxDefinitions = 1_000_000
    /// The most nodes a resolved value type may have.
    public static let maxTypeSize = 100_000
    /// How deep a resolved value type may nest.
    public static let maxTypeDepth = 100
    /// The most nodes the types of a plan's lifted exports and lowered imports may have together.
    public static let maxFunctionTypeNodes = 1_000_000

    /// Plans `component` (a root component from ``ComponentParser``).
    /// - Throws: ``PlugboardError`` (`invalidModule`) naming what does not resolve or what is over a bound, or a
    ///   construct not supported yet (resources, component composition).
    public static func plan(_ component: ParsedComponent) throws -> ComponentPlan {
        var planning = Planning(plan: ComponentPlan(bytes: component.bytes, modules: [], steps: [], lowered: [], exports: []))
        let exports = try run(ComponentValue(component: component, scope: nil), arguments: [:], depth: 0, planning: &planning)
        for (name, item) in exports.sorted(by: { $0.key < $1.key }) {
            switch item {
            case .function(let function):
                try planning.plan.exports.append(lifted(function, name: name, interface: nil, planning: &planning))
            case .instance(.exports(let members)):
                for (member, memberItem) in members.sorted(by: { $0.key < $1.key }) {
                    guard case .function(let function) = memberItem else { continue }
                    try planning.plan.exports.append(lifted(function, name: member, interface: name, planning: &planning))
                }
            default:
                continue  // types and instances of types carry no code
            }
        }
        planning.nameDefinedResources()
        return planning.plan
    }

    private static func lifted(
        _ function: Function, name: String, interface: String?, planning: inout Planning
    ) throws -> ComponentPlan.LiftedExport {
        guard case .lifted(let core, let options, let parameters, let results) = function else {
            throw PlugboardError.unsupportedComponentFeature("re-exporting an imported function ('\(name)')")
        }
        try planning.chargeFunctionType(parameters.map(\.type) + results)
        return ComponentPlan.LiftedExport(
            interface: interface, function: WITFunction(name: name, parameters: parameters, results: results), core: core,
            memory: options.memory, realloc: options.realloc, postReturn: options.postReturn)
    }

    // MARK: symbolic values

    enum ResolvedType {
        case value(WITType, TypeShape)
        case function(parameters: [WITParameter], results: [WITType])
        case instance([String: ResolvedType])
        case component(imports: [String: ResolvedType], exports: [String: ResolvedType])
        /// A resource type, by the name it was declared with, or (for one this component defines: its
        /// representation and destructor are the component's) by `resource-<definition>`, its index in
        /// ``ComponentPlan/definedResources``, until planning names it after its export. `definition` is `nil` for
        /// an imported resource (the host implements it).
        case resource(String, definition: Int?)
        case other
    }

    struct ResolvedOptions {
        var memory: ComponentPlan.CoreItem?
        var realloc: ComponentPlan.CoreItem?
        var postReturn: ComponentPlan.CoreItem?
    }

    enum Function {
        case imported(interface: String?, name: String, parameters: [WITParameter], results: [WITType])
        case lifted(ComponentPlan.CoreItem, ResolvedOptions, parameters: [WITParameter], results: [WITType])
    }

    enum Instance {
        case imported(name: String, [String: ResolvedType])
        case exports([String: Item])
    }

    enum Item {
        case function(Function)
        case instance(Instance)
        case type(ResolvedType)
        case component(ComponentValue)
    }

    enum CoreInstanceValue {
        case step(Int)
        case bag([String: ComponentPlan.CoreItem])
    }

    static func fail(_ what: String) -> PlugboardError { PlugboardError.invalidComponent(what) }

    static func element<T>(_ array: [T], _ index: UInt32, _ what: String) throws -> T {
        try element(array, index, visible: array.count, what)
    }

    /// Element `index` of the first `visible` elements of `array`.
    static func element<T>(_ array: [T], _ index: UInt32, visible: Int, _ what: String) throws -> T {
        guard Int(index) < visible else { throw fail("\(what) \(index) does not exist (there are \(visible))") }
        return array[Int(index)]
    }

    // MARK: interpretation

    /// Runs a component's definitions in a new frame with `arguments` for its imports; returns its exports.
    /// - Parameter depth: How many component instantiations this one runs inside (0: the root's).
    static func run(_ value: ComponentValue, arguments: [String: Item], depth: Int, planning: inout Planning) throws -> [String: Item] {
        planning.definitionsLeft -= value.component.definitions.count
        guard planning.definitionsLeft >= 0 else {
            throw fail("more than \(maxDefinitions) definitions to run (a nested component's count each time it is instantiated)")
        }
        let frame = Frame(scope: value.scope)
        var exports: [String: Item] = [:]
        for definition in value.component.definitions {
            switch definition {
            case .custom:
                break
            case .coreModule(let range):
                planning.plan.modules.append(range)
                frame.modules.append(planning.plan.modules.count - 1)
            case .coreType:
                break  // core function types describe nothing a plan needs
            case .coreInstance(.instantiate(let module, let arguments)):
                let moduleIndex = try element(frame.modules, module, "core module")
                let description = try planning.plan.screenedModule(moduleIndex)
                var bound: [String: CoreInstanceValue] = [:]
                for argument in arguments { bound[argument.name] = try element(frame.coreInstances, argument.instance, "core instance") }
                var imports: [(module: String, name: String, item: ComponentPlan.CoreItem)] = []
                for entry in description.imports {
                    guard let instance = bound[entry.module] else {
                        throw fail("core module \(module) imports '\(entry.fullName)', and the component binds no instance '\(entry.module)'")
                    }
                    imports.append((entry.module, entry.name, try coreExport(instance, entry.name)))
                }
                guard planning.plan.steps.count < maxSteps else { throw fail("more than \(maxSteps) core instantiations") }
                planning.plan.steps.append(ComponentPlan.Step(module: moduleIndex, imports: imports))
                frame.coreInstances.append(.step(planning.plan.steps.count - 1))
            case .coreInstance(.exports(let items)):
                var bag: [String: ComponentPlan.CoreItem] = [:]
                for item in items { bag[item.name] = try coreItem(frame, item.item, item.index) }
                frame.coreInstances.append(.bag(bag))
            case .component(let nested):
                // The nested component sees this one as it is now, whoever instantiates it.
                let scope = try planning.scope(0, from: frame)
                planning.scopes.append(scope)
                frame.components.append(ComponentValue(component: nested, scope: planning.scopes.count - 1))
            case .instance(.instantiate(let index, let arguments)):
                let nested = try element(frame.components, index, "component")
                var bound: [String: Item] = [:]
                for argument in arguments { bound[argument.name] = try item(frame, argument.item) }
                planning.componentInstances += 1
                guard planning.componentInstances <= maxComponentInstances else {
                    throw fail("more than \(maxComponentInstances) component instantiations")
                }
                guard depth < maxInstantiationDepth else { throw fail("component instantiations nested more than \(maxInstantiationDepth) deep") }
                let nestedExports = try run(nested, arguments: bound, depth: depth + 1, planning: &planning)
                frame.instances.append(.exports(nestedExports))
            case .instance(.exports(let items)):
                var members: [String: Item] = [:]
                for entry in items { members[entry.name] = try item(frame, entry.item) }
                frame.instances.append(.exports(members))
            case .alias(let alias):
                try addAlias(alias, to: frame, planning: planning)
            case .type(.resource(let destructor)):
                let definition = planning.plan.definedResources.count
                planning.plan.definedResources.append(
                    ComponentPlan.DefinedResource(
                        type: WITResourceType("resource-\(definition)"),
                        destructor: try destructor.map { try element(frame.coreFunctions, $0, "core function") }))
                frame.types.append(.resource("resource-\(definition)", definition: definition))
            case .type(let definition):
                // Resolved before appending, so that the append finds the array referenced only by the frame.
                let type = try resolve(definition, in: frame.types) { count, index in try planning.scope(count, from: frame).type(index) }
                frame.types.append(type)
            case .canon(let canon):
                try addCanon(canon, to: frame, planning: &planning)
            case .import(let name, let type):
                try addImport(name, type, arguments: arguments, isRoot: value.scope == nil, to: frame, importedInterfaces: &planning.plan.importedInterfaces)
            case .export(let name, let sortIndex, _):
                let exported = try item(frame, sortIndex)
                exports[name] = exported
                if case .type(.resource(_, let definition?)) = exported, planning.resourceNames[definition] == nil {
                    planning.resourceNames[definition] = name  // a defined resource is known by the name it is exported under
                }
                // An export also adds the item to its index space again.
                switch exported {
                case .function(let function): frame.functions.append(function)
                case .instance(let instance): frame.instances.append(instance)
                case .type(let type): frame.types.append(type)
                case .component(let component): frame.components.append(component)
                }
            }
        }
        return exports
    }

    static func coreExport(_ instance: CoreInstanceValue, _ name: String) throws -> ComponentPlan.CoreItem {
        switch instance {
        case .step(let step): return .export(step: step, name: name)
        case .bag(let bag):
            guard let item = bag[name] else { throw fail("a core instance has no export '\(name)'") }
            return item
        }
    }

    static func coreItem(_ frame: Frame, _ sort: CoreSort, _ index: UInt32) throws -> ComponentPlan.CoreItem {
        switch sort {
        case .function: return try element(frame.coreFunctions, index, "core function")
        case .memory: return try element(frame.coreMemories, index, "core memory")
        case .table: return try element(frame.coreTables, index, "core table")
        case .global: return try element(frame.coreGlobals, index, "core global")
        default: throw fail("a core instance exporting a \(sort)")
        }
    }

    static func item(_ frame: Frame, _ sortIndex: SortIndex) throws -> Item {
        switch sortIndex.sort {
        case .function: return .function(try element(frame.functions, sortIndex.index, "function"))
        case .instance: return .instance(try element(frame.instances, sortIndex.index, "instance"))
        case .type: return .type(try element(frame.types, sortIndex.index, "type"))
        case .component: return .component(try element(frame.components, sortIndex.index, "component"))
        case .value, .core: throw fail("a \(sortIndex.sort) as an instance member or argument")
        }
    }

    static func addAlias(_ alias: ComponentAlias, to frame: Frame, planning: Planning) throws {
        switch alias.target {
        case .coreExport(let instanceIndex, let name):
            let item = try coreExport(try element(frame.coreInstances, instanceIndex, "core instance"), name)
            switch alias.sort {
            case .core(.function): frame.coreFunctions.append(item)
            case .core(.memory): frame.coreMemories.append(item)
            case .core(.table): frame.coreTables.append(item)
            case .core(.global): frame.coreGlobals.append(item)
            default: throw fail("a core export alias of sort \(alias.sort)")
            }
        case .export(let instanceIndex, let name):
            let instance = try element(frame.instances, instanceIndex, "instance")
            let member: Item
            switch instance {
            case .imported(let interface, let members):
                guard let type = members[name] else { throw fail("imported instance '\(interface)' has no export '\(name)'") }
                switch type {
                case .function(let parameters, let results):
                    member = .function(.imported(interface: interface, name: name, parameters: parameters, results: results))
                default:
                    member = .type(type)
                }
            case .exports(let members):
                guard let found = members[name] else { throw fail("an instance has no export '\(name)'") }
                member = found
            }
            switch (alias.sort, member) {
            case (.function, .function(let function)): frame.functions.append(function)
            case (.instance, .instance(let instance)): frame.instances.append(instance)
            case (.type, .type(let type)): frame.types.append(type)
            case (.component, .component(let component)): frame.components.append(component)
            default: throw fail("export '\(name)' is not a \(alias.sort)")
            }
        case .outer(let count, let index):
            let outer = try planning.scope(count, from: frame)
            switch alias.sort {
            case .type: frame.types.append(try outer.type(index))
            case .component: frame.components.append(try outer.component(index))
            case .core(.module): frame.modules.append(try outer.module(index))
            default: throw fail("an outer alias of sort \(alias.sort)")
            }
        }
    }

    static func addCanon(_ canon: CanonDefinition, to frame: Frame, planning: inout Planning) throws {
        func options(_ options: CanonOptions) throws -> ResolvedOptions {
            ResolvedOptions(
                memory: try options.memory.map { try element(frame.coreMemories, $0, "core memory") },
                realloc: try options.realloc.map { try element(frame.coreFunctions, $0, "core function") },
                postReturn: try options.postReturn.map { try element(frame.coreFunctions, $0, "core function") })
        }
        switch canon {
        case .lower(let index, let canonOptions):
            guard case .imported(let interface, let name, let parameters, let results) = try element(frame.functions, index, "function") else {
                throw PlugboardError.unsupportedComponentFeature("lowering a lifted function (component composition)")
            }
            let resolved = try options(canonOptions)
            try planning.chargeFunctionType(parameters.map(\.type) + results)
            planning.plan.lowered.append(
                ComponentPlan.LoweredImport(
                    interface: interface, function: WITFunction(name: name, parameters: parameters, results: results),
                    memory: resolved.memory, realloc: resolved.realloc))
            frame.coreFunctions.append(.lowered(planning.plan.lowered.count - 1))
        case .lift(let core, let canonOptions, let type):
            guard case .function(let parameters, let results) = try element(frame.types, type, "type") else {
                throw fail("canon lift with type \(type), which is not a function type")
            }
            frame.functions.append(.lifted(try element(frame.coreFunctions, core, "core function"), try options(canonOptions), parameters: parameters, results: results))
        case .resourceNew(let type), .resourceDrop(let type), .resourceRep(let type):
            guard case .resource(let name, let definition) = try element(frame.types, type, "type") else {
                throw fail("canon resource intrinsic of type \(type), which is not a resource type")
            }
            let resource = WITResourceType(name)
            switch (canon, definition) {
            case (.resourceDrop, _):
                frame.coreFunctions.append(.resourceDrop(resource))
            case (.resourceNew, let definition?):
                frame.coreFunctions.append(.resourceNew(resource, definition: definition))
            case (_, _?):
                frame.coreFunctions.append(.resourceRep(resource))
            case (_, nil):
                // Only the component that defines a resource can make or see through one.
                let intrinsic = if case .resourceNew = canon { "resource.new" } else { "resource.rep" }
                throw fail("canon \(intrinsic) of '\(name)', a resource type the component imports")
            }
        }
    }

    static func addImport(
        _ name: String, _ type: ExternDescriptor, arguments: [String: Item], isRoot: Bool, to frame: Frame, importedInterfaces: inout [String]
    ) throws {
        if let argument = arguments[name] {
            switch argument {
            case .function(let function): frame.functions.append(function)
            case .instance(let instance): frame.instances.append(instance)
            case .type(let resolved): frame.types.append(resolved)
            case .component(let component): frame.components.append(component)
            }
            return
        }
        guard isRoot else { throw fail("a nested component's import '\(name)' is not given when it is instantiated") }
        switch type {
        case .instance(let index):
            guard case .instance(let members) = try element(frame.types, index, "type") else { throw fail("import '\(name)' of a non-instance type") }
            frame.instances.append(.imported(name: name, members))
            if isRoot { importedInterfaces.append(name) }
        case .function(let index):
            guard case .function(let parameters, let results) = try element(frame.types, index, "type") else { throw fail("import '\(name)' of a non-function type") }
            frame.functions.append(.imported(interface: nil, name: name, parameters: parameters, results: results))
        case .typeEqual(let index):
            frame.types.append(try element(frame.types, index, "type"))
        case .resourceType:
            frame.types.append(.resource(name, definition: nil))
        case .coreModule, .component, .value:
            throw PlugboardError.unsupportedComponentFeature("importing a \(type)")
        }
    }
}
