import Testing

@testable import SluiceHTTP

@Suite struct ByteBufferPoolTests {
    @Test func largeBodies_ReuseALargeIdleBuffer_InsteadOfGrowingOneEachTime() {
        let pool = ByteBufferPool(initialCapacity: 1024, maxRetainedCapacity: 1 << 20, maxIdle: 8, maxIdleBytes: 4 << 20)
        // First large body: nothing idle is big enough, so the buffer grows (a miss).
        var buffer = pool.take()
        buffer.write(string: "head")
        buffer = pool.reserveWritable(200_000, in: buffer)
        #expect(buffer.writableBytes >= 200_000)
        #expect(pool.statistics.misses == 2)
        let grown = ObjectIdentifier(buffer)
        pool.give(buffer)
        #expect(pool.statistics.idleBytes == buffer.capacity)

        // A small buffer taken first, then a large body on it: the large idle buffer is swapped
        // in with the unread bytes copied, and the small one goes back to the pool.
        let small = ByteBuffer(capacity: 1024)
        small.write(string: "second head")
        let swapped = pool.reserveWritable(150_000, in: small)
        #expect(ObjectIdentifier(swapped) == grown)
        #expect(Array(swapped.readableView) == Array("second head".utf8))
        #expect(pool.statistics.misses == 2, "no new allocation for the second large body")
        #expect(pool.statistics.idle == 1 && pool.statistics.idleBytes == 1024)
    }

    @Test func idleBuffers_AreBoundedByCountBytesAndSize() {
        let pool = ByteBufferPool(initialCapacity: 1024, maxRetainedCapacity: 64 << 10, maxIdle: 3, maxIdleBytes: 100 << 10)
        let tooLarge = ByteBuffer(capacity: 128 << 10)
        pool.give(tooLarge)
        #expect(pool.statistics.idle == 0, "a buffer above the retained size is freed")
        for _ in 0..<2 { pool.give(ByteBuffer(capacity: 48 << 10)) }
        pool.give(ByteBuffer(capacity: 48 << 10))
        #expect(pool.statistics.idle == 2, "the third would pass the byte bound")
        for _ in 0..<3 { pool.give(ByteBuffer(capacity: 1024)) }
        #expect(pool.statistics.idle == 3, "the count bound")
        #expect(pool.statistics.idleBytes == 2 * (48 << 10) + 1024)
        #expect(pool.releaseIdle() == 2 * (48 << 10) + 1024)
        #expect(pool.statistics.idle == 0 && pool.statistics.idleBytes == 0)
    }

    /// A window that used two of five idle buffers, then a quiet one: the pool keeps the two
    /// the load used, then none.
    @Test func releaseUnused_FreesTheBuffersTheWindowDidNotTake() {
        let pool = ByteBufferPool(initialCapacity: 1024, maxRetainedCapacity: 64 << 10, maxIdle: 16, maxIdleBytes: 1 << 20)
        for _ in 0..<5 { pool.give(ByteBuffer(capacity: 1024)) }
        #expect(pool.releaseUnused() == 0, "the first window's low-water mark was an empty pool")
        let taken = [pool.take(), pool.take()]
        for buffer in taken { pool.give(buffer) }
        #expect(pool.releaseUnused() == 3 * 1024)
        #expect(pool.statistics.idle == 2 && pool.statistics.idleBytes == 2 * 1024)
        let again = [pool.take(), pool.take()]
        #expect(Set(again.map(ObjectIdentifier.init)) == Set(taken.map(ObjectIdentifier.init)), "the recently used ones stayed")
        for buffer in again { pool.give(buffer) }
        _ = pool.releaseUnused()
        #expect(pool.releaseUnused() == 2 * 1024, "a quiet window frees the rest")
        #expect(pool.statistics.idle == 0 && pool.statistics.idleBytes == 0)
    }

    @Test func releaseUnused_CountsABufferSwappedInForALargeBodyAsUsed() {
        let pool = ByteBufferPool(initialCapacity: 1024, maxRetainedCapacity: 1 << 20, maxIdle: 16, maxIdleBytes: 4 << 20)
        pool.give(ByteBuffer(capacity: 256 << 10))
        for _ in 0..<3 { pool.give(ByteBuffer(capacity: 1024)) }
        _ = pool.releaseUnused()
        // The large buffer sits at the bottom of the free list; reserveWritable takes it from there.
        let small = ByteBuffer(capacity: 1024)
        let large = pool.reserveWritable(200_000, in: small)
        #expect(large.capacity == 256 << 10)
        pool.give(large)
        // The low-water mark drops to the taken slot (0): the buffers above it moved down, so the
        // window counts them as used (conservative: nothing the load needed is freed).
        #expect(pool.releaseUnused() == 0)
        #expect(pool.statistics.idle == 5)
    }
}
