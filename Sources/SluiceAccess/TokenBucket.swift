import Synchronization

/// What a tenant's quota says about a batch.
package enum QuotaDecision: Equatable, Sendable {
    /// The items were taken from the bucket.
    case granted
    /// Not enough in the bucket: it holds enough for this batch after `retryAfterNanoseconds`.
    case throttled(retryAfterNanoseconds: Int64)
    /// The batch is larger than the bucket can ever hold (its burst): no wait helps.
    case exceedsBurst(burstItems: Int)

    /// `Retry-After` seconds for a throttled batch: the refill time rounded up, at least 1.
    package static func retryAfterSeconds(nanoseconds: Int64) -> Int {
        Int(max(1, (nanoseconds + 999_999_999) / 1_000_000_000))
    }
}

/// A token bucket in one atomic word, as the generic cell rate algorithm (GCRA, ITU-T I.371)
/// keeps it: instead of a level and a refill time it stores the *theoretical arrival time*, the
/// moment the bucket would be full again if nothing more were taken. Taking n items moves that
/// moment n / rate later; the bucket overflows when it would lie more than burst / rate ahead of
/// now. Equivalent to a bucket of `burstItems` refilled at `itemsPerSecond`, and it needs no
/// lock: one compare-and-swap per batch, on a word only this tenant's requests touch.
///
///     let decision = bucket.take(items: 100, quota: Quota(itemsPerSecond: 1000, burstItems: 2000), nowNanoseconds: now)
///
/// Times are monotonic nanoseconds. A fresh bucket is full.
final class TokenBucket: Sendable {
    /// The theoretical arrival time; 0 (long past) means full.
    private let fullAt = Atomic<Int64>(0)

    /// The time `items` items take to refill, rounded up.
    static func refillNanoseconds(items: Int, quota: Quota) -> Int64 {
        // items <= burst <= 1e9 and rate >= 1, so items * 1e9 <= 1e18 < Int64.max.
        (Int64(items) * 1_000_000_000 + Int64(quota.itemsPerSecond) - 1) / Int64(quota.itemsPerSecond)
    }

    func take(items: Int, quota: Quota, nowNanoseconds now: Int64) -> QuotaDecision {
        guard items <= quota.burstItems else { return .exceedsBurst(burstItems: quota.burstItems) }
        guard items > 0 else { return .granted }
        let cost = Self.refillNanoseconds(items: items, quota: quota)
        // Same rounding as `cost`, so a full bucket grants exactly `burstItems`.
        let depth = Self.refillNanoseconds(items: quota.burstItems, quota: quota)
        var current = fullAt.load(ordering: .relaxed)
        while true {
            let next = max(current, now) + cost
            let excess = next - now - depth
            if excess > 0 { return .throttled(retryAfterNanoseconds: excess) }
            // Relaxed: the word is the whole state; nothing else is published through it.
            let (exchanged, seen) = fullAt.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return .granted }
            current = seen
        }
    }

    /// Undoes a granted `take` of `items`.
    func giveBack(items: Int, quota: Quota) {
        guard items > 0, items <= quota.burstItems else { return }
        fullAt.wrappingSubtract(Self.refillNanoseconds(items: items, quota: quota), ordering: .relaxed)
    }
}
