/// Memory the service holds idle and can give back when asked, seen by the memory guard
/// through two closures so that SluiceMetrics depends on no pool type. The executable wires one
/// per pool (result slabs, I/O buffers).
///
/// ```
/// let slabs = ReleasableMemory(name: "result_slab",
///                              releaseUnused: { pool.releaseUnused() }, releaseIdle: { pool.releaseIdle() })
/// MemoryGuard(configuration: configuration, releasable: [slabs])
/// ```
/// Both closures free memory and return the bytes freed; they run on the guard's (the
/// monitor's) queue, never on the request path, and must be cheap enough for every 250 ms.
package struct ReleasableMemory: Sendable {
    /// The `pool` label of `sluice_memory_released_bytes_total`.
    package let name: String
    /// Ends a usage window: frees what the window's load did not use (reason `unused`).
    package let releaseUnused: @Sendable () -> Int
    /// Frees all that is idle beyond a small reserve, storage kept for reuse included (reason
    /// `memory_limit`: the guard does this before it sheds load and at every check while it sheds).
    package let releaseIdle: @Sendable () -> Int

    package init(name: String, releaseUnused: @escaping @Sendable () -> Int, releaseIdle: @escaping @Sendable () -> Int) {
        self.name = name
        self.releaseUnused = releaseUnused
        self.releaseIdle = releaseIdle
    }
}
