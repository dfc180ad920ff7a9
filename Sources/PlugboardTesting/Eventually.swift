/// Polls `condition` every `interval` until it holds or `seconds` have passed; returns whether it held.
///
/// For waiting on something another task or process does, with a bound generous enough for a loaded CI machine
/// (where the cooperative pool may run a task seconds late, and a plugin load may wait a minute for a loading slot
/// behind the test run's Python example loads: 20 s was once too short for a watched file to fail to load). It returns
/// as soon as the condition holds, so the bound only matters when a test fails. Never a measure of speed.
public func eventually(
    within seconds: Double = 120, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
