/// What JetStream's reply to one published message says, read from its JSON without a parser
/// (the reply is a small object the server writes; no allocation unless it is an error):
/// ```
/// {"stream":"SLUICE", "seq":42}                     → .stored(isDuplicate: false)
/// {"stream":"SLUICE", "seq":42,"duplicate": true}   → .stored(isDuplicate: true)
/// {"error":{"code":503,"err_code":10077,"description":"..."}} → .refused(...)
/// ```
/// Keys are found by their quoted name; whitespace around the colon is allowed (nats-server
/// 2.9 writes `"duplicate": true`).
enum PubAckReply: Equatable {
    /// The stream holds the message; `isDuplicate` when it already had one with this id.
    case stored(isDuplicate: Bool)
    /// The server did not store it, and said why (`errorCode` is JetStream's `err_code`).
    case refused(errorCode: Int?, description: String)

    init(_ bytes: UnsafeRawBufferPointer) {
        if Self.find(#""error""#, in: bytes) != nil {
            self = .refused(errorCode: Self.number(after: #""err_code""#, in: bytes),
                            description: Self.string(after: #""description""#, in: bytes) ?? Self.text(bytes))
        } else if Self.value(after: #""seq""#, in: bytes) != nil {
            let duplicate = Self.value(after: #""duplicate""#, in: bytes)
            self = .stored(isDuplicate: duplicate.map { bytes.count - $0 >= 4 && bytes[$0] == UInt8(ascii: "t") } ?? false)
        } else {
            self = .refused(errorCode: nil, description: "unexpected reply: \(Self.text(bytes))")
        }
    }

    /// Where `needle` ends in `bytes`, or nil.
    private static func find(_ needle: StaticString, in bytes: UnsafeRawBufferPointer) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard bytes.count >= count else { return nil }
        let first = needle.utf8Start[0]
        var start = 0
        while start <= bytes.count - count {
            if bytes[start] == first {
                var index = 1
                while index < count, bytes[start + index] == needle.utf8Start[index] { index += 1 }
                if index == count { return start + count }
            }
            start += 1
        }
        return nil
    }

    /// Where the value of `key` (quoted) starts: past the colon and any whitespace around it.
    private static func value(after key: StaticString, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard var index = find(key, in: bytes) else { return nil }
        var sawColon = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            case UInt8(ascii: ":") where !sawColon:
                sawColon = true
                index += 1
            default:
                return sawColon ? index : nil
            }
        }
        return nil
    }

    private static func number(after key: StaticString, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard var index = value(after: key, in: bytes) else { return nil }
        var value = 0
        var digits = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]), digits < 9 {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The JSON string value of `key`, escapes left as they are.
    private static func string(after key: StaticString, in bytes: UnsafeRawBufferPointer) -> String? {
        guard let quote = value(after: key, in: bytes), bytes[quote] == UInt8(ascii: "\"") else { return nil }
        let start = quote + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
        }
        return String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
    }

    /// The reply as text, cut to 200 bytes for a log line.
    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.prefix(200), as: UTF8.self)
    }
}
