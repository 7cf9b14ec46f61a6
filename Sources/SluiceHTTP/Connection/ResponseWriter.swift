/// Serialises responses into an output buffer: status line, `Date`, framing headers, body.
/// Reads the wall clock for `Date` (at most one formatting pass a second), so it lives with
/// the driver, not with `ConnectionMachine`.
package struct ResponseWriter {
    private var dateCache = HTTPDateCache()

    package init() {}

    /// Appends `response`; `method` nil when unknown (an error before the request line was read).
    /// `response` is only read: `inout` lets the driver pass its stored response in place
    /// instead of copying it (a copy retains the body and copies the weak owner).
    package mutating func write(_ response: inout HTTPResponse, method: HTTPMethod?, version: HTTPVersion, closes: Bool,
                                to out: ByteBuffer) {
        let status = response.status
        out.write("HTTP/1.1 ")
        out.write(decimal: status.code)
        out.write(byte: UInt8(ascii: " "))
        out.write(status.reason)
        out.write("\r\nDate: ")
        dateCache.write(to: out)
        out.write("\r\n")
        let bodyLength = response.body.readableBytes
        if !status.forbidsBody {
            if let contentType = response.contentType, bodyLength > 0 {
                out.write("Content-Type: ")
                out.write(contentType)
                out.write("\r\n")
            }
            out.write("Content-Length: ")
            out.write(decimal: bodyLength)
            out.write("\r\n")
        }
        if let seconds = response.retryAfterSeconds {
            out.write("Retry-After: ")
            out.write(decimal: seconds)
            out.write("\r\n")
        }
        if let allow = response.allow {
            out.write("Allow: ")
            out.write(allow)
            out.write("\r\n")
        }
        if let challenge = response.wwwAuthenticate {
            out.write("WWW-Authenticate: ")
            out.write(challenge)
            out.write("\r\n")
        }
        if closes {
            out.write("Connection: close\r\n")
        } else if version == .http10 {
            out.write("Connection: keep-alive\r\n")
        }
        out.write("\r\n")
        // RFC 9110 §9.3.2: HEAD gets the same header fields as GET, without content.
        if !status.forbidsBody, method != .head, bodyLength > 0 {
            response.body.withReadableBytes { out.write($0) }
        }
    }

    /// Appends the interim response to `Expect: 100-continue`.
    package func writeContinue(to out: ByteBuffer) {
        out.write("HTTP/1.1 100 Continue\r\n\r\n")
    }
}
