import Synchronization

/// State the workers share with the thread that watches the run: the closed model's request
/// tickets, the stop flag, and live counters for the progress line.
final class RunControl: Sendable {
    /// Closed-model requests handed out so far, against `--requests`.
    let ticketsTaken = Atomic<Int>(0)
    /// Set to end the run early (SIGINT); workers stop issuing and drain.
    let isStopRequested = Atomic<Bool>(false)
    let workers: [WorkerCounters]

    init(workerCount: Int) {
        workers = (0..<workerCount).map { _ in WorkerCounters() }
    }

    /// Takes one closed-model request ticket; false once `limit` are taken.
    func takeTicket(limit: Int?) -> Bool {
        guard let limit else { return true }
        // Relaxed: the counter only hands out distinct numbers; it orders no other memory.
        return ticketsTaken.wrappingAdd(1, ordering: .relaxed).oldValue < limit
    }
}

/// One worker's live progress. Each value has a single writer (its worker) and is read only
/// for the progress line, so relaxed stores and loads are enough.
final class WorkerCounters: Sendable {
    let completed = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    let isFinished = Atomic<Bool>(false)
}

/// A snapshot of the whole run for the progress line.
public struct RunProgress: Sendable {
    public var elapsedSeconds: Double
    /// Requests answered with any HTTP status.
    public var completed: Int
    /// Requests that got no response (connect, timeout, reset, other).
    public var failed: Int
    public var inFlight: Int
}
