import Dispatch
import SluiceTestSupport
import Synchronization
import Testing
@testable import SluiceMetrics

@Suite struct MemoryMonitorTests {
    @Test func recordSample_FillsEveryPart_AndCountsIt() {
        let monitor = MemoryMonitor(configuration: .init(historyCapacity: 3)) { Fixtures.service }
        #expect(monitor.latest == nil)
        let sample = monitor.recordSample()
        #expect(sample.sequence == 1)
        #expect(sample.process.residentMemoryBytes > 0)
        if !BuildFlavor.isThreadSanitized {  // TSan's allocator replaces glibc's, whose mallinfo2 then reads 0
            #expect(sample.allocator.inUseBytes > 0)
        }
        #expect(sample.service == Fixtures.service)
        #expect(sample.durationSeconds > 0)
        #expect(monitor.latest == sample)
        for _ in 0..<4 { monitor.recordSample() }
        #expect(monitor.recentHistory.map(\.sequence) == [3, 4, 5])
        let statistics = monitor.statistics()
        #expect(statistics.samplesTotal == 5)
        #expect(statistics.samplesDroppedTotal == 0)
        #expect(statistics.sampleDuration.count == 5)
    }

    @Test func readSample_DoesNotRecord() {
        let monitor = MemoryMonitor()
        let sample = monitor.readSample()
        #expect(sample.sequence == 0)
        #expect(monitor.latest == nil)
        #expect(monitor.statistics().samplesTotal == 0)
    }

    /// The consumer is held inside its first sample; the next four samples find a backlog of
    /// two, so two are dropped and the consumer then sees 1, 4, 5.
    @Test func slowConsumer_DropsTheOldestWaiting_AndCountsIt() {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let delivered = DispatchSemaphore(value: 0)
        let seen = Mutex<[UInt64]>([])
        let monitor = MemoryMonitor(configuration: .init(historyCapacity: 8, consumerBacklog: 2), consumer: { sample in
            if sample.sequence == 1 {
                entered.signal()
                release.wait()
            }
            seen.withLock { $0.append(sample.sequence) }
            delivered.signal()
        })
        monitor.recordSample()
        entered.wait()
        for _ in 2...5 { monitor.recordSample() }
        #expect(monitor.statistics().samplesDroppedTotal == 2)
        release.signal()
        for _ in 0..<3 { #expect(delivered.wait(timeout: .now() + 10) == .success) }
        #expect(seen.withLock { $0 } == [1, 4, 5])
        #expect(monitor.recentHistory.map(\.sequence) == [1, 2, 3, 4, 5])
    }

    @Test func timer_SamplesEveryInterval_UntilStopped() {
        let delivered = DispatchSemaphore(value: 0)
        let monitor = MemoryMonitor(configuration: .init(interval: .milliseconds(5)), consumer: { _ in delivered.signal() })
        monitor.start()
        monitor.start()  // idempotent: still one timer
        for _ in 0..<3 { #expect(delivered.wait(timeout: .now() + 10) == .success) }
        monitor.stop()
        let total = monitor.statistics().samplesTotal
        #expect(total >= 3)
        #expect(monitor.recentHistory.map(\.sequence) == Array(1...UInt64(monitor.recentHistory.count)))
    }
}
