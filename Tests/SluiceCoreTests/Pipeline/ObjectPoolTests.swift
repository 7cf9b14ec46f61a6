import Testing

@testable import SluiceCore

@Suite struct ObjectPoolTests {
    private func makePool(capacity: Int, prewarm: Int = 0) -> ObjectPool<ProcessResult> {
        ObjectPool(capacity: capacity, prewarm: prewarm) { ProcessResult() }
    }

    @Test func take_FromEmptyPool_MakesFreshObjectsAndCountsMisses() {
        let pool = makePool(capacity: 8)
        var taken: [ProcessResult] = []
        pool.take(5, into: &taken)
        #expect(taken.count == 5)
        #expect(Set(taken.map(ObjectIdentifier.init)).count == 5)
        #expect(pool.statistics == .init(gets: 5, hits: 0, misses: 5, drops: 0, corrupted: 0, idle: 0))
    }

    @Test func give_ThenTake_ReusesTheSameObjectsResetAndCountsHits() {
        let pool = makePool(capacity: 8)
        var batch: [ProcessResult] = []
        pool.take(3, into: &batch)
        for (i, result) in batch.enumerated() { result.fill(id: "id\(i)".utf8, data: "{}".utf8, receivedAtNanoseconds: 1) }
        let identities = Set(batch.map(ObjectIdentifier.init))
        let capacity = batch.capacity
        pool.give(&batch)
        #expect(batch.isEmpty)
        #expect(batch.capacity == capacity)
        #expect(pool.idleCount == 3)
        pool.take(3, into: &batch)
        #expect(Set(batch.map(ObjectIdentifier.init)) == identities)
        #expect(batch.allSatisfy { $0.isValid && $0.byteCount == 0 })
        #expect(pool.statistics == .init(gets: 6, hits: 3, misses: 3, drops: 0, corrupted: 0, idle: 0))
    }

    @Test func take_MoreThanIdle_MixesHitsAndMisses_AppendingAfterExistingElements() {
        let pool = makePool(capacity: 8, prewarm: 2)
        let existing = ProcessResult()
        var batch = [existing]
        pool.take(5, into: &batch)
        #expect(batch.count == 6)
        #expect(batch[0] === existing)
        #expect(pool.statistics.hits == 2)
        #expect(pool.statistics.misses == 3)
    }

    @Test func give_BeyondCapacity_KeepsCapacityAndDropsTheRest() {
        let pool = makePool(capacity: 4)
        var batch: [ProcessResult] = []
        pool.take(10, into: &batch)
        pool.give(&batch)
        #expect(pool.idleCount == 4)
        #expect(pool.statistics.drops == 6)
        pool.give(ProcessResult())
        #expect(pool.statistics.drops == 7)
        #expect(pool.idleCount == 4)
    }

    @Test func take_ReplacesAnObjectWrittenAfterItsReturn_AndCountsItCorrupted() {
        let pool = makePool(capacity: 4)
        let result = pool.take()
        pool.give(result)
        // A former owner breaks the one-owner rule and writes after giving it back.
        result.fill(id: "late".utf8, data: "{}".utf8, receivedAtNanoseconds: 1)
        let next = pool.take()
        #expect(next !== result)
        #expect(next.isValid)
        #expect(pool.statistics.corrupted == 1)

        pool.give(next)
        next.fill(id: "late".utf8, data: "{}".utf8, receivedAtNanoseconds: 1)
        var batch: [ProcessResult] = []
        pool.take(1, into: &batch)
        #expect(batch[0] !== next && batch[0].isValid)
        #expect(pool.statistics.corrupted == 2)
    }

    @Test func prewarm_FillsThePoolSoFirstTakesHit() {
        let pool = makePool(capacity: 16, prewarm: 16)
        #expect(pool.idleCount == 16)
        var batch: [ProcessResult] = []
        pool.take(16, into: &batch)
        #expect(pool.statistics.misses == 0)
        #expect(pool.statistics.hits == 16)
    }

    @Test func concurrentTakesAndGives_KeepCountersConsistentAndPoolBounded() {
        let pool = makePool(capacity: 64)
        runOnThreads(8) { _ in
            var batch: [ProcessResult] = []
            batch.reserveCapacity(16)
            for round in 0..<500 {
                pool.take(1 + round % 16, into: &batch)
                for result in batch { result.fill(id: "x".utf8, data: "{}".utf8, receivedAtNanoseconds: 1) }
                pool.give(&batch)
            }
        }
        let stats = pool.statistics
        #expect(stats.gets == stats.hits + stats.misses)
        #expect(stats.corrupted == 0)
        #expect(stats.idle <= 64)
        #if DEBUG
        pool._checkInvariants()
        #endif
    }

    #if DEBUG
    @Test func invariants_HoldAfterMixedTakesGivesAndDrops() {
        let pool = makePool(capacity: 5, prewarm: 3)
        var batch: [ProcessResult] = []
        pool.take(4, into: &batch)
        pool._checkInvariants()
        batch.append(ProcessResult())
        batch.append(ProcessResult())
        pool.give(&batch)
        pool._checkInvariants()
        #expect(pool.idleCount == 5)
    }

    @Test func give_SameObjectTwice_TrapsInDebug() async {
        await #expect(processExitsWith: .failure) {
            let pool = ObjectPool<ProcessResult>(capacity: 4) { ProcessResult() }
            let result = pool.take()
            pool.give(result)
            pool.give(result)
        }
    }
    #endif
}
