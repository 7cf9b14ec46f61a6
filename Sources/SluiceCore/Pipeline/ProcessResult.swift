/// One accepted item, ready to be written by a sink: its id, its data object, its optional
/// metadata array and the time it was received.
///
/// The item's bytes are copied once, into storage the result owns and keeps across pool
/// round-trips, so a warm pool serves requests without allocating:
/// ```
/// pool.take(items.count, into: &results)
/// results[i].fill(id: idBytes, data: objectBytes, metadata: arrayBytes, receivedAtNanoseconds: now)
/// ```
/// The raw-buffer `fill` is the primary form (zero-copy parsers hold views into the request
/// buffer); the generic one is an inlinable convenience that lands there.
///
/// The bytes are stored as given: the caller has already validated them. `id` holds the
/// contents of a JSON string (escapes kept, valid between quotes), `data` a JSON object and
/// `metadata` a JSON array.
///
/// Ownership rule (why `@unchecked Sendable` is sound): a result has exactly one owner at a
/// time and only the owner touches it. The owner changes hands in this order only:
/// `ObjectPool` → request handler (fills it; gives it back if `admit` refuses the batch) →
/// `BatchBuffer` (after `admit`) → `Flusher` (after `swapOut`; the sink reads it) →
/// `ObjectPool` (after `give`). Each hand-over goes through a `Mutex` (the pool's or the
/// buffer's), which orders the previous owner's writes before the next owner's reads. Keeping a reference after handing it over breaks the rule;
/// the pool catches the common case (writing to a returned result) with `isValid` on take.
public final class ProcessResult: @unchecked Sendable {
    /// Storage above this capacity is freed on reset, so one huge item does not pin memory
    /// in the pool forever.
    public static let maxRetainedCapacity = 4 * 1024
    /// Capacity reserved for a fresh result: a typical item fits without growing.
    public static let initialCapacity = 128

    /// Everything mutable. It lives behind a pointer the object allocates once, so the class
    /// has only `let` properties: mutating a class `var` costs a dynamic exclusivity check
    /// (a TLS lookup) per access, which dominated fill/reset/isValid in profiles. The
    /// one-owner rule above is what makes the unchecked access sound.
    private struct State {
        // Guards against a result that is not ours (memory reuse bugs); checked by `isValid`.
        static let liveSentinel: UInt64 = 0x511C_E0B1_EC7A_B1E5

        /// Layout [id][metadata][data]; the offsets are the exclusive ends of id and metadata.
        var storage: UnsafeMutableRawPointer
        var capacity: Int
        var count = 0
        var idEnd = 0
        var metadataEnd = 0
        var hasMetadata = false
        var receivedAtNanoseconds: Int64 = 0
        var generation: UInt64 = 0
        var sentinel = liveSentinel
    }

    private let state: UnsafeMutablePointer<State>

    /// Creates an empty result with `initialCapacity` bytes reserved.
    public init() {
        state = .allocate(capacity: 1)
        state.initialize(to: State(storage: .allocate(byteCount: Self.initialCapacity, alignment: 16), capacity: Self.initialCapacity))
    }

