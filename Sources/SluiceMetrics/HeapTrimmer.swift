import CMallocInfo
import Glibc
import Synchronization

/// Gives free heap memory back to the kernel with `malloc_trim(0)` and counts the calls
/// (`sluice_malloc_trims_total`): the counterpart of a forced garbage collection in Go.
///
/// ```
/// let trimmer = HeapTrimmer()
/// trimmer.trim()          // true when glibc released memory
/// trimmer.trimsTotal      // 1
/// ```
/// A trim walks every arena under its lock; on a large fragmented heap it can take
/// milliseconds and stall allocating threads meanwhile, so it runs off the request path, when
/// the memory guard or the idle policy asks for it.
package final class HeapTrimmer: Sendable {
    private let release: @Sendable () -> Bool
    // Relaxed is enough: independent totals, read only for reporting.
    private let trims = Atomic<UInt64>(0)
    private let releases = Atomic<UInt64>(0)

    /// The real trimmer.
    package convenience init() {
        self.init { malloc_trim(0) != 0 }
    }

    /// A trimmer that calls `release` instead of `malloc_trim(0)` (tests count calls with it).
    package init(release: @escaping @Sendable () -> Bool) {
        self.release = release
    }

    /// Trims now; returns whether memory was released.
    @discardableResult
    package func trim() -> Bool {
        let released = release()
        trims.wrappingAdd(1, ordering: .relaxed)
        if released { releases.wrappingAdd(1, ordering: .relaxed) }
        return released
    }

    /// Trims performed so far.
    package var trimsTotal: UInt64 { trims.load(ordering: .relaxed) }
    /// Trims that released memory.
    package var releasingTrimsTotal: UInt64 { releases.load(ordering: .relaxed) }
}
