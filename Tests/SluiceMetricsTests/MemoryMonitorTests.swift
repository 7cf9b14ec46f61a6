import Dispatch
import Glibc
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

    /// The recheck timer is armed only while `isNeeded` says so: a delivery that finds it true
    /// arms it, rechecks run on their own (the sample timer here would take an hour), and the
    /// recheck that finds it false disarms it.
    @Test func recheck_RunsBetweenSamplesOnlyWhileNeeded() {
        let needed = Atomic<Bool>(false)
        let rechecked = DispatchSemaphore(value: 0)
        let delivered = DispatchSemaphore(value: 0)
        let rechecks = Atomic<Int>(0)
        let recheck = MemoryMonitor.Recheck(interval: .milliseconds(5), isNeeded: { needed.load(ordering: .relaxed) }) {
            if rechecks.add(1, ordering: .relaxed).newValue == 3 { needed.store(false, ordering: .relaxed) }
            rechecked.signal()
        }
        let monitor = MemoryMonitor(configuration: .init(interval: .seconds(3600)), consumer: { _ in delivered.signal() }, recheck: recheck)
        monitor.start()
        defer { monitor.stop() }
        monitor.recordSample()
        #expect(delivered.wait(timeout: .now() + 10) == .success)
        needed.store(true, ordering: .relaxed)
        monitor.recordSample()   // this delivery finds a recheck needed
        for _ in 0..<3 { #expect(rechecked.wait(timeout: .now() + 10) == .success) }
        // The third recheck said it is no longer needed: the timer goes (bounded wait).
        let deadline = ContinuousClock.now + .seconds(10)
        while monitor.isRechecking, ContinuousClock.now < deadline { usleep(1000) }
        #expect(!monitor.isRechecking)
        #expect(rechecks.load(ordering: .relaxed) == 3)
        #expect(monitor.rechecksTotal == 3)
        #expect(monitor.statistics().samplesTotal == 2, "rechecks are not samples")
    }

    @Test func recheck_IsNotArmedWhileTheMonitorIsStopped() {
        let delivered = DispatchSemaphore(value: 0)
        let recheck = MemoryMonitor.Recheck(interval: .milliseconds(5), isNeeded: { true }) {}
        let monitor = MemoryMonitor(consumer: { _ in delivered.signal() }, recheck: recheck)
        monitor.recordSample()
        #expect(delivered.wait(timeout: .now() + 10) == .success)
        #expect(!monitor.isRechecking)
    }
}
