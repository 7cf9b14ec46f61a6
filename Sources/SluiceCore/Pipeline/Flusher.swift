import Dispatch
import Glibc
import SluiceSupport
import Synchronization

/// The background flusher: moves what the `BatchBuffer` holds into the `Sink`, on its own
/// serial queue, and gives the written slabs back to the pool.
///
/// ```
/// let flusher = Flusher(buffer: buffer, sink: sink, pool: pool)
/// flusher.start()                  // age trigger: a timer every flushInterval
/// flusher.nudge()                  // size trigger: when admit reports isFlushDue
/// let lost = flusher.drain(deadline: .now + .seconds(10))   // shutdown: flush everything
/// flusher.stop(); try sink.close()
/// ```
/// A flush swaps the buffer out under the buffer's lock and writes outside it, so requests
/// keep being admitted while the sink works. If the sink throws, the batch is kept (not given
/// back) and retried with exponential backoff, before anything newer, so order is kept and
/// no acknowledged item is dropped; meanwhile the buffer fills and `admit` answers `.full`
/// (the HTTP layer's 503). Recovery is automatic once the sink works again.
///
/// After each successful write the flusher reports, through `onStored`, the admission
/// sequence through which everything is now in the sink (`BatchBuffer.Handoff`): with
/// `--ack durable` that answers the waiting requests (`DurabilityWaiters`).
public final class Flusher: Sendable {
    public struct Configuration: Sendable {
        /// Age trigger: the buffer is flushed at least this often.
        public var flushInterval: Duration
        /// First retry delay after a failed write; doubled per failure up to `maxBackoff`.
        public var initialBackoff: Duration
        public var maxBackoff: Duration

        public init(flushInterval: Duration = .seconds(1), initialBackoff: Duration = .milliseconds(10), maxBackoff: Duration = .seconds(1)) {
            self.flushInterval = flushInterval
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
    }

    /// What a log should hear about. Delivered on the flusher's queue.
    public enum Event: Sendable {
        /// A write failed; the batch is kept and retried after `retryIn`.
        case writeFailed(SinkError, consecutiveFailures: Int, heldItems: Int, retryIn: Duration)
        /// A write succeeded after `failures` consecutive failures.
        case recovered(afterFailures: Int)
    }

    /// Counter snapshot for metrics.
    public struct Statistics: Sendable, Equatable {
        /// Batches written.
        public var flushes: Int
        public var itemsFlushed: Int
        /// Write attempts that threw.
        public var failedAttempts: Int
        /// Items of a failed batch held for retry (0 when the sink is healthy).
        public var heldItems: Int
    }

    // Thread-safe by libdispatch's contract; the wrapper only lets the reference sit in the
    // lifecycle enum inside a Mutex.
    private struct TimerSource: @unchecked Sendable {
        let source: DispatchSourceTimer
    }

    private enum Lifecycle {
        case idle
        case running(TimerSource)
        case stopped
    }

    private struct State {
        var lifecycle = Lifecycle.idle
        /// The flusher's side of the double buffer: empty with capacity between flushes,
        /// the failed batch while the sink fails.
        var batch: [ResultSlab]
        /// The admission sequence through which `batch` holds the buffer's batches.
        var batchThrough: UInt64 = 0
        /// 0 while healthy; the delay before the next retry while failing.
        var backoffNanoseconds: Int64 = 0
        var consecutiveFailures = 0
        /// Monotonic time before which a failed batch is not retried (nudges and ticks wait).
        var retryAtNanoseconds: UInt64 = 0
    }

    private enum Outcome {
        case empty
        case written(wasRetry: Bool)
        case failed(backoffNanoseconds: Int64)
    }

