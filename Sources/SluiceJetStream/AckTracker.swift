/// Which messages of the batch being written have their PubAck, across the attempts at it, and
/// how the current attempt is going: the sink's bookkeeping, with no I/O.
///
/// ```
/// tracker.begin(base: 101, count: 500, keepingAcks: false)
/// tracker.beginAttempt(1)
/// tracker.published(index: 0, atNanoseconds: now)             // for each unacknowledged one
/// tracker.take(attempt: 1, sequence: 101, reply: .stored(isDuplicate: false), atNanoseconds: now)
/// tracker.isComplete                                           // every message acknowledged
/// ```
/// An ack counts for its message whichever attempt sent it (a late ack of an attempt that
/// timed out still proves the message stored); only the current attempt's replies settle its
/// outstanding count. Replies for sequences outside the batch (late acks of an earlier batch)
/// are ignored. The arrays keep their capacity between batches: no allocation per batch once
/// the largest batch has been seen.
struct AckTracker {
    /// What taking one reply changed, for the metrics.
    enum Taken: Equatable {
        /// A first ack of a message of the current attempt, `latencyNanoseconds` after its publish.
        case acknowledged(latencyNanoseconds: UInt64, isDuplicate: Bool)
        /// An ack that changed nothing the current attempt waits for (already acknowledged, or
        /// from an earlier attempt).
        case late(isDuplicate: Bool)
        case refused
        /// Not a reply to this batch.
        case ignored
    }

    private(set) var base: UInt64 = 0
    private(set) var count = 0
    private(set) var acknowledgedCount = 0
    /// Messages of the current attempt published and not yet answered.
    private(set) var outstanding = 0
    private(set) var attempt: UInt64 = 0
    /// Replies of the current attempt that were refusals or "no responders".
    private(set) var failures = 0
    /// The first failure of the current attempt, for the error message.
    private(set) var firstFailure: String?
    /// Whether a failure said the stream is not there (no responders, stream not found):
    /// the next attempt looks it up, and creates it, again.
    private(set) var isStreamMissing = false
    private var acknowledged: [Bool] = []
    private var publishedAt: [UInt64] = []

    /// JetStream's "stream not found".
    static let streamNotFoundCode = 10059

    var isComplete: Bool { acknowledgedCount == count }

    /// Whether message `index` already has its ack.
    func isAcknowledged(_ index: Int) -> Bool { acknowledged[index] }

    /// Starts tracking a batch of `count` messages numbered from `base`; `keepingAcks` when it
    /// is the retry of the batch tracked so far (same base and count), whose acks still hold.
    mutating func begin(base: UInt64, count: Int, keepingAcks: Bool) {
        let isSameBatch = keepingAcks && base == self.base && count == self.count
        self.base = base
        self.count = count
        if !isSameBatch {
            acknowledged.removeAll(keepingCapacity: true)
            acknowledged.append(contentsOf: repeatElement(false, count: count))
            acknowledgedCount = 0
        }
        if publishedAt.count != count {
            publishedAt.removeAll(keepingCapacity: true)
            publishedAt.append(contentsOf: repeatElement(0, count: count))
        }
        outstanding = 0
    }

    /// Starts attempt `attempt` (a number never used before for this sink).
    mutating func beginAttempt(_ attempt: UInt64) {
        self.attempt = attempt
        outstanding = 0
        failures = 0
        firstFailure = nil
        isStreamMissing = false
    }

    mutating func published(index: Int, atNanoseconds now: UInt64) {
        publishedAt[index] = now
        outstanding += 1
    }

    /// Takes the reply to the message with `sequence`, sent by attempt `replyAttempt`.
    mutating func take(attempt replyAttempt: UInt64, sequence: UInt64, reply: PubAckReply, atNanoseconds now: UInt64) -> Taken {
        guard sequence >= base, sequence - base < UInt64(count) else { return .ignored }
        let index = Int(sequence - base)
        let isCurrent = replyAttempt == attempt
        if isCurrent { outstanding = max(0, outstanding - 1) }
        switch reply {
        case .stored(let isDuplicate):
            guard !acknowledged[index] else { return .late(isDuplicate: isDuplicate) }
            acknowledged[index] = true
            acknowledgedCount += 1
            return isCurrent ? .acknowledged(latencyNanoseconds: now &- publishedAt[index], isDuplicate: isDuplicate) : .late(isDuplicate: isDuplicate)
        case .refused(let code, let description):
            guard isCurrent else { return .ignored }
            failures += 1
            if code == Self.streamNotFoundCode { isStreamMissing = true }
            if firstFailure == nil { firstFailure = "the server refused a message: \(description)" + (code.map { " (err_code \($0))" } ?? "") }
            return .refused
        }
    }

    /// Takes a "no responders" reply: nothing captures the subject (the stream is missing, or
    /// has no leader yet). The client does not say which message it answers; it is counted
    /// against the current attempt.
    mutating func takeNoResponders(subject: String) {
        outstanding = max(0, outstanding - 1)
        failures += 1
        isStreamMissing = true
        if firstFailure == nil { firstFailure = "no responders: no stream (or no stream leader) takes subject \(subject)" }
    }
}
