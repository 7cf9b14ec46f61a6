import CCurl

/// One load thread: its transport's slots, and the loop that keeps them busy.
///
/// Closed model: every idle slot gets its next request at once, so `connections` requests are always in
/// flight. Open model: requests start when the ``PacingSchedule`` says a request is due; if
/// no slot is idle, the request waits and its latency still counts from its due time.
///
/// Thread-confined: built on the coordinating thread, then run and closed on its own thread.
final class Worker {
    private let index: Int
    private let plan: LoadPlan
    private let control: RunControl
    private let transport: any RequestTransport
    /// Slots with no request in flight.
    private var idle: [Int]
    /// When each in-flight request's latency starts: the send time (closed model) or the due
    /// time (open model).
    private var originNanoseconds: [Int64]
    private var finished: [FinishedRequest] = []
    private var tally = WorkerTally()
    private var schedule: PacingSchedule?
    private var inFlight = 0
    private var isIssuing = true

    init(index: Int, plan: LoadPlan, control: RunControl, request: RequestMessage) throws(LoadError) {
        self.index = index
        self.plan = plan
        self.control = control
        let slots = plan.connections(ofWorker: index)
        switch plan.engine {
        case .wire: transport = try WireTransport(slots: slots, plan: plan, request: request)
        case .curl: transport = try CurlTransport(slots: slots, plan: plan, body: request.body)
        }
        idle = Array((0..<slots).reversed())
        originNanoseconds = Array(repeating: 0, count: slots)
        finished.reserveCapacity(slots)
    }

    /// Runs until the plan's bounds are reached and every request has finished, or until
    /// `requestTimeout` (plus a second) after the deadline; then frees the transport.
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
            transport.poll(wakeNanoseconds: wake, finished: &finished)
            now = sluice_monotonic_nanoseconds()
            collectFinished(now: now)
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

    /// Starts requests on idle slots: all of them (closed), or as many as are due (open).
    private func issue(now: Int64, deadline: Int64) {
        guard isIssuing else { return }
        if schedule != nil {
            while !idle.isEmpty, let due = schedule?.takeDue(now: now) {
                start(idle.removeLast(), origin: due)
            }
            if !idle.isEmpty, let next = schedule?.nextDueNanoseconds { transport.armPacingTimer(at: next) }
            return
        }
        guard now < deadline else {
            isIssuing = false
            return
        }
        while !idle.isEmpty {
            guard control.takeTicket(limit: plan.requestLimit) else {
                isIssuing = false
                return
            }
            start(idle.removeLast(), origin: now)
        }
    }

    private func start(_ slot: Int, origin: Int64) {
        originNanoseconds[slot] = origin
        inFlight += 1
        transport.start(slot)
    }

    private func collectFinished(now: Int64) {
        guard !finished.isEmpty else { return }
        for request in finished {
            idle.append(request.slot)
            inFlight -= 1
            tally.lastCompletionNanoseconds = now
            switch request.outcome {
            case .failed(let kind):
                tally.recordError(kind)
            case .response(let status, let accepted):
                tally.recordResponse(status: status, latencyNanoseconds: now - originNanoseconds[request.slot])
                if status == 200 { countAcknowledged(accepted) }
            }
        }
        finished.removeAll(keepingCapacity: true)
    }

    /// Items the server acknowledged: its `"accepted"` count, else the batch size if known.
    private func countAcknowledged(_ accepted: Int?) {
        if let accepted {
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

    /// Frees the transport of a worker that will never run.
    func discard() {
        transport.close()
    }

    /// Abandons what is still in flight after the drain deadline (counted as timeouts), counts
    /// the open model's never-sent backlog, and frees the transport.
    private func finish(now: Int64) {
        var isIdle = [Bool](repeating: false, count: originNanoseconds.count)
        for slot in idle { isIdle[slot] = true }
        for slot in isIdle.indices where !isIdle[slot] {
            transport.abandon(slot)
            tally.recordError(.timeout)
        }
        inFlight = 0
        tally.unsent = schedule?.overdueCount(now: now) ?? 0
        tally.connectionsOpened = transport.connectionsOpened
        if tally.lastCompletionNanoseconds == 0 { tally.lastCompletionNanoseconds = now }
        publishProgress()
        transport.close()
        control.workers[index].isFinished.store(true, ordering: .releasing)
    }
}

@available(*, unavailable)
extension Worker: Sendable {}
