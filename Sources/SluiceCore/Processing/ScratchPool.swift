/// The pool of `BatchScratch`, one taken per request for its duration: an `ObjectPool`, so
/// it has that pool's bounds, statistics and DEBUG checks.
///
///     let pool = ScratchPool()
///     let scratch = pool.take()
///     defer { pool.give(scratch) }
package typealias ScratchPool = ObjectPool<BatchScratch>

extension ObjectPool where T == BatchScratch {
    /// A pool keeping at most `maxIdle` idle scratches (one per concurrent request is enough).
    package convenience init(maxIdle: Int = 64) {
        self.init(capacity: maxIdle) { BatchScratch() }
    }
}
