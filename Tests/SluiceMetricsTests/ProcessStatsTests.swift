import Glibc
import Testing
@testable import SluiceMetrics

@Suite struct ProcessStatsTests {
    @Test func current_IsPlausibleForTheTestProcess() {
        let stats = ProcessStats.current()
        #expect(stats.residentMemoryBytes > 1 << 20)
        #expect(stats.virtualMemoryBytes >= stats.residentMemoryBytes)
        #expect(stats.threads >= 1)
        #expect(stats.openFDs >= 3, "stdin, stdout and stderr at least")
        #expect(stats.maxFDs >= UInt64(stats.openFDs))
        #expect(stats.cpuSeconds > 0)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let age = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 - stats.startTimeSeconds
        // btime has whole-second resolution, so a just-started process may seem up to ~1 s
        // younger than it is, even slightly "in the future".
        #expect((-2..<3600).contains(age), "started \(age) s ago")
    }

    @Test func openFDs_CountsDescriptorsHeldOpen() {
        // Tests run in parallel and open and close their own files, so only the descriptors
        // this test holds (plus stdin, stdout, stderr) give a bound that cannot race.
        let held = (0..<32).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        defer { held.forEach { close($0) } }
        #expect(held.allSatisfy { $0 >= 0 })
        #expect(ProcessStats.countOpenFDs() >= 35)
    }

    @Test func residentMemory_MatchesFullRead() {
        let quick = ProcessStats.currentResidentMemoryBytes()
        let full = ProcessStats.current().residentMemoryBytes
        #expect(quick > 0 && full > 0)
        #expect(max(quick, full) - min(quick, full) < 64 << 20)
    }

    @Test func statLine_FieldsCountFromTheLastParenthesis() throws {
        // comm "a) b (c" holds spaces and parentheses; fields 20, 22, 23, 24 are 7, 999, 4096, 3.
        let fields = (3...24).map { field -> String in
            switch field {
            case 3: "S"
            case 20: "7"
            case 22: "999"
            case 23: "4096"
            case 24: "3"
            default: "0"
            }
        }
        let line = "1234 (a) b (c) " + fields.joined(separator: " ") + " 0 0\n"
        let stat = try #require(ProcSelfStat.parse(Array(line.utf8)))
        #expect(stat == ProcSelfStat(threads: 7, startTicks: 999, virtualBytes: 4096, residentPages: 3))
    }

    @Test(arguments: ["", "1234 (x", "1234 (x) S 1 2", "1234 no-parenthesis"])
    func statLine_Malformed_IsNil(line: String) {
        #expect(ProcSelfStat.parse(Array(line.utf8)) == nil)
    }

    @Test func keyedValue_FindsBootTime() {
        let text = Array("cpu  1 2 3\nintr 5 6 7\nbtime 1764213600\nprocesses 9\n".utf8)
        #expect(ProcText.value(afterKey: "btime", in: text) == 1_764_213_600)
        #expect(ProcText.value(afterKey: "missing", in: text) == nil)
        #expect(ProcessStats.bootTimeSeconds > 1_000_000_000)
    }
}
