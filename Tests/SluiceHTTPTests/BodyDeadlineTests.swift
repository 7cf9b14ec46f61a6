import SluiceHTTP
import Testing

private let second: UInt64 = 1_000_000_000

/// The body deadline's arithmetic on a simulated clock: no sockets, no waiting.
@Suite struct BodyDeadlineTests {
    /// Feeds `bytesPerStep` bytes every `step` nanoseconds from `start` until the deadline
    /// passes; returns when it passed (nil if still open after `steps` steps).
    private func cutOff(_ deadline: BodyDeadline, start: UInt64, step: UInt64, bytesPerStep: Int, steps: Int) -> UInt64? {
        var deadline = deadline
        var now = start
        for _ in 0..<steps {
            let next = now + step
            if deadline.due <= next { return deadline.due }
            now = next
            deadline.didReceive(bytes: bytesPerStep, now: now)
        }
        return nil
    }

    @Test func atStart_TheBodyIsDueOneTimeoutLater() {
        let deadline = BodyDeadline(now: 5 * second, timeout: .seconds(30), minBytesPerSecond: 500)
        #expect(deadline.due == 35 * second)
    }

    @Test func aStall_EndsOneTimeoutAfterTheLastByte() {
        var deadline = BodyDeadline(now: 0, timeout: .seconds(30), minBytesPerSecond: 500)
        deadline.didReceive(bytes: 100_000, now: 10 * second)
        #expect(deadline.due == 40 * second)
        deadline.didReceive(bytes: 0, now: 20 * second)
        #expect(deadline.due == 40 * second, "no bytes, no credit")
    }

    @Test func oneBytePerSecond_IsCutOffAfterAboutTheTimeout() {
        let deadline = BodyDeadline(now: 0, timeout: .seconds(30), minBytesPerSecond: 500)
        let cut = cutOff(deadline, start: 0, step: second, bytesPerStep: 1, steps: 1000)
        // Each byte buys 2 ms: due = 30 s + n * 2 ms, which a byte a second overtakes at about 30.06 s.
        #expect(cut != nil)
        #expect(cut! >= 30 * second)
        #expect(cut! < 31 * second)
    }

    @Test func withoutARate_ATrickleIsHeldForEver() {
        let deadline = BodyDeadline(now: 0, timeout: .seconds(30), minBytesPerSecond: 0)
        #expect(cutOff(deadline, start: 0, step: second, bytesPerStep: 1, steps: 1000) == nil)
        var stalled = deadline
        stalled.didReceive(bytes: 1, now: 29 * second)
        #expect(stalled.due == 59 * second, "rate 0 restarts the stall timeout on every byte")
    }

    @Test func aBodyAtTheMinimumRate_IsNeverCutOff() {
        let deadline = BodyDeadline(now: 0, timeout: .seconds(30), minBytesPerSecond: 500)
        #expect(cutOff(deadline, start: 0, step: second, bytesPerStep: 500, steps: 10_000) == nil)
        #expect(cutOff(deadline, start: 0, step: second / 100, bytesPerStep: 5, steps: 100_000) == nil)
    }

    @Test func aBodyBelowTheRate_GetsTheTimeoutPlusItsSizeOverTheRate() {
        // 100 B/s against 500 B/s: n bytes buy n/500 s, so the cut comes at T / (1 - 100/500) = 12.5 s.
        let deadline = BodyDeadline(now: 0, timeout: .seconds(10), minBytesPerSecond: 500)
        let cut = cutOff(deadline, start: 0, step: second / 10, bytesPerStep: 10, steps: 10_000)
        #expect(cut != nil)
        #expect(cut! >= 12 * second)
        #expect(cut! <= 13 * second)
    }

    @Test func credit_NeverReachesBeyondOneTimeoutFromNow() {
        var deadline = BodyDeadline(now: 0, timeout: .seconds(30), minBytesPerSecond: 500)
        deadline.didReceive(bytes: 8 << 20, now: second)  // 8 MiB at once would buy hours
        #expect(deadline.due == 31 * second)
        deadline.didReceive(bytes: Int.max, now: 2 * second)
        #expect(deadline.due == 32 * second)
    }

    @Test func restart_GivesAFullTimeoutFromNow() {
        var deadline = BodyDeadline(now: 0, timeout: .seconds(30), minBytesPerSecond: 500)
        deadline.restart(now: 100 * second)
        #expect(deadline.due == 130 * second)
    }

    @Test func hugeTimeouts_Saturate() {
        var deadline = BodyDeadline(now: 10 * second, timeout: .seconds(Int64.max), minBytesPerSecond: 1)
        #expect(deadline.due == .max)
        deadline.didReceive(bytes: 1, now: 20 * second)
        #expect(deadline.due == .max)
    }
}