    public let configuration: Configuration
    private let buffer: BatchBuffer
    private let sink: any Sink
    private let pool: ObjectPool<ResultSlab>
    private let onEvent: @Sendable (Event) -> Void
    private let onStored: @Sendable (UInt64) -> Void
    private let queue: DispatchQueue
    private let state: Mutex<State>
    // Set by `nudge` until the queued flush starts: many nudges, one queued flush.
    private let isNudgePending = Atomic<Bool>(false)
    // Relaxed is enough: statistics only; the batches are handed over through locks.
    private let flushes = Atomic<Int>(0)
    private let itemsFlushed = Atomic<Int>(0)
    private let failedAttempts = Atomic<Int>(0)
    private let heldItems = Atomic<Int>(0)

    public init(
        buffer: BatchBuffer, sink: any Sink, pool: ObjectPool<ResultSlab>,
        configuration: Configuration = Configuration(), label: String = "sluice.flusher",
        onEvent: @escaping @Sendable (Event) -> Void = { _ in },
        onStored: @escaping @Sendable (_ throughSequence: UInt64) -> Void = { _ in }
    ) {
        precondition(configuration.flushInterval > .zero, "Flusher flushInterval must be positive")
        precondition(configuration.initialBackoff > .zero, "Flusher initialBackoff must be positive")
        precondition(configuration.maxBackoff >= configuration.initialBackoff, "Flusher maxBackoff must be at least initialBackoff")
        self.configuration = configuration
        self.buffer = buffer
        self.sink = sink
        self.pool = pool
        self.onEvent = onEvent
        self.onStored = onStored
        // Above the request queues: under saturation a default-QoS flusher waits behind every
        // connection, the buffer fills and requests get 503 although the sink is idle.
        queue = DispatchQueue(label: label, qos: .userInitiated)
        var spare: [ResultSlab] = []
        spare.reserveCapacity(buffer.initialSwapCapacity)
        state = Mutex(State(batch: spare))
    }

    deinit {
        // A running timer holds only a weak reference back; cancel it so it stops firing.
        if case .running(let timer) = state.withLock({ $0.lifecycle }) { timer.source.cancel() }
    }

