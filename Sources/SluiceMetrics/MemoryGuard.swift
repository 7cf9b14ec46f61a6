import SluiceSupport
import Synchronization

/// Keeps resident memory under a limit: the counterpart of Go's `debug.SetMemoryLimit`, which
/// Swift lacks because it has no collector to run harder. Most of what a busy sluice holds above
/// its idle size is its own: idle pooled result slabs and I/O buffers. So the guard first gives
/// that back (`ReleasableMemory`) and asks glibc to return the freed pages (`malloc_trim`), the
/// way OpenTelemetry's memory_limiter forces a GC before it refuses data; it sheds load (new
/// batches get 503 while `isShedding`) only when resident memory is still over the threshold
/// after that.
///
/// Driven by calls, never by its own clock: each `handle` gets the resident size from a monitor
/// sample, an activity count (requests so far) and the time; `recheck` reads the resident size
/// itself (the monitor calls it every `recheckInterval` while shedding, so recovery does not wait
/// for the next sample).
/// ```
/// let memoryGuard = MemoryGuard(configuration: .init(limitBytes: 512 << 20), releasable: [slabs, buffers])
/// // on each monitor sample:
/// memoryGuard.handle(residentBytes: sample.process.residentMemoryBytes, activity: http.requestsTotal, now: .now)
/// // every 250 ms while memoryGuard.isShedding:
/// memoryGuard.recheck(activity: http.requestsTotal)
/// // per request:
/// if memoryGuard.isShedding { http.recordLoadShed(.memoryLimit); /* 503 */ }
/// ```
/// Decisions, in order, at each call:
/// 1. Once per `usageWindow`: every pool frees what the window's load did not use (reason
///    `unused`), then a trim if that was at least `trimAfterReleaseBytes`. This is what makes a
///    quiet service give a peak's worth of memory back.
/// 2. Not shedding, resident memory at `shedFraction` of the limit or above: release everything
///    idle (reason `memory_limit`), trim, read the resident size again; shed only if it is still
///    at the threshold.
/// 3. Shedding: if resident memory is over `recoverFraction` of the limit, release and trim
///    again and reread it; stop shedding once it is at or below that (hysteresis: between the
///    two fractions the state holds, so a process hovering at a threshold does not flap).
/// 4. After `idleTrimInterval` without requests, one trim per idle period.
/// With no limit (0) only 1 and 4 run.
///
/// Calls are serialized (the monitor makes them on one queue; concurrent callers wait), and the
/// releasers and the trimmer run inside them: they must not call back into the guard.
package final class MemoryGuard: Sendable {
    package struct Configuration: Sendable {
        /// The limit in bytes; 0 turns limiting off; nil derives it from the cgroup.
        package let limitBytes: UInt64?
        /// Shed load from this fraction of the limit up.
        package let shedFraction: Double
        /// Stop shedding at or below this fraction (hysteresis; below `shedFraction`).
        package let recoverFraction: Double
        /// Trim once after this long without requests (`--trim-interval`); nil: never.
        package let idleTrimInterval: Duration?
        /// How often the pools give back what their load did not use; nil: never.
        package let usageWindow: Duration?
        /// A window's release of at least this many bytes is followed by a trim, so the freed
        /// heap reaches the kernel instead of staying in malloc's free lists.
        package let trimAfterReleaseBytes: Int
        /// While shedding, check at least this often (the monitor's recheck timer).
        package let recheckInterval: Duration

        package init(limitBytes: UInt64? = nil, shedFraction: Double = 0.85, recoverFraction: Double = 0.75, idleTrimInterval: Duration? = nil,
                    usageWindow: Duration? = .seconds(1), trimAfterReleaseBytes: Int = 1 << 20, recheckInterval: Duration = .milliseconds(250)) {
            precondition(0 < recoverFraction && recoverFraction < shedFraction && shedFraction <= 1, "MemoryGuard needs 0 < recoverFraction < shedFraction <= 1")
            precondition(usageWindow.map { $0 > .zero } ?? true, "MemoryGuard usageWindow must be positive")
            precondition(recheckInterval > .zero, "MemoryGuard recheckInterval must be positive")
            self.limitBytes = limitBytes
            self.shedFraction = shedFraction
            self.recoverFraction = recoverFraction
            self.idleTrimInterval = idleTrimInterval
            self.usageWindow = usageWindow
            self.trimAfterReleaseBytes = trimAfterReleaseBytes
            self.recheckInterval = recheckInterval
        }
    }

    /// What a call did, in order (for logging and tests).
    package enum Action: Sendable, Equatable {
        /// Idle pooled memory was freed (all pools together).
        case released(MemoryReleaseReason, bytes: Int)
        /// Free heap memory was returned to the kernel.
        case trim(TrimReason)
        /// Resident memory reached the shed threshold, and releasing brought it back under.
        case stayedUnderThreshold(residentBytes: UInt64, releasedToBytes: UInt64)
        /// Resident memory is still at the shed threshold after releasing: refusing new batches.
        case startShedding(residentBytes: UInt64, thresholdBytes: UInt64)
        /// Resident memory is at or under the recovery threshold: taking batches again.
        case stopShedding(residentBytes: UInt64, thresholdBytes: UInt64)
    }

    package enum TrimReason: Sendable, Equatable {
        /// Resident memory reached the shed threshold (before deciding to shed).
        case overThreshold
        /// A check while shedding, resident memory still over the recovery threshold.
        case stillShedding
        /// A usage window freed at least `trimAfterReleaseBytes`.
        case released
        /// No requests for `idleTrimInterval`.
        case idle
    }

    /// What only the calls touch; held for a whole call.
    private struct Decisions {
        var isShedding = false
        var activity: UInt64?
        var activitySince: ContinuousClock.Instant?
        var hasTrimmedThisIdle = false
        var windowStart: ContinuousClock.Instant?
    }

    /// Time spent shedding, read by `status()`; never held during a release or a trim.
    private struct SheddingTime {
        var total: Duration = .zero
        var since: ContinuousClock.Instant?
        /// The largest total reported: a scrape timed just after a call's `now` must not make
        /// the counter step back when that call ends the episode.
        var reported: Duration = .zero
    }

    package let configuration: Configuration
    /// The limit in force: configured, else the cgroup's, else 0 (off).
    package let limitBytes: UInt64
    package let shedThresholdBytes: UInt64
    package let recoverThresholdBytes: UInt64
    /// Performs and counts the trims.
    package let trimmer: HeapTrimmer
    /// The pools the guard can ask for memory, in `status().released` order.
    package let releasable: [ReleasableMemory]
    private let readResidentBytes: @Sendable () -> UInt64
    private let decisions = Mutex(Decisions())
    private let sheddingTime = Mutex(SheddingTime())
    private let shedding = Atomic<Bool>(false)
    /// Bytes released per pool and reason: slot `pool * reasons + reason`.
    private let releasedBytes: CounterSlab

    /// - Parameters:
    ///   - cgroupLimit: consulted only when `configuration.limitBytes` is nil.
    ///   - releasable: the pools asked to give memory back.
    ///   - residentBytes: reads the resident size now (after a release and trim, and in `recheck`).
    package init(configuration: Configuration = .init(), cgroupLimit: @autoclosure () -> UInt64? = CgroupMemoryLimit.detect(),
                trimmer: HeapTrimmer = HeapTrimmer(), releasable: [ReleasableMemory] = [],
                residentBytes: @escaping @Sendable () -> UInt64 = { ProcessStats.currentResidentMemoryBytes() }) {
        self.configuration = configuration
        limitBytes = configuration.limitBytes ?? cgroupLimit() ?? 0
        shedThresholdBytes = UInt64(Double(limitBytes) * configuration.shedFraction)
        recoverThresholdBytes = UInt64(Double(limitBytes) * configuration.recoverFraction)
        self.trimmer = trimmer
        self.releasable = releasable
        readResidentBytes = residentBytes
        releasedBytes = CounterSlab(count: max(1, releasable.count * MemoryReleaseReason.allCases.count))
    }

    /// True while new batches should be refused. One relaxed load: cheap on the request path.
    package var isShedding: Bool {
        // Relaxed is enough: the flag publishes no other memory; a request that reads it a
        // moment late is admitted or refused as it would have been a moment earlier.
        shedding.load(ordering: .relaxed)
    }

    /// Decides on one sample and acts (releases, trims, sets `isShedding`). Call it from the
    /// monitor's consumer, off the request path: a trim can take milliseconds. Returns what it did.
    @discardableResult
    package func handle(residentBytes: UInt64, activity: UInt64, now: ContinuousClock.Instant = .now) -> [Action] {
        decisions.withLock { state in
            var actions: [Action] = []
            var trimmed = false
            if state.activity != activity || state.activitySince == nil {
                state.activity = activity
                state.activitySince = now
                state.hasTrimmedThisIdle = false
            }
            if let window = configuration.usageWindow {
                if let start = state.windowStart, now - start >= window {
                    state.windowStart = now
                    let bytes = release(.unused, into: &actions)
                    if bytes > 0, bytes >= configuration.trimAfterReleaseBytes {
                        trim(.released, into: &actions)
                        trimmed = true
                    }
                } else if state.windowStart == nil {
                    state.windowStart = now
                }
            }
            if limitBytes > 0 {
                if !state.isShedding, residentBytes >= shedThresholdBytes {
                    let relieved = relieve(.overThreshold, into: &actions)
                    trimmed = true
                    if relieved >= shedThresholdBytes {
                        state.isShedding = true
                        setShedding(true, now: now)
                        actions.append(.startShedding(residentBytes: relieved, thresholdBytes: shedThresholdBytes))
                    } else {
                        actions.append(.stayedUnderThreshold(residentBytes: residentBytes, releasedToBytes: relieved))
                    }
                } else if state.isShedding {
                    var current = residentBytes
                    if current > recoverThresholdBytes {
                        current = relieve(.stillShedding, into: &actions)
                        trimmed = true
                    }
                    if current <= recoverThresholdBytes {
                        state.isShedding = false
                        setShedding(false, now: now)
                        actions.append(.stopShedding(residentBytes: current, thresholdBytes: recoverThresholdBytes))
                    }
                }
            }
            if !trimmed, let idle = configuration.idleTrimInterval, !state.hasTrimmedThisIdle,
               let since = state.activitySince, now - since >= idle {
                state.hasTrimmedThisIdle = true
                trim(.idle, into: &actions)
            }
            return actions
        }
    }

    /// `handle` with the resident size read now: the monitor's check between samples while
    /// shedding, so an episode ends within `recheckInterval` of memory coming down.
    @discardableResult
    package func recheck(activity: UInt64, now: ContinuousClock.Instant = .now) -> [Action] {
        handle(residentBytes: readResidentBytes(), activity: activity, now: now)
    }

    /// Releases everything idle, trims, and returns the resident size read afterwards.
    private func relieve(_ reason: TrimReason, into actions: inout [Action]) -> UInt64 {
        release(.memoryLimit, into: &actions)
        trim(reason, into: &actions)
        return readResidentBytes()
    }

    /// Asks every pool to release for `reason`, counts the bytes per pool; returns their sum.
    @discardableResult
    private func release(_ reason: MemoryReleaseReason, into actions: inout [Action]) -> Int {
        var total = 0
        for (index, pool) in releasable.enumerated() {
            let bytes = max(0, reason == .unused ? pool.releaseUnused() : pool.releaseIdle())
            releasedBytes.add(UInt64(bytes), at: index * MemoryReleaseReason.allCases.count + reason.rawValue)
            total += bytes
        }
        if total > 0 { actions.append(.released(reason, bytes: total)) }
        return total
    }

    private func trim(_ reason: TrimReason, into actions: inout [Action]) {
        trimmer.trim()
        actions.append(.trim(reason))
    }

    private func setShedding(_ isShedding: Bool, now: ContinuousClock.Instant) {
        sheddingTime.withLock { time in
            if isShedding {
                time.since = now
            } else if let since = time.since {
                time.total += max(.zero, now - since)
                time.since = nil
            }
        }
        shedding.store(isShedding, ordering: .relaxed)
    }

    /// Time spent shedding up to `now`, the current episode included.
    package func sheddingDuration(now: ContinuousClock.Instant = .now) -> Duration {
        sheddingTime.withLock { time in
            time.reported = max(time.reported, time.total + (time.since.map { max(.zero, now - $0) } ?? .zero))
            return time.reported
        }
    }

    /// Bytes released so far, per pool and reason (every pair, zeros included), pools in
    /// `releasable` order.
    package func releasedBytesTotals() -> [Status.Released] {
        releasable.enumerated().flatMap { index, pool in
            MemoryReleaseReason.allCases.map { reason in
                Status.Released(pool: pool.name, reason: reason,
                                bytes: releasedBytes.load(at: index * MemoryReleaseReason.allCases.count + reason.rawValue))
            }
        }
    }
}
