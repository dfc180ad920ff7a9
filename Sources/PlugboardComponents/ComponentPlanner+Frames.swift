import PlugboardABI

/// Where planning keeps what it interprets: a frame per running component instantiation, the scope each nested
/// component's definition is in (for its outer aliases), and the budgets of one binary's planning.
extension ComponentPlanner {
    /// A component as an item of the component index space: its definitions, and the scope of the component its
    /// definition is in (`nil`: the root).
    struct ComponentValue {
        var component: ParsedComponent
        var scope: Int?
    }

    /// An enclosing component as a component defined inside it sees it: its frame, and how many types, components
    /// and core modules it had where the nested one is defined (all an outer alias may name).
    struct Scope {
        let frame: Frame
        let types: Int
        let components: Int
        let modules: Int
        /// The scope the enclosing component's own definition is in (`nil`: it is the root).
        let parent: Int?
        /// How many components enclose a component defined here (1: the root only).
        let depth: Int

        func type(_ index: UInt32) throws -> ResolvedType { try element(frame.types, index, visible: types, "outer type") }
        func component(_ index: UInt32) throws -> ComponentValue { try element(frame.components, index, visible: components, "outer component") }
        func module(_ index: UInt32) throws -> Int { try element(frame.modules, index, visible: modules, "outer core module") }
    }

    /// The index spaces of one running component instantiation. A class, so that a definition appends in place
    /// (a copied frame would copy its arrays at every definition: quadratic in the component's size).
    final class Frame {
        /// The scope this component's definition is in (`nil`: the root).
        let scope: Int?
        var types: [ResolvedType] = []
        var functions: [Function] = []
        var instances: [Instance] = []
        var components: [ComponentValue] = []
        var modules: [Int] = []
        var coreInstances: [CoreInstanceValue] = []
        var coreFunctions: [ComponentPlan.CoreItem] = []
        var coreMemories: [ComponentPlan.CoreItem] = []
        var coreTables: [ComponentPlan.CoreItem] = []
        var coreGlobals: [ComponentPlan.CoreItem] = []

        init(scope: Int?) { self.scope = scope }
    }

    /// What planning one binary keeps across every component instantiation it runs: the plan, the scopes of the
    /// nested components defined so far (they keep their frames alive until planning ends), and the budgets.
    struct Planning {
        var plan: ComponentPlan
        var scopes: [Scope] = []
        var componentInstances = 0
        var definitionsLeft = maxDefinitions
        var functionTypeNodesLeft = maxFunctionTypeNodes
        /// The name each defined resource is first exported under (by definition index).
        var resourceNames: [Int: String] = [:]

        /// Gives each resource the component defines the name it is exported under, in every type of the plan
        /// (planning called them `resource-<definition>`), so WIT types read and link as the WIT spells them.
        mutating func nameDefinedResources() {
            guard !resourceNames.isEmpty else { return }
            var renamed: [String: String] = [:]
            for (definition, name) in resourceNames { renamed["resource-\(definition)"] = name }
            func rename(_ resource: WITResourceType) -> WITResourceType {
                renamed[resource.name].map { WITResourceType($0, interface: resource.interface) } ?? resource
            }
            func rename(_ function: WITFunction) -> WITFunction {
                WITFunction(
                    name: function.name, parameters: function.parameters.map { WITParameter($0.name, $0.type.mappingResources(rename)) },
                    results: function.results.map { $0.mappingResources(rename) })
            }
            func rename(_ item: ComponentPlan.CoreItem) -> ComponentPlan.CoreItem {
                switch item {
                case .resourceDrop(let resource): .resourceDrop(rename(resource))
                case .resourceNew(let resource, let definition): .resourceNew(rename(resource), definition: definition)
                case .resourceRep(let resource): .resourceRep(rename(resource))
                case .export, .lowered: item
                }
            }
            for index in plan.exports.indices { plan.exports[index].function = rename(plan.exports[index].function) }
            for index in plan.lowered.indices { plan.lowered[index].function = rename(plan.lowered[index].function) }
            for index in plan.definedResources.indices { plan.definedResources[index].type = rename(plan.definedResources[index].type) }
            for step in plan.steps.indices {
                for entry in plan.steps[step].imports.indices { plan.steps[step].imports[entry].item = rename(plan.steps[step].imports[entry].item) }
            }
        }

        /// How many components enclose `frame`'s component.
        func depth(of frame: Frame) -> Int { frame.scope.map { scopes[$0].depth } ?? 0 }

        /// The scope `count` components out from `frame`'s (0: `frame` itself, with everything defined so far).
        func scope(_ count: UInt32, from frame: Frame) throws -> Scope {
            let depth = depth(of: frame)
            if count == 0 {
                return Scope(
                    frame: frame, types: frame.types.count, components: frame.components.count, modules: frame.modules.count,
                    parent: frame.scope, depth: depth + 1)
            }
            guard Int(count) <= depth, var index = frame.scope else { throw fail("an outer alias \(count) levels out of \(depth + 1)") }
            for _ in 1..<Int(count) {
                guard let parent = scopes[index].parent else { throw fail("an outer alias \(count) levels out of \(depth + 1)") }
                index = parent
            }
            return scopes[index]
        }

        /// Charges the nodes of a lifted export's or lowered import's types, walked no further than the budget left.
        mutating func chargeFunctionType(_ types: [WITType]) throws {
            var pending = types
            while let type = pending.popLast() {
                functionTypeNodesLeft -= 1
                guard functionTypeNodesLeft >= 0 else {
                    throw fail("lifted exports and lowered imports whose types have more than \(maxFunctionTypeNodes) nodes together")
                }
                switch type {
                case .list(let element), .option(let element): pending.append(element)
                case .record(_, let fields): pending += fields.map(\.type)
                case .tuple(let elements): pending += elements
                case .variant(_, let cases): pending += cases.compactMap(\.payload)
                case .result(let ok, let error): pending += [ok, error].compactMap { $0 }
                default: break
                }
            }
        }
    }
}
