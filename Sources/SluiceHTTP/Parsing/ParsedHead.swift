/// What `HeadParser` learned about a request, as offsets into the head bytes.
package struct ParsedHead: Sendable, Equatable {
    package var method: HTTPMethod = .get
    package var version: HTTPVersion = .http11
    /// The request-target as sent.
    package var targetStart = 0, targetEnd = 0
    /// The path part of the target (origin-form, or the path of an absolute-form target);
    /// empty for the asterisk-form.
    package var pathStart = 0, pathEnd = 0
    package var framing: BodyFraming = .none
    /// `Connection: close`, or HTTP/1.0 without `Connection: keep-alive`.
    package var wantsClose = false
    /// `Expect: 100-continue`.
    package var expectsContinue = false

    /// The declared body length: 0 without a body, nil when chunked.
    package var contentLength: Int? {
        switch framing {
        case .none: 0
        case .length(let length): length
        case .chunked: nil
        }
    }

    mutating func reset() {
        method = .get
        version = .http11
        targetStart = 0; targetEnd = 0
        pathStart = 0; pathEnd = 0
        framing = .none
        wantsClose = false
        expectsContinue = false
    }
}

/// Header facts gathered while parsing field lines, resolved into framing at the end of the head.
struct FramingTracker: Sendable {
    var hostCount = 0
    var contentLength: Int?
    var hasTransferEncoding = false
    var chunkedCount = 0
    var lastCodingIsChunked = false
    var hasOtherCoding = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectContinue = false
    var expectOther = false
}
