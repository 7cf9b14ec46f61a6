import SluiceSupport
import Testing

@Suite struct SystemClockTests {
    @Test func monotonic_NeverGoesBack() {
        var previous = SystemClock.monotonicNanoseconds()
        for _ in 0..<10_000 {
            let now = SystemClock.monotonicNanoseconds()
            #expect(now >= previous)
            previous = now
        }
    }

    @Test func monotonic_AgreesWithContinuousClock() {
        // Both read CLOCK_MONOTONIC on Linux: an interval measured by one contains one
        // measured by the other inside it.
        let outerStart = ContinuousClock.now
        let start = SystemClock.monotonicNanoseconds()
        var spins = 0
        while SystemClock.monotonicNanoseconds() - start < 2_000_000, spins < 100_000_000 { spins += 1 }
        let inner = SystemClock.monotonicNanoseconds() - start
        let outer = (ContinuousClock.now - outerStart).nonNegativeNanoseconds
        #expect(inner >= 2_000_000)
        #expect(inner <= outer)
    }

    @Test func realtime_IsNanosecondsSinceTheEpoch_AndMatchesUnixSeconds() {
        let nanoseconds = SystemClock.realtimeNanoseconds()
        let seconds = SystemClock.unixSeconds()
        // After 2020-01-01 and before 2200: the unit is nanoseconds, the epoch Unix's.
        #expect(nanoseconds > 1_577_836_800 * 1_000_000_000)
        #expect(nanoseconds < 7_258_118_400 * 1_000_000_000)
        // Read one after the other: well within a minute of each other, however busy the machine.
        #expect(abs(seconds - Double(nanoseconds) / 1e9) < 60)
    }
}
