import Testing

@testable import SluiceCore

@Suite struct ObjectPoolTests {
    private func makePool(capacity: Int, maxIdleBytes: Int = .max, prewarm: Int = 0) -> ObjectPool<ResultSlab> {
        ObjectPool(capacity: capacity, maxIdleBytes: maxIdleBytes, prewarm: prewarm) { ResultSlab(limits: Self.limits) }
    }

    private static let limits = ResultSlab.Limits(initialBytes: 1024, maxRetainedBytes: 64 << 10, initialResults: 8)
    private static let freshBytes = 1024 + 8 * MemoryLayout<ProcessResult>.stride

    private func take(_ count: Int, from pool: ObjectPool<ResultSlab>) -> [ResultSlab] {
        (0..<count).map { _ in pool.take() }
    }

    private func fill(_ slab: ResultSlab, items: Int = 1) {
        slab.begin(receivedAtNanoseconds: 1)
        for index in 0..<items { slab.append(id: "id\(index)".utf8, data: "{}".utf8, metadata: String?.none?.utf8) }
    }

    @Test func take_FromEmptyPool_MakesFreshObjectsAndCountsMisses() {
        let pool = makePool(capacity: 8)
        let taken = take(5, from: pool)
        #expect(Set(taken.map(ObjectIdentifier.init)).count == 5)
        #expect(pool.statistics == .init(gets: 5, hits: 0, misses: 5, drops: 0, corrupted: 0, idle: 0, idleBytes: 0, released: 0))
    }

    @Test func give_ThenTake_ReusesTheSameObjectsResetAndCountsHits() {
        let pool = makePool(capacity: 8)
        var batch = take(3, from: pool)
        for slab in batch { fill(slab, items: 3) }
        let identities = Set(batch.map(ObjectIdentifier.init))
        let capacity = batch.capacity
        pool.give(&batch)
        #expect(batch.isEmpty)
        #expect(batch.capacity == capacity)
        #expect(pool.idleCount == 3)
        #expect(pool.statistics.idleBytes == 3 * Self.freshBytes)
        let again = take(3, from: pool)
        #expect(Set(again.map(ObjectIdentifier.init)) == identities)
        #expect(again.allSatisfy { $0.isValid && $0.isEmpty })
        #expect(pool.statistics == .init(gets: 6, hits: 3, misses: 3, drops: 0, corrupted: 0, idle: 0, idleBytes: 0, released: 0))
    }

    @Test func give_BeyondCapacity_KeepsCapacityAndDropsTheRest() {
        let pool = makePool(capacity: 4)
        var batch = take(10, from: pool)
        pool.give(&batch)
        #expect(pool.idleCount == 4)
        #expect(pool.statistics.drops == 6)
        pool.give(ResultSlab())
        #expect(pool.statistics.drops == 7)
        #expect(pool.idleCount == 4)
    }

    @Test func give_BeyondTheByteBound_DropsWhatDoesNotFit() {
        let pool = makePool(capacity: 100, maxIdleBytes: 3 * Self.freshBytes + 10)
        var batch = take(5, from: pool)
        // A slab that grew keeps its bigger arena (under its own retention limit): it counts more.
        fill(batch[0], items: 200)
        let grown = batch[0].retainedBytes
        #expect(grown > Self.freshBytes)
        pool.give(&batch)
        #expect(pool.statistics.idleBytes <= 3 * Self.freshBytes + 10)
        #expect(pool.idleCount + pool.statistics.drops == 5)
        #expect(pool.statistics.drops >= 2)
        #if DEBUG
        pool._checkInvariants()
        #endif
    }

    @Test func take_ReplacesAnObjectWrittenAfterItsReturn_AndCountsItCorrupted() {
        let pool = makePool(capacity: 4)
        let slab = pool.take()
        pool.give(slab)
        // A former owner breaks the one-owner rule and writes after giving it back.
        fill(slab)
        let next = pool.take()
        #expect(next !== slab)
        #expect(next.isValid)
        #expect(pool.statistics.corrupted == 1)
        #expect(pool.statistics.idleBytes == 0)
    }

    @Test func prewarm_FillsThePoolSoFirstTakesHit() {
        let pool = makePool(capacity: 16, prewarm: 16)
        #expect(pool.idleCount == 16)
        _ = take(16, from: pool)
        #expect(pool.statistics.misses == 0)
        #expect(pool.statistics.hits == 16)
    }

    @Test func prewarm_StopsAtTheByteBound() {
        let pool = makePool(capacity: 16, maxIdleBytes: 5 * Self.freshBytes, prewarm: 16)
        #expect(pool.idleCount == 5)
    }

    @Test func concurrentTakesAndGives_KeepCountersConsistentAndPoolBounded() {
        let pool = makePool(capacity: 64, maxIdleBytes: 40 * Self.freshBytes)
        runOnThreads(8) { _ in
            var batch: [ResultSlab] = []
            batch.reserveCapacity(16)
            for round in 0..<500 {
                for _ in 0..<(1 + round % 16) {
                    let slab = pool.take()
                    slab.begin(receivedAtNanoseconds: 1)
                    slab.append(id: "x".utf8, data: "{}".utf8, metadata: String?.none?.utf8)
                    batch.append(slab)
                }
                pool.give(&batch)
            }
        }
        let stats = pool.statistics
        #expect(stats.gets == stats.hits + stats.misses)
        #expect(stats.corrupted == 0)
        #expect(stats.idle <= 64)
        #expect(stats.idleBytes <= 40 * Self.freshBytes)
        #if DEBUG
        pool._checkInvariants()
        #endif
    }

