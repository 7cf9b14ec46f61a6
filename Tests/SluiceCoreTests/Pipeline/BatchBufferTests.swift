import Testing

@testable import SluiceCore

@Suite struct BatchBufferTests {
    /// One slab of `count` items whose data has exactly `dataBytes` bytes.
    private func batch(_ count: Int, prefix: String = "i", dataBytes: Int = 2) -> ResultSlab {
        // data of exactly `dataBytes` bytes: {} padded with spaces inside.
        let data = "{" + String(repeating: " ", count: max(0, dataBytes - 2)) + "}"
        return makeSlab((0..<count).map { "\(prefix)\($0)" }, data: data)
    }

    @Test func admit_TakesTheWholeSlab_CountingItsItemsAndTheMemoryItHolds() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 100_000, flushThresholdItems: 50))
        let slab = batch(10)
        #expect(buffer.admit(slab) == .admitted(isFlushDue: false, sequence: 1))
        #expect(buffer.itemCount == 10)
        #expect(buffer.byteCount == slab.retainedBytes, "the bound counts reserved memory, not only the records")
        #expect(slab.retainedBytes >= slab.byteCount)
    }

    @Test func admit_OverTheItemBound_RejectsTheWholeBatch() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 15, maxBytes: 1 << 20, flushThresholdItems: 15))
        _ = buffer.admit(batch(10))
        guard case .full = buffer.admit(batch(6, prefix: "s")) else {
            Issue.record("expected .full")
            return
        }
        #expect(buffer.itemCount == 10)
        #expect(buffer.admit(batch(5, prefix: "f")) == .admitted(isFlushDue: true, sequence: 2), "a refused batch takes no number")
        #expect(buffer.itemCount == 15)
    }

    @Test func admit_OverTheByteBound_RejectsTheWholeBatch() {
        let first = batch(4, dataBytes: 200), large = batch(1, prefix: "j", dataBytes: 2000), small = batch(1, prefix: "k")
        #expect(large.retainedBytes > small.retainedBytes + 1000)
        let buffer = BatchBuffer(configuration: .init(
            maxItems: 1000, maxBytes: first.retainedBytes + small.retainedBytes, flushThresholdItems: 1000))
        #expect(buffer.admit(first) == .admitted(isFlushDue: false, sequence: 1))
        guard case .full = buffer.admit(large) else {
            Issue.record("expected .full on bytes")
            return
        }
        #expect(buffer.byteCount == first.retainedBytes)
        #expect(buffer.admit(small) == .admitted(isFlushDue: false, sequence: 2))
    }

    @Test func admit_BatchBiggerThanTheBuffer_IsTooLargeNotFull() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 5, maxBytes: 3000, flushThresholdItems: 5))
        let many = batch(6), heavy = batch(1, dataBytes: 4000)
        #expect(buffer.admit(many) == .tooLarge(items: 6, bytes: many.retainedBytes))
        #expect(buffer.admit(heavy) == .tooLarge(items: 1, bytes: heavy.retainedBytes))
        #expect(buffer.statistics.rejectedBatches == 2)
        #expect(buffer.statistics.rejectedItems == 7)
    }

    @Test func admit_EmptySlab_KeepsNothing() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 5, maxBytes: 1000, flushThresholdItems: 5))
        #expect(buffer.admit(ResultSlab()) == .admitted(isFlushDue: false, sequence: 0), "nothing to wait for")
        var spare: [ResultSlab] = []
        #expect(buffer.swapOut(into: &spare) == .init(items: 0, throughSequence: 0))
        #expect(spare.isEmpty)
    }

    @Test func admit_ReportsFlushDueOnceOccupancyReachesTheThreshold() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 20))
        #expect(buffer.admit(batch(19)) == .admitted(isFlushDue: false, sequence: 1))
        #expect(buffer.admit(batch(1)) == .admitted(isFlushDue: true, sequence: 2))
        #expect(buffer.admit(batch(1)) == .admitted(isFlushDue: true, sequence: 3))
    }

    @Test func swapOut_TradesArrays_AndEmptiesTheBuffer() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        let slabs = [batch(7), batch(3, prefix: "s")]
        for slab in slabs { _ = buffer.admit(slab) }
        var spare: [ResultSlab] = []
        spare.reserveCapacity(64)
        #expect(buffer.swapOut(into: &spare) == .init(items: 10, throughSequence: 2))
        #expect(spare.map(ObjectIdentifier.init) == slabs.map(ObjectIdentifier.init))
        #expect(buffer.itemCount == 0 && buffer.byteCount == 0)
        // The buffer now holds the spare's storage: admitting again needs no growth.
        spare.removeAll(keepingCapacity: true)
        #expect(buffer.swapOut(into: &spare) == .init(items: 0, throughSequence: 2), "numbers keep counting across swaps")
        #expect(spare.capacity >= 64)
    }

    @Test func counters_CountAdmittedAndRejectedBatchesAndItems() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 10, maxBytes: 1 << 20, flushThresholdItems: 10))
        _ = buffer.admit(batch(6))
        _ = buffer.admit(batch(6))
        _ = buffer.admit(batch(4))
        #expect(buffer.statistics == .init(admittedBatches: 2, admittedItems: 10, rejectedBatches: 1, rejectedItems: 6, items: 10, bytes: buffer.byteCount))
    }

    @Test func retryAfter_UsesTheDefaultBeforeAnyFlushWasMeasured() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 10, maxBytes: 1 << 20, flushThresholdItems: 10, defaultRetryAfterSeconds: 3))
        _ = buffer.admit(batch(10))
        #expect(buffer.admit(batch(1)) == .full(retryAfterSeconds: 3))
    }

    @Test(arguments: [
        // (items written, seconds spent) per sample, backlog 1000 items → expected seconds
        ([(100, 1.0)], 10),          // 100 items/s: 1000 items take 10 s
        ([(1_000_000, 1.0)], 1),     // fast sink: clamped up to 1 s
        ([(10, 1.0)], 60),           // 100 s, clamped down to 60 s
        ([(500, 1.0), (0, 1.0)], 4), // a failed attempt halves the rate: 250/s → 4 s
        ([(0, 0.5), (0, 1.0)], 60),  // nothing drained lately: the sink is down
    ])
    func retryAfter_FollowsTheMeasuredDrainRate(samples: [(Int, Double)], expected: Int) {
        let buffer = BatchBuffer(configuration: .init(maxItems: 1000, maxBytes: 1 << 20, flushThresholdItems: 1000))
        _ = buffer.admit(batch(1000))
        for (items, seconds) in samples { buffer.recordDrain(items: items, nanoseconds: UInt64(seconds * 1e9)) }
        #expect(buffer.admit(batch(1)) == .full(retryAfterSeconds: expected))
    }

    @Test func retryAfter_ForgetsSamplesOlderThanTheWindow() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        _ = buffer.admit(batch(100))
        for _ in 0..<DrainRate.sampleCount { buffer.recordDrain(items: 0, nanoseconds: 1_000_000_000) }
        for _ in 0..<DrainRate.sampleCount { buffer.recordDrain(items: 1000, nanoseconds: 1_000_000_000) }
        #expect(buffer.admit(batch(1)) == .full(retryAfterSeconds: 1))
    }
}
