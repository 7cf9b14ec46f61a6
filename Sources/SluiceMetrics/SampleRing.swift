/// A fixed-capacity ring of the most recent elements, with a bounded backlog for one consumer.
///
/// Every push lands in the history (the oldest element is overwritten once full). Pushed
/// elements also wait for the consumer; when `backlogLimit` of them are waiting, a push makes
/// the oldest waiting one skip the consumer, and that drop is counted: the consumer never
/// holds the producer up, it loses samples instead.
/// ```
/// var ring = SampleRing<Int>(capacity: 3, backlogLimit: 2)
/// ring.push(1); ring.push(2); ring.push(3)   // 1 dropped: only 2 may wait
/// ring.takeOldestPending()                   // 2
/// ring.history                               // [1, 2, 3]
/// ```
struct SampleRing<Element> {
    let capacity: Int
    /// Most elements waiting for the consumer; 0 when nothing consumes.
    let backlogLimit: Int
    private var storage: [Element?]
    private var nextSlot = 0
    private(set) var count = 0
    /// Elements pushed but not yet taken: always the newest `pendingCount` of the history.
    private(set) var pendingCount = 0
    /// Pending elements pushed out before the consumer took them.
    private(set) var droppedCount: UInt64 = 0

    init(capacity: Int, backlogLimit: Int) {
        precondition(capacity > 0, "SampleRing capacity must be positive")
        precondition((0...capacity).contains(backlogLimit), "SampleRing backlog must fit in the ring")
        self.capacity = capacity
        self.backlogLimit = backlogLimit
        storage = Array(repeating: nil, count: capacity)
    }

    /// Adds an element; returns true when this push dropped a pending one.
    @discardableResult
    mutating func push(_ element: Element) -> Bool {
        storage[nextSlot] = element
        nextSlot = (nextSlot + 1) % capacity
        count = min(count + 1, capacity)
        guard backlogLimit > 0 else { return false }
        if pendingCount == backlogLimit {
            droppedCount += 1
            return true
        }
        pendingCount += 1
        return false
    }

    /// The oldest element the consumer has not taken, or nil when it is up to date.
    mutating func takeOldestPending() -> Element? {
        guard pendingCount > 0 else { return nil }
        let slot = (nextSlot - pendingCount + capacity) % capacity
        pendingCount -= 1
        return storage[slot]
    }

    /// The newest element.
    var latest: Element? {
        count == 0 ? nil : storage[(nextSlot - 1 + capacity) % capacity]
    }

    /// Every element held, oldest first.
    var history: [Element] {
        (0..<count).compactMap { storage[(nextSlot - count + $0 + capacity) % capacity] }
    }
}
