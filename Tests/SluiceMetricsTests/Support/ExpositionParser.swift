/// A strict reader of Prometheus text format 0.0.4, for checking what the renderer writes.
///
/// Stricter than Prometheus itself where sluice has a convention: every family has `# HELP`
/// then `# TYPE` before its samples, families are contiguous and declared once, counters end
/// in `_total`, histograms have ascending `le` buckets that are cumulative and end in +Inf
/// equal to `_count`, and no series appears twice.
struct ExpositionParser {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String
        var samples: [Sample] = []
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    static func parse(_ text: String) throws -> [Family] {
        guard text.hasSuffix("\n") else { throw Failure(line: 0, message: "exposition must end with a line feed") }
        var families: [Family] = []
        var declared: Set<String> = []
        var pendingHelp: (name: String, text: String)?
        var seriesSeen: Set<String> = []
        for (offset, line) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            func fail(_ message: String) -> Failure { Failure(line: number, message: message) }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw fail("HELP without text") }
                let name = String(rest[..<space])
                guard isMetricName(name) else { throw fail("bad metric name \(name)") }
                guard !declared.contains(name) else { throw fail("family \(name) declared twice") }
                pendingHelp = (name, try unescapeHelp(rest[rest.index(after: space)...], fail))
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, let help = pendingHelp, help.name == parts[0] else { throw fail("TYPE must follow the family's HELP") }
                guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1]) else { throw fail("unknown type \(parts[1])") }
                if parts[1] == "counter", !help.name.hasSuffix("_total") { throw fail("counter \(help.name) must end in _total") }
                declared.insert(help.name)
                families.append(Family(name: help.name, type: String(parts[1]), help: help.text))
                pendingHelp = nil
            } else if line.hasPrefix("#") || line.isEmpty {
                throw fail("unexpected comment or blank line")
            } else {
                guard var family = families.popLast(), pendingHelp == nil else { throw fail("sample before its family's HELP and TYPE") }
                let sample = try parseSample(line, fail)
                guard belongs(sample.name, to: family) else { throw fail("sample \(sample.name) outside its family (\(family.name))") }
                let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
                guard seriesSeen.insert(key).inserted else { throw fail("duplicate series \(key)") }
                family.samples.append(sample)
                families.append(family)
            }
        }
        for family in families where family.type == "histogram" {
            try checkHistogram(family)
        }
        return families
    }

    private static func belongs(_ sampleName: String, to family: Family) -> Bool {
        guard family.type == "histogram" else { return sampleName == family.name }
        return ["_bucket", "_sum", "_count"].contains { sampleName == family.name + $0 }
    }

    private static func checkHistogram(_ family: Family) throws {
        func fail(_ message: String) -> Failure { Failure(line: 0, message: "\(family.name): \(message)") }
        let groups = Dictionary(grouping: family.samples) { sample in
            sample.labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        for (series, samples) in groups {
            let buckets = samples.filter { $0.name.hasSuffix("_bucket") }
            let bounds = try buckets.map { bucket -> Double in
                guard let le = bucket.labels["le"], let bound = parseValue(Substring(le)) else { throw fail("bucket without a numeric le in {\(series)}") }
                return bound
            }
            guard bounds.last == .infinity else { throw fail("last bucket of {\(series)} is not +Inf") }
            guard zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else { throw fail("le not ascending in {\(series)}") }
            guard zip(buckets, buckets.dropFirst()).allSatisfy({ $0.value <= $1.value }) else { throw fail("buckets not cumulative in {\(series)}") }
            guard let count = samples.first(where: { $0.name.hasSuffix("_count") }), samples.contains(where: { $0.name.hasSuffix("_sum") }) else {
                throw fail("missing _sum or _count in {\(series)}")
            }
            guard count.value == buckets.last?.value else { throw fail("+Inf bucket differs from _count in {\(series)}") }
        }
    }

    private static func parseSample(_ line: Substring, _ fail: (String) -> Failure) throws -> Sample {
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        let name = String(line[..<index])
        guard isMetricName(name) else { throw fail("bad metric name \(name)") }
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while line[index] != "}" {
                guard let equals = line[index...].firstIndex(of: "=") else { throw fail("label without =") }
                let labelName = String(line[index..<equals])
                guard isLabelName(labelName) else { throw fail("bad label name \(labelName)") }
                index = line.index(after: equals)
                guard index < line.endIndex, line[index] == "\"" else { throw fail("label value must be quoted") }
                index = line.index(after: index)
                var value = ""
                while true {
                    guard index < line.endIndex else { throw fail("unterminated label value") }
                    let character = line[index]
                    if character == "\"" { break }
                    if character == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { throw fail("dangling escape") }
                        switch line[index] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("bad escape \\\(line[index])")
                        }
                    } else {
                        value.append(character)
                    }
                    index = line.index(after: index)
                }
                guard labels.updateValue(value, forKey: labelName) == nil else { throw fail("label \(labelName) repeated") }
                index = line.index(after: index)
                guard index < line.endIndex else { throw fail("unterminated label set") }
                if line[index] == "," { index = line.index(after: index) } else if line[index] != "}" { throw fail("expected , or }") }
            }
            index = line.index(after: index)
        }
        guard index < line.endIndex, line[index] == " " else { throw fail("expected one space before the value") }
        let valueText = line[line.index(after: index)...]
        guard let value = parseValue(valueText) else { throw fail("bad value \(valueText)") }
        return Sample(name: name, labels: labels, value: value)
    }

    static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ "0123456789.eE+-".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    private static func unescapeHelp(_ text: Substring, _ fail: (String) -> Failure) throws -> String {
        var result = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "\\": result.append("\\")
                case "n": result.append("\n")
                default: throw fail("bad escape in HELP")
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        guard !escaped else { throw fail("dangling escape in HELP") }
        return result
    }

    private static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    private static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

private extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
