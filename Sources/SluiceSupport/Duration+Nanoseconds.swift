extension Duration {
    /// The duration in whole nanoseconds (sub-nanosecond parts truncated toward zero),
    /// saturating at the bounds of `Int64` (about ±292 years).
    ///
    ///     Duration.milliseconds(5).saturatingNanoseconds       // 5_000_000
    ///     Duration.seconds(Int64.max).saturatingNanoseconds    // Int64.max
    package var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        // |attoseconds| < 10^18, so the quotient is below 10^9 in magnitude.
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return seconds < 0 ? .min : .max }
        return sum
    }

    /// The duration in whole nanoseconds as an unsigned count: negative durations are 0, and
    /// it saturates at `UInt64.max` (about 584 years, "never" for a deadline). For timeouts,
    /// intervals and deadlines, which cannot be negative.
    package var nonNegativeNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        // Both components carry the duration's sign.
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (scaled, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return sumOverflow ? .max : sum
    }
}
