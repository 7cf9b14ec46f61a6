import SluiceTestSupport
import Synchronization
import Testing

/// Guards the ThreadSanitizer run itself (scripts/tsan.sh): in a TSan build, a clean pass here
/// shows that CTSanMutexAnnotations makes Mutex's contended hand-off visible, so a report
/// elsewhere is about our code, not about the lock. Without the annotations TSan reports the
/// counter below as raced and the run fails at this test.
@Suite struct ThreadSanitizerCanaryTests {
    private final class Shared: Sendable {
        let counter = Mutex(0)
    }

    @Test func contendedMutex_IsSeenAsSynchronisation() {
        let shared = Shared()
        let threadCount = 4, increments = 100_000
        // Four threads hammering one lock: they contend, so the futex slow path runs.
        let threads = (0..<threadCount).map { _ in
            TestThread { for _ in 0..<increments { shared.counter.withLock { $0 += 1 } } }
        }
        threads.forEach { $0.start() }
        threads.forEach { $0.join() }
        #expect(shared.counter.withLock { $0 } == threadCount * increments)
        #expect(BuildFlavor.hasMutexAnnotations == BuildFlavor.isThreadSanitized)
    }
}
