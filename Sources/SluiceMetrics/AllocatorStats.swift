import CAllocCounter
import CMallocInfo
import Glibc

/// The heap as glibc's allocator sees it, plus the process-wide allocation totals counted by
/// the CAllocCounter interposer: the Swift counterpart of Go's `runtime.MemStats`.
///
/// ```
/// let heap = AllocatorStats.current()
/// heap.inUseBytes          // sluice_heap_inuse_bytes
/// heap.allocations         // sluice_heap_allocations_total (0 unless isCountingAllocations)
/// ```
/// `mallinfo2` walks every arena's free lists under that arena's lock, so a read costs more
/// with a fragmented heap and briefly delays threads allocating from the arena being walked:
/// read it from the sampler, never per request.
package struct AllocatorStats: Sendable, Equatable {
    /// Bytes in allocated chunks: `uordblks` (main and thread arenas) + `hblkhd` (mmapped chunks).
    package var inUseBytes: UInt64
    /// Bytes in free chunks the allocator keeps for reuse (`fordblks`).
    package var freeBytes: UInt64
    /// Of `freeBytes`, what `malloc_trim` could release from the top of the main heap (`keepcost`).
    package var releasableBytes: UInt64
    /// Bytes in mmapped chunks (`hblkhd`), included in `inUseBytes`.
    package var mmappedBytes: UInt64
    /// Successful allocation calls since start (malloc, calloc, realloc that allocated, aligned).
    package var allocations: UInt64
    /// `free` of a non-NULL pointer and `realloc(p, 0)` since start.
    package var frees: UInt64
    /// Bytes requested by those allocations.
    package var allocatedBytes: UInt64
    /// True when the interposer sees every allocation; false (and the three totals 0) when the
    /// executable did not export its malloc, so glibc's is called directly.
    package var isCountingAllocations: Bool

    package init(inUseBytes: UInt64, freeBytes: UInt64, releasableBytes: UInt64, mmappedBytes: UInt64, allocations: UInt64, frees: UInt64, allocatedBytes: UInt64, isCountingAllocations: Bool) {
        self.inUseBytes = inUseBytes
        self.freeBytes = freeBytes
        self.releasableBytes = releasableBytes
        self.mmappedBytes = mmappedBytes
        self.allocations = allocations
        self.frees = frees
        self.allocatedBytes = allocatedBytes
        self.isCountingAllocations = isCountingAllocations
    }

    /// Reads glibc's statistics and the interposer's totals now.
    package static func current() -> AllocatorStats {
        let info = mallinfo2()
        let totals = sluice_alloc_read()
        return AllocatorStats(
            inUseBytes: UInt64(info.uordblks) &+ UInt64(info.hblkhd),
            freeBytes: UInt64(info.fordblks),
            releasableBytes: UInt64(info.keepcost),
            mmappedBytes: UInt64(info.hblkhd),
            allocations: totals.allocations,
            frees: totals.frees,
            allocatedBytes: totals.allocated_bytes,
            isCountingAllocations: isInterposerActive)
    }

    /// Whether the interposer is bound: fixed once the process has started, so asked once
    /// (the check calls `dlsym`).
    static let isInterposerActive = sluice_alloc_is_active() != 0
}
