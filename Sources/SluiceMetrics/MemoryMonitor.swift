import Dispatch
import SluiceSupport
import Synchronization

/// Samples the process, the allocator and the service every `interval` on a DispatchSourceTimer,
/// keeps the recent samples in a bounded ring, and hands each sample to an optional consumer.
///
/// ```
/// let monitor = MemoryMonitor(configuration: .init(interval: .seconds(1))) { pipeline.gauges() }
/// monitor.start()
/// monitor.latest            // newest sample, for /metrics
/// monitor.recentHistory     // oldest first, for /debug/memory
/// ```
/// The consumer runs on its own serial queue so a slow one (a `malloc_trim` of a large heap)
/// never delays sampling. At most `consumerBacklog` samples wait for it; past that the oldest
/// waiting sample is skipped and counted in `sluice_monitor_samples_dropped_total`.
///
/// A consumer that must look more often than the interval while some condition holds (the
/// memory guard while it sheds load) passes a `Recheck`: after each delivery the monitor asks
/// `isNeeded`, and while it is true a second timer, armed only then, calls `perform` every
/// `Recheck.interval` on the consumer's queue (so rechecks and deliveries never overlap).
package final class MemoryMonitor: Sendable {
    /// Checks between samples while `isNeeded` says so.
    package struct Recheck: Sendable {
        /// Time between rechecks.
        package let interval: Duration
        /// Asked on the consumer queue after every delivery and every recheck.
        package let isNeeded: @Sendable () -> Bool
        /// The check; runs on the consumer queue.
        package let perform: @Sendable () -> Void

        package init(interval: Duration, isNeeded: @escaping @Sendable () -> Bool, perform: @escaping @Sendable () -> Void) {
            precondition(interval > .zero, "MemoryMonitor recheck interval must be positive")
            self.interval = interval
            self.isNeeded = isNeeded
            self.perform = perform
        }
    }

    package struct Configuration: Sendable {
        /// Time between samples.
        package let interval: Duration
        /// Samples kept for `recentHistory`.
        package let historyCapacity: Int
        /// Samples that may wait for a slow consumer before the oldest is dropped (at most
        /// `historyCapacity`: waiting samples live in the history ring).
        package let consumerBacklog: Int

        package init(interval: Duration = .seconds(1), historyCapacity: Int = 120, consumerBacklog: Int = 8) {
            precondition(interval > .zero, "MemoryMonitor interval must be positive")
            precondition(historyCapacity > 0 && consumerBacklog > 0, "MemoryMonitor history and backlog must be positive")
            self.interval = interval
            self.historyCapacity = historyCapacity
            self.consumerBacklog = min(consumerBacklog, historyCapacity)
        }
    }

    /// Sampling totals, for the `sluice_monitor_*` families.
    package struct Statistics: Sendable, Equatable {
        package var samplesTotal: UInt64
        package var samplesDroppedTotal: UInt64
        package var sampleDuration: HistogramSnapshot

        package init(samplesTotal: UInt64, samplesDroppedTotal: UInt64, sampleDuration: HistogramSnapshot) {
            self.samplesTotal = samplesTotal
            self.samplesDroppedTotal = samplesDroppedTotal
            self.sampleDuration = sampleDuration
        }
    }

    private struct State {
        var ring: SampleRing<MemorySample>
        var samplesTotal: UInt64 = 0
        var timer: (any DispatchSourceTimer)?
        var recheckTimer: (any DispatchSourceTimer)?
        var rechecksTotal: UInt64 = 0
        var isDelivering = false
    }

    package let configuration: Configuration
    private let state: Mutex<State>
    private let readService: @Sendable () -> ServiceGauges
    private let consumer: (@Sendable (MemorySample) -> Void)?
    private let recheck: Recheck?
    private let samplerQueue = DispatchQueue(label: "sluice.memory-monitor", qos: .utility)
    private let consumerQueue = DispatchQueue(label: "sluice.memory-monitor.consumer", qos: .utility)
    private let durationBuckets = DurationBuckets.sampleDurations
    private let durations: CounterSlab

    /// - Parameters:
    ///   - service: reads the service's gauges; called on the sampler queue and by `readSample()`.
    ///   - consumer: receives every recorded sample, in order, on a private serial queue
    ///     (e.g. the memory guard); nil when nothing consumes samples (then nothing is dropped).
    ///   - recheck: the consumer's checks between samples; armed only while the monitor runs.
    package init(configuration: Configuration = .init(), service: @escaping @Sendable () -> ServiceGauges = { .none },
                consumer: (@Sendable (MemorySample) -> Void)? = nil, recheck: Recheck? = nil) {
        self.configuration = configuration
        self.readService = service
        self.consumer = consumer
        self.recheck = recheck
        state = Mutex(State(ring: SampleRing(capacity: configuration.historyCapacity, backlogLimit: consumer == nil ? 0 : configuration.consumerBacklog)))
        durations = CounterSlab(count: durationBuckets.slotCount)
    }

    deinit {
        let timers = state.withLock { [$0.timer, $0.recheckTimer] }
        for timer in timers { timer?.cancel() }
    }

    /// Starts sampling every interval (the first sample one interval from now). Idempotent.
    package func start() {
        let timer: (any DispatchSourceTimer)? = state.withLock { state in
            guard state.timer == nil else { return nil }
            let timer = DispatchSource.makeTimerSource(queue: samplerQueue)
            state.timer = timer
            return timer
        }
        guard let timer else { return }
        let interval = DispatchTimeInterval.nanoseconds(Int(clamping: configuration.interval.nonNegativeNanoseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in self?.recordSample() }
        timer.resume()
    }

    /// Stops the timers; samples already recorded stay readable. `start()` may follow.
    package func stop() {
        let timers = state.withLock { state in
            defer {
                state.timer = nil
                state.recheckTimer = nil
            }
            return [state.timer, state.recheckTimer]
        }
        for timer in timers { timer?.cancel() }
    }

    /// True while the recheck timer is armed.
    package var isRechecking: Bool { state.withLock { $0.recheckTimer != nil } }

    /// Rechecks performed so far.
    package var rechecksTotal: UInt64 { state.withLock { $0.rechecksTotal } }

    /// Takes a sample now, times it, records it in the ring and hands it to the consumer:
    /// what the timer does each interval. Tests call it directly instead of waiting.
    @discardableResult
    package func recordSample() -> MemorySample {
        var sample = readSample()
        durationBuckets.observe(nanoseconds: UInt64(sample.durationSeconds * 1e9), in: durations, at: 0)
        let startDelivery: Bool = state.withLock { state in
            state.samplesTotal += 1
            sample.sequence = state.samplesTotal
            state.ring.push(sample)
            guard consumer != nil, !state.isDelivering else { return false }
            state.isDelivering = true
            return true
        }
        if startDelivery { consumerQueue.async { self.deliverPending() } }
        return sample
    }

    /// Takes a sample now without recording it (sequence 0): for a scrape that wants counters
    /// as of this moment rather than as of the last tick.
    package func readSample() -> MemorySample {
        let start = SystemClock.monotonicNanoseconds()
        let unixTime = SystemClock.unixSeconds()
        let process = ProcessStats.current()
        let allocator = AllocatorStats.current()
        let service = readService()
        let elapsed = SystemClock.monotonicNanoseconds() &- start
        return MemorySample(sequence: 0, unixTimeSeconds: unixTime, process: process, allocator: allocator, service: service, durationSeconds: Double(elapsed) / 1e9)
    }

    /// The newest recorded sample, nil before the first.
    package var latest: MemorySample? { state.withLock { $0.ring.latest } }

    /// The recorded samples still held, oldest first (at most `historyCapacity`).
    package var recentHistory: [MemorySample] { state.withLock { $0.ring.history } }

    /// Sample count, drops and the sample duration histogram.
    package func statistics() -> Statistics {
        let (total, dropped) = state.withLock { ($0.samplesTotal, $0.ring.droppedCount) }
        return Statistics(samplesTotal: total, samplesDroppedTotal: dropped, sampleDuration: durationBuckets.snapshot(of: durations, at: 0))
    }

    private func deliverPending() {
        guard let consumer else { return }
        while let sample = state.withLock({ state -> MemorySample? in
            let next = state.ring.takeOldestPending()
            if next == nil { state.isDelivering = false }
            return next
        }) {
            consumer(sample)
        }
        updateRecheckTimer()
    }

    /// Arms or cancels the recheck timer as `Recheck.isNeeded` says; on the consumer queue.
    private func updateRecheckTimer() {
        guard let recheck else { return }
        let isNeeded = recheck.isNeeded()
        let (armed, cancelled) = state.withLock { state -> ((any DispatchSourceTimer)?, (any DispatchSourceTimer)?) in
            if isNeeded, state.recheckTimer == nil, state.timer != nil {
                let timer = DispatchSource.makeTimerSource(queue: consumerQueue)
                state.recheckTimer = timer
                return (timer, nil)
            }
            if !isNeeded, let timer = state.recheckTimer {
                state.recheckTimer = nil
                return (nil, timer)
            }
            return (nil, nil)
        }
        cancelled?.cancel()
        guard let armed else { return }
        let interval = DispatchTimeInterval.nanoseconds(Int(clamping: recheck.interval.nonNegativeNanoseconds))
        armed.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(5))
        armed.setEventHandler { [weak self] in self?.performRecheck() }
        armed.resume()
    }

    private func performRecheck() {
        guard let recheck else { return }
        recheck.perform()
        state.withLock { $0.rechecksTotal += 1 }
        updateRecheckTimer()
    }
}
