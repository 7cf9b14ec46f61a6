/// Receives the items of a batch from `BatchParser`, in batch order, one call per item.
///
/// A struct conforming to it is passed `inout` and specialised, so visiting allocates nothing
/// by itself. `dataObject` is the item's data as the bytes of one JSON object ('{' to '}'):
/// a view into the body, or into the scratch buffer when data was sent as a string. It is
/// valid only during the call; copy what must outlive it.
///
///     struct Counter: BatchVisitor {
///         var accepted = 0, rejected = 0
///         mutating func accept(_ item: BatchItem, dataObject: UnsafeRawBufferPointer) { accepted += 1 }
///         mutating func reject(_ error: BatchItemError) { rejected += 1 }
///     }
public protocol BatchVisitor {
    /// Called for a valid item.
    mutating func accept(_ item: BatchItem, dataObject: UnsafeRawBufferPointer)
    /// Called for an invalid item; the batch goes on with the next one.
    mutating func reject(_ error: BatchItemError)
}

/// One visited item, for the closure form of `BatchParser.parse`.
///
/// `dataObject` is valid only during the closure call, as for `BatchVisitor`.
public enum BatchEvent {
    /// A valid item and its data object's bytes.
    case accepted(BatchItem, dataObject: UnsafeRawBufferPointer)
    /// An invalid item.
    case rejected(BatchItemError)
}

/// How many items a parsed batch held and how they were judged.
public struct BatchSummary: Equatable, Sendable {
    /// Items visited: `acceptedCount + rejectedCount`.
    public var itemCount: Int { acceptedCount + rejectedCount }
    /// Items passed to `BatchVisitor.accept`.
    public var acceptedCount: Int
    /// Items passed to `BatchVisitor.reject`.
    public var rejectedCount: Int

    public init(acceptedCount: Int = 0, rejectedCount: Int = 0) {
        self.acceptedCount = acceptedCount
        self.rejectedCount = rejectedCount
    }
}

/// Adapts a closure to `BatchVisitor`; lives only for one `parse` call.
struct ClosureBatchVisitor: BatchVisitor {
    let handle: (BatchEvent) -> Void

    mutating func accept(_ item: BatchItem, dataObject: UnsafeRawBufferPointer) {
        handle(.accepted(item, dataObject: dataObject))
    }

    mutating func reject(_ error: BatchItemError) {
        handle(.rejected(error))
    }
}
