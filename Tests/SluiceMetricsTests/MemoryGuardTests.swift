import Synchronization
import Testing
@testable import SluiceMetrics

/// A process as the guard sees it: resident memory is what the service needs (`held`), plus
/// what its pools keep idle, plus what was freed but not yet trimmed. Releasing moves pooled
/// bytes to freed; a trim returns the freed bytes to the kernel. Every call is logged in order.
final class SimulatedMemory: Sendable {
    struct State {
        var held: UInt64 = 0
        var pooled: UInt64 = 0
        /// What the pools' current usage window did not use (≤ pooled).
        var unused: UInt64 = 0
        var freed: UInt64 = 0
        var calls: [String] = []
    }

    let state = Mutex(State())

    func set(held: UInt64, pooled: UInt64 = 0, unused: UInt64 = 0) {
        state.withLock { state in
            state.held = held
            state.pooled = pooled
            state.unused = min(unused, pooled)
        }
    }

    var residentBytes: UInt64 { state.withLock { $0.held + $0.pooled + $0.freed } }
    var calls: [String] { state.withLock { $0.calls } }
    func clearCalls() { state.withLock { $0.calls.removeAll() } }

    func readResident() -> UInt64 {
        state.withLock { state in
            state.calls.append("read")
            return state.held + state.pooled + state.freed
        }
    }

    var pool: ReleasableMemory {
        ReleasableMemory(name: "slabs", releaseUnused: { [self] in
            state.withLock { state in
                state.calls.append("releaseUnused")
                let bytes = state.unused
                state.pooled -= bytes
                state.freed += bytes
                state.unused = 0
                return Int(bytes)
            }
        }, releaseIdle: { [self] in
            state.withLock { state in
                state.calls.append("releaseIdle")
                let bytes = state.pooled
                state.freed += bytes
                state.pooled = 0
                state.unused = 0
                return Int(bytes)
            }
        })
    }

    var trimmer: HeapTrimmer {
        HeapTrimmer { [self] in
            state.withLock { state in
                state.calls.append("trim")
                defer { state.freed = 0 }
                return state.freed > 0
            }
        }
    }
}

@Suite struct MemoryGuardTests {
    static let mebibyte: UInt64 = 1 << 20
    let start = ContinuousClock.now

    /// A guard over `memory` with a 100 MiB limit (shed at 85, recover at 75 MiB).
    func makeGuard(_ memory: SimulatedMemory, limit: UInt64? = 100 << 20, idle: Duration? = nil, window: Duration? = nil) -> MemoryGuard {
        MemoryGuard(
            configuration: .init(limitBytes: limit, shedFraction: 0.85, recoverFraction: 0.75, idleTrimInterval: idle, usageWindow: window),
            cgroupLimit: nil, trimmer: memory.trimmer, releasable: [memory.pool], residentBytes: { memory.readResident() })
    }

