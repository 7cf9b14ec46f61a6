/// What processing one request's batch came to; the HTTP layer maps it to a status.
public enum BatchOutcome: Equatable, Sendable {
    /// The batch was judged item by item; the valid items are in the batch buffer (200).
    /// `sequence`: the buffer's admission number for them (0 when none was kept), which
    /// `DurabilityWaiters` waits on for a durable answer.
    case processed(accepted: Int, rejected: Int, sequence: UInt64)
    /// The body is not a batch at all; nothing was accepted (400).
    case invalidBody(BatchParseError)
    /// The buffer has no room for the valid items now; nothing was kept (503 + Retry-After).
    case bufferFull(retryAfterSeconds: Int)
    /// The valid items alone exceed the buffer's bounds and never fit (413).
    case batchTooLarge(items: Int, bytes: Int)
    /// The sender's quota has no room for the valid items now; nothing was kept (429 + Retry-After).
    case throttled(retryAfterSeconds: Int)
    /// The valid items are more than the sender's quota ever allows at once (413).
    case exceedsQuota(items: Int, burstItems: Int)
}

/// One rejected item as reported to the client: its position, its id as raw JSON string
/// contents (escapes kept, so it can go between quotes as is) and the reason.
public struct RejectedItem: Sendable, Equatable {
    public var index: Int
    public var id: [UInt8]?
    public var reason: BatchItemError.Reason
}

/// Per-request working storage, reused across requests through a `ScratchPool`, so a warm
/// server parses and fills batches without allocating.
public final class BatchScratch: Poolable, @unchecked Sendable {
    // Ownership: one request at a time holds it (taken from and given back to its pool).
    /// The parser's recorded items and decoded `data` strings.
    var parse = BatchParseScratch()
    /// Rejected items of the current request, for the response.
    public internal(set) var rejected: [RejectedItem] = []
    /// Decoder for gzip bodies; its output buffer is reused too.
    public let inflater = GzipInflater()

    /// Largest rejection list kept between requests; a bigger one is released.
    static let maxRetainedItems = 16_384

    public init() {}

    /// Keeps the storage (up to `maxRetainedItems` rejections) for the next request.
    public func reset() {
        parse.trim()
        rejected.removeAll(keepingCapacity: rejected.capacity <= Self.maxRetainedItems)
    }

    /// Reset leaves no rejection behind.
    public var isValid: Bool { rejected.isEmpty }
}
