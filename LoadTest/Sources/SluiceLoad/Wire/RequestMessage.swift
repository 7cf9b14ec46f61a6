/// Every request of a run, prepared once before the clock starts: the body alone (the curl
/// engine hands it to curl) and the whole HTTP/1.1 message, head and body in one block (the
/// wire engine writes it as it is).
///
/// `@unchecked Sendable`: both blocks are written in `init` and only read afterwards.
final class RequestMessage: @unchecked Sendable {
    /// The body, for CURLOPT_POSTFIELDS.
    let body: SharedBody
    /// Head and body, ready for the socket.
    let bytes: UnsafeMutableRawBufferPointer

    init(target: TargetURL, body requestBody: RequestBody, bearerToken: String? = nil) {
        body = SharedBody(requestBody.bytes)
        let head = Array(Self.head(target: target, body: requestBody, bearerToken: bearerToken).utf8)
        bytes = .allocate(byteCount: head.count + requestBody.bytes.count, alignment: 16)
        head.withUnsafeBytes { bytes.copyMemory(from: $0) }
        requestBody.bytes.withUnsafeBytes { body in
            UnsafeMutableRawBufferPointer(rebasing: bytes[head.count...]).copyMemory(from: body)
        }
    }

    deinit { bytes.deallocate() }

    /// The request head: what curl would send for the same POST, with an explicit length and
    /// never `Expect: 100-continue`.
    static func head(target: TargetURL, body: RequestBody, bearerToken: String? = nil) -> String {
        var head = "POST \(target.requestTarget) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
        head += "User-Agent: sluice-load\r\nAccept: */*\r\nContent-Type: \(body.contentType)\r\n"
        if let contentEncoding = body.contentEncoding { head += "Content-Encoding: \(contentEncoding)\r\n" }
        if let bearerToken { head += "Authorization: Bearer \(bearerToken)\r\n" }
        head += "Content-Length: \(body.bytes.count)\r\n\r\n"
        return head
    }
}
