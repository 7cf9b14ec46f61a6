import Synchronization

/// A small bounded pool of `BatchScratch`, one taken per request for its duration.
public final class ScratchPool: Sendable {
    private let free: Mutex<[BatchScratch]>
    private let maxIdle: Int

    public init(maxIdle: Int = 64) {
        self.maxIdle = maxIdle
        self.free = Mutex([])
    }

    public func take() -> BatchScratch {
        free.withLock { $0.popLast() } ?? BatchScratch()
    }

    public func give(_ scratch: BatchScratch) {
        scratch.reset()
        free.withLock { list in
            if list.count < maxIdle { list.append(scratch) }
        }
    }
}
