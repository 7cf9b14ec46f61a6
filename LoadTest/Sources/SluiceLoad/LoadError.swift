import Glibc

/// Everything that stops `sluice-load` before or during a run, worded for the person at the
/// terminal: the CLI prints `sluice-load: error: <description>` and exits non-zero.
public enum LoadError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    case unreachable(String, reason: String)
    case invalidRate(Double)
    case invalidConnections(Int)
    case invalidThreads(Int)
    case fewerConnectionsThanThreads(connections: Int, threads: Int)
    case invalidDuration(String)
    case durationOverLimit(seconds: Double, limitSeconds: Double)
    case invalidRequestCount(Int)
    case invalidItemCount(Int)
    case invalidTimeout(String)
    /// The bearer token is empty or holds characters a header cannot (never shown: it is a secret).
    case invalidToken
    case bodyFileUnreadable(path: String, reason: String)
    case bodyTooLarge(bytes: Int, limit: Int)
    case compression(zlibCode: Int)
    case curl(call: String, message: String)
    case system(call: String, reason: String)
    case outputUnwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): "invalid --url \(url.debugDescription): \(reason)"
        case .unreachable(let target, let reason): "cannot connect to \(target): \(reason)"
        case .invalidRate(let rate):
            "--rate must be a positive number of requests per second, got \(rate == rate.rounded() && abs(rate) < 1e15 ? String(Int(rate)) : String(rate))"
        case .invalidConnections(let count): "--connections must be at least 1, got \(count)"
        case .invalidThreads(let count): "--threads must be at least 1, got \(count)"
        case .fewerConnectionsThanThreads(let connections, let threads):
            "--connections (\(connections)) must be at least --threads (\(threads)): each thread needs a connection"
        case .invalidDuration(let text): "invalid --duration \(text.debugDescription): use e.g. 10s, 500ms, 2m"
        case .durationOverLimit(let seconds, let limit): "--duration \(seconds)s exceeds the limit of \(limit)s"
        case .invalidRequestCount(let count): "--requests must be at least 1, got \(count)"
        case .invalidItemCount(let count): "--items must be between 0 and \(BatchLimits.maxItems), got \(count)"
        case .invalidTimeout(let text): "invalid --timeout \(text.debugDescription): use e.g. 10s or 500ms"
        case .invalidToken: "the bearer token (--token or SLUICE_TOKEN) must be non-empty visible ASCII without spaces"
        case .bodyFileUnreadable(let path, let reason): "cannot read --body-file \(path): \(reason)"
        case .bodyTooLarge(let bytes, let limit): "body of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .compression(let code): "gzip compression failed (zlib error \(code))"
        case .curl(let call, let message): "\(call) failed: \(message)"
        case .system(let call, let reason): "\(call) failed: \(reason)"
        case .outputUnwritable(let path, let reason): "cannot write \(path): \(reason)"
        }
    }

    /// The text of a NUL-terminated C buffer (curl's CURLOPT_ERRORBUFFER).
    static func text(ofCString buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `strerror` text for an errno value.
    static func describe(errno code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// Bounds on generated batches.
public enum BatchLimits {
    /// About 70 MB of JSON; larger batches belong in `--body-file`.
    public static let maxItems = 1_000_000
}
