import Glibc

/// One request's accepted items: their `ProcessResult`s in one block and their sink records
/// in one byte arena, the unit that moves through the pipeline.
///
/// The case study's arena, with one owner at a time: a request takes a slab from the pool,
/// renders each valid item's NDJSON record into the arena as the parser finds it (its only
/// copy of the item's bytes), hands the whole slab to the `BatchBuffer`, the `Flusher` hands
/// it to the sink, which writes the arena as it is, and the slab goes back to the pool. Each
/// step touches one object per batch: no reference count, no pool operation and no
/// rendering per item after admission.
/// ```
/// let slab = pool.take()
/// slab.begin(receivedAtNanoseconds: now)                      // or tenant: nameBytes too
/// slab.append(id: idBytes, data: objectBytes, metadata: nil)   // renders the record
/// buffer.admit(slab)                                           // one lock for the batch
/// ```
/// Ownership rule (why `@unchecked Sendable` is sound): exactly one owner at a time touches a
/// slab, in this order: `ObjectPool` → request handler → `BatchBuffer` → `Flusher` (the sink
/// reads it) → `ObjectPool`. Every hand-over passes a `Mutex`, which orders the previous
/// owner's writes before the next owner's reads. The pool catches the common misuse (writing
/// to a returned slab) with `isValid` on take.
///
/// Memory: the arena and the result block grow by doubling while a batch is rendered; `reset`
/// keeps them up to `Limits.maxRetainedBytes` / `maxRetainedResults`, so one huge batch does
/// not pin memory in the pool.
public final class ResultSlab: @unchecked Sendable {
    /// Sizes a slab starts with and keeps across reuse.
    public struct Limits: Sendable, Equatable {
        /// Arena bytes reserved for a fresh slab; it doubles as records are appended (a W1 batch
        /// of 100 items renders about 13 KB), and a pooled slab keeps what it grew to.
        public var initialBytes: Int
        /// Arena capacity above this is released on reset.
        public var maxRetainedBytes: Int
        /// Results reserved for a fresh slab.
        public var initialResults: Int
        /// Result capacity above this is released on reset.
        public var maxRetainedResults: Int

        public init(initialBytes: Int = 1024, maxRetainedBytes: Int = 2 << 20, initialResults: Int = 16,
                    maxRetainedResults: Int = 16_384) {
            precondition(initialBytes > 0 && initialResults > 0, "ResultSlab initial sizes must be positive")
            self.initialBytes = initialBytes
            self.maxRetainedBytes = Swift.max(initialBytes, maxRetainedBytes)
            self.initialResults = initialResults
            self.maxRetainedResults = Swift.max(initialResults, maxRetainedResults)
        }
    }

    /// Most arena bytes one slab may hold: result offsets are 32-bit.
    public static let maxArenaBytes = Int(UInt32.max)
    /// Longest tenant name `begin` takes (the auth file's limit).
    public static let maxTenantBytes = 64
    /// Longest id `append` takes, in raw bytes (a 256-byte id fully `\u`-escaped is 1,536).
    public static let maxIDBytes = Int(UInt16.max)

    /// Everything mutable lives behind one pointer so the class has only `let` properties:
    /// mutating a class `var` costs a dynamic exclusivity check per access in debug builds and
    /// where the checks are on. The one-owner rule above makes the unchecked access sound.
    private struct State {
        // Guards against a slab that is not ours (memory reuse bugs); checked by `isValid`.
        static let liveSentinel: UInt64 = 0x511C_E5AB_0B1E_C7ED

        var arena: UnsafeMutableRawPointer
        var arenaCapacity: Int
        var used = 0
        var results: UnsafeMutablePointer<ProcessResult>
        var resultCapacity: Int
        var count = 0
        var receivedAtNanoseconds: Int64 = 0
        /// `received_at` of every record in the slab, formatted once per batch by `begin`.
        var stamp: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        /// The tenant of every record in the slab, copied in by `begin` (the first
        /// `tenantCount` bytes); no tenant field when 0.
        var tenant: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var tenantCount = 0
        var formatter = TimestampFormatter()
        var generation: UInt64 = 0
        var sentinel = liveSentinel
    }

    public let limits: Limits
    private let state: UnsafeMutablePointer<State>

