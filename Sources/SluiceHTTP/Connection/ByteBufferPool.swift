import Synchronization

/// A bounded pool of `ByteBuffer`s shared by all connections.
///
/// A connection takes a buffer when bytes arrive and gives it back when it has nothing
/// buffered, so 10,000 idle keep-alive connections hold no buffers at all. Large buffers are
/// kept too, so a service receiving 650 KB bodies does not allocate one per request: when a
/// body needs more room than its buffer has, `reserveWritable(_:in:)` swaps in an idle buffer
/// that is big enough before it grows one. The pool's memory is bounded three ways: at most
/// `maxIdle` buffers, at most `maxIdleBytes` of their capacity in all, and none larger than
/// `maxRetainedCapacity`.
///
/// Within those bounds the idle set follows the load: `releaseUnused()`, called by the memory
/// monitor once per usage window, frees the buffers no connection took during the window (the
/// fewest idle buffers seen, tracked under the lock `take` holds anyway), so a quiet server
/// keeps only what its recent peak used; `releaseIdle()` frees them all (the memory limit).
package final class ByteBufferPool: Sendable {
    private struct State {
        var free: [ByteBuffer] = []
        /// Capacity of the idle buffers, summed.
        var bytes = 0
        /// The fewest idle buffers since the last release (the window's low-water mark).
        var lowWater = 0
    }

    private let state = Mutex(State())
    private let initialCapacity: Int
    private let maxRetainedCapacity: Int
    private let maxIdle: Int
    private let maxIdleBytes: Int
    // Relaxed: statistics only, read by the monitor; no ordering with the buffers is implied.
    private let takes = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)
    private let idle = Atomic<Int>(0)
    private let idleBytes = Atomic<Int>(0)

    package init(initialCapacity: Int, maxRetainedCapacity: Int, maxIdle: Int, maxIdleBytes: Int) {
        self.initialCapacity = initialCapacity
        self.maxRetainedCapacity = max(initialCapacity, maxRetainedCapacity)
        self.maxIdle = maxIdle
        self.maxIdleBytes = maxIdleBytes
    }

    /// Takes an empty buffer, allocating one when the pool is empty (a miss).
    package func take() -> ByteBuffer {
        takes.add(1, ordering: .relaxed)
        let buffer = state.withLock { state -> ByteBuffer? in
            guard let buffer = state.free.popLast() else {
                state.lowWater = 0
                return nil
            }
            state.lowWater = min(state.lowWater, state.free.count)
            state.bytes -= buffer.capacity
            publish(state)
            return buffer
        }
        if let buffer { return buffer }
        misses.add(1, ordering: .relaxed)
        return ByteBuffer(capacity: initialCapacity)
    }

    /// Returns `buffer` with at least `count` writable bytes: `buffer` itself when it has the
    /// room (after compacting), else an idle buffer big enough holding a copy of its unread
    /// bytes (and `buffer` goes back to the pool), else `buffer` grown (a miss: an allocation).
    package func reserveWritable(_ count: Int, in buffer: ByteBuffer) -> ByteBuffer {
        if buffer.writableBytes >= count { return buffer }
        buffer.compact()
        if buffer.writableBytes >= count { return buffer }
        takes.add(1, ordering: .relaxed)
        let needed = buffer.readableBytes + count
        let larger = state.withLock { state -> ByteBuffer? in
            guard let index = state.free.lastIndex(where: { $0.capacity >= needed }) else { return nil }
            let found = state.free.remove(at: index)
            // Everything above `index` moved down: only the buffers below it stayed untouched.
            state.lowWater = min(state.lowWater, index)
            state.bytes -= found.capacity
            publish(state)
            return found
        }
        guard let larger else {
            misses.add(1, ordering: .relaxed)
            buffer.reserveWritable(count)
            return buffer
        }
        larger.write(buffer.readableView)
        give(buffer)
        return larger
    }

    /// Returns a buffer; its content is discarded. Kept while the bounds allow, else freed.
    package func give(_ buffer: ByteBuffer) {
        guard buffer.capacity <= maxRetainedCapacity else { return }
        buffer.clear()
        state.withLock { state in
            guard state.free.count < maxIdle, buffer.capacity <= maxIdleBytes - state.bytes else { return }
            state.free.append(buffer)
            state.bytes += buffer.capacity
            publish(state)
        }
    }

    /// Frees every idle buffer (the memory guard's lever before it sheds load); returns the
    /// bytes released.
    @discardableResult
    package func releaseIdle() -> Int {
        release { state in
            let all = state.free
            state.free.removeAll(keepingCapacity: true)
            return all
        }
    }

    /// Ends a usage window: frees the idle buffers no take reached since the previous call (the
    /// oldest ones, below the window's low-water mark) and starts the next window. Returns the
    /// bytes released. For the memory monitor; never on the request path.
    @discardableResult
    package func releaseUnused() -> Int {
        release { state in
            let count = min(state.lowWater, state.free.count)
            let unused = Array(state.free.prefix(count))
            state.free.removeFirst(count)
            return unused
        }
    }

    private func release(_ choose: (inout State) -> [ByteBuffer]) -> Int {
        var released = state.withLock { state -> [ByteBuffer] in
            let chosen = choose(&state)
            state.bytes -= chosen.reduce(0) { $0 + $1.capacity }
            state.lowWater = state.free.count
            publish(state)
            return chosen
        }
        let bytes = released.reduce(0) { $0 + $1.capacity }
        // Outside the lock: the buffers are freed here.
        released.removeAll()
        return bytes
    }

    private func publish(_ state: borrowing State) {
        idle.store(state.free.count, ordering: .relaxed)
        idleBytes.store(state.bytes, ordering: .relaxed)
    }

    /// Counters and occupancy for monitoring; read without locking.
    package var statistics: (takes: Int, misses: Int, idle: Int, idleBytes: Int) {
        (takes.load(ordering: .relaxed), misses.load(ordering: .relaxed), idle.load(ordering: .relaxed),
         idleBytes.load(ordering: .relaxed))
    }
}
