import Synchronization

/// An object an `ObjectPool` can hold: reset on return, validated on take.
public protocol Poolable: AnyObject, Sendable {
    /// Clears the object for its next user. Called by the pool when the object comes back.
    func reset()
    /// Whether the object is in the state `reset()` leaves. Checked by the pool on take; an
    /// object that fails it was touched after being returned and is replaced, not reused.
    var isValid: Bool { get }
    /// Heap bytes the idle object keeps reserved; what the pool counts against its byte bound.
    var retainedBytes: Int { get }
}

extension Poolable {
    /// Objects that report nothing count 0 bytes: only the count bound applies to them.
    public var retainedBytes: Int { 0 }
}

/// A bounded pool of reusable objects: taken one at a time, returned in batches under one lock.
///
/// A request takes the one `ResultSlab` its batch needs, and the flusher gives a whole flush's
/// slabs back with one lock acquisition:
/// ```
/// let pool = ObjectPool(capacity: 1024, maxIdleBytes: 64 << 20) { ResultSlab() }
/// let slab = pool.take()   // a hit from the free list, or a miss made fresh
/// pool.give(&slabs)        // reset, kept within the bounds, the rest dropped
/// ```
/// At most `capacity` idle objects holding at most `maxIdleBytes` in all (`retainedBytes`)
/// are kept; returns beyond that are dropped (freed) and counted, so the pool's memory is
/// bounded. An empty pool never fails a take: it makes new objects (misses). In DEBUG builds
/// a double return traps.
public final class ObjectPool<T: Poolable>: Sendable {
    private struct State {
        var free: [T]
        /// `retainedBytes` of the idle objects, summed when they came back.
        var freeBytes = 0
        #if DEBUG
        // Identities of the idle objects, to catch an object returned twice.
        var idle: Set<ObjectIdentifier> = []
        #endif
    }

    /// Counter snapshot for metrics.
    public struct Statistics: Sendable, Equatable {
        /// Objects asked for.
        public var gets: Int
        /// Objects served from the free list.
        public var hits: Int
        /// Objects made fresh because the free list was empty.
        public var misses: Int
        /// Returned objects freed because the pool was full.
        public var drops: Int
        /// Objects taken from the free list that failed `isValid` and were replaced.
        public var corrupted: Int
        /// Objects idle in the pool.
        public var idle: Int
        /// Bytes the idle objects keep reserved.
        public var idleBytes: Int
    }

