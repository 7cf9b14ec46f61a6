/// The open model's due times for one worker: the run's global schedule is
/// `start + n / rate` for n = 0, 1, 2, ...; worker `w` of `W` owns every n with n % W == w,
/// so the workers together send at the full rate, evenly interleaved.
///
/// Due times do not move when the server is slow: a request that cannot be sent on time keeps
/// its due time, and its latency includes the wait (coordinated-omission correction, as in wrk2).
struct PacingSchedule {
    let startNanoseconds: Int64
    let requestsPerSecond: Double
    let worker: Int
    let workerCount: Int
    /// Due times at or after this are not issued (the run's end).
    let endNanoseconds: Int64
    /// Global request numbers at or past this are not issued (`--requests`).
    let globalLimit: Int

    /// The next of this worker's requests, as a global request number.
    private(set) var nextGlobalNumber: Int

    init(startNanoseconds: Int64, requestsPerSecond: Double, worker: Int, workerCount: Int,
         endNanoseconds: Int64, globalLimit: Int) {
        self.startNanoseconds = startNanoseconds
        self.requestsPerSecond = requestsPerSecond
        self.worker = worker
        self.workerCount = workerCount
        self.endNanoseconds = endNanoseconds
        self.globalLimit = globalLimit
        self.nextGlobalNumber = worker
    }

    /// The due time of the next request, or nil when the schedule is exhausted.
    var nextDueNanoseconds: Int64? {
        guard nextGlobalNumber < globalLimit else { return nil }
        let due = startNanoseconds + Int64((Double(nextGlobalNumber) * 1e9 / requestsPerSecond).rounded())
        return due < endNanoseconds ? due : nil
    }

    /// Takes the next request if it is due by `now`; returns its due time.
    mutating func takeDue(now: Int64) -> Int64? {
        guard let due = nextDueNanoseconds, due <= now else { return nil }
        nextGlobalNumber += workerCount
        return due
    }

    /// Requests that were due by `now` but not taken: the backlog a stalled server left behind.
    func overdueCount(now: Int64) -> Int {
        var count = 0
        var probe = self
        while probe.takeDue(now: now) != nil { count += 1 } // bounded by endNanoseconds and globalLimit
        return count
    }
}
