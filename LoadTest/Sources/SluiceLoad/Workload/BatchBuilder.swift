/// Builds the generated batch body: `items` items with ids `item-1` ... `item-N`, each with
/// data `{"value":42,"name":"test","active":true}`, framed by `shape`.
///
///     BatchBuilder(items: 2, shape: .ndjson).build()
///     // {"id":"item-1","data":{"value":42,"name":"test","active":true}}\n{"id":"item-2",...}\n
public struct BatchBuilder: Sendable {
    public var items: Int
    public var shape: DataShape

    public init(items: Int, shape: DataShape) {
        precondition(items >= 0, "BatchBuilder needs a non-negative item count")
        self.items = items
        self.shape = shape
    }

    static let dataObject = #"{"value":42,"name":"test","active":true}"#
    static let dataString = #""{\"value\":42,\"name\":\"test\",\"active\":true}""#

    /// The uncompressed body bytes.
    public func build() -> [UInt8] {
        let data = shape == .string ? Self.dataString : Self.dataObject
        var body: [UInt8] = []
        body.reserveCapacity(items * (data.utf8.count + 32) + 2)
        if shape != .ndjson { body.append(UInt8(ascii: "[")) }
        for index in 0..<items {
            if shape != .ndjson, index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: #"{"id":"item-"#.utf8)
            body.append(contentsOf: String(index + 1).utf8)
            body.append(contentsOf: #"","data":"#.utf8)
            body.append(contentsOf: data.utf8)
            body.append(UInt8(ascii: "}"))
            if shape == .ndjson { body.append(UInt8(ascii: "\n")) }
        }
        if shape != .ndjson { body.append(UInt8(ascii: "]")) }
        return body
    }

    /// The request body, gzip-compressed when `gzip` is set.
    public func requestBody(gzip: Bool) throws(LoadError) -> RequestBody {
        let plain = build()
        return RequestBody(
            bytes: gzip ? try Gzip.compress(plain) : plain,
            contentType: shape.contentType,
            contentEncoding: gzip ? "gzip" : nil,
            itemsPerRequest: items,
            uncompressedByteCount: plain.count,
            shape: shape
        )
    }
}
