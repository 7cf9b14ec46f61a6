import Glibc
import Histogram

/// An SVG chart of latency by percentile, drawn like HdrHistogram's plots: the x axis is
/// log-scaled in "nines" (0%, 90%, 99%, 99.9%, ...) so the tail gets as much room as the median.
///
///     let svg = LatencyChart(result: result).render()
///
/// x = log10(1 / (1 - p)); the axis ends at the nines the sample count can resolve
/// (10,000 requests resolve 99.99%). y is linear in milliseconds from 0.
public struct LatencyChart: Sendable {
    public var result: RunResult

    public init(result: RunResult) {
        self.result = result
    }

    private let width = 900.0
    private let height = 540.0
    private let left = 80.0
    private let right = 30.0
    private let top = 70.0
    private let bottom = 60.0

    /// The chart as a standalone SVG document.
    public func render() -> String {
        let histogram = result.latencyMicroseconds
        let nines = max(2, min(6, Int(log10(Double(max(histogram.totalCount, 1))).rounded(.up))))
        let points = curve(histogram, nines: nines)
        let yMax = Self.niceCeiling(max(points.map(\.1).max() ?? 1, 0.001))
        var svg = SVGDocument(width: width, height: height)
        svg.rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff")
        svg.text(x: left, y: 30, "Latency by percentile — \(result.plan.target.url)", size: 17, weight: "bold")
        svg.text(x: left, y: 52, subtitle, size: 12, fill: "#555555")
        for tick in 0...nines {
            let x = xPosition(Double(tick), nines: nines)
            svg.line(x1: x, y1: top, x2: x, y2: height - bottom, stroke: "#e3e3e3")
            svg.text(x: x, y: height - bottom + 20, Self.percentileLabel(nines: tick), size: 12, anchor: "middle")
        }
        let tickDecimals = Self.decimals(forStep: yMax / 5)
        for step in 0...5 {
            let value = yMax * Double(step) / 5
            let y = yPosition(value, max: yMax)
            svg.line(x1: left, y1: y, x2: width - right, y2: y, stroke: "#e3e3e3")
            svg.text(x: left - 8, y: y + 4, NumberFormat.fixed(value, tickDecimals), size: 12, anchor: "end")
        }
        svg.line(x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, stroke: "#333333")
        svg.line(x1: left, y1: top, x2: left, y2: height - bottom, stroke: "#333333")
        svg.text(x: (left + width - right) / 2, y: height - 18, "percentile", size: 13, anchor: "middle")
        svg.text(x: 20, y: (top + height - bottom) / 2, "latency (ms)", size: 13, anchor: "middle",
                 rotate: -90)
        let path = points.map { "\(NumberFormat.fixed(xPosition($0.0, nines: nines), 1)),\(NumberFormat.fixed(yPosition($0.1, max: yMax), 1))" }
        svg.polyline(path, stroke: "#1f6fd1", width: 2)
        markPercentiles(&svg, nines: nines, yMax: yMax)
        return svg.finish()
    }

    private var subtitle: String {
        "\(result.plan.setupDescription) · \(NumberFormat.grouped(result.completedRequests)) responses · "
            + "latency from \(result.plan.model == .closed ? "send" : "due time (open model, corrected)")"
    }

    /// (x in nines, latency in ms) pairs, in percentile order, with the maximum at the right edge.
    private func curve(_ histogram: Histogram<UInt64>, nines: Int) -> [(Double, Double)] {
        guard histogram.totalCount > 0 else { return [] }
        var points: [(Double, Double)] = []
        for step in histogram.percentiles(ticksPerHalfDistance: 5) {
            let x = min(Self.nines(percentile: step.percentileLevelIteratedTo), Double(nines))
            points.append((x, Double(histogram.highestEquivalentForValue(step.value)) / 1_000))
        }
        points.append((Double(nines), Double(histogram.max) / 1_000))
        return points
    }

    private func markPercentiles(_ svg: inout SVGDocument, nines: Int, yMax: Double) {
        let marks: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]
        svg.rect(x: left + 6, y: top + 4, width: 150, height: 92, fill: "#ffffff", opacity: 0.85)
        var legendY = top + 18
        for (label, percentile) in marks where Self.nines(percentile: percentile) <= Double(nines) {
            let value = result.latencyMilliseconds(atPercentile: percentile)
            let x = xPosition(Self.nines(percentile: percentile), nines: nines)
            svg.circle(x: x, y: yPosition(value, max: yMax), radius: 4, fill: "#d1451f")
            svg.text(x: left + 14, y: legendY, "\(label)  \(NumberFormat.milliseconds(value)) ms", size: 12)
            legendY += 17
        }
        svg.text(x: left + 14, y: legendY, "max  \(NumberFormat.milliseconds(result.maxLatencyMilliseconds)) ms", size: 12)
    }

    private func xPosition(_ nines: Double, nines total: Int) -> Double {
        left + (width - left - right) * nines / Double(total)
    }

    private func yPosition(_ milliseconds: Double, max: Double) -> Double {
        (height - bottom) - (height - top - bottom) * min(milliseconds / max, 1)
    }

    /// log10(1 / (1 - p/100)); 100% maps to infinity.
    static func nines(percentile: Double) -> Double {
        percentile >= 100 ? .infinity : log10(100 / (100 - percentile))
    }

    /// "0%", "90%", "99%", "99.9%", ... for 0, 1, 2, 3 nines.
    static func percentileLabel(nines: Int) -> String {
        switch nines {
        case 0: "0%"
        case 1: "90%"
        default: "99" + (nines > 2 ? "." + String(repeating: "9", count: nines - 2) : "") + "%"
        }
    }

    /// Decimals that print every multiple of `step` exactly: 2 → 0, 0.5 → 1, 0.25 → 2.
    static func decimals(forStep step: Double) -> Int {
        var decimals = 0
        var scaled = step
        while decimals < 6, abs(scaled - scaled.rounded()) > 1e-9 * max(1, scaled) {
            scaled *= 10
            decimals += 1
        }
        return decimals
    }

    /// The smallest 1, 2, 2.5 or 5 × 10^k at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, (log10(value)).rounded(.down))
        for factor in [1.0, 2.0, 2.5, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }
}
