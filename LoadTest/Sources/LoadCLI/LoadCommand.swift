import ArgumentParser
import Glibc
import SluiceLoad

/// `sluice-load`: the command line, parsed by swift-argument-parser.
///
///     sluice-load --connections 50 --duration 10s --items 100
///     sluice-load --rate 2000 --connections 20 --duration 30s --json --svg latency.svg
public struct LoadCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sluice-load",
        abstract: "Load-test a sluice server: POST batches over libcurl's multi interface and report throughput, latency and the server's own metrics."
    )

    @Option(help: "URL to POST batches to.")
    var url = "http://127.0.0.1:8080/batch"

    @Option(name: [.short, .long], help: "Connections (closed model: requests always in flight).")
    var connections = 10

    @Option(name: [.short, .long], help: "Worker threads, each with one curl multi handle and its share of the connections.")
    var threads = 1

    @Option(help: "wire: libcurl opens the connections, requests are written and responses parsed by sluice-load (fast); curl: libcurl performs every request (reference, about 67,000 instructions per request).")
    var engine: LoadEngine = .wire

    @Option(name: [.short, .long], help: "Open model: requests per second on a fixed schedule; latency counts from each request's due time.")
    var rate: Double?

    @Option(name: [.short, .long], help: "How long to send, e.g. 10s, 500ms, 2m (default 10s; at most 1h).")
    var duration: String?

    @Option(name: [.customShort("n"), .long], help: "Stop after this many requests.")
    var requests: Int?

    @Option(help: "Per-request timeout, e.g. 10s; also how long in-flight requests may drain at the end.")
    var timeout = "10s"

    @Option(help: "Items per generated batch (ids item-1 ... item-N).")
    var items = 100

    @Option(help: "How items carry their data: object, string (a JSON string holding the object) or ndjson.")
    var dataShape: DataShape = .object

    @Flag(help: "Compress the body with gzip (Content-Encoding: gzip).")
    var gzip = false

    @Option(help: "Send this file as the body instead of a generated batch.")
    var bodyFile: String?

    @Option(help: "Content-Type for --body-file.")
    var contentType = "application/json"

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    @Option(help: "Write a latency-by-percentile chart (SVG) to this path.")
    var svg: String?

    @Option(help: "Bearer token for sluice's --auth-file, sent as Authorization: Bearer <token>. Prefer the SLUICE_TOKEN environment variable: command lines show in ps.")
    var token: String?

    @Option(help: "Where to scrape the server's metrics (default: /metrics on the --url's host and port; give the admin listener's when sluice runs with --admin-port).")
    var metricsUrl: String?

    @Flag(help: "Do not scrape the server's /metrics.")
    var noServerMetrics = false

    @Flag(help: "No live progress line (it is shown only when stdout is a terminal anyway).")
    var noProgress = false

    public init() {}

    /// Turns the options into a validated plan: parses URL and durations, builds the body.
    public func makePlan() throws(LoadError) -> LoadPlan {
        let target = try TargetURL(url)
        guard let requestTimeout = DurationText.parse(timeout), requestTimeout > .zero else {
            throw .invalidTimeout(timeout)
        }
        var runLength: Duration?
        if let duration {
            guard let parsed = DurationText.parse(duration), parsed > .zero else { throw .invalidDuration(duration) }
            runLength = parsed
        }
        var model = LoadModel.closed
        if let rate {
            guard rate > 0, rate.isFinite else { throw .invalidRate(rate) }
            model = .open(requestsPerSecond: rate)
        }
        return try LoadPlan(
            target: target, body: try makeBody(), model: model, connections: connections, threads: threads,
            duration: runLength, requestLimit: requests, requestTimeout: requestTimeout, engine: engine,
            bearerToken: token ?? Self.environmentToken())
    }

    /// `SLUICE_TOKEN`, when set and not empty.
    static func environmentToken() -> String? {
        guard let value = getenv("SLUICE_TOKEN") else { return nil }
        let token = String(cString: value)
        return token.isEmpty ? nil : token
    }

    private func makeBody() throws(LoadError) -> RequestBody {
        guard let bodyFile else {
            guard (0...BatchLimits.maxItems).contains(items) else { throw .invalidItemCount(items) }
            return try BatchBuilder(items: items, shape: dataShape).requestBody(gzip: gzip)
        }
        let plain = try BodyFile.read(path: bodyFile)
        return RequestBody(
            bytes: gzip ? try Gzip.compress(plain) : plain, contentType: contentType,
            contentEncoding: gzip ? "gzip" : nil, itemsPerRequest: nil, uncompressedByteCount: plain.count)
    }

    public func run() throws {
        let plan = try makePlan()
        try LoadSession(plan: plan, options: sessionOptions).run()
    }

    var sessionOptions: LoadSession.Options {
        LoadSession.Options(
            isJSON: json, svgPath: svg, scrapesServerMetrics: !noServerMetrics, metricsURL: metricsUrl,
            showsProgress: !noProgress && !json && ProgressLine.isTerminal)
    }
}

extension DataShape: ExpressibleByArgument {}
extension LoadEngine: ExpressibleByArgument {}
