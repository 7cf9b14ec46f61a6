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
            if token.elementsEqual("GET".utf8) { return .get }
            if token.elementsEqual("PUT".utf8) { return .put }
        case 4:
            if token.elementsEqual("POST".utf8) { return .post }
            if token.elementsEqual("HEAD".utf8) { return .head }
        case 5:
            if token.elementsEqual("PATCH".utf8) { return .patch }
            if token.elementsEqual("TRACE".utf8) { return .trace }
        case 6:
            if token.elementsEqual("DELETE".utf8) { return .delete }
        case 7:
            if token.elementsEqual("OPTIONS".utf8) { return .options }
            if token.elementsEqual("CONNECT".utf8) { return .connect }
        default:
            break
        }
        return .other
    }
}

/// The HTTP version of a request. Minor versions above 1.1 are handled as 1.1 (RFC 9110 §6.2).
public enum HTTPVersion: Sendable, Hashable {
    case http10, http11
}
