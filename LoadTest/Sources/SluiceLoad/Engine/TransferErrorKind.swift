import CCurl

/// Why a request got no HTTP response, folded from curl's result codes.
public enum TransferErrorKind: String, CaseIterable, Sendable {
    /// No connection: refused, unreachable, or the name did not resolve.
    case connect
    /// `--timeout` passed before the response was complete.
    case timeout
    /// The connection broke: reset, or closed with no or a partial response.
    case reset
    /// The response was not valid HTTP/1.1 (status line, framing, chunking).
    case `protocol`
    /// Anything else (TLS, out of memory, ...).
    case other

    init(_ code: CURLcode) {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .connect
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            self = .reset
        case CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING:
            self = .protocol
        default:
            self = .other
        }
    }
}
