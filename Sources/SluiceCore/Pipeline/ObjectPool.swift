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
    /// Gives back storage the idle object keeps beyond its initial size (the memory guard asks
    /// for it through `ObjectPool.releaseIdle()`); the object must be reset.
    func releaseExcess()
}

extension Poolable {
    /// Objects that report nothing count 0 bytes: only the count bound applies to them.
    public var retainedBytes: Int { 0 }
    /// Objects without growable storage have nothing to give back.
    public func releaseExcess() {}
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
///
/// The idle set follows the load, between `minimumIdle` and the bounds: it grows when a peak
/// makes fresh objects (they are kept on return), and `releaseUnused()`, called by the memory
/// monitor once per usage window, frees the idle objects the window did not need. The pool
/// tracks the fewest idle objects seen in the window (its low-water mark, one comparison under
/// the lock `take` holds anyway); that many objects lay untouched at the bottom of the free
/// stack, so after the call the pool keeps what the window's peak working set used and no
/// more. A quiet service thus gives a peak's worth of objects back within two windows.
/// `releaseIdle()` is the memory limit's lever: every idle object beyond `minimumIdle`, and
/// the excess storage of those kept.
public final class ObjectPool<T: Poolable>: Sendable {
    private struct State {
        var free: [T]
        /// `retainedBytes` of the idle objects, summed when they came back.
        var freeBytes = 0
        /// The fewest idle objects since the last `releaseUnused()` (the window's low-water mark).
        var lowWater = 0
        /// Whether a take happened since the last `releaseUnused()`.
        var wasTaken = false
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
        /// Idle objects freed by `releaseUnused()` and `releaseIdle()`.
        public var released: Int
    }

    /// Most idle objects the pool keeps.
    public let capacity: Int
    /// Most bytes (`retainedBytes` summed) the idle objects may keep reserved.
    public let maxIdleBytes: Int
    /// Idle objects `releaseUnused()` and `releaseIdle()` keep (the pool may hold fewer).
    public let minimumIdle: Int
    private let makeObject: @Sendable () -> T
    private let state: Mutex<State>
    // Relaxed is enough: these are statistics read by the metrics renderer; no other memory
    // is published through them, and the free list itself is guarded by `state`.
    private let gets = Atomic<Int>(0)
    private let hits = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)
    private let drops = Atomic<Int>(0)
    private let corrupted = Atomic<Int>(0)
    private let released = Atomic<Int>(0)
    // Mirrors of `free.count` and `freeBytes`, stored under the lock so metrics read them
    // without locking.
    private let idle = Atomic<Int>(0)
    private let idleBytes = Atomic<Int>(0)

    /// Creates a pool keeping at most `capacity` idle objects and `maxIdleBytes` of their
    /// storage, with `prewarm` of them made up front so the first requests do not allocate.
    /// Releasing keeps `minimumIdle` idle objects (default: `prewarm`).
    public init(capacity: Int, maxIdleBytes: Int = .max, prewarm: Int = 0, minimumIdle: Int? = nil, makeObject: @escaping @Sendable () -> T) {
        precondition(capacity >= 0, "ObjectPool capacity must not be negative")
        precondition(maxIdleBytes >= 0, "ObjectPool maxIdleBytes must not be negative")
        precondition(prewarm <= capacity, "ObjectPool prewarm (\(prewarm)) exceeds capacity (\(capacity))")
        precondition((minimumIdle ?? 0) >= 0, "ObjectPool minimumIdle must not be negative")
        self.capacity = capacity
        self.maxIdleBytes = maxIdleBytes
        self.minimumIdle = minimumIdle ?? prewarm
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
        var initial = State(free: free, freeBytes: freeBytes, lowWater: free.count)
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
            state.wasTaken = true
            guard let object = state.free.popLast() else {
                state.lowWater = 0
                return nil
            }
            state.lowWater = min(state.lowWater, state.free.count)
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

    /// Ends a usage window: frees the idle objects no take reached since the previous call (the
    /// window's low-water mark, the oldest idle ones), keeping at least `minimumIdle`, and
    /// starts the next window. After a window without any take (a quiet service) the kept
    /// objects also give back their excess storage. Returns the bytes freed (their
    /// `retainedBytes`). For the memory monitor, once per window; never on the request path.
    @discardableResult
    public func releaseUnused() -> Int {
        var shrunk = 0
        let dropped = release { state in
            let count = max(0, min(state.lowWater, state.free.count - minimumIdle))
            let unused = Array(state.free.prefix(count))
            state.free.removeFirst(count)
            if !state.wasTaken { shrunk = Self.releaseExcess(of: &state) }
            return unused
        }
        return dropped + shrunk
    }

    /// Frees every idle object beyond `minimumIdle` and the excess storage of those kept
    /// (`Poolable.releaseExcess()`): what the memory guard does before it sheds load. Returns
    /// the bytes freed. The next takes miss and make fresh objects, so the pool grows back
    /// with the load.
    @discardableResult
    public func releaseIdle() -> Int {
        var shrunk = 0
        let dropped = release { state in
            let count = max(0, state.free.count - minimumIdle)
            let idle = Array(state.free.prefix(count))
            state.free.removeFirst(count)
            shrunk = Self.releaseExcess(of: &state)
            return idle
        }
        return dropped + shrunk
    }

    /// Shrinks the idle objects' storage (`Poolable.releaseExcess()`); returns the bytes freed.
    /// Under the lock, so a take meanwhile cannot get an object while its storage is replaced;
    /// called when the pool was just cut to `minimumIdle` or when no request is taking.
    private static func releaseExcess(of state: inout State) -> Int {
        var shrunk = 0
        for object in state.free {
            let before = object.retainedBytes
            object.releaseExcess()
            shrunk += before - object.retainedBytes
        }
        state.freeBytes -= shrunk
        return shrunk
    }

    /// Takes the objects `choose` removes from the free list out of the pool's books, frees
    /// them outside the lock and returns their bytes; resets the low-water mark.
    private func release(_ choose: (inout State) -> [T]) -> Int {
        var freed = state.withLock { state -> [T] in
            let chosen = choose(&state)
            #if DEBUG
            for object in chosen { state.idle.remove(ObjectIdentifier(object)) }
            #endif
            state.freeBytes -= chosen.reduce(0) { $0 + $1.retainedBytes }
            state.lowWater = state.free.count
            state.wasTaken = false
            publishOccupancy(state)
            return chosen
        }
        let bytes = freed.reduce(0) { $0 + $1.retainedBytes }
        if !freed.isEmpty { released.add(freed.count, ordering: .relaxed) }
        // Outside the lock: the last references go here.
        freed.removeAll()
        return bytes
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
            idleBytes: idleBytes.load(ordering: .relaxed), released: released.load(ordering: .relaxed))
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
