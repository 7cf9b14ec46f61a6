import Glibc

extension BatchParser {
    /// Parses NDJSON: one item per line; lines holding only whitespace (including a final
    /// newline and the CR of CRLF, which is JSON whitespace) are skipped and not counted.
    func parseLines<Visitor: BatchVisitor>(
        _ body: UnsafeRawBufferPointer, scratch: inout BatchParseScratch, visitor: inout Visitor
    ) -> Result<BatchSummary, BatchParseError> {
        // A non-blank line takes at least 2 bytes (1 byte and its '\n'), except the last one.
        let mostLines = (body.count + 1) / 2
        if mostLines > maxItems, countItemLines(body, stopAfter: maxItems + 1) > maxItems {
            return .failure(.tooManyItems(limit: maxItems))
        }
        var summary = BatchSummary()
        var lineStart = 0
        while lineStart < body.count {
            let lineEnd = Self.lineEnd(body, from: lineStart)
            defer { lineStart = lineEnd + 1 }
            let line = UnsafeRawBufferPointer(rebasing: body[lineStart..<lineEnd])
            guard JSONByte.skipWhitespace(line, from: 0) < line.count else { continue }
            let index = summary.itemCount
            var recorder = BatchItemRecorder(body: line, form: .line, limit: 1, items: scratch.takeItems())
            let validation = scanner.validate(line, observer: &recorder)
            let recorded = recorder.items.first
            scratch.items = recorder.items
            switch validation {
            case .success:
                guard let recorded else { preconditionFailure("a valid line holds one value") }
                visitItem(body, recorded.shifted(by: lineStart), index: index, scratch: &scratch.unescaped,
                          visitor: &visitor, summary: &summary)
            case .failure(let error):
                summary.rejectedCount += 1
                visitor.reject(BatchItemError(index: index, id: nil, reason: .invalidJSON(error)))
            }
        }
        guard summary.itemCount > 0 else { return .failure(.emptyBody) }
        return .success(summary)
    }

    /// The number of non-blank lines, counting no further than `limit`.
    private func countItemLines(_ body: UnsafeRawBufferPointer, stopAfter limit: Int) -> Int {
        var count = 0
        var lineStart = 0
        while lineStart < body.count, count < limit {
            let lineEnd = Self.lineEnd(body, from: lineStart)
            let line = UnsafeRawBufferPointer(rebasing: body[lineStart..<lineEnd])
            if JSONByte.skipWhitespace(line, from: 0) < line.count { count += 1 }
            lineStart = lineEnd + 1
        }
        return count
    }

    /// The offset of the next '\n' at or after `start`, or `body.count`.
    private static func lineEnd(_ body: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = body.baseAddress, start < body.count else { return body.count }
        // Safe: start < body.count, so memchr searches only inside `body`.
        guard let found = memchr(base + start, Int32(JSONByte.lineFeed), body.count - start) else { return body.count }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