    /// Starts the age trigger. Calling it again, or after `stop()`, does nothing.
    public func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.nanoseconds(Int(configuration.flushInterval.saturatingNanoseconds))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(1))
        timer.setEventHandler { [weak self] in self?.flushOnQueue() }
        let handle = TimerSource(source: timer)
        let isStarted = state.withLock { state -> Bool in
            guard case .idle = state.lifecycle else { return false }
            state.lifecycle = .running(handle)
            return true
        }
        // Activated either way: libdispatch must not release an inactive source.
        timer.activate()
        if !isStarted { timer.cancel() }
    }

    /// Asks for a flush soon (size trigger). Cheap and coalescing: while one nudge is queued
    /// further nudges do nothing.
    public func nudge() {
        guard !isNudgePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            isNudgePending.store(false, ordering: .releasing)
            flushOnQueue()
        }
    }

    /// Stops the timer and ignores further nudges; pending retries are abandoned (the held
    /// batch stays held; `drain` still writes it). Idempotent.
    public func stop() {
        let timer = state.withLock { state -> TimerSource? in
            defer { state.lifecycle = .stopped }
            if case .running(let timer) = state.lifecycle { return timer }
            return nil
        }
        timer?.source.cancel()
    }

    /// Flushes everything synchronously, retrying a failing sink with backoff until
    /// `deadline`; returns how many acknowledged items could not be written (0 normally).
    /// Works whether or not the flusher is started or stopped. Must not be called from a
    /// flush event handler.
    public func drain(deadline: ContinuousClock.Instant) -> Int {
        dispatchPrecondition(condition: .notOnQueue(queue))
        return queue.sync {
            while ContinuousClock.now < deadline {
                switch flushOnce() {
                case .empty:
                    return 0
                case .written:
                    continue
                case .failed(let backoff):
                    let wait = Duration.nanoseconds(backoff)
                    guard ContinuousClock.now + wait < deadline else { return unwrittenCount }
                    Self.sleep(nanoseconds: backoff)
                }
            }
            return unwrittenCount
        }
    }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        Statistics(
            flushes: flushes.load(ordering: .relaxed), itemsFlushed: itemsFlushed.load(ordering: .relaxed),
            failedAttempts: failedAttempts.load(ordering: .relaxed), heldItems: heldItems.load(ordering: .relaxed))
    }

    private var unwrittenCount: Int { heldItems.load(ordering: .relaxed) + buffer.itemCount }

    /// A trigger fired (tick, nudge, scheduled retry). Writes the held batch if its retry is
    /// due, then what the buffer holds.
    private func flushOnQueue() {
        let isDue = state.withLock { state -> Bool in
            guard case .running = state.lifecycle else { return false }
            return state.backoffNanoseconds == 0 || SystemClock.monotonicNanoseconds() >= state.retryAtNanoseconds
        }
        guard isDue else { return }
        while true {
            switch flushOnce() {
            case .empty, .written(wasRetry: false):
                return
            case .written(wasRetry: true):
                continue  // catch up with what piled up while the sink failed
            case .failed(let backoff):
                queue.asyncAfter(deadline: .now() + .nanoseconds(Int(backoff))) { [weak self] in self?.flushOnQueue() }
                return
            }
        }
    }

    /// One write attempt: the held failed batch if any, else whatever the buffer holds.
    private func flushOnce() -> Outcome {
        dispatchPrecondition(condition: .onQueue(queue))
        var batch: [ResultSlab] = []
        var through: UInt64 = 0
        let wasRetry = state.withLock { state -> Bool in
            swap(&batch, &state.batch)
            through = state.batchThrough
            return !batch.isEmpty
        }
        let count: Int
        if wasRetry {
            count = heldItems.load(ordering: .relaxed)
        } else {
            let handoff = buffer.swapOut(into: &batch)
            count = handoff.items
            through = handoff.throughSequence
        }
        guard !batch.isEmpty else {
            state.withLock { swap(&batch, &$0.batch) }
            return .empty
        }
        let start = SystemClock.monotonicNanoseconds()
        do {
            try sink.write(batch)
            buffer.recordDrain(items: count, nanoseconds: SystemClock.monotonicNanoseconds() &- start)
            pool.give(&batch)
            let failures = state.withLock { state -> Int in
                swap(&batch, &state.batch)
                defer { state.consecutiveFailures = 0 }
                state.backoffNanoseconds = 0
                return state.consecutiveFailures
            }
            flushes.add(1, ordering: .relaxed)
            itemsFlushed.add(count, ordering: .relaxed)
            heldItems.store(0, ordering: .relaxed)
            onStored(through)
            if failures > 0 { onEvent(.recovered(afterFailures: failures)) }
            return .written(wasRetry: wasRetry)
        } catch {
            let now = SystemClock.monotonicNanoseconds()
            let initial = configuration.initialBackoff.saturatingNanoseconds
            let maximum = configuration.maxBackoff.saturatingNanoseconds
            let (backoff, failures) = state.withLock { state -> (Int64, Int) in
                swap(&batch, &state.batch)
                state.batchThrough = through
                state.backoffNanoseconds = state.backoffNanoseconds == 0 ? initial : min(state.backoffNanoseconds * 2, maximum)
                state.retryAtNanoseconds = now &+ UInt64(state.backoffNanoseconds)
                state.consecutiveFailures += 1
                return (state.backoffNanoseconds, state.consecutiveFailures)
            }
            // The failed attempt and the wait after it drained nothing: the rate falls and
            // Retry-After grows while the sink is down.
            buffer.recordDrain(items: 0, nanoseconds: (now &- start) &+ UInt64(backoff))
            failedAttempts.add(1, ordering: .relaxed)
            heldItems.store(count, ordering: .relaxed)
            onEvent(.writeFailed(error, consecutiveFailures: failures, heldItems: count, retryIn: .nanoseconds(backoff)))
            return .failed(backoffNanoseconds: backoff)
        }
    }

    private static func sleep(nanoseconds: Int64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}
