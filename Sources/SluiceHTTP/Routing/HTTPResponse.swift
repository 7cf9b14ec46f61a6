/// A response a handler fills in. The body buffer belongs to the connection and is reused
/// across requests, so writing a small body allocates nothing in steady state.
public struct HTTPResponse {
    public var status: HTTPStatus = .ok
    public var contentType: StaticString? = "application/json"
    /// Seconds for a `Retry-After` header (503).
    public var retryAfterSeconds: Int?
    /// Methods for an `Allow` header (405).
    public var allow: StaticString?
    /// Ask the connection to close after this response.
    public var closeConnection = false
    /// The body; write into it.
    public let body: ByteBuffer

    public init(body: ByteBuffer) {
        self.body = body
    }

    /// Clears everything for the next request, keeping the body storage.
    public mutating func reset() {
        status = .ok
        contentType = "application/json"
        retryAfterSeconds = nil
        allow = nil
        closeConnection = false
        body.clear()
    }

    /// Sets a status with a JSON body `{"error": "<message>"}`; the message is escaped.
    public mutating func setError(_ status: HTTPStatus, _ message: String) {
        self.status = status
        contentType = "application/json"
        body.clear()
        body.write("{\"error\":\"")
        JSONEscaping.write(message, to: body)
        body.write("\"}")
    }
}

/// Minimal JSON string escaping for messages the server writes.
public enum JSONEscaping {
    /// Appends `text` escaped for use inside a JSON string.
    public static func write(_ text: String, to buffer: ByteBuffer) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.write("\\\"")
            case UInt8(ascii: "\\"): buffer.write("\\\\")
            case 0x0A: buffer.write("\\n")
            case 0x0D: buffer.write("\\r")
            case 0x09: buffer.write("\\t")
            case 0..<0x20:
                buffer.write("\\u00")
                let hex: StaticString = "0123456789abcdef"
                buffer.write(byte: hex.utf8Start[Int(byte >> 4)])
                buffer.write(byte: hex.utf8Start[Int(byte & 0x0F)])
            default: buffer.write(byte: byte)
            }
        }
    }
}
