/// A small JSON text builder for the `--json` report: objects, arrays and scalars appended in
/// order, with string escaping per RFC 8259 §7.
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = [false]

    mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    mutating func endObject() { close("}") }
    mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    mutating func endArray() { close("]") }

    mutating func field(_ key: String?, _ value: String?) {
        prefix(key)
        if let value { Self.appendQuoted(value, to: &text) } else { text += "null" }
    }

    mutating func field(_ key: String?, _ value: Int?) {
        prefix(key)
        text += value.map(String.init) ?? "null"
    }

    /// Non-finite doubles have no JSON spelling and are written as null.
    mutating func field(_ key: String?, _ value: Double?, decimals: Int = 3) {
        prefix(key)
        if let value, value.isFinite { text += NumberFormat.fixed(value, decimals) } else { text += "null" }
    }

    mutating func field(_ key: String?, _ value: Bool?) {
        prefix(key)
        text += value.map { $0 ? "true" : "false" } ?? "null"
    }

    private mutating func open(_ key: String?, _ bracket: String) {
        prefix(key)
        text += bracket
        needsComma.append(false)
    }

    private mutating func close(_ bracket: String) {
        precondition(needsComma.count > 1, "JSONWriter: close without open")
        needsComma.removeLast()
        text += bracket
    }

    private mutating func prefix(_ key: String?) {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
        if let key {
            Self.appendQuoted(key, to: &text)
            text += ":"
        }
    }

    static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
