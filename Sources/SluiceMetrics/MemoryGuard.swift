import Synchronization

/// Keeps resident memory under a limit: the counterpart of Go's `debug.SetMemoryLimit`, which
/// Swift lacks because it has no collector to run harder. It sheds load instead (new batches
/// get 503 while `isShedding`) and asks glibc to give free memory back (`malloc_trim`).
///
/// Driven by samples, never by its own clock: each `evaluate` gets the resident size, an
/// activity count (requests so far) and the time, and returns the actions to take.
/// ```
/// let memoryGuard = MemoryGuard(configuration: .init(limitBytes: 512 << 20))
/// // on each monitor sample:
/// memoryGuard.handle(residentBytes: sample.process.residentMemoryBytes, activity: http.requestsTotal, now: .now)
/// // per request:
/// if memoryGuard.isShedding { http.recordLoadShed(.memoryLimit); /* 503 */ }
/// ```
/// Shedding starts at `shedFraction` of the limit and stops only below `recoverFraction`, so a
/// process hovering at the threshold does not flap. With no limit (0) only idle trimming runs.
public final class MemoryGuard: Sendable {
    public struct Configuration: Sendable {
        /// The limit in bytes; 0 turns limiting off; nil derives it from the cgroup.
        public let limitBytes: UInt64?
        /// Shed load from this fraction of the limit up.
        public let shedFraction: Double
        /// Stop shedding at or below this fraction (hysteresis; below `shedFraction`).
        public let recoverFraction: Double
        /// Trim once after this long without requests (`--trim-interval`); nil: never.
        public let idleTrimInterval: Duration?
        /// While shedding, trim again at most this often.
        public let sheddingTrimInterval: Duration

        public init(limitBytes: UInt64? = nil, shedFraction: Double = 0.85, recoverFraction: Double = 0.75, idleTrimInterval: Duration? = nil, sheddingTrimInterval: Duration = .seconds(5)) {
            precondition(0 < recoverFraction && recoverFraction < shedFraction && shedFraction <= 1, "MemoryGuard needs 0 < recoverFraction < shedFraction <= 1")
            self.limitBytes = limitBytes
            self.shedFraction = shedFraction
            self.recoverFraction = recoverFraction
            self.idleTrimInterval = idleTrimInterval
            self.sheddingTrimInterval = sheddingTrimInterval
        }
    }

    /// What the caller should do after an evaluation, in order.
    public enum Action: Sendable, Equatable {
        /// Resident memory reached the shed threshold: refuse new batches.
        case startShedding(residentBytes: UInt64, thresholdBytes: UInt64)
        /// Resident memory fell to the recovery threshold: take batches again.
        case stopShedding(residentBytes: UInt64, thresholdBytes: UInt64)
        /// Return free heap memory to the kernel.
        case trim(TrimReason)
    }

    public enum TrimReason: Sendable, Equatable {
        /// Shedding just started.
        case overThreshold
        /// Still shedding, `sheddingTrimInterval` after the previous trim.
        case stillShedding
        /// No requests for `idleTrimInterval`.
        case idle
    }

    private struct State {
        var isShedding = false
        var lastTrim: ContinuousClock.Instant?
        var activity: UInt64?
        var activitySince: ContinuousClock.Instant?
        var hasTrimmedThisIdle = false
    }

    public let configuration: Configuration
    /// The limit in force: configured, else the cgroup's, else 0 (off).
    public let limitBytes: UInt64
    public let shedThresholdBytes: UInt64
    public let recoverThresholdBytes: UInt64
    /// Performs and counts the trims `handle` decides on.
    public let trimmer: HeapTrimmer
    private let state = Mutex(State())
    private let shedding = Atomic<Bool>(false)

    /// - Parameter cgroupLimit: consulted only when `configuration.limitBytes` is nil.
    public init(configuration: Configuration = .init(), cgroupLimit: @autoclosure () -> UInt64? = CgroupMemoryLimit.detect(), trimmer: HeapTrimmer = HeapTrimmer()) {
        self.configuration = configuration
        limitBytes = configuration.limitBytes ?? cgroupLimit() ?? 0
        shedThresholdBytes = UInt64(Double(limitBytes) * configuration.shedFraction)
        recoverThresholdBytes = UInt64(Double(limitBytes) * configuration.recoverFraction)
        self.trimmer = trimmer
    }

    /// True while new batches should be refused. One relaxed load: cheap on the request path.
    public var isShedding: Bool {
        // Relaxed is enough: the flag publishes no other memory; a request that reads it a
        // moment late is admitted or refused as it would have been a moment earlier.
        shedding.load(ordering: .relaxed)
    }

    /// Decides on one sample; updates `isShedding` before returning. Performs nothing else.
    public func evaluate(residentBytes: UInt64, activity: UInt64, now: ContinuousClock.Instant) -> [Action] {
        let (actions, isShedding) = state.withLock { state -> ([Action], Bool) in
            var actions: [Action] = []
            if state.activity != activity || state.activitySince == nil {
                state.activity = activity
                state.activitySince = now
                state.hasTrimmedThisIdle = false
            }
            if limitBytes > 0 {
                if !state.isShedding, residentBytes >= shedThresholdBytes {
                    state.isShedding = true
                    actions += [.startShedding(residentBytes: residentBytes, thresholdBytes: shedThresholdBytes), .trim(.overThreshold)]
                } else if state.isShedding, residentBytes <= recoverThresholdBytes {
                    state.isShedding = false
                    actions.append(.stopShedding(residentBytes: residentBytes, thresholdBytes: recoverThresholdBytes))
                } else if state.isShedding, let last = state.lastTrim, now - last >= configuration.sheddingTrimInterval {
                    actions.append(.trim(.stillShedding))
                }
            }
            if actions.isEmpty, let idle = configuration.idleTrimInterval, !state.hasTrimmedThisIdle,
               let since = state.activitySince, now - since >= idle {
                state.hasTrimmedThisIdle = true
                actions.append(.trim(.idle))
            }
            if actions.contains(where: { if case .trim = $0 { true } else { false } }) { state.lastTrim = now }
            return (actions, state.isShedding)
        }
        shedding.store(isShedding, ordering: .relaxed)
        return actions
    }

    /// `evaluate`, then performs its trims with `trimmer`. Call it from the monitor's consumer
    /// (off the request path: a trim can take milliseconds). Returns the actions for logging.
    @discardableResult
    public func handle(residentBytes: UInt64, activity: UInt64, now: ContinuousClock.Instant = .now) -> [Action] {
        let actions = evaluate(residentBytes: residentBytes, activity: activity, now: now)
        for case .trim in actions { trimmer.trim() }
        return actions
    }
}
