/// Polls `condition` every `interval` until it holds or `seconds` have passed; returns whether it held.
///
/// For waiting on something another task or process does, with a bound generous enough for a loaded CI machine
/// (where the cooperative pool may run a task seconds late). Never a measure of speed.
public func eventually(
    within seconds: Double = 20, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
