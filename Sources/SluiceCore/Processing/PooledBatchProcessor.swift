/// The allocation-free batch path: the strict scanner finds items in place, valid items get
/// `ProcessResult`s from the pool (one lock for the whole batch), their bytes are copied once
/// into the results' retained storage, and the batch enters the buffer with one more lock.
///
/// On a full buffer nothing is kept: the results go straight back to the pool and the caller
/// answers 503 with the buffer's Retry-After.
public struct PooledBatchProcessor: BatchProcessor {
    private let parser: BatchParser
    private let pool: ObjectPool<ProcessResult>
    private let buffer: BatchBuffer
    private let flushDue: @Sendable () -> Void

    /// `flushDue` is called when the buffer reached its flush threshold (nudge the flusher).
    public init(parser: BatchParser, pool: ObjectPool<ProcessResult>, buffer: BatchBuffer,
                flushDue: @escaping @Sendable () -> Void) {
        self.parser = parser
        self.pool = pool
        self.buffer = buffer
        self.flushDue = flushDue
    }

    public func process(_ body: UnsafeRawBufferPointer, format: BatchFormat, receivedAtNanoseconds: Int64,
                        scratch: BatchScratch) -> BatchOutcome {
        scratch.reset()
        var collector = PendingCollector(scratch: scratch, body: body)
        let parsed = parser.parse(body, format: format, scratch: &scratch.unescape, visitor: &collector)
        let summary: BatchSummary
        switch parsed {
        case .failure(let error):
            scratch.rejected.removeAll(keepingCapacity: true)
            return .invalidBody(error)
        case .success(let value):
            summary = value
        }
        let count = scratch.pending.count
        guard count > 0 else { return .processed(accepted: 0, rejected: summary.rejectedCount) }

        pool.take(count, into: &scratch.results)
        scratch.decodedData.withUnsafeBytes { decoded in
            for index in 0..<count {
                let item = scratch.pending[index]
                let data = item.dataIsDecoded ? decoded : body
                // Safe: ranges were produced by the parser inside `body` or `decoded`.
                let id = UnsafeRawBufferPointer(rebasing: body[item.id])
                let object = UnsafeRawBufferPointer(rebasing: data[item.data])
                if let metadata = item.metadata {
                    scratch.results[index].fill(id: id, data: object, metadata: UnsafeRawBufferPointer(rebasing: body[metadata]),
                                                receivedAtNanoseconds: receivedAtNanoseconds)
                } else {
                    scratch.results[index].fill(id: id, data: object, receivedAtNanoseconds: receivedAtNanoseconds)
                }
            }
        }
        switch buffer.admit(&scratch.results) {
        case .admitted(let isFlushDue):
            if isFlushDue { flushDue() }
            return .processed(accepted: count, rejected: summary.rejectedCount)
        case .full(let retryAfterSeconds):
            pool.give(&scratch.results)
            scratch.rejected.removeAll(keepingCapacity: true)
            return .bufferFull(retryAfterSeconds: retryAfterSeconds)
        case .tooLarge(let items, let bytes):
            pool.give(&scratch.results)
            scratch.rejected.removeAll(keepingCapacity: true)
            return .batchTooLarge(items: items, bytes: bytes)
        }
    }
}

/// Records where each valid item's bytes are; copies only data that arrived as a string
/// (its decoded object exists only in the parser's scratch).
private struct PendingCollector: BatchVisitor {
    let scratch: BatchScratch
    let body: UnsafeRawBufferPointer

    mutating func accept(_ item: BatchItem, dataObject: UnsafeRawBufferPointer) {
        let data: Range<Int>
        if item.isDataString {
            let start = scratch.decodedData.count
            scratch.decodedData.append(contentsOf: dataObject)
            data = start..<scratch.decodedData.count
        } else {
            data = item.data
        }
        scratch.pending.append(PendingItem(id: item.id, data: data, dataIsDecoded: item.isDataString, metadata: item.metadata))
    }

    mutating func reject(_ error: BatchItemError) {
        let id = error.id.map { Array(UnsafeRawBufferPointer(rebasing: body[$0])) }
        scratch.rejected.append(RejectedItem(index: error.index, id: id, reason: error.reason))
    }
}
