import Dispatch
import SluiceSupport
import Synchronization

/// Requests waiting until the flusher has stored their batch (`--ack durable`).
///
/// ```
/// case .admitted(_, let sequence):                     // BatchBuffer's admission number
///     let later = response.answerLater()
///     waiters.wait(for: sequence) { outcome in later.complete { fill(&$0, outcome) } }
/// // on the flusher's queue, after everything through `n` was written (and fsynced):
/// waiters.stored(through: n)
/// ```
/// Group commit falls out of the numbering: one `stored(through:)` answers every request of
/// that flush. A waiter not answered within `timeout` hears `.timedOut` (the HTTP layer's 503);
/// its items may still be stored later (at-least-once). Waiters are bounded by the open
/// connections, since a connection waits for at most one deferred response at a time; the
/// check for timeouts is one timer that looks at the earliest deadline only.
public final class DurabilityWaiters: Sendable {
    /// How a wait ended.
    public enum Outcome: Sendable, Equatable {
        /// The flush holding the batch was stored.
        case stored
        /// Not stored in time (or shutdown came first).
        case timedOut
    }

    /// Called once per waiter, on the flusher's queue (`.stored`), the timer's queue
    /// (`.timedOut`) or the caller's (already stored): keep it short.
    public typealias Answer = @Sendable (Outcome) -> Void

    /// Counter snapshot for metrics.
    public struct Statistics: Sendable, Equatable {
        /// Requests waiting now.
        public var pending: Int
        /// Answered `.stored` since start.
        public var stored: Int
        /// Answered `.timedOut` since start.
        public var timedOut: Int
        /// Highest admission sequence known stored.
        public var storedThrough: UInt64
    }

    private struct Waiter {
        var sequence: UInt64
        var admittedAt: UInt64
        var deadline: UInt64
        var answer: Answer
    }

    private struct State {
        var storedThrough: UInt64 = 0
        var waiters: [Waiter] = []
        /// Smallest deadline among `waiters` (`.max` when there are none).
        var earliestDeadline = UInt64.max
        /// No deadline later than this (set at shutdown).
        var deadlineCap = UInt64.max
    }

    // Thread-safe by libdispatch's contract; the wrapper lets the reference sit in a Mutex.
    private struct TimerSource: @unchecked Sendable {
        let source: DispatchSourceTimer
    }

    /// How long a request may wait for its batch to be stored.
    public let timeout: Duration
    /// Admission to answer, for every request answered `.stored` (`sluice_ack_wait_seconds`).
    public let waitDurations = DurationHistogram()
    private let timeoutNanoseconds: UInt64
    private let state = Mutex(State())
    private let timer = Mutex<TimerSource?>(nil)
    private let queue = DispatchQueue(label: "sluice.ack-timeouts")
    // Relaxed is enough: statistics only.
    private let storedCount = Atomic<Int>(0)
    private let timedOutCount = Atomic<Int>(0)

    public init(timeout: Duration) {
        precondition(timeout > .zero, "DurabilityWaiters timeout must be positive")
        self.timeout = timeout
        timeoutNanoseconds = UInt64(timeout.saturatingNanoseconds)
    }

    deinit {
        timer.withLock { $0?.source.cancel() }
    }

