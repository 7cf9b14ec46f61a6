/// One valid item of a batch, as byte ranges into the request body (nothing is copied).
///
/// Ranges are offsets into the body passed to `BatchParser.parse`, also for NDJSON.
///
///     let id = UnsafeRawBufferPointer(rebasing: body[item.id])  // escaped JSON string contents
public struct BatchItem: Equatable, Sendable {
    /// The 0-based position of the item in the batch (NDJSON: among the non-blank lines).
    public var index: Int
    /// The id string's contents between the quotes, escapes still in place: valid JSON string
    /// contents, so it can be written between quotes as is.
    public var id: Range<Int>
    /// The length of the id once unescaped, in UTF-8 bytes (1...256).
    public var idDecodedByteCount: Int
    /// The `data` value: the object from '{' to '}', or, when `isDataString`, the string
    /// including its quotes.
    public var data: Range<Int>
    /// Whether the client sent `data` as a string holding a JSON object. The visitor then gets
    /// the decoded object bytes from the parser's scratch buffer.
    public var isDataString: Bool
    /// The `metadata` array from '[' to ']' (elements are strings), or nil when absent or null.
    public var metadata: Range<Int>?

    public init(index: Int, id: Range<Int>, idDecodedByteCount: Int, data: Range<Int>, isDataString: Bool,
                metadata: Range<Int>?) {
        self.index = index
        self.id = id
        self.idDecodedByteCount = idDecodedByteCount
        self.data = data
        self.isDataString = isDataString
        self.metadata = metadata
    }
}

/// The item fields the parser knows; every other field of an item is ignored.
public enum BatchItemField: String, Equatable, Sendable, CaseIterable {
    case id
    case data
    case metadata

    /// The field's name as it appears in JSON.
    public var name: String { rawValue }
}
