import SluiceCore

/// Gives every item a sequence number, unique in the process run, and the retry of a batch the
/// same numbers: the part of the message id that makes JetStream drop a republished duplicate.
///
/// ```
/// let (base, isRetry) = sequencer.assign(batch)   // items are base, base+1, ... in batch order
/// // publish; on failure:
/// sequencer.hold(batch, base: base)               // the flusher will offer the same batch again
/// // on success:
/// sequencer.release()
/// ```
/// The flusher retries exactly the batch that failed, before anything newer. A batch is
/// recognised as the held one when it is the same slabs, in the same order, each in the same
/// life (`ResultSlab.generation`, bumped by every reset) and holding as many items. The held
/// slabs are kept referenced, so none of them can be freed and another slab take its address
/// while it is held. A batch that is not the held one gets fresh numbers: its items are then
/// published under new ids, which can duplicate what an earlier attempt stored, never lose it.
struct BatchSequencer {
    private struct HeldBatch {
        var slabs: [ResultSlab]
        var generations: [UInt64]
        var counts: [Int]
        var base: UInt64
    }

    /// The next sequence to give out; starts at 1.
    private(set) var nextSequence: UInt64 = 1
    private var held: HeldBatch?

    /// The first sequence of `batch`'s items, and whether they are the held batch's.
    mutating func assign(_ batch: [ResultSlab]) -> (base: UInt64, isRetry: Bool) {
        if let held, Self.isSame(batch, as: held) { return (held.base, true) }
        held = nil
        let base = nextSequence
        nextSequence += UInt64(batch.itemCount)
        return (base, false)
    }

    /// Remembers `batch` (numbered from `base`) for its retry.
    mutating func hold(_ batch: [ResultSlab], base: UInt64) {
        held = HeldBatch(slabs: batch, generations: batch.map(\.generation), counts: batch.map(\.count), base: base)
    }

    /// Forgets the held batch (it was stored).
    mutating func release() { held = nil }

    private static func isSame(_ batch: [ResultSlab], as held: HeldBatch) -> Bool {
        guard batch.count == held.slabs.count else { return false }
        for index in batch.indices {
            let slab = batch[index]
            guard slab === held.slabs[index], slab.generation == held.generations[index], slab.count == held.counts[index] else {
                return false
            }
        }
        return true
    }
}
