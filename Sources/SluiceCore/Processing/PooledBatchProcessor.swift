/// The allocation-free batch path: the strict scanner finds items in place, each valid item's
/// sink record is rendered straight into one `ResultSlab` taken from the pool (one lock for
/// the whole batch), and the slab enters the buffer with one more lock.
///
/// The item's bytes are copied once, from the request body into the slab's arena, already in
/// the form the sink writes; the flusher then only moves bytes. On a full buffer nothing is
/// kept: the slab goes straight back to the pool and the caller answers 503 with the buffer's
/// Retry-After. With a sender, each record names its tenant and the batch must fit the
/// sender's quota before it is admitted (else it goes back to the pool too: 429).
public struct PooledBatchProcessor: BatchProcessor {
    private let parser: BatchParser
    private let pool: ObjectPool<ResultSlab>
    private let buffer: BatchBuffer
    private let flushDue: @Sendable () -> Void

    /// `flushDue` is called when the buffer reached its flush threshold (nudge the flusher).
    public init(parser: BatchParser, pool: ObjectPool<ResultSlab>, buffer: BatchBuffer,
                flushDue: @escaping @Sendable () -> Void) {
        self.parser = parser
        self.pool = pool
        self.buffer = buffer
        self.flushDue = flushDue
    }

    public func process(_ body: UnsafeRawBufferPointer, format: BatchFormat, receivedAtNanoseconds: Int64,
                        sender: (any BatchSender)?, scratch: BatchScratch) -> BatchOutcome {
        scratch.reset()
        let slab = pool.take()
        slab.begin(receivedAtNanoseconds: receivedAtNanoseconds, tenant: sender?.tenantName)
        var filler = SlabFiller(slab: slab, scratch: scratch, body: body)
        let summary: BatchSummary
        switch parser.parse(body, format: format, scratch: &scratch.parse, visitor: &filler) {
        case .failure(let error):
            pool.give(slab)
            scratch.rejected.removeAll(keepingCapacity: true)
            return .invalidBody(error)
        case .success(let value):
            summary = value
        }
        guard !slab.isEmpty else {
            pool.give(slab)
            return .processed(accepted: 0, rejected: summary.rejectedCount, sequence: 0)
        }
        if let refusal = QuotaCheck.refusal(of: sender, items: slab.count) {
            pool.give(slab)
            scratch.rejected.removeAll(keepingCapacity: true)
            return refusal
        }
        switch buffer.admit(slab) {
        case .admitted(let isFlushDue, let sequence):
            if isFlushDue { flushDue() }
            return .processed(accepted: summary.acceptedCount, rejected: summary.rejectedCount, sequence: sequence)
        case .full(let retryAfterSeconds):
            sender?.returnQuota(items: slab.count)
            pool.give(slab)
            scratch.rejected.removeAll(keepingCapacity: true)
            return .bufferFull(retryAfterSeconds: retryAfterSeconds)
        case .tooLarge(let items, let bytes):
            sender?.returnQuota(items: slab.count)
            pool.give(slab)
            scratch.rejected.removeAll(keepingCapacity: true)
            return .batchTooLarge(items: items, bytes: bytes)
        }
    }
}

/// Renders each valid item into the slab as the parser finds it (a data string's decoded
/// object is rendered from the parser's scratch, so it is copied only once too) and records
/// the rejected ones for the response.
private struct SlabFiller: BatchVisitor {
    let slab: ResultSlab
    let scratch: BatchScratch
    let body: UnsafeRawBufferPointer

    mutating func accept(_ item: BatchItem, dataObject: UnsafeRawBufferPointer) {
        // Safe: the parser's ranges lie inside `body`.
        slab.append(id: UnsafeRawBufferPointer(rebasing: body[item.id]), data: dataObject,
                    metadata: item.metadata.map { UnsafeRawBufferPointer(rebasing: body[$0]) })
    }

    mutating func reject(_ error: BatchItemError) {
        let id = error.id.map { Array(UnsafeRawBufferPointer(rebasing: body[$0])) }
        scratch.rejected.append(RejectedItem(index: error.index, id: id, reason: error.reason))
    }
}
