/// Turns a request body into accepted items in the batch buffer. Two implementations exist for
/// A/B comparison: `PooledBatchProcessor` (the product) and `NaiveBatchProcessor` (what a Swift
/// developer would write first). Both answer the same contract.
public protocol BatchProcessor: Sendable {
    /// Processes `body` (already decompressed). `scratch` is cleared first; afterwards
    /// `scratch.rejected` lists the rejected items. `receivedAtNanoseconds` stamps every accepted item.
    func process(_ body: UnsafeRawBufferPointer, format: BatchFormat, receivedAtNanoseconds: Int64,
                 scratch: BatchScratch) -> BatchOutcome
}

/// Which processor the service runs (`--processor`).
public enum ProcessorKind: String, Sendable, CaseIterable {
    case pooled, naive
}
