import SluiceSupport

/// When a request body must have arrived: a stall limit plus a minimum transfer rate, after
/// the MinRate of Apache's mod_reqtimeout.
///
/// When the head is complete the body is due within `timeout`. Each body byte received moves
/// the deadline later by 1/`minBytesPerSecond` seconds, but never past now + `timeout`. So a
/// body that stops arriving ends `timeout` after its last byte, and a body of n bytes must
/// arrive within `timeout` + n/`minBytesPerSecond`: a client trickling one byte a second is cut
/// off after about `timeout`, where a deadline that restarts on every byte would hold it for ever.
/// A `minBytesPerSecond` of 0 turns the rate off: the deadline restarts on every byte (stall
/// timeout only).
///
///     var body = BodyDeadline(now: now, timeout: .seconds(30), minBytesPerSecond: 500)
///     body.didReceive(bytes: 1, now: now + 1_000_000_000)   // due: 30.002 s after `now`
package struct BodyDeadline: Equatable, Sendable {
    /// The monotonic instant (nanoseconds) at which the body times out.
    package private(set) var due: UInt64
    private let timeoutNanoseconds: UInt64
    private let minBytesPerSecond: UInt64

    /// Starts the clock: the body is due `timeout` after `now` (monotonic nanoseconds).
    package init(now: UInt64, timeout: Duration, minBytesPerSecond: Int) {
        self.init(now: now, timeoutNanoseconds: timeout.nonNegativeNanoseconds, minBytesPerSecond: minBytesPerSecond)
    }

    /// The same, with the timeout already in nanoseconds (no `Duration` arithmetic per body).
    package init(now: UInt64, timeoutNanoseconds: UInt64, minBytesPerSecond: Int) {
        precondition(minBytesPerSecond >= 0, "BodyDeadline minimum rate must be >= 0 bytes/s")
        self.timeoutNanoseconds = timeoutNanoseconds
        self.minBytesPerSecond = UInt64(minBytesPerSecond)
        self.due = Self.adding(timeoutNanoseconds, to: now)
    }

    /// Credits `bytes` body bytes received at `now`.
    package mutating func didReceive(bytes: Int, now: UInt64) {
        guard bytes > 0 else { return }
        let latest = Self.adding(timeoutNanoseconds, to: now)
        guard minBytesPerSecond > 0 else {
            due = latest
            return
        }
        let (scaled, overflow) = UInt64(bytes).multipliedReportingOverflow(by: 1_000_000_000)
        let credit = overflow ? UInt64.max : scaled / minBytesPerSecond
        due = min(Self.adding(credit, to: due), latest)
    }

    /// Starts the clock again at `now`, as when the head completed. Used once output that
    /// blocked reading has drained: while the client does not read, we read nothing, so that
    /// time is the write stall's (see `Connection.armPhaseDeadline`), not the body's.
    package mutating func restart(now: UInt64) {
        due = Self.adding(timeoutNanoseconds, to: now)
    }

    private static func adding(_ nanoseconds: UInt64, to instant: UInt64) -> UInt64 {
        let (sum, overflow) = instant.addingReportingOverflow(nanoseconds)
        return overflow ? .max : sum
    }
}
