/// One sample line of the Prometheus text format: `name{label="value"} 12.5 [timestamp]`.
///
///     PrometheusSample(name: "sluice_load_shed_total", labels: ["reason": "buffer_full"], value: 3)
public struct PrometheusSample: Equatable, Sendable {
    /// The metric name, including any `_bucket`/`_sum`/`_count` suffix.
    public var name: String
    /// Label names to values, unescaped.
    public var labels: [String: String]
    /// The sample value; `+Inf`, `-Inf` and `NaN` are allowed.
    public var value: Double
    /// The optional timestamp, in milliseconds since the Unix epoch.
    public var timestampMilliseconds: Int64?

    public init(name: String, labels: [String: String] = [:], value: Double, timestampMilliseconds: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}