    /// Starts the timeout check: every tenth of the timeout, at most every 100 ms.
    /// Idempotent.
    public func start() {
        let interval = DispatchTimeInterval.nanoseconds(Int(min(timeoutNanoseconds / 10, 100_000_000)).clamped(to: 1_000_000...))
        timer.withLock { timer in
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(5))
            source.setEventHandler { [weak self] in self?.expire(now: SystemClock.monotonicNanoseconds()) }
            source.activate()
            timer = TimerSource(source: source)
        }
    }

    /// Stops the timeout check (pending waiters stay pending). Idempotent.
    public func stop() {
        timer.withLock { timer in
            timer?.source.cancel()
            timer = nil
        }
    }

    /// Calls `answer` once the batch admitted as `sequence` is stored, or with `.timedOut`
    /// after `timeout`. A sequence already stored (or 0: nothing was kept) is answered at
    /// once, on the calling thread.
    public func wait(for sequence: UInt64, answer: @escaping Answer) {
        let now = SystemClock.monotonicNanoseconds()
        let isStored = state.withLock { state -> Bool in
            guard sequence > state.storedThrough else { return true }
            let deadline = min(now &+ timeoutNanoseconds, state.deadlineCap)
            state.waiters.append(Waiter(sequence: sequence, admittedAt: now, deadline: deadline, answer: answer))
            state.earliestDeadline = min(state.earliestDeadline, deadline)
            return false
        }
        guard isStored else { return }
        storedCount.add(1, ordering: .relaxed)
        waitDurations.observe(nanoseconds: 0)
        answer(.stored)
    }

    /// Everything admitted through `sequence` is stored: answers those waiters. Called by the
    /// flusher after each successful write; sequences only grow.
    public func stored(through sequence: UInt64) {
        let now = SystemClock.monotonicNanoseconds()
        let ready = state.withLock { state -> [Waiter] in
            guard sequence > state.storedThrough else { return [] }
            state.storedThrough = sequence
            return Self.remove(from: &state) { $0.sequence <= sequence }
        }
        guard !ready.isEmpty else { return }
        storedCount.add(ready.count, ordering: .relaxed)
        for waiter in ready {
            waitDurations.observe(nanoseconds: now &- waiter.admittedAt)
            waiter.answer(.stored)
        }
    }

    /// Answers `.timedOut` to every waiter whose deadline is at or before `now` (monotonic
    /// nanoseconds). The timer calls it; cheap when nothing is due.
    public func expire(now: UInt64) {
        let due = state.withLock { state -> [Waiter] in
            guard state.earliestDeadline <= now else { return [] }
            return Self.remove(from: &state) { $0.deadline <= now }
        }
        guard !due.isEmpty else { return }
        timedOutCount.add(due.count, ordering: .relaxed)
        for waiter in due { waiter.answer(.timedOut) }
    }

    /// Shutdown: no waiter, present or future, waits past `duration` from now; the timer
    /// answers them `.timedOut` then if they are not stored by then.
    public func capDeadlines(within duration: Duration) {
        let cap = SystemClock.monotonicNanoseconds() &+ UInt64(max(.zero, duration).saturatingNanoseconds)
        state.withLock { state in
            state.deadlineCap = min(state.deadlineCap, cap)
            for index in state.waiters.indices where state.waiters[index].deadline > cap {
                state.waiters[index].deadline = cap
            }
            state.earliestDeadline = min(state.earliestDeadline, state.waiters.isEmpty ? .max : cap)
        }
    }

    /// A snapshot of the counters.
    public var statistics: Statistics {
        let (pending, through) = state.withLock { ($0.waiters.count, $0.storedThrough) }
        return Statistics(pending: pending, stored: storedCount.load(ordering: .relaxed),
                          timedOut: timedOutCount.load(ordering: .relaxed), storedThrough: through)
    }

    /// Takes the waiters matching `isReady` out (order is not kept) and recomputes the
    /// earliest deadline of the rest.
    private static func remove(from state: inout State, where isReady: (Waiter) -> Bool) -> [Waiter] {
        var ready: [Waiter] = []
        var earliest = UInt64.max
        var index = 0
        while index < state.waiters.count {
            if isReady(state.waiters[index]) {
                state.waiters.swapAt(index, state.waiters.count - 1)
                ready.append(state.waiters.removeLast())
            } else {
                earliest = min(earliest, state.waiters[index].deadline)
                index += 1
            }
        }
        state.earliestDeadline = earliest
        return ready
    }
}

extension Int {
    fileprivate func clamped(to range: PartialRangeFrom<Int>) -> Int { Swift.max(self, range.lowerBound) }
}