    /// An empty slab with `limits`' initial sizes reserved.
    public init(limits: Limits = Limits()) {
        self.limits = limits
        state = .allocate(capacity: 1)
        state.initialize(to: State(
            arena: Self.allocate(bytes: limits.initialBytes), arenaCapacity: limits.initialBytes,
            results: Self.allocate(results: limits.initialResults), resultCapacity: limits.initialResults))
    }

    deinit {
        free(state.pointee.arena)
        free(state.pointee.results)
        state.deinitialize(count: 1)
        state.deallocate()
    }

    // MARK: Filling (the request's side)

    /// Starts a batch received at `receivedAtNanoseconds` (since the Unix epoch) from `tenant`
    /// (nil when access control is off); every record appended next carries that time and a
    /// `"tenant":"<name>"` field. The name must be 1...64 bytes that need no JSON escaping
    /// (the auth file's `[a-z0-9_-]`); it is copied, so it need not outlive the call. The slab
    /// must be empty.
    public func begin(receivedAtNanoseconds: Int64, tenant: UnsafeRawBufferPointer? = nil) {
        precondition(state.pointee.count == 0 && state.pointee.used == 0, "ResultSlab.begin on a slab that holds a batch")
        state.pointee.receivedAtNanoseconds = receivedAtNanoseconds
        state.pointee.tenantCount = 0
        if let tenant {
            precondition((1...Self.maxTenantBytes).contains(tenant.count), "ResultSlab tenant must be 1...64 bytes")
            withUnsafeMutableBytes(of: &state.pointee.tenant) { storage in
                // Safe: tenant.count <= 64, the storage's size.
                storage.baseAddress!.copyMemory(from: tenant.baseAddress!, byteCount: tenant.count)
            }
            state.pointee.tenantCount = tenant.count
        }
        withUnsafeMutableBytes(of: &state.pointee.stamp) { stamp in
            state.pointee.formatter.writeRFC3339(nanoseconds: receivedAtNanoseconds, to: stamp.baseAddress!)
        }
    }

    /// Renders one item's sink record at the end of the arena. `id` holds JSON string
    /// contents (escapes kept), `data` a JSON object, `metadata` a JSON array of strings or
    /// nil (rendered `[]`); the caller has validated them.
    public func append(id: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer, metadata: UnsafeRawBufferPointer?) {
        let metadataCount = metadata?.count ?? SinkRecordLayout.emptyArray.utf8CodeUnitCount
        precondition(metadata == nil || metadataCount >= 2, "ResultSlab metadata must be a JSON array")
        precondition(id.count <= Self.maxIDBytes, "ResultSlab id longer than \(Self.maxIDBytes) bytes")
        let tenantCount = state.pointee.tenantCount
        let tenantFieldCount = tenantCount > 0 ? SinkRecordLayout.tenantFixedCount + tenantCount : 0
        let length = SinkRecordLayout.fixedCount + id.count + data.count + metadataCount + tenantFieldCount
        reserve(bytes: length)
        if state.pointee.count == state.pointee.resultCapacity { growResults() }
        let start = state.pointee.used
        // Safe: `reserve` left at least `length` bytes free after `used`, and the pieces
        // written below add up to exactly `length`.
        var cursor = state.pointee.arena + start
        Self.copy(SinkRecordLayout.idOpen, to: &cursor)
        Self.copy(id, to: &cursor)
        Self.copy(SinkRecordLayout.receivedAtOpen, to: &cursor)
        withUnsafeBytes(of: &state.pointee.stamp) { stamp in
            Self.copy(UnsafeRawBufferPointer(rebasing: stamp[0..<TimestampFormatter.rfc3339Length]), to: &cursor)
        }
        Self.copy(SinkRecordLayout.dataOpen, to: &cursor)
        Self.copy(data, to: &cursor)
        Self.copy(SinkRecordLayout.metadataOpen, to: &cursor)
        if let metadata { Self.copy(metadata, to: &cursor) } else { Self.copy(SinkRecordLayout.emptyArray, to: &cursor) }
        if tenantCount > 0 {
            Self.copy(SinkRecordLayout.tenantOpen, to: &cursor)
            withUnsafeBytes(of: &state.pointee.tenant) { name in
                Self.copy(UnsafeRawBufferPointer(rebasing: name[0..<tenantCount]), to: &cursor)
            }
            Self.copy(SinkRecordLayout.tenantClose, to: &cursor)
        }
        Self.copy(SinkRecordLayout.recordClose, to: &cursor)
        assert(cursor - state.pointee.arena == start + length, "ResultSlab record length mismatch")
        state.pointee.used = start + length
        // Safe: count < resultCapacity after the growth check above.
        (state.pointee.results + state.pointee.count).initialize(to: ProcessResult(
            start: UInt32(start), idCount: UInt16(id.count), tenantFieldCount: UInt16(tenantFieldCount), dataCount: UInt32(data.count),
            metadataCount: metadata.map { UInt32($0.count) } ?? 0))
        state.pointee.count += 1
    }

