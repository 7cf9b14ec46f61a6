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
/// batch before any item is visited. Then items are visited in order; a valid item is
/// described by byte ranges into the body, an invalid one by a `BatchItemError`, and the
/// batch goes on. NDJSON bodies are judged line by line: a line that is not JSON, or not an
/// object, is an item error. A body with more than `maxItems` items is refused before any
/// item is visited, so the caller never holds more than `maxItems` results for one request.
///
///     var scratch: [UInt8] = []                // reused across requests
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
    /// `scratch` receives decoded `data` strings; it is cleared per item and keeps its
    /// capacity, so a reused buffer makes parsing allocation-free once it has grown.
    public func parse<Visitor: BatchVisitor>(
        _ body: UnsafeRawBufferPointer, format: BatchFormat, scratch: inout [UInt8], visitor: inout Visitor
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
        _ body: UnsafeRawBufferPointer, format: BatchFormat, scratch: inout [UInt8], _ handle: (BatchEvent) -> Void
    ) -> Result<BatchSummary, BatchParseError> {
        withoutActuallyEscaping(handle) { handle in
            var visitor = ClosureBatchVisitor(handle: handle)
            return parse(body, format: format, scratch: &scratch, visitor: &visitor)
        }
    }

    private func parseDocument<Visitor: BatchVisitor>(
        _ body: UnsafeRawBufferPointer, scratch: inout [UInt8], visitor: inout Visitor
    ) -> Result<BatchSummary, BatchParseError> {
        guard JSONByte.skipWhitespace(body, from: 0) < body.count else { return .failure(.emptyBody) }
        let top: Range<Int>
        switch scanner.validate(body) {
        case .success(let range): top = range
        case .failure(let error): return .failure(.invalidJSON(error))
        }
        let array: Range<Int>
        switch body[top.lowerBound] {
        case JSONByte.openBracket:
            array = top
        case JSONByte.openBrace:
            switch itemsArray(body, objectAt: top.lowerBound) {
            case .success(let range): array = range
            case .failure(let error): return .failure(error)
            }
        default:
            return .failure(.notBatch)
        }
        // n elements take at least 2n + 1 bytes; count only when that bound allows too many.
        if (array.count - 1) / 2 > maxItems {
            var elements = JSONArrayElements(body, arrayAt: array.lowerBound)
            var count = 0
            while elements.next() != nil {
                count += 1
                if count > maxItems { return .failure(.tooManyItems(limit: maxItems)) }
            }
        }
        var summary = BatchSummary()
        var elements = JSONArrayElements(body, arrayAt: array.lowerBound)
        while let start = elements.nextStart() {
            let index = summary.itemCount
            let end = visitItem(body, valueAt: start, index: index, scratch: &scratch, visitor: &visitor,
                                summary: &summary)
            elements.resume(after: end)
        }
        return .success(summary)
    }

    /// The range of the "items" array of the validated top-level object at `start`.
    private func itemsArray(_ body: UnsafeRawBufferPointer, objectAt start: Int) -> Result<Range<Int>, BatchParseError> {
        var items: Range<Int>?
        var members = JSONObjectMembers(body, objectAt: start)
        while let member = members.next() {
            guard JSONString.decodedContents(UnsafeRawBufferPointer(rebasing: body[member.name]), equal: "items") else {
                continue
            }
            guard items == nil else { return .failure(.duplicateItems) }
            items = member.value
        }
        guard let items else { return .failure(.missingItems) }
        guard body[items.lowerBound] == JSONByte.openBracket else { return .failure(.itemsNotArray) }
        return .success(items)
    }
}
