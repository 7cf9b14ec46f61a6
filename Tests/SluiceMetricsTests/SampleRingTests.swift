import Testing
@testable import SluiceMetrics

@Suite struct SampleRingTests {
    @Test func history_KeepsTheNewest_OldestFirst() {
        var ring = SampleRing<Int>(capacity: 3, backlogLimit: 0)
        #expect(ring.history.isEmpty && ring.latest == nil)
        for value in 1...5 { ring.push(value) }
        #expect(ring.history == [3, 4, 5])
        #expect(ring.latest == 5)
        #expect(ring.droppedCount == 0, "without a consumer, overwriting history is not a drop")
        #expect(ring.takeOldestPending() == nil)
    }

    @Test func consumerKeepingUp_DropsNothing() {
        var ring = SampleRing<Int>(capacity: 4, backlogLimit: 2)
        var taken: [Int] = []
        for value in 1...10 {
            ring.push(value)
            while let next = ring.takeOldestPending() { taken.append(next) }
        }
        #expect(taken == Array(1...10))
        #expect(ring.droppedCount == 0)
    }

    @Test func consumerFallingBehind_LosesTheOldestWaiting_AndCountsIt() {
        var ring = SampleRing<Int>(capacity: 4, backlogLimit: 2)
        #expect(ring.push(1) == false)
        #expect(ring.push(2) == false)
        #expect(ring.push(3) == true)
        #expect(ring.push(4) == true)
        #expect(ring.droppedCount == 2)
        #expect(ring.pendingCount == 2)
        #expect(ring.takeOldestPending() == 3)
        #expect(ring.takeOldestPending() == 4)
        #expect(ring.takeOldestPending() == nil)
        #expect(ring.history == [1, 2, 3, 4], "dropped samples stay in the history")
    }

    @Test func backlogAsLargeAsTheRing_Wraps() {
        var ring = SampleRing<Int>(capacity: 3, backlogLimit: 3)
        for value in 1...7 { ring.push(value) }
        #expect(ring.droppedCount == 4)
        #expect([ring.takeOldestPending(), ring.takeOldestPending(), ring.takeOldestPending()] == [5, 6, 7])
        ring.push(8)
        #expect(ring.takeOldestPending() == 8)
        #expect(ring.history == [6, 7, 8])
    }
}
