import Glibc

/// The two clocks the pipeline reads: wall time for `received_at`, monotonic time for durations.
///
/// Both are vDSO calls on Linux (no syscall), cheap enough to read once per request.
public enum SystemClock {
    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME); may jump when the clock is set.
    public static func realtimeNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// Nanoseconds on CLOCK_MONOTONIC; only differences are meaningful.
    public static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the bounds of `Int64`.
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).overflow
            ? (seconds < 0 ? .min : .max)
            : scaled + attoseconds / 1_000_000_000
    }
}
