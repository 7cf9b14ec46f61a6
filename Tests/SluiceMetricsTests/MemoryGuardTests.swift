import Synchronization
import Testing
@testable import SluiceMetrics

@Suite struct MemoryGuardTests {
    static let mebibyte: UInt64 = 1 << 20
    let start = ContinuousClock.now

    func makeGuard(limit: UInt64? = 100 << 20, idle: Duration? = nil) -> MemoryGuard {
        MemoryGuard(
            configuration: .init(limitBytes: limit, shedFraction: 0.85, recoverFraction: 0.75, idleTrimInterval: idle, sheddingTrimInterval: .seconds(5)),
            cgroupLimit: nil, trimmer: HeapTrimmer { true })
    }

    @Test func thresholds_DeriveFromTheLimit() {
        let memoryGuard = makeGuard()
        #expect(memoryGuard.limitBytes == 100 * Self.mebibyte)
        #expect(memoryGuard.shedThresholdBytes == 89_128_960)
        #expect(memoryGuard.recoverThresholdBytes == 78_643_200)
    }

    /// One RSS reading per second, fed through the guard; each step's expected actions.
    @Test func rssCrossingThresholds_StartsThenStopsShedding_WithHysteresis() {
        let memoryGuard = makeGuard()
        let steps: [(rssMiB: UInt64, expectShedding: Bool, actions: [MemoryGuard.Action])] = [
            (50, false, []),
            (84, false, []),                                    // below 85 MiB
            (86, true, [.startShedding(residentBytes: 86 << 20, thresholdBytes: 89_128_960), .trim(.overThreshold)]),
            (80, true, []),                                     // between thresholds: still shedding
            (90, true, []),                                     // 2 s after the trim: no retrim yet
            (76, true, []),
            (75, false, [.stopShedding(residentBytes: 75 << 20, thresholdBytes: 78_643_200)]),
            (80, false, []),                                    // below the shed threshold again
        ]
        for (second, step) in steps.enumerated() {
            let rss = step.rssMiB << 20
            let actions = memoryGuard.evaluate(residentBytes: rss, activity: UInt64(second), now: start + .seconds(second))
            #expect(actions == step.actions, "at \(step.rssMiB) MiB")
            #expect(memoryGuard.isShedding == step.expectShedding, "at \(step.rssMiB) MiB")
        }
    }

    @Test func stuckAboveRecovery_RetrimsEverySheddingTrimInterval() {
        let memoryGuard = makeGuard()
        var trims: [Int] = []
        for second in 0...12 {
            let actions = memoryGuard.evaluate(residentBytes: 95 << 20, activity: UInt64(second), now: start + .seconds(second))
            if actions.contains(.trim(.overThreshold)) || actions.contains(.trim(.stillShedding)) { trims.append(second) }
        }
        #expect(trims == [0, 5, 10])
        #expect(memoryGuard.isShedding)
    }

    @Test func idleProcess_TrimsOncePerIdlePeriod() {
        let memoryGuard = makeGuard(limit: 0, idle: .seconds(30))
        var trims: [Int] = []
        // Requests until second 10, idle until 70, a request at 70, idle again.
        for second in stride(from: 0, through: 130, by: 5) {
            let activity: UInt64 = second <= 10 ? UInt64(second) : (second < 70 ? 10 : 11)
            if memoryGuard.evaluate(residentBytes: 1 << 30, activity: activity, now: start + .seconds(second)) == [.trim(.idle)] {
                trims.append(second)
            }
        }
        #expect(trims == [40, 100])
        #expect(!memoryGuard.isShedding, "limit 0 never sheds")
    }

    @Test func handle_PerformsTheTrims() {
        let calls = Atomic<Int>(0)
        let memoryGuard = MemoryGuard(configuration: .init(limitBytes: 100), cgroupLimit: nil, trimmer: HeapTrimmer {
            calls.add(1, ordering: .relaxed)
            return false
        })
        let actions = memoryGuard.handle(residentBytes: 99, activity: 0, now: start)
        #expect(actions.count == 2)
        #expect(calls.load(ordering: .relaxed) == 1)
        #expect(memoryGuard.status() == .init(limitBytes: 100, isShedding: true, trimsTotal: 1))
    }

    @Test(arguments: [(UInt64?.none, UInt64?.some(512 << 20), UInt64(512 << 20)), (nil, nil, 0), (0, 512 << 20, 0), (64 << 20, 512 << 20, 64 << 20)])
    func limit_ConfiguredElseCgroupElseOff(configured: UInt64?, cgroup: UInt64?, expected: UInt64) {
        let memoryGuard = MemoryGuard(configuration: .init(limitBytes: configured), cgroupLimit: cgroup, trimmer: HeapTrimmer { false })
        #expect(memoryGuard.limitBytes == expected)
        #expect(memoryGuard.evaluate(residentBytes: .max, activity: 0, now: start).isEmpty == (expected == 0))
    }
}