    /// Renders one item from any byte collections ([UInt8], slices, `String.UTF8View`); for
    /// tests and tools.
    public func append(id: some Collection<UInt8>, data: some Collection<UInt8>, metadata: (some Collection<UInt8>)?) {
        let id = Array(id), data = Array(data), metadata = metadata.map { Array($0) }
        id.withUnsafeBytes { id in
            data.withUnsafeBytes { data in
                guard let metadata else { return append(id: id, data: data, metadata: nil) }
                metadata.withUnsafeBytes { append(id: id, data: data, metadata: $0) }
            }
        }
    }

    // MARK: Reading (the flusher's and the sinks' side)

    /// Items in the slab.
    public var count: Int { state.pointee.count }
    /// Rendered record bytes in the arena: what the buffer counts against its byte bound and
    /// what a sink writes.
    public var byteCount: Int { state.pointee.used }
    /// The batch's receive time (nanoseconds since the Unix epoch); 0 while empty.
    public var receivedAtNanoseconds: Int64 { state.pointee.receivedAtNanoseconds }
    /// Number of resets so far; tells two lives of the same slab apart when debugging.
    public var generation: UInt64 { state.pointee.generation }
    /// Heap bytes the slab keeps reserved (arena and result block).
    public var retainedBytes: Int {
        state.pointee.arenaCapacity + state.pointee.resultCapacity * MemoryLayout<ProcessResult>.stride
    }

