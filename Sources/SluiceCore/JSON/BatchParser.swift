/// How a batch body is framed, from the request's Content-Type.
public enum BatchFormat: Equatable, Sendable {
    /// `application/json`: `[item, ...]` or `{"items": [item, ...]}`.
    case json
    /// `application/x-ndjson`: one item object per line.
    case ndjson
}

/// Parses a POST /batch body in place and hands each item to a visitor.
///
/// JSON bodies are validated whole first (`JSONScanner`): one bad byte anywhere refuses the
/// batch before any item is visited. The validation pass also records where each item and
/// its known fields are (`BatchItemRecorder`), so the body is walked once. Then items are
/// visited in order; a valid item is described by byte ranges into the body, an invalid one
/// by a `BatchItemError`, and the batch goes on. NDJSON bodies are judged line by line: a line
/// that is not JSON, or not an object, is an item error. A body with more than `maxItems`
/// items is refused before any item is visited, so the caller never holds more than
/// `maxItems` results for one request.
///
///     var scratch = BatchParseScratch()        // reused across requests
///     let parser = BatchParser(maxItems: 1000)
///     let result = parser.parse(body, format: .json, scratch: &scratch, visitor: &visitor)
///     if case .failure(let error) = result { /* 400 {"error": error.message} */ }
public struct BatchParser: Sendable {
    /// The item limit used unless one is given.
    public static let defaultMaxItems = 10_000
    /// The allowed lengths of an item id, in decoded UTF-8 bytes.
    public static let idByteCounts = 1...256

    /// The most items one batch may hold; more is `BatchParseError.tooManyItems`.
    public let maxItems: Int
    /// The scanner for bodies, NDJSON lines and decoded data strings.
    public let scanner: JSONScanner

    /// A parser allowing `maxItems` items per batch and `maxDepth` nesting levels, counted
    /// from the body's top level (for a `data` string, from the decoded object's top level).
    public init(maxItems: Int = BatchParser.defaultMaxItems, maxDepth: Int = JSONScanner.defaultMaxDepth) {
        precondition(maxItems >= 1, "BatchParser.maxItems must be at least 1")
        self.maxItems = maxItems
        self.scanner = JSONScanner(maxDepth: maxDepth)
    }

    /// Parses `body`, calling `visitor` once per item in batch order.
    ///
    /// `scratch` holds the recorded items and decoded `data` strings; it keeps its capacity,
    /// so a reused scratch makes parsing allocation-free once it has grown.
    public func parse<Visitor: BatchVisitor>(
        _ body: UnsafeRawBufferPointer, format: BatchFormat, scratch: inout BatchParseScratch, visitor: inout Visitor
    ) -> Result<BatchSummary, BatchParseError> {
        switch format {
        case .json: return parseDocument(body, scratch: &scratch, visitor: &visitor)
        case .ndjson: return parseLines(body, scratch: &scratch, visitor: &visitor)
        }
    }

    /// Parses `body`, calling `handle` once per item in batch order.
    ///
    /// Convenient for tests and tools; it costs one small allocation per call (the closure is
    /// wrapped to fit `BatchVisitor`), where a `BatchVisitor` struct costs none.
    public func parse(
        _ body: UnsafeRawBufferPointer, format: BatchFormat, scratch: inout BatchParseScratch, _ handle: (BatchEvent) -> Void
    ) -> Result<BatchSummary, BatchParseError> {
        withoutActuallyEscaping(handle) { handle in
            var visitor = ClosureBatchVisitor(handle: handle)
            return parse(body, format: format, scratch: &scratch, visitor: &visitor)
        }
    }

    private func parseDocument<Visitor: BatchVisitor>(
        _ body: UnsafeRawBufferPointer, scratch: inout BatchParseScratch, visitor: inout Visitor
    ) -> Result<BatchSummary, BatchParseError> {
        let first = JSONByte.skipWhitespace(body, from: 0)
        guard first < body.count else { return .failure(.emptyBody) }
        let form: BatchItemRecorder.Form? = switch body[first] {
        case JSONByte.openBracket: .array
        case JSONByte.openBrace: .envelope
        default: nil
        }
        var recorder = BatchItemRecorder(body: body, form: form ?? .array, limit: maxItems, items: scratch.takeItems())
        defer { scratch.items = recorder.items }
        if case .failure(let error) = scanner.validate(body, observer: &recorder) { return .failure(.invalidJSON(error)) }
        guard let form else { return .failure(.notBatch) }
        if form == .envelope {
            guard recorder.itemsMemberCount <= 1 else { return .failure(.duplicateItems) }
            guard recorder.itemsMemberCount == 1 else { return .failure(.missingItems) }
            guard recorder.itemsIsArray else { return .failure(.itemsNotArray) }
        }
        guard recorder.itemCount <= maxItems else { return .failure(.tooManyItems(limit: maxItems)) }
        var summary = BatchSummary()
        for item in recorder.items {
            visitItem(body, item, index: summary.itemCount, scratch: &scratch.unescaped, visitor: &visitor, summary: &summary)
        }
        return .success(summary)
    }
}

/// Reusable working storage of `BatchParser.parse`: recorded items and decoded `data`
/// strings. Keep one per worker and pass it to every parse.
public struct BatchParseScratch: Sendable {
    /// Items the validation pass recorded.
    var items: [ScannedItem] = []
    /// A `data` string's decoded contents.
    var unescaped: [UInt8] = []

    public init() {}

    /// Capacity kept between parses; larger storage is released.
    static let maxRetainedItems = 16_384
    static let maxRetainedBytes = 1 << 20

    /// Takes the item storage out (emptied, capacity kept) so a recorder can fill it.
    mutating func takeItems() -> [ScannedItem] {
        var taken: [ScannedItem] = []
        swap(&taken, &items)
        return taken
    }

    /// Releases storage that grew past the retention bounds.
    mutating func trim() {
        if items.capacity > Self.maxRetainedItems { items = [] }
        if unescaped.capacity > Self.maxRetainedBytes { unescaped = [] }
    }
}
