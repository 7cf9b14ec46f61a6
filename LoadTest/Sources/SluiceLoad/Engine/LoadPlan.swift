/// How requests are issued: a fixed number in flight, or a fixed schedule.
public enum LoadModel: Equatable, Sendable {
    /// Every connection always has one request in flight (`--connections N`).
    case closed
    /// Requests are due on a fixed schedule of `requestsPerSecond`, whatever the server does;
    /// latency counts from the due time, so queueing behind a stalled server is measured.
    case open(requestsPerSecond: Double)
}

/// Who speaks HTTP on the connections libcurl opens.
public enum LoadEngine: String, CaseIterable, Sendable {
    /// libcurl opens (and, for https, encrypts) each connection; sluice-load writes the request
    /// prepared before the run and parses the response itself. Costs a few thousand
    /// instructions per request, so the server stays the bottleneck.
    case wire
    /// libcurl performs every request as a transfer of its multi interface: its own request
    /// head and response parser. A reference; about 67,000 instructions per request in curl 7.88.
    case curl
}

/// Everything one run needs, validated: target, body, model, concurrency and bounds.
///
///     let plan = try LoadPlan(target: target, body: body, model: .open(requestsPerSecond: 200),
///                             connections: 4, duration: .seconds(2))
///
/// The run always ends: at `duration` (at most ``maxDuration``), or after `requestLimit` requests,
/// whichever comes first; in-flight requests then get up to `requestTimeout` to finish.
public struct LoadPlan: Sendable {
    /// The longest run accepted; also the bound for `--requests` runs without `--duration`.
    public static let maxDuration: Duration = .seconds(3_600)
    /// The run length when neither `--duration` nor `--requests` is given.
    public static let defaultDuration: Duration = .seconds(10)
    /// The longest per-request timeout accepted.
    public static let maxRequestTimeout: Duration = .seconds(600)

    public var target: TargetURL
    public var body: RequestBody
    public var model: LoadModel
    public var connections: Int
    public var threads: Int
    public var duration: Duration
    public var requestLimit: Int?
    public var requestTimeout: Duration
    public var engine: LoadEngine
    /// Sent as `Authorization: Bearer <token>` with every request (sluice's `--auth-file`).
    public var bearerToken: String?

    public init(
        target: TargetURL, body: RequestBody, model: LoadModel = .closed, connections: Int = 10,
        threads: Int = 1, duration: Duration? = nil, requestLimit: Int? = nil,
        requestTimeout: Duration = .seconds(10), engine: LoadEngine = .wire, bearerToken: String? = nil
    ) throws(LoadError) {
        if let bearerToken {
            guard !bearerToken.isEmpty, bearerToken.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { throw .invalidToken }
        }
        guard connections >= 1 else { throw .invalidConnections(connections) }
        guard threads >= 1 else { throw .invalidThreads(threads) }
        guard connections >= threads else { throw .fewerConnectionsThanThreads(connections: connections, threads: threads) }
        if case .open(let rate) = model, !(rate > 0 && rate.isFinite) { throw .invalidRate(rate) }
        if let requestLimit, requestLimit < 1 { throw .invalidRequestCount(requestLimit) }
        let runLength = duration ?? (requestLimit == nil ? Self.defaultDuration : Self.maxDuration)
        guard runLength > .zero else { throw .invalidDuration("\(runLength)") }
        guard runLength <= Self.maxDuration else {
            throw .durationOverLimit(seconds: runLength.seconds, limitSeconds: Self.maxDuration.seconds)
        }
        guard requestTimeout > .zero, requestTimeout <= Self.maxRequestTimeout else {
            throw .invalidTimeout("\(requestTimeout)")
        }
        self.target = target
        self.body = body
        self.model = model
        self.connections = connections
        self.threads = threads
        self.duration = runLength
        self.requestLimit = requestLimit
        self.requestTimeout = requestTimeout
        self.engine = engine
        self.bearerToken = bearerToken
    }

    /// Every request header line besides Host and Content-Length: the body's, then the token's.
    public var headerLines: [String] {
        body.headerLines + (bearerToken.map { ["Authorization: Bearer \($0)"] } ?? [])
    }

    /// Connections of worker `index`: an even split, the first workers taking the remainder.
    func connections(ofWorker index: Int) -> Int {
        connections / threads + (index < connections % threads ? 1 : 0)
    }
}

extension Duration {
    /// Whole nanoseconds (rounded down).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Seconds as a Double.
    public var seconds: Double { Double(nanoseconds) / 1e9 }
}
