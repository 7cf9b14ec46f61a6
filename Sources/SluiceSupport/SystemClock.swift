import Glibc

/// The process's two clocks: monotonic for durations and deadlines, real time for timestamps.
///
///     let start = SystemClock.monotonicNanoseconds()
///     work()
///     let elapsed = SystemClock.monotonicNanoseconds() &- start
///
/// Both are vDSO calls on Linux (no system call), cheap enough to read per request.
package enum SystemClock {
    /// Nanoseconds on CLOCK_MONOTONIC; only differences are meaningful.
    @inlinable
    package static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        // Safe from overflow: a monotonic clock counts from boot, far below 2^64 ns (584 years).
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME); may jump when the clock is set.
    @inlinable
    package static func realtimeNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }

    /// Seconds since the Unix epoch, with sub-second precision.
    package static func unixSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
