extension Duration {
    /// The duration in (fractional) milliseconds, for messages, reports and JSON.
    package var inMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
