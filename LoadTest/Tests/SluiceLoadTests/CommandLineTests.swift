import Foundation
import Testing

/// The built `sluice-load` executable, run as a person would.
@Suite("Command line", .serialized)
struct CommandLineTests {
    @Test(arguments: [
        ["--url", "ftp://127.0.0.1/batch"],
        ["--url", "http://"],
        ["--url", "http://127.0.0.1:1/batch", "--duration", "1s"],
        ["--rate", "0"],
        ["--rate", "abc"],
        ["--connections", "0"],
        ["--body-file", "/nonexistent/body.json"],
        ["--duration", "forever"],
        ["--no-such-flag"],
        ["--engine", "nope"],
    ])
    func badInvocation_ExitsNonZeroWithOneLineOnStderr(arguments: [String]) throws {
        let outcome = try ExecutableRunner.run(arguments, timeoutSeconds: 30)
        #expect(outcome.status != 0)
        #expect(outcome.standardOutput.isEmpty)
        let lines = outcome.standardError.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "stderr: \(outcome.standardError)")
        #expect(lines.first?.hasPrefix("sluice-load: error: ") == true)
    }

    @Test func help_ExitsZero() throws {
        let outcome = try ExecutableRunner.run(["--help"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("--connections"))
        #expect(outcome.standardOutput.contains("--rate"))
    }

    @Test func jsonRun_ReportsCountsServerMetricsAndWritesTheChart() throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-load-\(getpid()).svg").path
        defer { try? FileManager.default.removeItem(atPath: chart) }
        let outcome = try ExecutableRunner.run([
            "--url", server.batchURL, "--connections", "3", "--requests", "60", "--items", "5", "--json", "--svg", chart,
        ])
        #expect(outcome.status == 0, "stderr: \(outcome.standardError)")
        #expect(outcome.standardError.isEmpty)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(report["requests"] as? Int == 60)
        #expect(report["items_acknowledged"] as? Int == 300)
        let serverReport = try #require(report["server"] as? [String: Any])
        #expect(serverReport["available"] as? Bool == true)
        #expect(serverReport["items_accepted"] as? Int == 300)
        #expect(serverReport["items_agree"] as? Bool == true)
        #expect(serverReport["heap_allocations_per_item"] as? Double == 3)
        #expect(server.metricsRequests.load(ordering: .relaxed) == 2, "scraped before and after")
        let svg = try String(contentsOfFile: chart, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("</svg>"))
    }

    @Test func textRun_WithoutMetricsEndpoint_SaysSoAndCarriesOn() throws {
        let server = try TestHTTPServer(.init(servesMetrics: false))
        defer { server.stop() }
        let outcome = try ExecutableRunner.run(["--url", server.batchURL, "-c", "2", "-n", "20", "--items", "3"])
        #expect(outcome.status == 0, "stderr: \(outcome.standardError)")
        #expect(outcome.standardOutput.contains("server metrics unavailable"))
        #expect(outcome.standardOutput.contains("answered 404"))
        #expect(outcome.standardOutput.contains("60 acknowledged"))
        #expect(!outcome.standardOutput.contains("\u{1B}["), "no progress line when stdout is not a terminal")
    }
}
