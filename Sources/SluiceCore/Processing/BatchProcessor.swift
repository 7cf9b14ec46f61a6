/// Turns a request body into accepted items in the batch buffer. Two implementations exist for
/// A/B comparison: `PooledBatchProcessor` (the product) and `NaiveBatchProcessor` (what a Swift
/// developer would write first). Both answer the same contract.
public protocol BatchProcessor: Sendable {
    /// Processes `body` (already decompressed). `scratch` is cleared first; afterwards
    /// `scratch.rejected` lists the rejected items. `receivedAtNanoseconds` stamps every accepted
    /// item; a `sender` names its tenant in every record and has its quota asked before admission.
    func process(_ body: UnsafeRawBufferPointer, format: BatchFormat, receivedAtNanoseconds: Int64,
                 sender: (any BatchSender)?, scratch: BatchScratch) -> BatchOutcome
}

extension BatchProcessor {
    /// Processes a batch without a sender (access control off).
    public func process(_ body: UnsafeRawBufferPointer, format: BatchFormat, receivedAtNanoseconds: Int64,
                        scratch: BatchScratch) -> BatchOutcome {
        process(body, format: format, receivedAtNanoseconds: receivedAtNanoseconds, sender: nil, scratch: scratch)
    }
}

/// Which processor the service runs (`--processor`).
public enum ProcessorKind: String, Sendable, CaseIterable {
    case pooled, naive
}
