/// Who sent a batch, when access control is on: the tenant named in each of its sink records,
/// and the quota the batch must fit before it enters the buffer.
///
/// The processor asks the quota once per batch, after parsing (it needs the number of valid
/// items) and before admission, so a throttled batch leaves nothing behind; when the buffer
/// then refuses the batch, the items go back to the quota.
///
///     processor.process(body, format: .json, receivedAtNanoseconds: now, sender: tenant, scratch: scratch)
public protocol BatchSender: Sendable {
    /// The tenant's name, 1...64 bytes needing no JSON escaping (`[a-z0-9_-]`), valid while the
    /// sender lives.
    var tenantName: UnsafeRawBufferPointer { get }
    /// Takes `items` (> 0) from the tenant's quota, or says why not.
    func takeQuota(items: Int) -> QuotaVerdict
    /// Returns `items` taken for a batch that was not admitted after all.
    func returnQuota(items: Int)
}

/// A quota's answer to one batch.
public enum QuotaVerdict: Equatable, Sendable {
    case granted
    /// Over the quota now; enough will be there after `retryAfterSeconds` (429).
    case throttled(retryAfterSeconds: Int)
    /// More items than the quota's burst: never accepted as one batch (413).
    case exceedsBurst(burstItems: Int)
}

/// The quota step both processors take between parsing and admission.
enum QuotaCheck {
    /// The outcome refusing a batch of `items` valid items, or nil when it may be admitted
    /// (its items are then taken from the quota).
    static func refusal(of sender: (any BatchSender)?, items: Int) -> BatchOutcome? {
        guard let sender else { return nil }
        switch sender.takeQuota(items: items) {
        case .granted: return nil
        case .throttled(let seconds): return .throttled(retryAfterSeconds: seconds)
        case .exceedsBurst(let burst): return .exceedsQuota(items: items, burstItems: burst)
        }
    }
}
