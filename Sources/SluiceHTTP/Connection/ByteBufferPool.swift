import Synchronization

/// A bounded pool of `ByteBuffer`s shared by all connections.
///
/// A connection takes a buffer when bytes arrive and gives it back when it has nothing
/// buffered, so 10,000 idle keep-alive connections hold no buffers at all. Buffers that grew
/// past `maxRetainedCapacity` (a large body) are freed on return instead of pooled, and at most
/// `maxIdle` buffers are kept, so the pool's memory is bounded.
package final class ByteBufferPool: Sendable {
    private let free: Mutex<[ByteBuffer]>
    private let initialCapacity: Int
    private let maxRetainedCapacity: Int
    private let maxIdle: Int
    // Relaxed: statistics only, read by the monitor; no ordering with the buffers is implied.
    private let takes = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)

    package init(initialCapacity: Int, maxRetainedCapacity: Int, maxIdle: Int) {
        self.initialCapacity = initialCapacity
        self.maxRetainedCapacity = max(initialCapacity, maxRetainedCapacity)
        self.maxIdle = maxIdle
        var buffers: [ByteBuffer] = []
        buffers.reserveCapacity(maxIdle)
        self.free = Mutex(buffers)
    }

    /// Takes an empty buffer, allocating one when the pool is empty.
    package func take() -> ByteBuffer {
        takes.add(1, ordering: .relaxed)
        if let buffer = free.withLock({ $0.popLast() }) { return buffer }
        misses.add(1, ordering: .relaxed)
        return ByteBuffer(capacity: initialCapacity)
    }

    /// Returns a buffer; its content is discarded.
    package func give(_ buffer: ByteBuffer) {
        guard buffer.capacity <= maxRetainedCapacity else { return }
        buffer.clear()
        free.withLock { list in
            if list.count < maxIdle { list.append(buffer) }
        }
    }

    /// (takes, misses, idle) for monitoring.
    package var statistics: (takes: Int, misses: Int, idle: Int) {
        (takes.load(ordering: .relaxed), misses.load(ordering: .relaxed), free.withLock { $0.count })
    }
}