    /// Most idle objects the pool keeps.
    public let capacity: Int
    /// Most bytes (`retainedBytes` summed) the idle objects may keep reserved.
    public let maxIdleBytes: Int
    private let makeObject: @Sendable () -> T
    private let state: Mutex<State>
    // Relaxed is enough: these are statistics read by the metrics renderer; no other memory
    // is published through them, and the free list itself is guarded by `state`.
    private let gets = Atomic<Int>(0)
    private let hits = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)
    private let drops = Atomic<Int>(0)
    private let corrupted = Atomic<Int>(0)
    // Mirrors of `free.count` and `freeBytes`, stored under the lock so metrics read them
    // without locking.
    private let idle = Atomic<Int>(0)
    private let idleBytes = Atomic<Int>(0)

    /// Creates a pool keeping at most `capacity` idle objects and `maxIdleBytes` of their
    /// storage, with `prewarm` of them made up front so the first requests do not allocate.
    public init(capacity: Int, maxIdleBytes: Int = .max, prewarm: Int = 0, makeObject: @escaping @Sendable () -> T) {
        precondition(capacity >= 0, "ObjectPool capacity must not be negative")
        precondition(maxIdleBytes >= 0, "ObjectPool maxIdleBytes must not be negative")
        precondition(prewarm <= capacity, "ObjectPool prewarm (\(prewarm)) exceeds capacity (\(capacity))")
        self.capacity = capacity
        self.maxIdleBytes = maxIdleBytes
        self.makeObject = makeObject
        var free: [T] = []
        free.reserveCapacity(min(capacity, 65_536))
        var freeBytes = 0
        for _ in 0..<prewarm {
            let object = makeObject()
            guard freeBytes + object.retainedBytes <= maxIdleBytes else { break }
            freeBytes += object.retainedBytes
            free.append(object)
        }
        var initial = State(free: free, freeBytes: freeBytes)
        #if DEBUG
        initial.idle = Set(free.map(ObjectIdentifier.init))
        #endif
        state = Mutex(initial)
        idle.store(free.count, ordering: .relaxed)
        idleBytes.store(freeBytes, ordering: .relaxed)
    }

    /// Takes one ready object: an idle one if there is one (a hit), else a fresh one (a miss).
    public func take() -> T {
        gets.add(1, ordering: .relaxed)
        let taken = state.withLock { state -> T? in
            guard let object = state.free.popLast() else { return nil }
            #if DEBUG
            state.idle.remove(ObjectIdentifier(object))
            #endif
            state.freeBytes -= object.retainedBytes
            publishOccupancy(state)
            return object
        }
        guard let object = taken else {
            misses.add(1, ordering: .relaxed)
            return makeObject()
        }
        hits.add(1, ordering: .relaxed)
        guard object.isValid else {
            corrupted.add(1, ordering: .relaxed)
            return makeObject()
        }
        return object
    }

    /// Resets every object in `objects` and keeps those that fit the bounds, taking the lock
    /// once. `objects` is emptied with its capacity kept; the caller must not use the objects
    /// again.
    public func give(_ objects: inout [T]) {
        guard !objects.isEmpty else { return }
        for object in objects { object.reset() }
        let kept = state.withLock { state -> Int in
            var kept = 0
            for object in objects where keeps(object, in: &state) { kept += 1 }
            publishOccupancy(state)
            return kept
        }
        if kept < objects.count { drops.add(objects.count - kept, ordering: .relaxed) }
        // Outside the lock: releasing the dropped objects frees their memory.
        objects.removeAll(keepingCapacity: true)
    }

    /// Resets `object` and keeps it if it fits the bounds.
    public func give(_ object: T) {
        object.reset()
        let isKept = state.withLock { state -> Bool in
            defer { publishOccupancy(state) }
            return keeps(object, in: &state)
        }
        if !isKept { drops.add(1, ordering: .relaxed) }
    }

    /// Adds `object` to the free list if both bounds allow it; under the lock.
    private func keeps(_ object: T, in state: inout State) -> Bool {
        let bytes = object.retainedBytes
        guard state.free.count < capacity, bytes <= maxIdleBytes - state.freeBytes else { return false }
        #if DEBUG
        let (inserted, _) = state.idle.insert(ObjectIdentifier(object))
        precondition(inserted, "ObjectPool: an object was returned twice (one owner at a time)")
        #endif
        state.free.append(object)
        state.freeBytes += bytes
        return true
    }

    /// Stores the lock-free mirrors of the occupancy; under the lock.
    private func publishOccupancy(_ state: borrowing State) {
        idle.store(state.free.count, ordering: .relaxed)
        idleBytes.store(state.freeBytes, ordering: .relaxed)
    }

    /// Objects idle in the pool, read without locking.
    public var idleCount: Int { idle.load(ordering: .relaxed) }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        Statistics(
            gets: gets.load(ordering: .relaxed), hits: hits.load(ordering: .relaxed),
            misses: misses.load(ordering: .relaxed), drops: drops.load(ordering: .relaxed),
            corrupted: corrupted.load(ordering: .relaxed), idle: idle.load(ordering: .relaxed),
            idleBytes: idleBytes.load(ordering: .relaxed))
    }

    #if DEBUG
    /// Traps if the pool's bookkeeping is inconsistent: over capacity, an idle object that is
    /// not reset, a duplicate idle object, or a stale idle count. DEBUG builds only; O(idle).
    func _checkInvariants() {
        state.withLock { state in
            precondition(state.free.count <= capacity, "ObjectPool holds \(state.free.count) objects, over capacity \(capacity)")
            precondition(state.idle.count == state.free.count, "ObjectPool holds the same object twice")
            for object in state.free {
                precondition(state.idle.contains(ObjectIdentifier(object)), "ObjectPool idle set misses a free object")
                precondition(object.isValid, "ObjectPool holds an object that is not reset")
            }
            precondition(idle.load(ordering: .relaxed) == state.free.count, "ObjectPool idle count is stale")
            precondition(state.freeBytes == state.free.reduce(0) { $0 + $1.retainedBytes }, "ObjectPool idle bytes are stale")
            precondition(state.freeBytes <= maxIdleBytes, "ObjectPool holds \(state.freeBytes) bytes, over \(maxIdleBytes)")
        }
    }
    #endif
}
