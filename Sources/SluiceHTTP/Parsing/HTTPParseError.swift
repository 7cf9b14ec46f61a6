/// Why a request could not be framed or accepted by the HTTP layer.
///
/// Every case ends the connection: after a framing error the server cannot know where the
/// next request starts (RFC 9112 §6.3), so it answers and closes. `status` and `message` are
/// the single place where HTTP-layer errors map to responses; messages never echo request bytes.
package enum HTTPParseError: Error, Equatable, Sendable {
    case requestLineTooLong(limit: Int)
    case headTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case malformedRequestLine
    case invalidMethod
    case invalidTarget
    case malformedVersion
    case unsupportedVersion
    case bareLineFeed
    case bareCarriageReturn
    case invalidHeaderName
    case whitespaceBeforeColon
    case invalidHeaderValue
    case obsoleteLineFolding
    case missingHost
    case duplicateHost
    case invalidHost
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case transferEncodingInHTTP10
    case chunkedNotFinal
    case unsupportedTransferEncoding
    case invalidChunkSize
    case invalidChunkExtension
    case chunkLineTooLong(limit: Int)
    case missingChunkTerminator
    case bodyTooLarge(limit: Int)
    case unsupportedExpectation
    case headerTimeout
    case bodyTimeout

    /// The status the server answers with.
    package var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: return .uriTooLong
        case .headTooLarge, .tooManyHeaders: return .headerFieldsTooLarge
        case .unsupportedVersion: return .httpVersionNotSupported
        case .unsupportedTransferEncoding: return .notImplemented
        case .bodyTooLarge: return .contentTooLarge
        case .unsupportedExpectation: return .expectationFailed
        case .headerTimeout, .bodyTimeout: return .requestTimeout
        case .malformedRequestLine, .invalidMethod, .invalidTarget, .malformedVersion,
             .bareLineFeed, .bareCarriageReturn, .invalidHeaderName, .whitespaceBeforeColon,
             .invalidHeaderValue, .obsoleteLineFolding, .missingHost, .duplicateHost, .invalidHost,
             .invalidContentLength, .conflictingContentLength, .contentLengthWithTransferEncoding,
             .transferEncodingInHTTP10, .chunkedNotFinal, .invalidChunkSize, .invalidChunkExtension,
             .chunkLineTooLong, .missingChunkTerminator:
            return .badRequest
        }
    }

    /// A message for the client and the log.
    package var message: String {
        switch self {
        case .requestLineTooLong(let limit): return "request line exceeds \(limit) bytes"
        case .headTooLarge(let limit): return "request header section exceeds \(limit) bytes"
        case .tooManyHeaders(let limit): return "request has more than \(limit) header fields"
        case .malformedRequestLine: return "malformed request line"
        case .invalidMethod: return "invalid request method"
        case .invalidTarget: return "invalid request target"
        case .malformedVersion: return "malformed HTTP version"
        case .unsupportedVersion: return "HTTP version not supported; use HTTP/1.1 or HTTP/1.0"
        case .bareLineFeed: return "line terminator must be CRLF, found a bare LF"
        case .bareCarriageReturn: return "bare CR in request head"
        case .invalidHeaderName: return "invalid header field name"
        case .whitespaceBeforeColon: return "whitespace between header field name and colon"
        case .invalidHeaderValue: return "invalid character in header field value"
        case .obsoleteLineFolding: return "obsolete line folding is not accepted"
        case .missingHost: return "HTTP/1.1 request without Host header"
        case .duplicateHost: return "more than one Host header"
        case .invalidHost: return "invalid Host header"
        case .invalidContentLength: return "invalid Content-Length"
        case .conflictingContentLength: return "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding present"
        case .transferEncodingInHTTP10: return "Transfer-Encoding in an HTTP/1.0 request"
        case .chunkedNotFinal: return "chunked must be the final transfer coding, applied once"
        case .unsupportedTransferEncoding: return "unsupported transfer coding; only chunked is implemented"
        case .invalidChunkSize: return "invalid chunk size"
        case .invalidChunkExtension: return "invalid chunk extension"
        case .chunkLineTooLong(let limit): return "chunk header or trailer line exceeds \(limit) bytes"
        case .missingChunkTerminator: return "chunk data not followed by CRLF"
        case .bodyTooLarge(let limit): return "request body exceeds \(limit) bytes"
        case .unsupportedExpectation: return "unsupported expectation; only 100-continue is supported"
        case .headerTimeout: return "request header not received in time"
        case .bodyTimeout: return "request body not received in time"
        }
    }
}
