/// One accepted item, ready to be written by a sink: its id, its data object, its optional
/// metadata array and the time it was received.
///
/// The item's bytes are copied once, into storage the result owns and keeps across pool
/// round-trips, so a warm pool serves requests without allocating:
/// ```
/// pool.take(items.count, into: &results)
/// results[i].fill(id: idBytes, data: objectBytes, metadata: arrayBytes, receivedAtNanoseconds: now)
/// ```
/// The bytes are stored as given: the caller has already validated them. `id` holds the
/// contents of a JSON string (escapes kept, valid between quotes), `data` a JSON object and
/// `metadata` a JSON array.
///
/// Ownership rule (why `@unchecked Sendable` is sound): a result has exactly one owner at a
/// time and only the owner touches it. The owner changes hands in this order only:
/// `ObjectPool` → request handler (fills it) → `BatchBuffer` (after `admit`) → `Flusher`
/// (after `swapOut`, the sink reads it) → `ObjectPool` (after `give`). Each hand-over goes
/// through a `Mutex` (the pool's or the buffer's), which orders the previous owner's writes
/// before the next owner's reads. Keeping a reference after handing it over breaks the rule;
/// the pool catches the common case (writing to a returned result) with `isValid` on take.
public final class ProcessResult: @unchecked Sendable {
    /// Storage above this capacity is freed on reset, so one huge item does not pin memory
    /// in the pool forever.
    public static let maxRetainedCapacity = 64 * 1024
    /// Capacity reserved for a fresh result: a typical item fits without growing.
    public static let initialCapacity = 512

    // Guards against a result that is not ours (memory reuse bugs); checked by `isValid`.
    private static let liveSentinel: UInt64 = 0x511C_E0B1_EC7A_B1E5

    // Layout: [id][metadata][data]. Offsets are exclusive ends into `storage`.
    private var storage: [UInt8]
    private var idEnd = 0
    private var metadataEnd = 0
    private var sentinel: UInt64
    /// Whether the item carried a `metadata` array.
    public private(set) var hasMetadata = false
    /// Receive time: nanoseconds since the Unix epoch (CLOCK_REALTIME); 0 while unfilled.
    public private(set) var receivedAtNanoseconds: Int64 = 0
    /// Number of resets so far; tells apart two lives of the same object when debugging.
    public private(set) var generation: UInt64 = 0

    /// Creates an empty result with `initialCapacity` bytes reserved.
    public init() {
        storage = []
        storage.reserveCapacity(Self.initialCapacity)
        sentinel = Self.liveSentinel
    }

    /// Stores an item with a metadata array. Replaces whatever the result held.
    public func fill(
        id: some Collection<UInt8>, data: some Collection<UInt8>, metadata: some Collection<UInt8>,
        receivedAtNanoseconds: Int64
    ) {
        storage.removeAll(keepingCapacity: true)
        storage.reserveCapacity(id.count + metadata.count + data.count)
        storage.append(contentsOf: id)
        idEnd = storage.count
        storage.append(contentsOf: metadata)
        metadataEnd = storage.count
        storage.append(contentsOf: data)
        hasMetadata = true
        self.receivedAtNanoseconds = receivedAtNanoseconds
    }

    /// Stores an item without metadata (sinks write `"metadata":[]`). Replaces whatever the
    /// result held.
    public func fill(id: some Collection<UInt8>, data: some Collection<UInt8>, receivedAtNanoseconds: Int64) {
        storage.removeAll(keepingCapacity: true)
        storage.reserveCapacity(id.count + data.count)
        storage.append(contentsOf: id)
        idEnd = storage.count
        metadataEnd = idEnd
        storage.append(contentsOf: data)
        hasMetadata = false
        self.receivedAtNanoseconds = receivedAtNanoseconds
    }

    /// The id: raw JSON string contents, escapes included.
    public var id: ArraySlice<UInt8> { storage[0..<idEnd] }
    /// The data object's JSON bytes.
    public var data: ArraySlice<UInt8> { storage[metadataEnd...] }
    /// The metadata array's JSON bytes, or nil when the item had none.
    public var metadata: ArraySlice<UInt8>? { hasMetadata ? storage[idEnd..<metadataEnd] : nil }
    /// Bytes held for the item (id + data + metadata); what `BatchBuffer` counts against its
    /// byte bound.
    public var byteCount: Int { storage.count }
    /// Bytes currently reserved by the storage.
    public var capacity: Int { storage.capacity }

    /// Clears the result for reuse, keeping its storage unless it grew past
    /// `maxRetainedCapacity`.
    public func reset() {
        if storage.capacity > Self.maxRetainedCapacity {
            storage = []
            storage.reserveCapacity(Self.initialCapacity)
        } else {
            storage.removeAll(keepingCapacity: true)
        }
        idEnd = 0
        metadataEnd = 0
        hasMetadata = false
        receivedAtNanoseconds = 0
        generation &+= 1
    }

    /// Whether the result is in the state `reset()` leaves: intact sentinel, nothing stored.
    /// False means someone wrote to it after giving it back to the pool.
    public var isValid: Bool {
        sentinel == Self.liveSentinel && storage.isEmpty && idEnd == 0 && metadataEnd == 0
            && !hasMetadata && receivedAtNanoseconds == 0
    }
}

extension ProcessResult: Poolable {}
