import SluiceCore

/// Fuzz target `batch-parser`: `BatchParser.parse` over arbitrary bytes, each input parsed as
/// a JSON body (`[item, ...]` or `{"items": [...]}`) and as NDJSON, with the default limits and
/// with 3 items / depth 3.
///
/// Invariants:
/// - the same input parsed twice gives the same result and the same visits;
/// - the result agrees exactly with a reference judgement built on `ReferenceJSON` and the item
///   contract of the README (checks in its order: object, duplicate field, id, data, metadata,
///   then the data string's contents): the same body error, or `accepted + rejected` equal to
///   the number of items the reference finds, each visit the one the reference expects (same
///   index, ranges, decoded data object; same rejection reason);
/// - a refused body visits no item; every reported range lies inside the body and every data
///   object handed to the visitor is one valid JSON object.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatchParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = fuzzBytes(data, size)
    for (maxItems, maxDepth) in [(BatchParser.defaultMaxItems, JSONScanner.defaultMaxDepth), (3, 3)] {
        let parser = BatchParser(maxItems: maxItems, maxDepth: maxDepth)
        for format in [BatchFormat.json, .ndjson] {
            let parsed = BatchRun(body, parser: parser, format: format)
            require(BatchRun(body, parser: parser, format: format) == parsed, "parsing twice differs (\(format))")
            var judge = ReferenceBatchJudge(body: body, maxItems: maxItems, maxDepth: maxDepth)
            let expected = format == .json ? judge.judgeDocument() : judge.judgeLines()
            compare(parsed, expected, body: body, format: format, scanner: parser.scanner)
        }
    }
    return 0
}

/// One visit of the parser, with the data object's bytes copied out.
private enum Visit: Equatable {
    case accepted(BatchItem, dataObject: [UInt8])
    case rejected(BatchItemError)
}

/// What parsing a body gave: the result and every visit, in order.
private struct BatchRun: Equatable {
    var result: Result<BatchSummary, BatchParseError>
    var visits: [Visit] = []

    init(_ body: [UInt8], parser: BatchParser, format: BatchFormat) {
        var scratch = BatchParseScratch()
        var visits: [Visit] = []
        result = body.withUnsafeBytes { bytes in
            parser.parse(bytes, format: format, scratch: &scratch) { event in
                switch event {
                case .accepted(let item, let dataObject): visits.append(.accepted(item, dataObject: Array(dataObject)))
                case .rejected(let error): visits.append(.rejected(error))
                }
            }
        }
        self.visits = visits
    }
}

/// What the reference expects of a body.
private enum ExpectedBatch {
    case refused(BatchParseError)
    case items([Visit])
}

private func compare(_ run: BatchRun, _ expected: ExpectedBatch, body: [UInt8], format: BatchFormat, scanner: JSONScanner) {
    let context = "\(format) \(describe(body))"
    switch (run.result, expected) {
    case (.failure(let error), .refused(let expectedError)):
        if case .invalidJSON = expectedError {
            require({ if case .invalidJSON = error { true } else { false } }(), "\(error), expected invalid JSON: \(context)")
        } else {
            require(error == expectedError, "\(error), expected \(expectedError): \(context)")
        }
        require(run.visits.isEmpty, "a refused body visited \(run.visits.count) items: \(context)")
    case (.success(let summary), .items(let expectedVisits)):
        require(summary.itemCount == run.visits.count, "summary \(summary) for \(run.visits.count) visits")
        require(summary.itemCount == expectedVisits.count, "\(summary.itemCount) items, the reference finds \(expectedVisits.count): \(context)")
        let accepted = run.visits.filter { if case .accepted = $0 { true } else { false } }.count
        require(summary.acceptedCount == accepted, "summary \(summary) for \(accepted) accepted visits")
        for (index, (visit, expectedVisit)) in zip(run.visits, expectedVisits).enumerated() {
            checkVisit(visit, index: index, body: body, scanner: scanner)
            require(sameVisit(visit, expectedVisit), "item \(index): \(visit), the reference expects \(expectedVisit): \(context)")
        }
    case (.failure(let error), .items(let expectedVisits)):
        require(false, "refused (\(error)), the reference expects \(expectedVisits.count) items: \(context)")
    case (.success(let summary), .refused(let expectedError)):
        require(false, "parsed (\(summary)), the reference expects \(expectedError): \(context)")
    }
}

/// Visits agree; the scanner's own error inside `invalidJSON` / `dataStringNotObject` is not
/// predicted by the reference, only whether there is one.
private func sameVisit(_ visit: Visit, _ expected: Visit) -> Bool {
    guard case .rejected(let error) = visit, case .rejected(let expectedError) = expected else { return visit == expected }
    guard error.index == expectedError.index, error.id == expectedError.id else { return false }
    switch (error.reason, expectedError.reason) {
    case (.invalidJSON, .invalidJSON): return true
    case (.dataStringNotObject(let found), .dataStringNotObject(let wanted)): return (found == nil) == (wanted == nil)
    default: return error.reason == expectedError.reason
    }
}

