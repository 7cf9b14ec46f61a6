import Synchronization

/// An object an `ObjectPool` can hold: reset on return, validated on take.
public protocol Poolable: AnyObject, Sendable {
    /// Clears the object for its next user. Called by the pool when the object comes back.
    func reset()
    /// Whether the object is in the state `reset()` leaves. Checked by the pool on take; an
    /// object that fails it was touched after being returned and is replaced, not reused.
    var isValid: Bool { get }
}

/// A bounded pool of reusable objects, taken and returned in batches under one lock.
///
/// A request takes the N objects it needs with one lock acquisition, and the flusher gives a
/// whole flushed batch back with one more:
/// ```
/// let pool = ObjectPool(capacity: 65_536) { ProcessResult() }
/// pool.take(itemCount, into: &results)   // hits from the free list, misses made fresh
/// pool.give(&results)                     // reset, kept up to `capacity`, the rest dropped
/// ```
/// At most `capacity` idle objects are kept; returns beyond that are dropped (freed) and
/// counted, so the pool's memory is bounded. An empty pool never fails a take: it makes new
/// objects (misses). In DEBUG builds a double return traps.
public final class ObjectPool<T: Poolable>: Sendable {
    private struct State {
        var free: [T]
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
    }

    /// Most idle objects the pool keeps.
    public let capacity: Int
    private let makeObject: @Sendable () -> T
    private let state: Mutex<State>
    // Relaxed is enough: these are statistics read by the metrics renderer; no other memory
    // is published through them, and the free list itself is guarded by `state`.
    private let gets = Atomic<Int>(0)
    private let hits = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)
    private let drops = Atomic<Int>(0)
    private let corrupted = Atomic<Int>(0)
    // Mirror of `free.count`, stored under the lock so metrics read it without locking.
    private let idle = Atomic<Int>(0)

    /// Creates a pool keeping at most `capacity` idle objects, with `prewarm` of them made up
    /// front so the first requests do not allocate.
    public init(capacity: Int, prewarm: Int = 0, makeObject: @escaping @Sendable () -> T) {
        precondition(capacity >= 0, "ObjectPool capacity must not be negative")
        precondition(prewarm <= capacity, "ObjectPool prewarm (\(prewarm)) exceeds capacity (\(capacity))")
        self.capacity = capacity
        self.makeObject = makeObject
        var free: [T] = []
        free.reserveCapacity(capacity)
        for _ in 0..<prewarm { free.append(makeObject()) }
        var initial = State(free: free)
        #if DEBUG
        initial.idle = Set(free.map(ObjectIdentifier.init))
        #endif
        state = Mutex(initial)
        idle.store(prewarm, ordering: .relaxed)
    }

    /// Appends `count` ready objects to `objects`, taking the lock once.
    public func take(_ count: Int, into objects: inout [T]) {
        precondition(count >= 0, "ObjectPool.take count must not be negative")
        guard count > 0 else { return }
        gets.add(count, ordering: .relaxed)
        let start = objects.count
        let hitCount = state.withLock { state -> Int in
            let n = min(count, state.free.count)
            let from = state.free.count - n
            objects.append(contentsOf: state.free[from...])
            state.free.removeLast(n)
            #if DEBUG
            for object in objects[start...] { state.idle.remove(ObjectIdentifier(object)) }
            #endif
            idle.store(state.free.count, ordering: .relaxed)
            return n
        }
        hits.add(hitCount, ordering: .relaxed)
        for index in start..<(start + hitCount) where !objects[index].isValid {
            corrupted.add(1, ordering: .relaxed)
            objects[index] = makeObject()
        }
        let missCount = count - hitCount
        if missCount > 0 {
            misses.add(missCount, ordering: .relaxed)
            for _ in 0..<missCount { objects.append(makeObject()) }
        }
    }

    /// Takes one ready object.
    public func take() -> T {
        gets.add(1, ordering: .relaxed)
        let taken = state.withLock { state -> T? in
            guard let object = state.free.popLast() else { return nil }
            #if DEBUG
            state.idle.remove(ObjectIdentifier(object))
            #endif
            idle.store(state.free.count, ordering: .relaxed)
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

    /// Resets every object in `objects` and keeps as many as fit, taking the lock once.
    /// `objects` is emptied with its capacity kept; the caller must not use the objects again.
    public func give(_ objects: inout [T]) {
        guard !objects.isEmpty else { return }
        for object in objects { object.reset() }
        let kept = state.withLock { state -> Int in
            let n = min(objects.count, capacity - state.free.count)
            #if DEBUG
            for object in objects[..<n] {
                let (inserted, _) = state.idle.insert(ObjectIdentifier(object))
                precondition(inserted, "ObjectPool: an object was returned twice (one owner at a time)")
            }
            #endif
            state.free.append(contentsOf: objects[..<n])
            idle.store(state.free.count, ordering: .relaxed)
            return n
        }
        if kept < objects.count { drops.add(objects.count - kept, ordering: .relaxed) }
        // Outside the lock: releasing the dropped objects may free memory.
        objects.removeAll(keepingCapacity: true)
    }

    /// Resets `object` and keeps it if the pool has room.
    public func give(_ object: T) {
        object.reset()
        let isKept = state.withLock { state -> Bool in
            guard state.free.count < capacity else { return false }
            #if DEBUG
            let (inserted, _) = state.idle.insert(ObjectIdentifier(object))
            precondition(inserted, "ObjectPool: an object was returned twice (one owner at a time)")
            #endif
            state.free.append(object)
            idle.store(state.free.count, ordering: .relaxed)
            return true
        }
        if !isKept { drops.add(1, ordering: .relaxed) }
    }

    /// Objects idle in the pool, read without locking.
    public var idleCount: Int { idle.load(ordering: .relaxed) }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        Statistics(
            gets: gets.load(ordering: .relaxed), hits: hits.load(ordering: .relaxed),
            misses: misses.load(ordering: .relaxed), drops: drops.load(ordering: .relaxed),
            corrupted: corrupted.load(ordering: .relaxed), idle: idle.load(ordering: .relaxed))
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
        }
    }
    #endif
}