    /// Calls `body` with every record of the slab, back to back: the bytes a sink writes.
    public func withRecords<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // Safe: `used` ≤ arenaCapacity, kept by `append` and `reset`.
        try body(UnsafeRawBufferPointer(start: state.pointee.arena, count: state.pointee.used))
    }

    /// Calls `body` with the id, data and metadata bytes of `result` (one of this slab's),
    /// valid only inside `body`.
    public func withFields<R>(
        of result: ProcessResult,
        _ body: (_ id: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer, _ metadata: UnsafeRawBufferPointer?) throws -> R
    ) rethrows -> R {
        try withRecords { arena in
            precondition(result.recordRange.upperBound <= arena.count, "ProcessResult is not from this slab")
            return try body(
                UnsafeRawBufferPointer(rebasing: arena[result.idRange]), UnsafeRawBufferPointer(rebasing: arena[result.dataRange]),
                result.metadataRange.map { UnsafeRawBufferPointer(rebasing: arena[$0]) })
        }
    }

    /// Calls `body` with the record of `result` (one of this slab's), its newline included.
    public func withRecord<R>(of result: ProcessResult, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withRecords { arena in
            precondition(result.recordRange.upperBound <= arena.count, "ProcessResult is not from this slab")
            return try body(UnsafeRawBufferPointer(rebasing: arena[result.recordRange]))
        }
    }

    /// A copy of the id of `result`: raw JSON string contents, escapes included.
    public func id(of result: ProcessResult) -> [UInt8] { withFields(of: result) { id, _, _ in Array(id) } }
    /// A copy of the data object of `result`.
    public func data(of result: ProcessResult) -> [UInt8] { withFields(of: result) { _, data, _ in Array(data) } }
    /// A copy of the metadata array of `result`, or nil when the item had none.
    public func metadata(of result: ProcessResult) -> [UInt8]? { withFields(of: result) { _, _, metadata in metadata.map { Array($0) } } }

    // MARK: Recycling (the pool's side)

    /// Empties the slab for reuse, keeping its storage up to the retention limits.
    public func reset() {
        shrink(aboveBytes: limits.maxRetainedBytes, aboveResults: limits.maxRetainedResults)
        state.pointee.count = 0
        state.pointee.used = 0
        state.pointee.receivedAtNanoseconds = 0
        state.pointee.tenantCount = 0
        state.pointee.generation &+= 1
    }

    /// Gives back all storage above the initial sizes (the memory guard's lever); the slab
    /// must be empty.
    public func releaseExcess() {
        precondition(state.pointee.count == 0, "ResultSlab.releaseExcess on a slab that holds a batch")
        shrink(aboveBytes: limits.initialBytes, aboveResults: limits.initialResults)
    }

    /// Replaces an arena or result block larger than the given sizes by a fresh one of the
    /// initial size; what it held is dropped.
    private func shrink(aboveBytes maxBytes: Int, aboveResults maxResults: Int) {
        if state.pointee.arenaCapacity > maxBytes {
            free(state.pointee.arena)
            state.pointee.arena = Self.allocate(bytes: limits.initialBytes)
            state.pointee.arenaCapacity = limits.initialBytes
        }
        if state.pointee.resultCapacity > maxResults {
            free(state.pointee.results)
            state.pointee.results = Self.allocate(results: limits.initialResults)
            state.pointee.resultCapacity = limits.initialResults
        }
    }

    /// Whether the slab is in the state `reset()` leaves: intact sentinel, nothing stored.
    /// False means someone wrote to it after giving it back to the pool.
    public var isValid: Bool {
        let fields = state.pointee
        return fields.sentinel == State.liveSentinel && fields.count == 0 && fields.used == 0
            && fields.receivedAtNanoseconds == 0 && fields.tenantCount == 0
    }

    // MARK: Storage

    private func reserve(bytes length: Int) {
        let needed = state.pointee.used + length
        guard needed > state.pointee.arenaCapacity else { return }
        precondition(needed <= Self.maxArenaBytes, "ResultSlab arena would exceed \(Self.maxArenaBytes) bytes")
        let grown = Swift.min(Swift.max(state.pointee.arenaCapacity * 2, needed), Self.maxArenaBytes)
        guard let arena = realloc(state.pointee.arena, grown) else { fatalError("ResultSlab: out of memory (\(grown) bytes)") }
        state.pointee.arena = arena
        state.pointee.arenaCapacity = grown
    }

    private func growResults() {
        let grown = state.pointee.resultCapacity * 2
        guard let block = realloc(state.pointee.results, grown * MemoryLayout<ProcessResult>.stride) else {
            fatalError("ResultSlab: out of memory (\(grown) results)")
        }
        state.pointee.results = block.bindMemory(to: ProcessResult.self, capacity: grown)
        state.pointee.resultCapacity = grown
    }

    private static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        guard let arena = malloc(bytes) else { fatalError("ResultSlab: out of memory (\(bytes) bytes)") }
        return arena
    }

    private static func allocate(results: Int) -> UnsafeMutablePointer<ProcessResult> {
        allocate(bytes: results * MemoryLayout<ProcessResult>.stride).bindMemory(to: ProcessResult.self, capacity: results)
    }

    @inline(__always)
    private static func copy(_ bytes: UnsafeRawBufferPointer, to cursor: inout UnsafeMutableRawPointer) {
        guard let source = bytes.baseAddress else { return }
        cursor.copyMemory(from: source, byteCount: bytes.count)
        cursor += bytes.count
    }

    @inline(__always)
    private static func copy(_ literal: StaticString, to cursor: inout UnsafeMutableRawPointer) {
        // Safe: a StaticString literal's utf8Start points at utf8CodeUnitCount valid bytes.
        cursor.copyMemory(from: literal.utf8Start, byteCount: literal.utf8CodeUnitCount)
        cursor += literal.utf8CodeUnitCount
    }
}

extension ResultSlab: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { state.pointee.count }

    /// The result at `index` (0..<count).
    public subscript(index: Int) -> ProcessResult {
        precondition(index >= 0 && index < state.pointee.count, "ResultSlab index out of range")
        return state.pointee.results[index]
    }
}

extension ResultSlab: Poolable {}
