/// Why a Prometheus text exposition could not be read; `line` is 1-based.
public enum PrometheusParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidMetricName(line: Int)
    case invalidLabelName(line: Int)
    case expectedCharacter(Character, line: Int)
    case unterminatedLabelValue(line: Int)
    case invalidEscape(line: Int)
    case duplicateLabel(name: String, line: Int)
    case invalidValue(String, line: Int)
    case invalidTimestamp(String, line: Int)
    case trailingText(line: Int)

    public var description: String {
        switch self {
        case .invalidMetricName(let line): "line \(line): metric name expected"
        case .invalidLabelName(let line): "line \(line): label name expected"
        case .expectedCharacter(let character, let line): "line \(line): '\(character)' expected"
        case .unterminatedLabelValue(let line): "line \(line): label value has no closing quote"
        case .invalidEscape(let line): "line \(line): label value escapes only \\\\, \\\" and \\n"
        case .duplicateLabel(let name, let line): "line \(line): label \(name) appears twice"
        case .invalidValue(let text, let line): "line \(line): \(text.debugDescription) is not a sample value"
        case .invalidTimestamp(let text, let line): "line \(line): \(text.debugDescription) is not a timestamp"
        case .trailingText(let line): "line \(line): unexpected text after the timestamp"
        }
    }
}
