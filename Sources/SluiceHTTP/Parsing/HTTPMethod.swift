import Glibc

/// A request method. Methods outside the common set are kept as `.other` and routed like any
/// method a route does not allow (405).
public enum HTTPMethod: Sendable, Hashable {
    case get, head, post, put, delete, options, patch, trace, connect, other

    /// The canonical name, for `Allow` headers and logs.
    public var name: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .trace: "TRACE"
        case .connect: "CONNECT"
        case .other: "OTHER"
        }
    }

    /// Classifies a method token (case-sensitive, RFC 9110 §9.1).
    static func classify(_ token: UnsafeRawBufferPointer) -> HTTPMethod {
        switch token.count {
        case 3:
            if matches(token, "GET") { return .get }
            if matches(token, "PUT") { return .put }
        case 4:
            if matches(token, "POST") { return .post }
            if matches(token, "HEAD") { return .head }
        case 5:
            if matches(token, "PATCH") { return .patch }
            if matches(token, "TRACE") { return .trace }
        case 6:
            if matches(token, "DELETE") { return .delete }
        case 7:
            if matches(token, "OPTIONS") { return .options }
            if matches(token, "CONNECT") { return .connect }
        default:
            break
        }
        return .other
    }

    /// Whether `token` is exactly `name` (the caller has checked the length).
    @inline(__always) private static func matches(_ token: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        memcmp(token.baseAddress!, name.utf8Start, name.utf8CodeUnitCount) == 0
    }
}

/// The HTTP version of a request. Minor versions above 1.1 are handled as 1.1 (RFC 9110 §6.2).
public enum HTTPVersion: Sendable, Hashable {
    case http10, http11
}
