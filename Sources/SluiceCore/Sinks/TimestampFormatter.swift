import Glibc

/// Formats receive times by hand (gmtime_r, no Foundation): RFC 3339 UTC with microseconds
/// for records, `yyyyMMdd'T'HHmmss'Z'` for segment names.
///
/// Items of one batch mostly share a second, so the formatted "date and time to the second"
/// prefix is cached and only the microseconds are written per item.
struct TimestampFormatter {
    /// Bytes of `2026-11-26T18:00:00.123456Z`.
    static let rfc3339Length = 27

    private var cachedSecond = Int64.min
    // "2026-11-26T18:00:00." for `cachedSecond`: 20 bytes.
    private var cachedPrefix: [UInt8] = []

    init() {
        cachedPrefix.reserveCapacity(32)
    }

    /// Writes `2026-11-26T18:00:00.123456Z` (exactly `rfc3339Length` bytes) at `destination`
    /// for `nanoseconds` since the Unix epoch. Years outside 0...9999 trap: they would not
    /// fit the fixed width and no receive time gets there.
    mutating func writeRFC3339(nanoseconds: Int64, to destination: UnsafeMutableRawPointer) {
        let (second, nanosecond) = Self.split(nanoseconds)
        if second != cachedSecond {
            let time = Self.utc(second)
            let year = Int(time.tm_year) + 1900
            precondition((0...9999).contains(year), "received_at year \(year) does not fit RFC 3339's four digits")
            cachedPrefix.removeAll(keepingCapacity: true)
            Self.appendDigits(year, width: 4, to: &cachedPrefix)
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
        cachedPrefix.withUnsafeBytes { prefix in
            // Safe: the prefix is 20 bytes and the caller provides `rfc3339Length` (27).
            destination.copyMemory(from: prefix.baseAddress!, byteCount: prefix.count)
        }
        var micros = Int(nanosecond / 1000)
        for offset in stride(from: 25, through: 20, by: -1) {
            destination.storeBytes(of: UInt8(ascii: "0") + UInt8(micros % 10), toByteOffset: offset, as: UInt8.self)
            micros /= 10
        }
        destination.storeBytes(of: UInt8(ascii: "Z"), toByteOffset: 26, as: UInt8.self)
    }

    /// Appends the RFC 3339 form to `bytes` (tests, diagnostics).
    mutating func appendRFC3339(nanoseconds: Int64, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: Self.rfc3339Length))
        bytes.withUnsafeMutableBytes { writeRFC3339(nanoseconds: nanoseconds, to: $0.baseAddress! + start) }
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
