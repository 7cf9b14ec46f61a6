/// Appends Prometheus text exposition format 0.0.4 lines to a byte buffer: `# HELP` and
/// `# TYPE` headers, samples with escaped label values, and histograms as cumulative
/// `_bucket{le=...}` lines ending in +Inf, then `_sum` and `_count`.
///
/// ```
/// var writer = PrometheusTextWriter()
/// writer.family("sluice_batches_total", .counter, help: "Batches processed.")
/// writer.sample("sluice_batches_total", value: 3)
/// String(decoding: writer.bytes, as: UTF8.self)
/// // # HELP sluice_batches_total Batches processed.\n# TYPE sluice_batches_total counter\nsluice_batches_total 3\n
/// ```
/// Names are written as given: callers pass valid metric and label names (constants).
struct PrometheusTextWriter {
    enum MetricType: String {
        case counter, gauge, histogram
    }

    private(set) var bytes: [UInt8] = []

    init(reservingCapacity capacity: Int = 16_384) {
        bytes.reserveCapacity(capacity)
    }

    mutating func family(_ name: String, _ type: MetricType, help: String) {
        append("# HELP ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        for byte in help.utf8 {
            // Text format: in HELP, backslash and line feed are escaped (quotes are not).
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\n"): append("\\n")
            default: bytes.append(byte)
            }
        }
        append("\n# TYPE ")
        append(name)
        bytes.append(UInt8(ascii: " "))
        append(type.rawValue)
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], value: UInt64) {
        sampleStart(name, labels: labels)
        appendDecimal(value)
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], value: Int) {
        sampleStart(name, labels: labels)
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDecimal(UInt64(value.magnitude))
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], value: Double) {
        sampleStart(name, labels: labels)
        appendFloat(value)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A histogram's bucket, sum and count lines (the family header is written separately).
    mutating func histogram(_ name: String, labels: KeyValuePairs<String, String> = [:], _ histogram: HistogramSnapshot) {
        for (index, cumulative) in histogram.cumulativeCounts.enumerated() {
            append(name)
            append("_bucket{")
            for (key, value) in labels {
                appendLabel(key, value)
                bytes.append(UInt8(ascii: ","))
            }
            append("le=\"")
            if index < histogram.upperBounds.count { appendFloat(histogram.upperBounds[index]) } else { append("+Inf") }
            append("\"} ")
            appendDecimal(cumulative)
            bytes.append(UInt8(ascii: "\n"))
        }
        sample(name + "_sum", labels: labels, value: histogram.sum)
        sample(name + "_count", labels: labels, value: histogram.count)
    }

    private mutating func sampleStart(_ name: String, labels: KeyValuePairs<String, String>) {
        append(name)
        if !labels.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            for (index, (key, value)) in labels.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendLabel(key, value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
    }

    private mutating func appendLabel(_ key: String, _ value: String) {
        append(key)
        append("=\"")
        for byte in value.utf8 {
            // Text format: label values escape backslash, double quote and line feed.
            switch byte {
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\n"): append("\\n")
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func appendDecimal(_ value: UInt64) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        appendDecimal(value / 10)
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// Go's ParseFloat syntax, as Prometheus reads it: integral values below 2^53 without a
    /// fraction ("1024"), others in Swift's shortest round-trip form ("0.25", "5e-05"), and
    /// the special values as "+Inf", "-Inf", "NaN".
    private mutating func appendFloat(_ value: Double) {
        if value.isNaN {
            append("NaN")
        } else if value.isInfinite {
            append(value > 0 ? "+Inf" : "-Inf")
        } else if value == value.rounded(.towardZero), value.magnitude < 9_007_199_254_740_992 {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            appendDecimal(UInt64(value.magnitude))
        } else {
            append(value.description)
        }
    }
}
