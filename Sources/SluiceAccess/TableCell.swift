import Glibc
import Synchronization

/// The current `TokenTable`, for readers on any thread without a lock, a reference count or
/// an allocation per read; replaced by `publish` (a reload).
///
/// Each thread keeps, in thread-local storage, a strong reference to the table it last read
/// and that table's generation. A read compares it with the published generation (one load
/// of a word written only by reloads, so the cache line stays shared and clean) and uses its
/// own reference; only after a reload does a thread take the lock, once, to pick up the new
/// table. So no read writes memory another thread reads, and a table stays alive while any
/// thread may still be reading it: a replaced table is freed when the last thread that used
/// it has read again (or exited).
///
/// The cost of that: each thread holds one table until its next read; a cell dropped while
/// threads still cache its table (tests, not the service, which has one for its lifetime)
/// leaves those threads' small slots and tables behind.
final class TableCell: @unchecked Sendable {
    // Sendable: `published` and `generation` are synchronised; `key` is set once in init, and
    // the slots it names are each touched by their own thread only.
    private let published: Mutex<TokenTable>
    private let generation: Atomic<UInt64>
    private let key: pthread_key_t

    private struct CachedTable {
        var generation: UInt64
        var table: Unmanaged<TokenTable>?
    }

    init(_ table: TokenTable) {
        published = Mutex(table)
        generation = Atomic(table.generation)
        var key = pthread_key_t()
        // At thread exit: drop that thread's reference and free its slot.
        let status = pthread_key_create(&key) { raw in
            guard let raw else { return }
            let slot = raw.assumingMemoryBound(to: CachedTable.self)
            slot.pointee.table?.release()
            slot.deinitialize(count: 1)
            slot.deallocate()
        }
        precondition(status == 0, "pthread_key_create failed with \(status) (too many keys)")
        self.key = key
    }

    deinit {
        if let raw = pthread_getspecific(key) {
            let slot = raw.assumingMemoryBound(to: CachedTable.self)
            slot.pointee.table?.release()
            slot.deinitialize(count: 1)
            slot.deallocate()
        }
        pthread_key_delete(key)
    }

    /// Calls `body` with the current table (as of the last publish this thread has seen).
    @inline(__always)
    func withCurrent<R>(_ body: (TokenTable) -> R) -> R {
        let slot = cachedSlot()
        if slot.pointee.generation != generation.load(ordering: .acquiring) || slot.pointee.table == nil {
            refresh(slot)
        }
        // Safe: this thread's slot holds a strong reference until this thread refreshes it,
        // which cannot happen while `body` runs on it.
        return slot.pointee.table!._withUnsafeGuaranteedRef(body)
    }

    /// Replaces the table, with `make` given the current one, under the writers' lock.
    func publish(_ make: (TokenTable) -> TokenTable) -> TokenTable {
        let table = published.withLock { current in
            current = make(current)
            return current
        }
        generation.store(table.generation, ordering: .releasing)
        return table
    }

    /// The latest table, for rare readers (metrics, reloads).
    var latest: TokenTable { published.withLock { $0 } }

    private func cachedSlot() -> UnsafeMutablePointer<CachedTable> {
        if let raw = pthread_getspecific(key) { return raw.assumingMemoryBound(to: CachedTable.self) }
        let slot = UnsafeMutablePointer<CachedTable>.allocate(capacity: 1)
        slot.initialize(to: CachedTable(generation: 0, table: nil))
        let status = pthread_setspecific(key, slot)
        precondition(status == 0, "pthread_setspecific failed with \(status)")
        return slot
    }

    private func refresh(_ slot: UnsafeMutablePointer<CachedTable>) {
        let table = published.withLock { $0 }
        slot.pointee.table?.release()
        slot.pointee.table = Unmanaged.passRetained(table)
        slot.pointee.generation = table.generation
    }
}
