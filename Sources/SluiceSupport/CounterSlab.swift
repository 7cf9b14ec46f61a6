import Synchronization

/// A fixed number of atomic counters in one heap block, addressed by slot index.
///
/// The building block of every request-path metric here: a slot is found by arithmetic on
/// small integers (route, status, bucket), never by hashing a label set, and `add` is a single
/// relaxed atomic add with no lock, no allocation and no reference counting of a per-series object.
/// ```
/// let slab = CounterSlab(count: 4)
/// slab.add(1, at: 2)
/// slab.load(at: 2)  // 1
/// ```
/// An index outside `0..<count` traps.
package final class CounterSlab: Sendable {
    /// Number of slots.
    package let count: Int

    // nonisolated(unsafe): the pointer itself never changes after init; every access to the
    // memory it points at goes through Atomic, so sharing it between threads is race-free.
    nonisolated(unsafe) private let slots: UnsafeMutablePointer<Atomic<UInt64>>

    package init(count: Int) {
        precondition(count > 0, "CounterSlab needs at least one slot")
        self.count = count
        slots = .allocate(capacity: count)
        for index in 0..<count {
            // Safe: index < count, the capacity just allocated; each slot is initialised once.
            (slots + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        // Safe: exactly `count` slots were initialised in init.
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// Adds `amount` to a slot, wrapping on overflow (a counter that wraps after 2^64 events is
    /// not a concern, and wrapping avoids the overflow check on the hot path).
    @inline(__always)
    package func add(_ amount: UInt64, at index: Int) {
        precondition(index >= 0 && index < count, "CounterSlab index out of range")
        // Relaxed is enough: each slot is an independent total that no other memory access is
        // ordered against; readers only need an eventually up-to-date value for a scrape.
        slots[index].wrappingAdd(amount, ordering: .relaxed)
    }

    /// The current value of a slot.
    @inline(__always)
    package func load(at index: Int) -> UInt64 {
        precondition(index >= 0 && index < count, "CounterSlab index out of range")
        return slots[index].load(ordering: .relaxed)
    }

    /// The values of `range`, in order.
    package func load(_ range: Range<Int>) -> [UInt64] {
        range.map { load(at: $0) }
    }
}
