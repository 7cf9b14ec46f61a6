/// A request as a handler sees it: views into the connection's read buffer.
///
/// The views are valid only during the handler call that received the request; copy what must
/// outlive it. Nothing here allocates: header lookups compare bytes in place. Outside this
/// package the bytes are reached only through non-escaping `RawSpan`s (`withBody`,
/// `withHeader`) or copied out (`pathString`, `headerString`); the raw buffer views are
/// `package`.
public struct HTTPRequest {
    /// The parsed head (offsets into `headBytes`).
    package let head: ParsedHead
    /// The header fields (offsets into `headBytes`).
    package let fields: UnsafeBufferPointer<HeaderField>
    /// The head's bytes, request line to the empty line.
    package let headBytes: UnsafeRawBufferPointer
    /// The body, decoded from chunked framing when it was chunked; empty before it is read.
    package let body: UnsafeRawBufferPointer
    /// A value the handler's `screen` may set for its own later calls on this request (the
    /// router keeps the matched route's index here, so it resolves the route once). -1 unset.
    public var handlerTag: Int = -1
    /// A value the matched route's `screen` may set for its own `respond` on this request (the
    /// batch route keeps the tenant it authenticated from the head here). -1 unset.
    public var routeTag: Int = -1

    package init(head: ParsedHead, fields: UnsafeBufferPointer<HeaderField>, headBytes: UnsafeRawBufferPointer,
                body: UnsafeRawBufferPointer, handlerTag: Int = -1, routeTag: Int = -1) {
        self.head = head
        self.fields = fields
        self.headBytes = headBytes
        self.body = body
        self.handlerTag = handlerTag
        self.routeTag = routeTag
    }

    public var method: HTTPMethod { head.method }
    public var version: HTTPVersion { head.version }

    /// The path of the target, without query or fragment.
    package var path: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: headBytes[head.pathStart..<head.pathEnd])
    }

    /// The length the client declared, or nil for chunked or absent bodies.
    public var declaredContentLength: Int? { head.contentLength }

    /// The value of the first header field named `lowercaseName` (ASCII, case-insensitive).
    package func header(_ lowercaseName: StaticString) -> UnsafeRawBufferPointer? {
        for field in fields {
            let name = UnsafeRawBufferPointer(rebasing: headBytes[Int(field.nameStart)..<Int(field.nameEnd)])
            if ByteClass.equalsIgnoringCase(name, lowercaseName) {
                return UnsafeRawBufferPointer(rebasing: headBytes[Int(field.valueStart)..<Int(field.valueEnd)])
            }
        }
        return nil
    }

    /// The header's value up to any `;` parameters, without surrounding whitespace (e.g. the
    /// media type of Content-Type); nil when the header is absent. One scan of the fields.
    package func headerToken(_ lowercaseName: StaticString) -> UnsafeRawBufferPointer? {
        guard let value = header(lowercaseName) else { return nil }
        var end = 0
        while end < value.count, value[end] != UInt8(ascii: ";") { end += 1 }
        return ByteClass.trimmingWhitespace(UnsafeRawBufferPointer(rebasing: value[0..<end]))
    }

    /// Whether a token equals `lowercase`, ignoring ASCII case.
    package static func token(_ token: UnsafeRawBufferPointer, is lowercase: StaticString) -> Bool {
        ByteClass.equalsIgnoringCase(token, lowercase)
    }

    /// The path as a String, for logs and tests (allocates).
    public var pathString: String { String(decoding: path, as: UTF8.self) }

    /// Calls `read` with the body's bytes (decoded from chunked framing when it was chunked),
    /// valid for the call only.
    public func withBody<Result, Failure: Error>(_ read: (RawSpan) throws(Failure) -> Result) throws(Failure) -> Result {
        try read(body.bytes)
    }

    /// Calls `read` with the value of the first header field named `lowercaseName` (ASCII,
    /// case-insensitive), or nil when there is none; the bytes are valid for the call only.
    public func withHeader<Result, Failure: Error>(_ lowercaseName: StaticString, _ read: (RawSpan?) throws(Failure) -> Result) throws(Failure) -> Result {
        guard let value = header(lowercaseName) else { return try read(nil) }
        return try read(value.bytes)
    }

    /// The value of the first header field named `lowercaseName` as a String (allocates), or
    /// nil when there is none.
    public func headerString(_ lowercaseName: StaticString) -> String? {
        header(lowercaseName).map { String(decoding: $0, as: UTF8.self) }
    }
}
