import CCurl

/// One load thread: a multi handle, its easy handles, and the loop that keeps them busy.
///
/// Closed model: every idle handle is re-sent at once, so `connections` requests are always in
/// flight. Open model: handles are sent when the ``PacingSchedule`` says a request is due; if
/// none is idle, the request waits and its latency still counts from its due time.
///
/// Thread-confined: built on the coordinating thread, then run and closed on its own thread.
final class Worker {
    private let index: Int
    private let plan: LoadPlan
    private let control: RunControl
    private let loop: MultiEventLoop
    private let pool: TransferPool
    private var tally = WorkerTally()
    private var schedule: PacingSchedule?
    private var inFlight = 0
    private var isIssuing = true

    init(index: Int, plan: LoadPlan, control: RunControl, body: SharedBody) throws(LoadError) {
        self.index = index
        self.plan = plan
        self.control = control
        let connections = plan.connections(ofWorker: index)
        loop = try MultiEventLoop(connections: connections)
        do {
            pool = try TransferPool(count: connections, plan: plan, body: body)
        } catch {
            loop.close()
            throw error
        }
        for easy in pool.easies { loop.adopt(easy) }
    }

    /// Runs until the plan's bounds are reached and every request has finished, or until
    /// `requestTimeout` (plus a second) after the deadline; then frees the curl handles.
    func run(startNanoseconds start: Int64) -> WorkerTally {
        let deadline = start + plan.duration.nanoseconds
        let drainDeadline = deadline + plan.requestTimeout.nanoseconds + 1_000_000_000
        if case .open(let rate) = plan.model {
            schedule = PacingSchedule(
                startNanoseconds: start, requestsPerSecond: rate, worker: index, workerCount: plan.threads,
                endNanoseconds: deadline, globalLimit: plan.requestLimit ?? Int.max)
        }
        var now = sluice_monotonic_nanoseconds()
        issue(now: now, deadline: deadline)
        while inFlight > 0 || hasMoreToIssue {
            guard now < drainDeadline else { break }
            var wake = min(now + 100_000_000, drainDeadline)
            if isIssuing, schedule == nil { wake = min(wake, deadline) }
            loop.runOnce(wakeNanoseconds: wake)
            now = sluice_monotonic_nanoseconds()
            collectCompletions(now: now)
            if control.isStopRequested.load(ordering: .relaxed) { isIssuing = false }
            issue(now: now, deadline: deadline)
            publishProgress()
        }
        finish(now: now)
        return tally
    }

    private var hasMoreToIssue: Bool {
        guard isIssuing else { return false }
        if let schedule { return schedule.nextDueNanoseconds != nil }
        return true
    }

    /// Sends idle handles: all of them (closed), or as many as are due (open).
    private func issue(now: Int64, deadline: Int64) {
        guard isIssuing else { return }
        if schedule != nil {
            while !pool.idle.isEmpty, let due = schedule?.takeDue(now: now) {
                send(pool.idle.removeLast(), origin: due)
            }
            if !pool.idle.isEmpty, let next = schedule?.nextDueNanoseconds { loop.armPacingTimer(at: next) }
            return
        }
        guard now < deadline else {
            isIssuing = false
            return
        }
        while !pool.idle.isEmpty {
            guard control.takeTicket(limit: plan.requestLimit) else {
                isIssuing = false
                return
            }
            send(pool.idle.removeLast(), origin: now)
        }
    }

    private func send(_ slot: Int, origin: Int64) {
        pool.prepare(slot, originNanoseconds: origin)
        loop.add(pool.easies[slot])
        inFlight += 1
    }

    private func collectCompletions(now: Int64) {
        while let (easy, result) = loop.nextCompletion() {
            let slot = sluice_easy_private_index(easy)
            loop.remove(easy)
            inFlight -= 1
            guard slot >= 0, slot < pool.easies.count else { continue }
            pool.idle.append(slot)
            var connects = 0
            sluice_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
            tally.connectionsOpened += connects
            tally.lastCompletionNanoseconds = now
            guard result == CURLE_OK else {
                tally.recordError(TransferErrorKind(result))
                continue
            }
            var status = 0
            sluice_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            tally.recordResponse(status: status, latencyNanoseconds: now - pool.originNanoseconds[slot])
            if status == 200 { countAcknowledged(slot) }
        }
    }

    /// Items the server acknowledged: its `"accepted"` count, else the batch size if known.
    private func countAcknowledged(_ slot: Int) {
        if let accepted = pool.acceptedCount(slot) {
            tally.acknowledgedItems += accepted
            tally.acknowledgedFromBody += 1
        } else if let items = plan.body.itemsPerRequest {
            tally.acknowledgedItems += items
            tally.acknowledgedAssumed += 1
        } else {
            tally.acknowledgedUnknown += 1
        }
    }

    private func publishProgress() {
        let counters = control.workers[index]
        counters.completed.store(tally.completed, ordering: .relaxed)
        counters.failed.store(tally.failed, ordering: .relaxed)
        counters.inFlight.store(inFlight, ordering: .relaxed)
    }

    /// Frees the curl handles of a worker that will never run.
    func discard() {
        loop.close()
        pool.close()
    }

    /// Abandons what is still in flight after the drain deadline (counted as timeouts), counts
    /// the open model's never-sent backlog, and frees the curl handles.
    private func finish(now: Int64) {
        for slot in pool.easies.indices where !pool.idle.contains(slot) {
            loop.remove(pool.easies[slot])
            tally.recordError(.timeout)
        }
        inFlight = 0
        tally.unsent = schedule?.overdueCount(now: now) ?? 0
        if tally.lastCompletionNanoseconds == 0 { tally.lastCompletionNanoseconds = now }
        publishProgress()
        loop.close()
        pool.close()
        control.workers[index].isFinished.store(true, ordering: .releasing)
    }
}

@available(*, unavailable)
extension Worker: Sendable {}
