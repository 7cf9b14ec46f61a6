import CCurl
import Glibc
import Synchronization

/// Runs a ``LoadPlan``: one ``Worker`` thread per `plan.threads`, each with its share of the
/// connections, and the calling thread watching for progress and stop requests.
///
///     let result = try LoadRunner(plan: plan).run(onProgress: { print($0.completed) })
///
/// Throws only when setting up curl or a thread fails, or if the workers outlive the plan's
/// hard bound (duration + timeout + 5 s), which would be a bug.
public struct LoadRunner: Sendable {
    public let plan: LoadPlan

    public init(plan: LoadPlan) {
        self.plan = plan
    }

    /// Runs the plan to its end. `onProgress` is called about every `progressInterval` on the
    /// calling thread; when `shouldStop` returns true the workers stop issuing and drain.
    public func run(
        progressInterval: Duration = .seconds(1),
        onProgress: (RunProgress) -> Void = { _ in },
        shouldStop: () -> Bool = { false }
    ) throws(LoadError) -> RunResult {
        CurlGlobal.initialize()
        let control = RunControl(workerCount: plan.threads)
        let request = RequestMessage(target: plan.target, body: plan.body, bearerToken: plan.bearerToken)
        var handoffs: [WorkerHandoff] = []
        for index in 0..<plan.threads {
            do {
                handoffs.append(WorkerHandoff(try Worker(index: index, plan: plan, control: control, request: request)))
            } catch {
                for handoff in handoffs { handoff.worker.discard() }
                throw error
            }
        }
        // Everything is built: the clock starts now.
        let start = sluice_monotonic_nanoseconds()
        let tallies = Mutex<[WorkerTally]>([])
        var threads: [POSIXThread] = []
        for (index, handoff) in handoffs.enumerated() {
            do {
                threads.append(try POSIXThread {
                    let tally = handoff.worker.run(startNanoseconds: start)
                    tallies.withLock { $0.append(tally) }
                })
            } catch {
                // Stop the workers already running, wait for them, free the ones never started.
                control.isStopRequested.store(true, ordering: .relaxed)
                for thread in threads { thread.join() }
                for unstarted in handoffs[index...] { unstarted.worker.discard() }
                throw error
            }
        }
        let wasInterrupted = try watch(control: control, start: start, interval: progressInterval,
                                       onProgress: onProgress, shouldStop: shouldStop)
        while let thread = threads.popLast() { thread.join() }
        let total = tallies.withLock { all in all.reduce(into: WorkerTally()) { $0.merge($1) } }
        return result(total, start: start, wasInterrupted: wasInterrupted)
    }

    /// Polls the workers every 20 ms until all have finished; returns whether a stop was requested.
    private func watch(
        control: RunControl, start: Int64, interval: Duration,
        onProgress: (RunProgress) -> Void, shouldStop: () -> Bool
    ) throws(LoadError) -> Bool {
        let hardEnd = start + plan.duration.nanoseconds + plan.requestTimeout.nanoseconds + 5_000_000_000
        let intervalNanoseconds = max(interval.nanoseconds, 10_000_000)
        var nextProgress = start + intervalNanoseconds
        var wasInterrupted = false
        while !control.workers.allSatisfy({ $0.isFinished.load(ordering: .acquiring) }) {
            let now = sluice_monotonic_nanoseconds()
            guard now < hardEnd else {
                throw .system(call: "load run", reason: "workers did not stop \(plan.requestTimeout.seconds + 5)s after the deadline")
            }
            if !wasInterrupted, shouldStop() {
                wasInterrupted = true
                control.isStopRequested.store(true, ordering: .relaxed)
            }
            if now >= nextProgress {
                nextProgress += intervalNanoseconds
                onProgress(snapshot(control, elapsed: now - start))
            }
            usleep(20_000)
        }
        return wasInterrupted
    }

    private func snapshot(_ control: RunControl, elapsed: Int64) -> RunProgress {
        var progress = RunProgress(elapsedSeconds: Double(elapsed) / 1e9, completed: 0, failed: 0, inFlight: 0)
        for counters in control.workers {
            progress.completed += counters.completed.load(ordering: .relaxed)
            progress.failed += counters.failed.load(ordering: .relaxed)
            progress.inFlight += counters.inFlight.load(ordering: .relaxed)
        }
        return progress
    }

    private func result(_ total: WorkerTally, start: Int64, wasInterrupted: Bool) -> RunResult {
        var statusCounts: [Int: Int] = [:]
        for (status, count) in total.statusCounts.enumerated() where count > 0 { statusCounts[status] = count }
        let end = total.lastCompletionNanoseconds > start ? total.lastCompletionNanoseconds : sluice_monotonic_nanoseconds()
        return RunResult(
            plan: plan,
            elapsedSeconds: Double(end - start) / 1e9,
            latencyMicroseconds: total.latency,
            statusCounts: statusCounts,
            errorCounts: total.errorCounts,
            completedRequests: total.completed,
            failedRequests: total.failed,
            acknowledgedItems: total.acknowledgedItems,
            acknowledgedFromBody: total.acknowledgedFromBody,
            acknowledgedAssumed: total.acknowledgedAssumed,
            acknowledgedUnknown: total.acknowledgedUnknown,
            connectionsOpened: total.connectionsOpened,
            unsentRequests: total.unsent,
            wasInterrupted: wasInterrupted
        )
    }
}

/// Moves a worker to its thread. `@unchecked Sendable` because ownership is handed over once:
/// after starting the thread, the coordinating thread never touches the worker again.
private final class WorkerHandoff: @unchecked Sendable {
    let worker: Worker
    init(_ worker: Worker) { self.worker = worker }
}