    // MARK: Following the load

    private func makePool(capacity: Int, minimumIdle: Int) -> ObjectPool<ResultSlab> {
        ObjectPool(capacity: capacity, minimumIdle: minimumIdle) { ResultSlab(limits: Self.limits) }
    }

    /// A peak of 10, then a window using 3, then a quiet window: the idle set follows the
    /// window's working set down, and the objects kept are the ones the load just used.
    @Test func releaseUnused_FreesWhatTheWindowDidNotUse_KeepingTheRecentlyUsed() {
        let pool = makePool(capacity: 64, minimumIdle: 0)
        var peak = take(10, from: pool)
        pool.give(&peak)
        #expect(pool.releaseUnused() == 0, "the peak's window used all ten")
        #expect(pool.idleCount == 10)

        var used = take(3, from: pool)
        let usedIdentities = Set(used.map(ObjectIdentifier.init))
        pool.give(&used)
        #expect(pool.releaseUnused() == 7 * Self.freshBytes)
        #expect(pool.idleCount == 3)
        let kept = take(3, from: pool)
        #expect(Set(kept.map(ObjectIdentifier.init)) == usedIdentities, "the oldest idle objects went")
        var back = kept
        pool.give(&back)

        _ = pool.releaseUnused()   // the window above took all three
        #expect(pool.releaseUnused() == 3 * Self.freshBytes, "a quiet window frees the rest")
        #expect(pool.idleCount == 0)
        #expect(pool.statistics.idleBytes == 0)
        #expect(pool.statistics.released == 10)
        #if DEBUG
        pool._checkInvariants()
        #endif
    }

    @Test func afterShrinking_ThePoolGrowsBackWithTheLoad() {
        let pool = makePool(capacity: 64, minimumIdle: 0)
        var first = take(8, from: pool)
        pool.give(&first)
        _ = pool.releaseUnused()
        _ = pool.releaseUnused()
        #expect(pool.idleCount == 0)
        var burst = take(20, from: pool)
        #expect(pool.statistics.misses == 28)
        pool.give(&burst)
        #expect(pool.idleCount == 20, "a bigger peak is kept in full")
        _ = take(20, from: pool)
        #expect(pool.statistics.hits == 20)
    }

    @Test func releaseUnused_KeepsMinimumIdle_AndShrinksThemAfterAQuietWindow() {
        let pool = makePool(capacity: 64, minimumIdle: 2)
        var slabs = take(5, from: pool)
        for slab in slabs { fill(slab, items: 200) }
        let grown = slabs[0].retainedBytes
        #expect(grown > Self.freshBytes)
        pool.give(&slabs)
        #expect(pool.releaseUnused() == 0, "this window took all five")
        // A quiet window: three go whole, the two kept give back their grown storage.
        #expect(pool.releaseUnused() == 3 * grown + 2 * (grown - Self.freshBytes))
        #expect(pool.idleCount == 2)
        #expect(pool.statistics.idleBytes == 2 * Self.freshBytes)
        #if DEBUG
        pool._checkInvariants()
        #endif
    }

    @Test func releaseIdle_FreesAllButMinimumIdle_AndShrinksTheKeptOnes() {
        let pool = makePool(capacity: 64, minimumIdle: 2)
        var slabs = take(6, from: pool)
        for slab in slabs { fill(slab, items: 200) }
        let grown = slabs[0].retainedBytes
        pool.give(&slabs)
        #expect(pool.releaseIdle() == 4 * grown + 2 * (grown - Self.freshBytes))
        #expect(pool.idleCount == 2)
        #expect(pool.statistics.idleBytes == 2 * Self.freshBytes)
        #expect(pool.releaseIdle() == 0)
        let again = take(2, from: pool)
        #expect(again.allSatisfy { $0.isValid && $0.retainedBytes == Self.freshBytes })
        #if DEBUG
        pool._checkInvariants()
        #endif
    }

    #if DEBUG
    @Test func invariants_HoldAfterMixedTakesGivesAndDrops() {
        let pool = makePool(capacity: 5, prewarm: 3)
        var batch = take(4, from: pool)
        pool._checkInvariants()
        batch.append(ResultSlab(limits: Self.limits))
        batch.append(ResultSlab(limits: Self.limits))
        pool.give(&batch)
        pool._checkInvariants()
        #expect(pool.idleCount == 5)
    }

    @Test func give_SameObjectTwice_TrapsInDebug() async {
        await #expect(processExitsWith: .failure) {
            let pool = ObjectPool<ResultSlab>(capacity: 4) { ResultSlab() }
            let slab = pool.take()
            pool.give(slab)
            pool.give(slab)
        }
    }
    #endif
}
