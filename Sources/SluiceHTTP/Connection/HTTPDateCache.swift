import Glibc

/// The IMF-fixdate for the `Date` header (RFC 9110 §5.6.7), formatted at most once a second
/// per connection, so a response costs one `time()` call, not a formatting pass.
struct HTTPDateCache {
    private var second = -1
    private var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 29 of 32 bytes used

    mutating func write(to buffer: ByteBuffer) {
        let now = time(nil)
        if now != second { format(now) }
        withUnsafeBytes(of: &bytes) { buffer.write(UnsafeRawBufferPointer(rebasing: $0[0..<29])) }
    }

    private mutating func format(_ now: time_t) {
        second = now
        var seconds = now
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days: StaticString = "SunMonTueWedThuFriSat"
        let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
        withUnsafeMutableBytes(of: &bytes) { out in
            func put(_ index: Int, _ byte: UInt8) { out[index] = byte }
            func two(_ index: Int, _ value: Int32) {
                put(index, UInt8(48 + value / 10))
                put(index + 1, UInt8(48 + value % 10))
            }
            for offset in 0..<3 {
                put(offset, days.utf8Start[Int(parts.tm_wday) * 3 + offset])
                put(8 + offset, months.utf8Start[Int(parts.tm_mon) * 3 + offset])
            }
            put(3, UInt8(ascii: ",")); put(4, UInt8(ascii: " "))
            two(5, parts.tm_mday)
            put(7, UInt8(ascii: " ")); put(11, UInt8(ascii: " "))
            let year = parts.tm_year + 1900
            two(12, year / 100); two(14, year % 100)
            put(16, UInt8(ascii: " "))
            two(17, parts.tm_hour); put(19, UInt8(ascii: ":"))
            two(20, parts.tm_min); put(22, UInt8(ascii: ":"))
            two(23, parts.tm_sec)
            put(25, UInt8(ascii: " ")); put(26, UInt8(ascii: "G")); put(27, UInt8(ascii: "M")); put(28, UInt8(ascii: "T"))
        }
    }
}