    func second(_ value: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(value * 1000)) }

    @Test func thresholds_DeriveFromTheLimit() {
        let memoryGuard = makeGuard(SimulatedMemory())
        #expect(memoryGuard.limitBytes == 100 * Self.mebibyte)
        #expect(memoryGuard.shedThresholdBytes == 89_128_960)
        #expect(memoryGuard.recoverThresholdBytes == 78_643_200)
    }

    @Test func overThreshold_ReleasesAndTrimsFirst_AndDoesNotShedWhenThatBringsRSSUnder() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 70 << 20, pooled: 20 << 20)          // 90 MiB, 20 of them idle in the pool
        let actions = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 1, now: start)
        #expect(actions == [.released(.memoryLimit, bytes: 20 << 20), .trim(.overThreshold),
                            .stayedUnderThreshold(residentBytes: 90 << 20, releasedToBytes: 70 << 20)])
        #expect(memory.calls == ["releaseIdle", "trim", "read"], "release, then trim, then the decision on a fresh reading")
        #expect(!memoryGuard.isShedding)
        #expect(memoryGuard.releasedBytesTotals() == [
            .init(pool: "slabs", reason: .unused, bytes: 0), .init(pool: "slabs", reason: .memoryLimit, bytes: 20 << 20)])
    }

    @Test func overThreshold_ShedsOnlyWhenStillOverAfterReleasing() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 88 << 20, pooled: 4 << 20)           // what is in use alone is over 85 MiB
        let actions = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 1, now: start)
        #expect(actions == [.released(.memoryLimit, bytes: 4 << 20), .trim(.overThreshold),
                            .startShedding(residentBytes: 88 << 20, thresholdBytes: 89_128_960)])
        #expect(memoryGuard.isShedding)
    }

    /// Shedding: each check releases what came back to the pools and trims; the episode ends at
    /// the first check that finds RSS at or under the recovery threshold, not a sample later.
    @Test func whileShedding_EachCheckReleasesAgain_AndRecoversAtTheFirstCheckUnderRecovery() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 90 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 1, now: start)
        #expect(memoryGuard.isShedding)

        // The buffer drains partly: its slabs return to the pool, RSS unchanged (80 MiB in use
        // and idle together is between the thresholds... until the release).
        memory.set(held: 78 << 20, pooled: 12 << 20)
        memory.clearCalls()
        var actions = memoryGuard.recheck(activity: 2, now: second(0.25))
        #expect(memory.calls == ["read", "releaseIdle", "trim", "read"])
        #expect(actions == [.released(.memoryLimit, bytes: 12 << 20), .trim(.stillShedding)], "78 MiB is still over 75")
        #expect(memoryGuard.isShedding)

        // Drained: the pool holds it all now; releasing brings RSS under the recovery threshold.
        memory.set(held: 60 << 20, pooled: 18 << 20)
        actions = memoryGuard.recheck(activity: 3, now: second(0.5))
        #expect(actions == [.released(.memoryLimit, bytes: 18 << 20), .trim(.stillShedding),
                            .stopShedding(residentBytes: 60 << 20, thresholdBytes: 78_643_200)])
        #expect(!memoryGuard.isShedding)
    }

    @Test func whileShedding_ARSSAlreadyUnderRecovery_StopsWithoutReleasing() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 90 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 1, now: start)
        memory.set(held: 70 << 20, pooled: 3 << 20)
        memory.clearCalls()
        let actions = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 2, now: second(1))
        #expect(actions == [.stopShedding(residentBytes: 73 << 20, thresholdBytes: 78_643_200)])
        #expect(memory.calls.isEmpty)
    }

    /// RSS readings fed through the guard where nothing is idle to release: between the two
    /// thresholds the state holds either way.
    @Test func hysteresis_BetweenTheThresholdsTheStateHolds() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        let steps: [(rssMiB: UInt64, shedding: Bool)] = [
            (50, false), (84, false), (86, true), (80, true), (90, true), (76, true), (75, false), (80, false), (84, false), (85, true),
        ]
        for (index, step) in steps.enumerated() {
            memory.set(held: step.rssMiB << 20)
            _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: UInt64(index), now: second(Double(index)))
            #expect(memoryGuard.isShedding == step.shedding, "at \(step.rssMiB) MiB")
        }
    }

    @Test func stuckAboveRecovery_TrimsAtEveryCheck() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 95 << 20)
        var trims = 0
        for check in 0..<8 {
            let actions = memoryGuard.recheck(activity: UInt64(check), now: second(Double(check) * 0.25))
            trims += actions.filter { $0 == .trim(.overThreshold) || $0 == .trim(.stillShedding) }.count
        }
        #expect(trims == 8)
        #expect(memoryGuard.isShedding)
    }

    @Test func sheddingSeconds_CountEveryEpisode_IncludingTheCurrentOne() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 90 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 1, now: second(10))
        #expect(memoryGuard.sheddingDuration(now: second(12)) == .seconds(2))
        memory.set(held: 70 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 2, now: second(13.5))
        #expect(memoryGuard.sheddingDuration(now: second(20)) == .milliseconds(3500))
        memory.set(held: 90 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 3, now: second(30))
        #expect(memoryGuard.status(now: second(31)).sheddingSecondsTotal == 4.5)
    }

    @Test func sheddingSeconds_NeverStepBack() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 90 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 1, now: second(0))
        #expect(memoryGuard.sheddingDuration(now: second(5)) == .seconds(5))
        // The call that ends the episode took its time before that scrape.
        memory.set(held: 70 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 2, now: second(4))
        #expect(memoryGuard.sheddingDuration(now: second(6)) == .seconds(5))
    }

    @Test func usageWindow_ReleasesWhatTheLoadDidNotUse_OncePerWindow_AndTrimsAfterALargeRelease() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory, limit: 0, window: .seconds(1))
        memory.set(held: 20 << 20, pooled: 8 << 20, unused: 6 << 20)
        #expect(memoryGuard.handle(residentBytes: memory.residentBytes, activity: 1, now: second(0)).isEmpty, "the first call opens a window")
        #expect(memoryGuard.handle(residentBytes: memory.residentBytes, activity: 2, now: second(0.5)).isEmpty)
        #expect(memoryGuard.handle(residentBytes: memory.residentBytes, activity: 3, now: second(1)) ==
                [.released(.unused, bytes: 6 << 20), .trim(.released)])
        #expect(memory.residentBytes == 22 << 20)
        // Under a mebibyte: released but not worth a trim.
        memory.set(held: 20 << 20, pooled: 2 << 20, unused: 512 << 10)
        #expect(memoryGuard.handle(residentBytes: memory.residentBytes, activity: 4, now: second(1.5)).isEmpty)
        #expect(memoryGuard.handle(residentBytes: memory.residentBytes, activity: 5, now: second(2)) == [.released(.unused, bytes: 512 << 10)])
        // Nothing unused: nothing to report.
        #expect(memoryGuard.handle(residentBytes: memory.residentBytes, activity: 6, now: second(3)).isEmpty)
        #expect(memory.calls.filter { $0 == "releaseUnused" }.count == 3)
        #expect(memoryGuard.status().released.first { $0.reason == .unused }?.bytes == (6 << 20) + (512 << 10))
        #expect(!memoryGuard.isShedding, "limit 0 never sheds")
    }

    @Test func idleProcess_TrimsOncePerIdlePeriod() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory, limit: 0, idle: .seconds(30))
        memory.set(held: 1 << 30)
        var trims: [Int] = []
        // Requests until second 10, idle until 70, a request at 70, idle again.
        for second in stride(from: 0, through: 130, by: 5) {
            let activity: UInt64 = second <= 10 ? UInt64(second) : (second < 70 ? 10 : 11)
            if memoryGuard.handle(residentBytes: memory.residentBytes, activity: activity, now: start + .seconds(second)) == [.trim(.idle)] {
                trims.append(second)
            }
        }
        #expect(trims == [40, 100])
        #expect(memoryGuard.trimmer.trimsTotal == 2)
    }

    @Test func status_ReportsLimitSheddingTrimsAndReleasedBytes() {
        let memory = SimulatedMemory()
        let memoryGuard = makeGuard(memory)
        memory.set(held: 88 << 20, pooled: 4 << 20)
        _ = memoryGuard.handle(residentBytes: memory.residentBytes, activity: 0, now: second(0))
        let status = memoryGuard.status(now: second(2))
        #expect(status == .init(limitBytes: 100 << 20, isShedding: true, trimsTotal: 1, sheddingSecondsTotal: 2, released: [
            .init(pool: "slabs", reason: .unused, bytes: 0), .init(pool: "slabs", reason: .memoryLimit, bytes: 4 << 20)]))
    }

    @Test(arguments: [(UInt64?.none, UInt64?.some(512 << 20), UInt64(512 << 20)), (nil, nil, 0), (0, 512 << 20, 0), (64 << 20, 512 << 20, 64 << 20)])
    func limit_ConfiguredElseCgroupElseOff(configured: UInt64?, cgroup: UInt64?, expected: UInt64) {
        let memoryGuard = MemoryGuard(configuration: .init(limitBytes: configured), cgroupLimit: cgroup, trimmer: HeapTrimmer { false },
                                      residentBytes: { .max })
        #expect(memoryGuard.limitBytes == expected)
        #expect(memoryGuard.handle(residentBytes: .max, activity: 0, now: start).isEmpty == (expected == 0))
        #expect(memoryGuard.isShedding == (expected > 0))
    }
}
