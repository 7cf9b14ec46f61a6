import Glibc

/// Waiting for something to become true instead of sleeping for a guessed time: the machine
/// may be busy, so only the bound is generous, never the wait itself.
enum Condition {
    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var seconds: Double
        var description: String { "still not true after \(seconds) s: \(what)" }
    }

    /// Checks `holds` every 10 ms until it returns true; throws ``TimedOut`` after `timeoutSeconds`.
    static func wait(
        until what: String, timeoutSeconds: Double = 60, _ holds: () throws -> Bool
    ) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutSeconds * 1_000))
        while try !holds() {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what, seconds: timeoutSeconds) }
            usleep(10_000)
        }
    }
}
