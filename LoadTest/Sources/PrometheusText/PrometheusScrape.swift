/// A parsed `/metrics` page: its samples and `# TYPE` declarations, with lookups by name.
///
///     let scrape = try PrometheusScrape(parsing: text)
///     scrape.value("process_resident_memory_bytes")   // 1.2e7, or nil when absent
///     scrape.sum("sluice_load_shed_total")            // summed over every label set
///
/// Parsing throws ``PrometheusParseError`` naming the first malformed line.
public struct PrometheusScrape: Equatable, Sendable {
    /// The samples in page order.
    public var samples: [PrometheusSample]
    /// Metric family name to its declared type (`counter`, `gauge`, `histogram`, ...).
    public var types: [String: String]

    public init(samples: [PrometheusSample], types: [String: String] = [:]) {
        self.samples = samples
        self.types = types
    }

    /// Parses text exposition format 0.0.4.
    public init(parsing text: String) throws(PrometheusParseError) {
        var parser = PrometheusParser()
        self = try parser.parse(text)
    }

    /// The value of the sample named `name` whose labels are exactly `labels`, or nil.
    public func value(_ name: String, labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum of every sample named `name`, whatever its labels; nil when there is none.
    public func sum(_ name: String) -> Double? {
        var total: Double?
        for sample in samples where sample.name == name {
            total = (total ?? 0) + sample.value
        }
        return total
    }
}
