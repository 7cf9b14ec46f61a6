import Testing

@testable import SluiceCore

@Suite struct BatchBufferTests {
    private func batch(_ count: Int, prefix: String = "i", dataBytes: Int = 2) -> [ProcessResult] {
        // data of exactly `dataBytes` bytes: {} padded with spaces inside.
        let data = "{" + String(repeating: " ", count: max(0, dataBytes - 2)) + "}"
        return (0..<count).map { makeResult("\(prefix)\($0)", data: data) }
    }

    @Test func admit_MovesTheWholeBatch_EmptyingTheCallersArrayKeepingCapacity() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 10_000, flushThresholdItems: 50))
        var results = batch(10)
        let capacity = results.capacity
        #expect(buffer.admit(&results) == .admitted(isFlushDue: false))
        #expect(results.isEmpty)
        #expect(results.capacity == capacity)
        #expect(buffer.itemCount == 10)
        #expect(buffer.byteCount == (0..<10).reduce(0) { $0 + "i\($1)".utf8.count + 2 })
    }

    @Test func admit_OverTheItemBound_RejectsTheWholeBatch_CallerKeepsEveryResult() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 15, maxBytes: 1 << 20, flushThresholdItems: 15))
        var first = batch(10)
        _ = buffer.admit(&first)
        var second = batch(6, prefix: "s")
        let kept = second.map(ObjectIdentifier.init)
        guard case .full = buffer.admit(&second) else {
            Issue.record("expected .full")
            return
        }
        #expect(second.map(ObjectIdentifier.init) == kept)
        #expect(buffer.itemCount == 10)
        var fits = batch(5, prefix: "f")
        #expect(buffer.admit(&fits) == .admitted(isFlushDue: true))
        #expect(buffer.itemCount == 15)
    }

    @Test func admit_OverTheByteBound_RejectsTheWholeBatch() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 1000, maxBytes: 1000, flushThresholdItems: 1000))
        var first = batch(4, dataBytes: 200)   // ids "i0".."i3": 4 × 202 = 808 bytes
        #expect(buffer.admit(&first) == .admitted(isFlushDue: false))
        var second = batch(1, prefix: "j", dataBytes: 200)
        guard case .full = buffer.admit(&second) else {
            Issue.record("expected .full on bytes")
            return
        }
        #expect(second.count == 1)
        #expect(buffer.byteCount == 808)
        var small = batch(1, prefix: "k", dataBytes: 100)
        #expect(buffer.admit(&small) == .admitted(isFlushDue: false))
    }

    @Test func admit_BatchBiggerThanTheBuffer_IsTooLargeNotFull() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 5, maxBytes: 100, flushThresholdItems: 5))
        var many = batch(6)
        #expect(buffer.admit(&many) == .tooLarge(items: 6, bytes: 6 * 4))
        var heavy = batch(1, dataBytes: 200)
        #expect(buffer.admit(&heavy) == .tooLarge(items: 1, bytes: 202))
        #expect(buffer.statistics.rejectedBatches == 2)
        #expect(buffer.statistics.rejectedItems == 7)
    }

    @Test func admit_ReportsFlushDueOnceOccupancyReachesTheThreshold() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 20))
        var a = batch(19)
        #expect(buffer.admit(&a) == .admitted(isFlushDue: false))
        var b = batch(1)
        #expect(buffer.admit(&b) == .admitted(isFlushDue: true))
        var c = batch(1)
        #expect(buffer.admit(&c) == .admitted(isFlushDue: true))
    }

    @Test func swapOut_TradesArrays_AndEmptiesTheBuffer() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        var results = batch(7)
        let identities = results.map(ObjectIdentifier.init)
        _ = buffer.admit(&results)
        var spare: [ProcessResult] = []
        spare.reserveCapacity(64)
        #expect(buffer.swapOut(into: &spare) == 7)
        #expect(spare.map(ObjectIdentifier.init) == identities)
        #expect(buffer.itemCount == 0 && buffer.byteCount == 0)
        // The buffer now holds the spare's storage: admitting again needs no growth.
        spare.removeAll(keepingCapacity: true)
        #expect(buffer.swapOut(into: &spare) == 0)
        #expect(spare.capacity >= 64)
    }

    @Test func counters_CountAdmittedAndRejectedBatchesAndItems() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 10, maxBytes: 1 << 20, flushThresholdItems: 10))
        var a = batch(6)
        var b = batch(6)
        var c = batch(4)
        _ = buffer.admit(&a)
        _ = buffer.admit(&b)
        _ = buffer.admit(&c)
        #expect(buffer.statistics == .init(admittedBatches: 2, admittedItems: 10, rejectedBatches: 1, rejectedItems: 6, items: 10, bytes: buffer.byteCount))
    }

    @Test func retryAfter_UsesTheDefaultBeforeAnyFlushWasMeasured() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 10, maxBytes: 1 << 20, flushThresholdItems: 10, defaultRetryAfterSeconds: 3))
        var a = batch(10)
        _ = buffer.admit(&a)
        var b = batch(1)
        #expect(buffer.admit(&b) == .full(retryAfterSeconds: 3))
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
        var full = batch(1000)
        _ = buffer.admit(&full)
        for (items, seconds) in samples { buffer.recordDrain(items: items, nanoseconds: UInt64(seconds * 1e9)) }
        var one = batch(1)
        #expect(buffer.admit(&one) == .full(retryAfterSeconds: expected))
    }

    @Test func retryAfter_ForgetsSamplesOlderThanTheWindow() {
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        var full = batch(100)
        _ = buffer.admit(&full)
        for _ in 0..<DrainRate.sampleCount { buffer.recordDrain(items: 0, nanoseconds: 1_000_000_000) }
        for _ in 0..<DrainRate.sampleCount { buffer.recordDrain(items: 1000, nanoseconds: 1_000_000_000) }
        var one = batch(1)
        #expect(buffer.admit(&one) == .full(retryAfterSeconds: 1))
    }
}