private func checkVisit(_ visit: Visit, index: Int, body: [UInt8], scanner: JSONScanner) {
    switch visit {
    case .accepted(let item, let dataObject):
        require(item.index == index, "item \(index) reported with index \(item.index)")
        for range in [item.id, item.data] + (item.metadata.map { [$0] } ?? []) {
            require(range.lowerBound >= 0 && range.upperBound <= body.count, "range \(range) outside the body (\(body.count))")
        }
        let valid = dataObject.withUnsafeBytes { scanner.validate($0) }
        require(valid == .success(0..<dataObject.count) && dataObject.first == UInt8(ascii: "{"),
                "data object handed over is not one JSON object: \(describe(dataObject))")
    case .rejected(let error):
        require(error.index == index, "item \(index) rejected with index \(error.index)")
        if let id = error.id { require(id.lowerBound >= 0 && id.upperBound <= body.count, "id range \(id) outside the body") }
    }
}

/// The batch contract judged on `ReferenceJSON` trees, independently of `BatchParser`.
private struct ReferenceBatchJudge {
    let body: [UInt8]
    let maxItems: Int
    let maxDepth: Int

    mutating func judgeDocument() -> ExpectedBatch {
        guard body.contains(where: { !isWhitespace($0) }) else { return .refused(.emptyBody) }
        guard let top = ReferenceJSON.parse(body, maxDepth: maxDepth) else {
            return .refused(.invalidJSON(JSONError(offset: 0, reason: .unexpectedEnd)))  // any JSON error
        }
        let items: [ReferenceValue]
        switch top.kind {
        case .array:
            items = top.elements
        case .object:
            let named = top.members.filter { decoded($0.name) == Array("items".utf8) }
            if named.count > 1 { return .refused(.duplicateItems) }
            guard let array = named.first?.value else { return .refused(.missingItems) }
            guard array.kind == .array else { return .refused(.itemsNotArray) }
            items = array.elements
        default:
            return .refused(.notBatch)
        }
        if items.count > maxItems { return .refused(.tooManyItems(limit: maxItems)) }
        return .items(items.enumerated().map { judge($1, index: $0) })
    }

    mutating func judgeLines() -> ExpectedBatch {
        var lines: [Range<Int>] = []
        var start = 0
        for (offset, byte) in body.enumerated() where byte == 0x0A {
            lines.append(start..<offset)
            start = offset + 1
        }
        lines.append(start..<body.count)
        let items = lines.filter { body[$0].contains(where: { !isWhitespace($0) }) }
        if items.count > maxItems { return .refused(.tooManyItems(limit: maxItems)) }
        if items.isEmpty { return .refused(.emptyBody) }
        return .items(items.enumerated().map { index, line in
            guard let value = ReferenceJSON.parse(Array(body[line]), maxDepth: maxDepth) else {
                return .rejected(BatchItemError(index: index, id: nil, reason: .invalidJSON(JSONError(offset: 0, reason: .unexpectedEnd))))
            }
            return judge(value.shifted(by: line.lowerBound), index: index)
        })
    }

    /// One item, checks in the contract's order.
    private func judge(_ item: ReferenceValue, index: Int) -> Visit {
        guard item.kind == .object else { return .rejected(BatchItemError(index: index, id: nil, reason: .notObject)) }
        var first: [BatchItemField: ReferenceValue] = [:]
        var duplicate: BatchItemField?
        for member in item.members {
            guard let field = BatchItemField(rawValue: String(decoding: decoded(member.name), as: UTF8.self)) else { continue }
            if first[field] == nil { first[field] = member.value } else if duplicate == nil { duplicate = field }
        }
        let id = first[.id].flatMap { $0.kind == .string ? $0.contents : nil }
        func reject(_ reason: BatchItemError.Reason) -> Visit { .rejected(BatchItemError(index: index, id: id, reason: reason)) }

        if let duplicate { return reject(.duplicateField(duplicate)) }
        guard first[.id] != nil else { return reject(.missingID) }
        guard let id else { return reject(.idNotString) }
        let idLength = decoded(id).count
        guard (1...256).contains(idLength) else { return reject(.idLength(idLength)) }
        guard let data = first[.data] else { return reject(.missingData) }
        guard data.kind == .object || data.kind == .string else { return reject(.badData) }
        var metadata = first[.metadata]
        if let value = metadata {
            if value.kind == .literal, body[value.range.lowerBound] == UInt8(ascii: "n") {
                metadata = nil
            } else if value.kind != .array || value.elements.contains(where: { $0.kind != .string }) {
                return reject(.badMetadata)
            }
        }
        var dataObject = Array(body[data.range])
        if data.kind == .string {
            let text = decoded(data.contents)
            guard let object = ReferenceJSON.parse(text, maxDepth: maxDepth) else {
                return reject(.dataStringNotObject(JSONError(offset: 0, reason: .unexpectedEnd)))  // any JSON error
            }
            guard object.kind == .object else { return reject(.dataStringNotObject(nil)) }
            dataObject = Array(text[object.range])
        }
        let accepted = BatchItem(index: index, id: id, idDecodedByteCount: idLength, data: data.range,
                                 isDataString: data.kind == .string, metadata: metadata?.range)
        return .accepted(accepted, dataObject: dataObject)
    }

    private func decoded(_ contents: Range<Int>) -> [UInt8] { ReferenceJSON.decodeString(body, contents: contents) }

    private func isWhitespace(_ byte: UInt8) -> Bool { [0x20, 0x09, 0x0A, 0x0D].contains(byte) }
}
