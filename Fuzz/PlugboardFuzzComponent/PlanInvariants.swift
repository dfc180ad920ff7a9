import PlugboardABI
import PlugboardComponents
import PlugboardFuzzSupport

/// What ``ComponentPlan/instantiate(_:in:lowered:afterEach:)`` and `ComponentInstance` index without checking: every
/// module range inside the binary, every step's module, every core item naming a step made earlier (a step's
/// imports) or at all (options, exports and destructors), every lowered import and resource definition that exists.
enum PlanInvariants {
    static func check(_ plan: ComponentPlan) {
        for range in plan.modules {
            FuzzExpectation.require(range.lowerBound >= 0 && range.upperBound <= plan.bytes.count, "module range \(range) outside the binary")
        }
        for (index, step) in plan.steps.enumerated() {
            FuzzExpectation.require(step.module >= 0 && step.module < plan.modules.count, "step \(index) instantiates module \(step.module)")
            for entry in step.imports {
                item(entry.item, madeBefore: index, lowered: plan.lowered.count, "step \(index)'s import \(entry.module).\(entry.name)")
            }
        }
        let steps = plan.steps.count
        for resource in plan.definedResources {
            option(resource.destructor, steps: steps, lowered: plan.lowered.count, "the destructor of \(resource.type)")
        }
        for step in plan.steps {
            for case .resourceNew(let resource, let definition) in step.imports.map(\.item) {
                FuzzExpectation.require(definition < plan.definedResources.count, "resource.new of \(resource) names definition \(definition)")
            }
        }
        for entry in plan.lowered {
            option(entry.memory, steps: steps, lowered: plan.lowered.count, "lowered \(entry.function.name)'s memory")
            option(entry.realloc, steps: steps, lowered: plan.lowered.count, "lowered \(entry.function.name)'s realloc")
        }
        for entry in plan.exports {
            item(entry.core, madeBefore: steps, lowered: plan.lowered.count, "export \(entry.function.name)")
            option(entry.memory, steps: steps, lowered: plan.lowered.count, "export \(entry.function.name)'s memory")
            option(entry.realloc, steps: steps, lowered: plan.lowered.count, "export \(entry.function.name)'s realloc")
            option(entry.postReturn, steps: steps, lowered: plan.lowered.count, "export \(entry.function.name)'s post-return")
        }
    }

    static func item(_ item: ComponentPlan.CoreItem, madeBefore step: Int, lowered: Int, _ what: @autoclosure () -> String) {
        switch item {
        case .export(let source, _): FuzzExpectation.require(source >= 0 && source < step, "\(what()) names step \(source) (before \(step))")
        case .lowered(let index): FuzzExpectation.require(index >= 0 && index < lowered, "\(what()) names lowered import \(index) of \(lowered)")
        case .resourceDrop(let resource): FuzzExpectation.require(!resource.name.isEmpty, "\(what()) drops a resource without a name")
        case .resourceNew(let resource, let definition):
            FuzzExpectation.require(!resource.name.isEmpty && definition >= 0, "\(what()) makes a resource without a name or definition")
        case .resourceRep(let resource): FuzzExpectation.require(!resource.name.isEmpty, "\(what()) reads a resource without a name")
        }
    }

    static func option(_ item: ComponentPlan.CoreItem?, steps: Int, lowered: Int, _ what: @autoclosure () -> String) {
        guard let item else { return }
        self.item(item, madeBefore: steps, lowered: lowered, what())
    }
}