    deinit {
        state.pointee.storage.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Stores an item. `metadata` nil means the item had none (sinks write `"metadata":[]`).
    /// Replaces whatever the result held; copies the bytes once.
    public func fill(
        id: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, metadata: UnsafeRawBufferPointer?,
        receivedAtNanoseconds: Int64
    ) {
        let total = id.count + (metadata?.count ?? 0) + data.count
        if total > state.pointee.capacity {
            let grown = max(total, state.pointee.capacity * 2)
            state.pointee.storage.deallocate()
            state.pointee.storage = .allocate(byteCount: grown, alignment: 16)
            state.pointee.capacity = grown
        }
        // Safe: the three copies add up to `total` ≤ capacity.
        let storage = state.pointee.storage
        var end = Self.copy(id, to: storage, at: 0)
        state.pointee.idEnd = end
        if let metadata { end = Self.copy(metadata, to: storage, at: end) }
        state.pointee.metadataEnd = end
        state.pointee.count = Self.copy(data, to: storage, at: end)
        state.pointee.hasMetadata = metadata != nil
        state.pointee.receivedAtNanoseconds = receivedAtNanoseconds
    }

    /// Stores an item without metadata (sinks write `"metadata":[]`).
    public func fill(id: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, receivedAtNanoseconds: Int64) {
        fill(id: id, data: data, metadata: nil, receivedAtNanoseconds: receivedAtNanoseconds)
    }

    /// Stores an item from any byte collections ([UInt8], slices, `String.UTF8View`).
    @inlinable
    public func fill(
        id: some Collection<UInt8>, data: some Collection<UInt8>, metadata: (some Collection<UInt8>)?,
        receivedAtNanoseconds: Int64
    ) {
        Self.withUnsafeBytes(of: id) { id in
            Self.withUnsafeBytes(of: data) { data in
                guard let metadata else {
                    fill(id: id, data: data, metadata: nil, receivedAtNanoseconds: receivedAtNanoseconds)
                    return
                }
                Self.withUnsafeBytes(of: metadata) { metadata in
                    fill(id: id, data: data, metadata: metadata, receivedAtNanoseconds: receivedAtNanoseconds)
                }
            }
        }
    }

    /// Stores an item without metadata from any byte collections.
    @inlinable
    public func fill(id: some Collection<UInt8>, data: some Collection<UInt8>, receivedAtNanoseconds: Int64) {
        fill(id: id, data: data, metadata: [UInt8]?.none, receivedAtNanoseconds: receivedAtNanoseconds)
    }

    @inlinable
    static func withUnsafeBytes<R>(of bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(bytes).withUnsafeBytes(body)
    }

    /// Calls `body` with the three fields as raw bytes, valid only inside `body`; what sinks
    /// render from.
    public func withUnsafeFields<R>(
        _ body: (_ id: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer, _ metadata: UnsafeRawBufferPointer?) throws -> R
    ) rethrows -> R {
        let fields = state.pointee
        // Safe: idEnd ≤ metadataEnd ≤ count ≤ capacity, kept by `fill` and `reset`.
        let base = UnsafeRawPointer(fields.storage)
        return try body(
            UnsafeRawBufferPointer(start: base, count: fields.idEnd),
            UnsafeRawBufferPointer(start: base + fields.metadataEnd, count: fields.count - fields.metadataEnd),
            fields.hasMetadata ? UnsafeRawBufferPointer(start: base + fields.idEnd, count: fields.metadataEnd - fields.idEnd) : nil)
    }

    /// A copy of the id: raw JSON string contents, escapes included.
    public var id: [UInt8] { withUnsafeFields { id, _, _ in Array(id) } }
    /// A copy of the data object's JSON bytes.
    public var data: [UInt8] { withUnsafeFields { _, data, _ in Array(data) } }
    /// A copy of the metadata array's JSON bytes, or nil when the item had none.
    public var metadata: [UInt8]? { withUnsafeFields { _, _, metadata in metadata.map { Array($0) } } }
    /// Whether the item carried a `metadata` array.
    public var hasMetadata: Bool { state.pointee.hasMetadata }
    /// Receive time: nanoseconds since the Unix epoch (CLOCK_REALTIME); 0 while unfilled.
    public var receivedAtNanoseconds: Int64 { state.pointee.receivedAtNanoseconds }
    /// Number of resets so far; tells apart two lives of the same object when debugging.
    public var generation: UInt64 { state.pointee.generation }
    /// Bytes held for the item (id + data + metadata); what `BatchBuffer` counts against its
    /// byte bound.
    public var byteCount: Int { state.pointee.count }
    /// Bytes currently reserved by the storage.
    public var capacity: Int { state.pointee.capacity }

    /// Clears the result for reuse, keeping its storage unless it grew past
    /// `maxRetainedCapacity`.
    public func reset() {
        if state.pointee.capacity > Self.maxRetainedCapacity {
            state.pointee.storage.deallocate()
            state.pointee.storage = .allocate(byteCount: Self.initialCapacity, alignment: 16)
            state.pointee.capacity = Self.initialCapacity
        }
        state.pointee.count = 0
        state.pointee.idEnd = 0
        state.pointee.metadataEnd = 0
        state.pointee.hasMetadata = false
        state.pointee.receivedAtNanoseconds = 0
        state.pointee.generation &+= 1
    }

    /// Whether the result is in the state `reset()` leaves: intact sentinel, nothing stored.
    /// False means someone wrote to it after giving it back to the pool.
    public var isValid: Bool {
        let fields = state.pointee
        return fields.sentinel == State.liveSentinel && fields.count == 0 && fields.idEnd == 0 && fields.metadataEnd == 0
            && !fields.hasMetadata && fields.receivedAtNanoseconds == 0
    }

    private static func copy(_ bytes: UnsafeRawBufferPointer, to storage: UnsafeMutableRawPointer, at offset: Int) -> Int {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return offset }
        (storage + offset).copyMemory(from: source, byteCount: bytes.count)
        return offset + bytes.count
    }
}

extension ProcessResult: Poolable {}
