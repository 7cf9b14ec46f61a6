import Glibc

/// Formats receive times by hand (gmtime_r, no Foundation): RFC 3339 UTC with microseconds
/// for records, `yyyyMMdd'T'HHmmss'Z'` for segment names.
///
/// Items of one batch mostly share a second, so the formatted "date and time to the second"
/// prefix is cached and only the microseconds are written per item.
struct TimestampFormatter {
    private var cachedSecond = Int64.min
    private var cachedPrefix: [UInt8] = []

    init() {
        cachedPrefix.reserveCapacity(32)
    }

    /// Appends `2026-11-26T18:00:00.123456Z` for `nanoseconds` since the Unix epoch.
    mutating func appendRFC3339(nanoseconds: Int64, to bytes: inout [UInt8]) {
        let (second, nanosecond) = Self.split(nanoseconds)
        if second != cachedSecond {
            cachedPrefix.removeAll(keepingCapacity: true)
            let time = Self.utc(second)
            Self.appendDigits(Int(time.tm_year) + 1900, width: 4, to: &cachedPrefix)
            cachedPrefix.append(UInt8(ascii: "-"))
            Self.appendDigits(Int(time.tm_mon) + 1, width: 2, to: &cachedPrefix)
            cachedPrefix.append(UInt8(ascii: "-"))
            Self.appendDigits(Int(time.tm_mday), width: 2, to: &cachedPrefix)
            cachedPrefix.append(UInt8(ascii: "T"))
            Self.appendDigits(Int(time.tm_hour), width: 2, to: &cachedPrefix)
            cachedPrefix.append(UInt8(ascii: ":"))
            Self.appendDigits(Int(time.tm_min), width: 2, to: &cachedPrefix)
            cachedPrefix.append(UInt8(ascii: ":"))
            Self.appendDigits(Int(time.tm_sec), width: 2, to: &cachedPrefix)
            cachedPrefix.append(UInt8(ascii: "."))
            cachedSecond = second
        }
        bytes.append(contentsOf: cachedPrefix)
        Self.appendDigits(Int(nanosecond / 1000), width: 6, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// `20261127T031500Z` for `nanoseconds` since the Unix epoch: fixed width, so a plain
    /// sort of these strings is chronological (for years 1000 to 9999).
    static func compactUTC(nanoseconds: Int64) -> String {
        let time = utc(split(nanoseconds).second)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        appendDigits(Int(time.tm_year) + 1900, width: 4, to: &bytes)
        appendDigits(Int(time.tm_mon) + 1, width: 2, to: &bytes)
        appendDigits(Int(time.tm_mday), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(Int(time.tm_hour), width: 2, to: &bytes)
        appendDigits(Int(time.tm_min), width: 2, to: &bytes)
        appendDigits(Int(time.tm_sec), width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whole seconds (floored, so times before 1970 format correctly) and the nanoseconds
    /// into that second.
    private static func split(_ nanoseconds: Int64) -> (second: Int64, nanosecond: Int64) {
        var second = nanoseconds / 1_000_000_000
        var nanosecond = nanoseconds % 1_000_000_000
        if nanosecond < 0 {
            second -= 1
            nanosecond += 1_000_000_000
        }
        return (second, nanosecond)
    }

    private static func utc(_ second: Int64) -> tm {
        var seconds = time_t(second)
        var time = tm()
        // gmtime_r fails only when the year overflows an Int32; receive times never get there.
        precondition(gmtime_r(&seconds, &time) != nil, "timestamp \(second) s is out of gmtime_r's range")
        return time
    }

    /// Appends `value` in decimal, zero-padded to at least `width` digits.
    static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        precondition(value >= 0, "appendDigits formats non-negative values only")
        var divisor = 1
        var digitCount = 1
        while divisor <= value / 10 {
            divisor *= 10
            digitCount += 1
        }
        for _ in digitCount..<max(width, digitCount) { bytes.append(UInt8(ascii: "0")) }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
