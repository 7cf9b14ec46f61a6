import SluiceSupport
import Testing

/// Duration to nanoseconds: whole nanoseconds, truncated toward zero, saturating at the bounds
/// of the result type (never trapping, never wrapping); unsigned clamps negatives to 0.
@Suite struct DurationNanosecondsTests {
    @Test(arguments: [
        (Duration.zero, Int64(0)),
        (.nanoseconds(1), 1),
        (.milliseconds(5), 5_000_000),
        (.seconds(3) + .nanoseconds(7), 3_000_000_007),
        (.nanoseconds(-42), -42),
        (.seconds(-2), -2_000_000_000),
        // 9_223_372_036 s is the last whole second that fits.
        (.seconds(9_223_372_036), 9_223_372_036_000_000_000),
        (.nanoseconds(Int64.max), Int64.max),
        (.nanoseconds(Int64.min), Int64.min),
    ])
    func inRange_IsExact(duration: Duration, nanoseconds: Int64) {
        #expect(duration.saturatingNanoseconds == nanoseconds)
    }

    @Test func subNanosecondParts_AreTruncatedTowardZero() {
        #expect(Duration(secondsComponent: 1, attosecondsComponent: 999_999_999).saturatingNanoseconds == 1_000_000_000)
        #expect(Duration(secondsComponent: 0, attosecondsComponent: 1_999_999_999).saturatingNanoseconds == 1)
        #expect((Duration.zero - Duration(secondsComponent: 0, attosecondsComponent: 1_999_999_999)).saturatingNanoseconds == -1)
    }

    @Test func beyondInt64_Saturates() {
        #expect(Duration.seconds(Int64.max).saturatingNanoseconds == .max)
        #expect(Duration.seconds(Int64.min).saturatingNanoseconds == .min)
        // The multiplication fits, the added fraction does not.
        #expect((Duration.nanoseconds(Int64.max) + .nanoseconds(1)).saturatingNanoseconds == .max)
        #expect((Duration.nanoseconds(Int64.min) - .nanoseconds(1)).saturatingNanoseconds == .min)
        #expect(Duration.seconds(9_223_372_037).saturatingNanoseconds == .max)
    }

    @Test func nonNegative_ClampsNegativesToZero_AndSaturates() {
        #expect(Duration.seconds(-1).nonNegativeNanoseconds == 0)
        #expect(Duration.nanoseconds(-1).nonNegativeNanoseconds == 0)
        #expect(Duration.zero.nonNegativeNanoseconds == 0)
        #expect(Duration.milliseconds(250).nonNegativeNanoseconds == 250_000_000)
        // Past Int64 but within UInt64: exact.
        #expect(Duration.seconds(10_000_000_000).nonNegativeNanoseconds == 10_000_000_000_000_000_000)
        #expect(Duration.seconds(18_446_744_073).nonNegativeNanoseconds == 18_446_744_073_000_000_000)
        #expect(Duration.seconds(18_446_744_074).nonNegativeNanoseconds == .max)
        #expect(Duration.seconds(Int64.max).nonNegativeNanoseconds == .max)
    }
}
