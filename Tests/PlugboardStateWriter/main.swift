// PlugboardStateWriter STATE-DIR: deploys, promotes and rolls back versions of one plugin in a loop, each step
// saved to STATE-DIR, and prints "step N <stable> <canary>" after each. PersistenceTests kill it with SIGKILL at
// random moments and check the state it leaves is readable and one the writer had saved.
import Foundation
import Plugboard
import PlugboardTesting

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: PlugboardStateWriter STATE-DIR\n".utf8))
    exit(2)
}
let registry = PluginRegistry(configuration: .init(stateDirectory: arguments[1]))
try await registry.restoreState()
if await registry.names.isEmpty {
    try await registry.load(bytes: VersionedGuest.bytes(version: "1.0.0"), name: "kept")
}
var step = 0
while true {
    step += 1
    let summary = try await registry.summary("kept")
    if summary.canary == nil {
        try await registry.deploy("kept", bytes: VersionedGuest.bytes(version: "\(step).0.0"), canaryPercent: Double(step % 100))
    } else if step % 3 == 0 {
        try await registry.rollback("kept")
    } else {
        try await registry.promote("kept")
    }
    let after = try await registry.summary("kept")
    FileHandle.standardOutput.write(Data("step \(step) \(after.stable.version) \(after.canary?.version ?? "-")\n".utf8))
}
