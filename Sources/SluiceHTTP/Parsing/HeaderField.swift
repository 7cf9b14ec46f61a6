/// One header field line, as offsets into the request head's bytes (no String is built).
package struct HeaderField: Sendable, Equatable {
    package var nameStart: Int32
    package var nameEnd: Int32
    package var valueStart: Int32
    package var valueEnd: Int32
}

/// How the request body is delimited (RFC 9112 §6.3).
package enum BodyFraming: Sendable, Equatable {
    /// No body: neither Content-Length nor Transfer-Encoding.
    case none
    /// Exactly this many bytes follow the head.
    case length(Int)
    /// `Transfer-Encoding: chunked`.
    case chunked
}

/// Limits the parsers enforce; each maps to a documented status.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line in bytes (414 beyond).
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Largest header section, request line included, in bytes (431 beyond).
    public var maxHeaderBytes: Int = 16 * 1024
    /// Most header fields in one request (431 beyond).
    public var maxHeaderCount: Int = 100
    /// Largest request body after chunked decoding (413 beyond).
    public var maxBodyBytes: Int = 8 * 1024 * 1024

    public init() {}
}
