/// One version of the auth file as requests read it: an open-addressing hash table from token
/// digest to tenant, and the tenants. Immutable once built; a reload builds a new one.
///
/// Lookup hashes nothing more (a SHA-256 digest is uniform, its first word picks the slot),
/// probes linearly, and compares each digest it meets in constant time. Which slot a digest
/// lands in depends only on the digest, which an attacker cannot steer towards a stored one
/// without a preimage, so the probe count reveals nothing about stored tokens.
///
/// Storage is two heap blocks owned by the table, read through pointers: a lookup touches
/// no reference count (an Array property would retain its buffer, a count every request of
/// every tenant would share).
final class TokenTable: Sendable {
    private struct Slot {
        var digest: SHA256.Digest
        /// Index into `tenants`; -1 for an empty slot.
        var tenant: Int32
    }

    /// Numbers the tables of one `AccessControl`, so a lookup made in one can be told apart.
    let generation: UInt64
    /// Distinct tenants, in file order.
    let tenantCount: Int
    // nonisolated(unsafe): both blocks are filled in init and only read afterwards.
    nonisolated(unsafe) private let tenantStorage: UnsafeMutablePointer<Tenant>
    nonisolated(unsafe) private let slots: UnsafeMutablePointer<Slot>
    private let slotMask: Int

    /// Builds the table of `file`; a tenant whose name is in `previous` is that same object
    /// (bucket and counters carry over) with its quota updated.
    init(file: AuthFile, reusing previous: TokenTable?, generation: UInt64) {
        self.generation = generation
        var byName: [String: Tenant] = [:]
        if let previous {
            for index in 0..<previous.tenantCount { byName[previous.tenant(at: index).name] = previous.tenant(at: index) }
        }
        var tenants: [Tenant] = []
        var indexOfName: [String: Int32] = [:]
        for entry in file.entries where indexOfName[entry.tenant] == nil {
            let tenant: Tenant
            if let kept = byName[entry.tenant] {
                kept.update(quota: entry.quota)
                tenant = kept
            } else {
                tenant = Tenant(name: entry.tenant, quota: entry.quota)
            }
            indexOfName[entry.tenant] = Int32(tenants.count)
            tenants.append(tenant)
        }
        tenantCount = tenants.count
        tenantStorage = .allocate(capacity: tenants.count)
        tenantStorage.initialize(from: tenants, count: tenants.count)
        // At most half full, so probe runs stay short.
        var capacity = 8
        while capacity < file.entries.count * 2 { capacity <<= 1 }
        slotMask = capacity - 1
        slots = .allocate(capacity: capacity)
        let empty = Slot(digest: SHA256.Digest(words: (0, 0, 0, 0, 0, 0, 0, 0)), tenant: -1)
        slots.initialize(repeating: empty, count: capacity)
        for entry in file.entries {
            var index = Int(truncatingIfNeeded: entry.digest.tableKey) & slotMask
            // Safe: fewer entries than slots, so an empty slot is always found.
            while slots[index].tenant >= 0 { index = (index + 1) & slotMask }
            slots[index] = Slot(digest: entry.digest, tenant: indexOfName[entry.tenant]!)
        }
    }

    deinit {
        tenantStorage.deinitialize(count: tenantCount)
        tenantStorage.deallocate()
        slots.deinitialize(count: slotMask + 1)
        slots.deallocate()
    }

    /// The index of the tenant whose token has `digest`, or nil.
    func tenantIndex(for digest: SHA256.Digest) -> Int? {
        var index = Int(truncatingIfNeeded: digest.tableKey) & slotMask
        var found: Int32 = -1
        // Bounded: the table is at most half full, so an empty slot ends every probe run.
        while true {
            // Safe: index is masked into 0..<capacity.
            let slot = slots[index]
            if slot.tenant < 0 { break }
            // Every occupied slot of the run is compared in full (constant time per digest),
            // and the run is walked to its end, so a match's position does not show either.
            if slot.digest == digest { found = slot.tenant }
            index = (index + 1) & slotMask
        }
        return found >= 0 ? Int(found) : nil
    }

    /// The tenant at `index` (0..<tenantCount).
    func tenant(at index: Int) -> Tenant {
        precondition(index >= 0 && index < tenantCount, "TokenTable tenant index out of range")
        return tenantStorage[index]
    }
}
