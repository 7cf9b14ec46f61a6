import SluiceTestSupport
import Synchronization
import Testing
@testable import SluiceMetrics

@Suite struct AllocatorStatsTests {
    @Test(.disabled(if: BuildFlavor.isThreadSanitized, "ThreadSanitizer's allocator replaces glibc's: mallinfo2 sees an empty heap"))
    func current_ReportsAHeapInUse() {
        let heap = AllocatorStats.current()
        #expect(heap.inUseBytes > 0)
        #expect(heap.inUseBytes >= heap.mmappedBytes)
        #expect(heap.freeBytes >= heap.releasableBytes)
    }

    /// The test runner is an executable that defines CAllocCounter's malloc, and libswiftCore
    /// refers to malloc, so the linker exports it and the counter is bound.
    @Test(.disabled(if: BuildFlavor.isThreadSanitized, "ThreadSanitizer owns malloc: the interposer is compiled out"))
    func interposer_CountsAllocationsAndFrees() throws {
        try #require(AllocatorStats.current().isCountingAllocations, "CAllocCounter's malloc is not bound in this executable")
        let before = AllocatorStats.current()
        for size in [16, 1024, 100_000] {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            pointer.deallocate()
        }
        let after = AllocatorStats.current()
        #expect(after.allocations >= before.allocations + 3)
        #expect(after.frees >= before.frees + 3)
        #expect(after.allocatedBytes >= before.allocatedBytes + 101_040)
    }

    @Test func trimmer_CountsEveryTrimAndTheReleasingOnes() {
        let results = Mutex([true, false, true])
        let trimmer = HeapTrimmer { results.withLock { $0.removeFirst() } }
        #expect(trimmer.trim())
        #expect(!trimmer.trim())
        #expect(trimmer.trim())
        #expect(trimmer.trimsTotal == 3)
        #expect(trimmer.releasingTrimsTotal == 2)
    }

    @Test func realTrim_Runs() {
        let trimmer = HeapTrimmer()
        trimmer.trim()
        #expect(trimmer.trimsTotal == 1)
    }
}
