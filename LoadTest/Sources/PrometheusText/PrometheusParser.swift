/// Reads Prometheus text exposition format 0.0.4 line by line.
///
/// Blank lines and comments are skipped, `# TYPE` lines are kept, `# HELP` text is dropped.
/// Tokens are separated by blanks or tabs; `\r` before `\n` is tolerated.
struct PrometheusParser {
    private var bytes: [UInt8] = []
    private var position = 0
    private var lineEnd = 0
    private var lineNumber = 0

    mutating func parse(_ text: String) throws(PrometheusParseError) -> PrometheusScrape {
        bytes = Array(text.utf8)
        position = 0
        lineNumber = 0
        var scrape = PrometheusScrape(samples: [])
        while position < bytes.count {
            lineNumber += 1
            lineEnd = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let next = lineEnd + 1
            if lineEnd > position, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            skipBlanks()
            if position < lineEnd {
                if bytes[position] == UInt8(ascii: "#") {
                    readComment(into: &scrape)
                } else {
                    scrape.samples.append(try readSample())
                }
            }
            position = next
        }
        return scrape
    }

    /// `# TYPE name type` is recorded; any other comment, `# HELP` included, is ignored.
    private mutating func readComment(into scrape: inout PrometheusScrape) {
        position += 1
        skipBlanks()
        guard readToken() == "TYPE" else { return }
        skipBlanks()
        let name = readToken()
        skipBlanks()
        let type = readToken()
        if !name.isEmpty, !type.isEmpty { scrape.types[name] = type }
    }

    private mutating func readSample() throws(PrometheusParseError) -> PrometheusSample {
        let name = readName(allowColon: true)
        guard !name.isEmpty else { throw .invalidMetricName(line: lineNumber) }
        skipBlanks()
        var labels: [String: String] = [:]
        if position < lineEnd, bytes[position] == UInt8(ascii: "{") {
            position += 1
            labels = try readLabels()
        }
        let valueStart = position
        skipBlanks()
        let valueText = readToken()
        guard position > valueStart, let value = Self.sampleValue(valueText) else {
            throw .invalidValue(valueText, line: lineNumber)
        }
        skipBlanks()
        var timestamp: Int64?
        if position < lineEnd {
            let text = readToken()
            guard let milliseconds = Int64(text) else { throw .invalidTimestamp(text, line: lineNumber) }
            timestamp = milliseconds
            skipBlanks()
            guard position == lineEnd else { throw .trailingText(line: lineNumber) }
        }
        return PrometheusSample(name: name, labels: labels, value: value, timestampMilliseconds: timestamp)
    }

    /// Reads `name="value", ...}` after the opening brace; a trailing comma is allowed.
    private mutating func readLabels() throws(PrometheusParseError) -> [String: String] {
        var labels: [String: String] = [:]
        while true {
            skipBlanks()
            if try take("}", required: false) { return labels }
            let name = readName(allowColon: false)
            guard !name.isEmpty else { throw .invalidLabelName(line: lineNumber) }
            skipBlanks()
            _ = try take("=", required: true)
            skipBlanks()
            _ = try take("\"", required: true)
            let value = try readLabelValue()
            guard labels.updateValue(value, forKey: name) == nil else {
                throw .duplicateLabel(name: name, line: lineNumber)
            }
            skipBlanks()
            if try take("}", required: false) { return labels }
            _ = try take(",", required: true)
        }
    }

    /// Reads up to the closing quote, undoing the `\\`, `\"` and `\n` escapes.
    private mutating func readLabelValue() throws(PrometheusParseError) -> String {
        var value: [UInt8] = []
        while position < lineEnd {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < lineEnd else { throw .unterminatedLabelValue(line: lineNumber) }
                switch bytes[position] {
                case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                default: throw .invalidEscape(line: lineNumber)
                }
                position += 1
            default:
                value.append(byte)
            }
        }
        throw .unterminatedLabelValue(line: lineNumber)
    }

    /// `true` when the next byte is `character` (and consumes it); throws when it is required.
    private mutating func take(_ character: Character, required: Bool) throws(PrometheusParseError) -> Bool {
        if position < lineEnd, bytes[position] == character.asciiValue {
            position += 1
            return true
        }
        if required { throw .expectedCharacter(character, line: lineNumber) }
        return false
    }

    /// Metric names match `[a-zA-Z_:][a-zA-Z0-9_:]*`; label names the same without `:`.
    private mutating func readName(allowColon: Bool) -> String {
        let start = position
        while position < lineEnd {
            let byte = bytes[position]
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            let isAllowed = isLetter || byte == UInt8(ascii: "_") || (allowColon && byte == UInt8(ascii: ":"))
                || (isDigit && position > start)
            guard isAllowed else { break }
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func readToken() -> String {
        let start = position
        while position < lineEnd, !Self.isBlank(bytes[position]) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func skipBlanks() {
        while position < lineEnd, Self.isBlank(bytes[position]) { position += 1 }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// Go's ParseFloat spellings as Prometheus writes them: decimals, `+Inf`, `-Inf`, `NaN`.
    static func sampleValue(_ text: String) -> Double? {
        switch text.lowercased() {
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return .nan
        default:
            guard let first = text.utf8.first,
                  first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                      || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
            else { return nil }
            return Double(text)
        }
    }
}
