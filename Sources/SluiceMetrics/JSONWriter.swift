import SluiceSupport

/// Appends compact JSON to a byte buffer, for the `/debug/memory` document. Commas are placed
/// by the writer: callers open a container, write members or elements, and close it.
///
/// ```
/// var json = JSONWriter()
/// json.object { json in json.member("rss", 1024); json.member("ok", true) }
/// // {"rss":1024,"ok":true}
/// ```
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), body)
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), body)
    }

    /// Starts a member; the next value written (or container opened) is its value.
    mutating func key(_ name: String) {
        separate()
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func member(_ name: String, _ value: UInt64) { key(name); value.description.utf8.forEach { bytes.append($0) }; needsComma = true }
    mutating func member(_ name: String, _ value: Int) { key(name); value.description.utf8.forEach { bytes.append($0) }; needsComma = true }
    mutating func member(_ name: String, _ value: Bool) { key(name); bytes.append(contentsOf: (value ? "true" : "false").utf8); needsComma = true }
    mutating func member(_ name: String, _ value: String) { key(name); string(value); needsComma = true }

    /// Non-finite values have no JSON form and are written as null.
    mutating func member(_ name: String, _ value: Double) {
        key(name)
        bytes.append(contentsOf: (value.isFinite ? value.description : "null").utf8)
        needsComma = true
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    private mutating func container(open: UInt8, close: UInt8, _ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(open)
        needsComma = false
        body(&self)
        bytes.append(close)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// RFC 8259 §7: quote, backslash and control characters are escaped.
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        JSONEscaping.escape(value) { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
    }
}
