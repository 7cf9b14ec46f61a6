import CCurl

/// Why a request got no HTTP response, folded from curl's result codes.
public enum TransferErrorKind: String, CaseIterable, Sendable {
    /// No connection: refused, unreachable, or the name did not resolve.
    case connect
    /// `--timeout` passed before the response was complete.
    case timeout
    /// The connection broke: reset, or closed with no or a partial response.
    case reset
    /// Anything else (TLS, protocol errors, ...).
    case other

    init(_ code: CURLcode) {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .connect
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            self = .reset
        default:
            self = .other
        }
    }
}
