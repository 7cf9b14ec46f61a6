import Synchronization

/// One tenant of the auth file: its name, its quota's token bucket and its counters.
///
/// A tenant object lives as long as its name stays in the auth file: a reload that keeps the
/// name keeps the object, so the bucket's level and the counters carry over, and a changed
/// quota takes effect at once (`quota` is one atomic word). Everything a request touches here
/// belongs to this tenant alone: no lock or counter is shared with other tenants.
package final class Tenant: Sendable {
    /// `[a-z0-9_-]{1,64}`: safe between JSON quotes and as a Prometheus label value as it is.
    package let name: String
    // nonisolated(unsafe): written once in init, read-only afterwards, freed in deinit.
    nonisolated(unsafe) private let nameStorage: UnsafeMutableRawBufferPointer
    /// The quota as `itemsPerSecond << 32 | burstItems`; 0 when unlimited.
    private let quotaWord: Atomic<UInt64>
    private let bucket = TokenBucket()
    // Relaxed counters: each is an independent total, read only for /metrics.
    private let accepted = Atomic<UInt64>(0)
    private let throttled = Atomic<UInt64>(0)

    init(name: String, quota: Quota?) {
        self.name = name
        let bytes = Array(name.utf8)
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        nameStorage = storage
        quotaWord = Atomic(Self.word(quota))
    }

    deinit { nameStorage.deallocate() }

    /// The name's UTF-8 bytes, valid while the tenant lives; for rendering it without a String.
    package var nameBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(nameStorage) }

    /// nil: unlimited.
    package var quota: Quota? { Self.quota(quotaWord.load(ordering: .relaxed)) }

    func update(quota: Quota?) { quotaWord.store(Self.word(quota), ordering: .relaxed) }

    /// Takes `items` from the tenant's bucket, or tells how long until they are there.
    package func take(items: Int, nowNanoseconds: Int64) -> QuotaDecision {
        guard let quota else { return .granted }
        return bucket.take(items: items, quota: quota, nowNanoseconds: nowNanoseconds)
    }

    /// Puts back what `take` granted for a batch that was not admitted after all (a full
    /// buffer), so the tenant is not charged for it.
    package func giveBack(items: Int) {
        guard let quota else { return }
        bucket.giveBack(items: items, quota: quota)
    }

    /// Counts items of this tenant admitted to the buffer.
    package func recordAccepted(items: Int) {
        if items > 0 { accepted.wrappingAdd(UInt64(items), ordering: .relaxed) }
    }

    /// Counts one request refused with 429.
    package func recordThrottled() { throttled.wrappingAdd(1, ordering: .relaxed) }

    package var itemsAcceptedTotal: UInt64 { accepted.load(ordering: .relaxed) }
    package var throttledTotal: UInt64 { throttled.load(ordering: .relaxed) }

    private static func word(_ quota: Quota?) -> UInt64 {
        guard let quota else { return 0 }
        // Both are at most AuthFile.maxQuotaItems (< 2^30), so each fits its half.
        return UInt64(quota.itemsPerSecond) << 32 | UInt64(quota.burstItems)
    }

    private static func quota(_ word: UInt64) -> Quota? {
        word == 0 ? nil : Quota(itemsPerSecond: Int(word >> 32), burstItems: Int(word & 0xFFFF_FFFF))
    }
}
