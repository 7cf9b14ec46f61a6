import Foundation
import SluiceLoad
import Testing

/// `sluice-load` (the built executable) against the real `sluice` server built by the main
/// package: every item the tester saw acknowledged must be counted by the server's /metrics and,
/// after SIGTERM, be a line in the file sink.
///
/// The server binary is `$SLUICE_BINARY`, else `../.build/debug/sluice` next to this package
/// (the README's test command builds it first). Without it these tests are skipped, visibly.
@Suite("Against the real sluice", .serialized, .enabled(if: RealSluice.binary != nil, "build the sluice server first (swift build in the repository root) or set SLUICE_BINARY"))
struct RealSluiceTests {
    /// The `--json` report of a finished sluice-load run, after checking it exited 0.
    private func report(of outcome: ExecutableRunner.Outcome) throws -> [String: Any] {
        #expect(outcome.status == 0, "stderr: \(outcome.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
    }

    /// sluice-load arguments aimed at `server`'s `path`.
    private func target(_ server: RealSluice, _ path: String = "/batch", engine: LoadEngine = .wire) -> [String] {
        ["--url", "http://127.0.0.1:\(server.port)\(path)", "--engine", engine.rawValue, "--json"]
    }

    @Test(arguments: LoadEngine.allCases)
    func acknowledgedItems_AreCountedByTheServerAndWrittenToTheSink(engine: LoadEngine) throws {
        let server = try RealSluice()
        defer { server.stop() }
        let outcome = try ExecutableRunner.run(
            target(server, engine: engine) + ["--connections", "8", "--threads", "2", "--requests", "400", "--items", "50"],
            timeoutSeconds: 120)
        let report = try report(of: outcome)
        #expect(report["engine"] as? String == engine.rawValue)
        #expect((report["status"] as? [String: Int]) == ["200": 400])
        #expect(report["items_acknowledged"] as? Int == 20_000)
        let counted = try #require(report["items_counted_from"] as? [String: Int])
        #expect(counted["accepted_field"] == 400, "every count came from the server's own answer")
        let serverSide = try #require(report["server"] as? [String: Any])
        #expect(serverSide["available"] as? Bool == true)
        #expect(serverSide["items_accepted"] as? Int == 20_000)
        #expect(serverSide["items_agree"] as? Bool == true)
        #expect(outcome.standardError.isEmpty, "no mismatch warning: \(outcome.standardError)")

        #expect(server.terminate() == 0, "sluice exits 0 after draining; log:\n\(server.log)")
        #expect(try server.sinkLineCount() == 20_000, "every acknowledged item is a line in the sink")
    }

    @Test(arguments: LoadEngine.allCases)
    func sigtermUnderLoad_LosesNoAcknowledgedItem(engine: LoadEngine) throws {
        let server = try RealSluice()
        defer { server.stop() }
        // A run far longer than the test: SIGTERM goes to sluice once it has accepted items from
        // the load, and the run is ended with Ctrl-C (SIGINT) once sluice has exited.
        let load = try ExecutableRunner.start(
            target(server, engine: engine)
                + ["--connections", "16", "--duration", "120s", "--items", "20", "--timeout", "5s", "--no-server-metrics"])
        do {
            try Condition.wait(until: "sluice accepted items from the load") { try server.itemsAccepted() > 0 }
        } catch {
            load.interrupt()
            _ = load.wait(timeoutSeconds: 60)
            throw error
        }
        #expect(server.terminate() == 0, "sluice drains and exits 0 under load; log:\n\(server.log)")
        load.interrupt()
        let report = try report(of: load.wait(timeoutSeconds: 60))
        #expect(report["interrupted"] as? Bool == true)
        let acknowledged = try #require(report["items_acknowledged"] as? Int)
        #expect(acknowledged > 0, "the load ran before the signal")
        let failed = try #require(report["failed_requests"] as? Int)
        #expect(failed > 0, "after the exit, requests fail (connect errors): the run outlived the server")
        #expect(try server.sinkLineCount() == acknowledged, "every item answered 200 is in the sink, and nothing else")
    }

    @Test func wrongRoute_IsCountedByStatusNotAsAcknowledged() throws {
        let server = try RealSluice()
        defer { server.stop() }
        let report = try report(of: ExecutableRunner.run(
            target(server, "/nowhere") + ["--connections", "2", "--requests", "20"], timeoutSeconds: 60))
        #expect((report["status"] as? [String: Int]) == ["404": 20])
        #expect(report["items_acknowledged"] as? Int == 0)
        #expect(report["failed_requests"] as? Int == 0, "a 404 is an answer, not a transport error")
        #expect(report["connections_opened"] as? Int == 2, "sluice keeps the connection after a 404 whose body it has read")
    }

    /// With `--auth-file`, the token from SLUICE_TOKEN (or `--token`) is sent on every request.
    @Test(arguments: LoadEngine.allCases)
    func bearerToken_FromTheEnvironment_IsSent(engine: LoadEngine) throws {
        let token = "load-test-token-\(UUID().uuidString)"
        let authFile = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-load-auth-\(UUID().uuidString)")
        try Data("loadtest \(token)\n".utf8).write(to: authFile)
        defer { try? FileManager.default.removeItem(at: authFile) }
        let server = try RealSluice(arguments: ["--auth-file", authFile.path])
        defer { server.stop() }
        let arguments = target(server, engine: engine) + ["--connections", "2", "--requests", "20", "--items", "5"]
        let authorized = try report(of: ExecutableRunner.run(arguments, environment: ["SLUICE_TOKEN": token], timeoutSeconds: 60))
        #expect((authorized["status"] as? [String: Int]) == ["200": 20])
        #expect(authorized["items_acknowledged"] as? Int == 100)
        let flagged = try report(of: ExecutableRunner.run(arguments + ["--token", token], timeoutSeconds: 60))
        #expect((flagged["status"] as? [String: Int]) == ["200": 20])
        let refused = try report(of: ExecutableRunner.run(arguments + ["--token", token + "x"], timeoutSeconds: 60))
        #expect((refused["status"] as? [String: Int]) == ["401": 20])
        #expect(server.terminate() == 0)
        #expect(try server.sinkLineCount() == 200)
    }
}

/// One `sluice --port 0 --sink file` process in a fresh data directory; the port is read from
/// its own "listening" log line, so the tests talk to the server they started.
final class RealSluice {
    static var binary: String? {
        if let path = ProcessInfo.processInfo.environment["SLUICE_BINARY"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = package.deletingLastPathComponent().appendingPathComponent(".build/debug/sluice").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    private let process: ChildProcess
    let dataDirectory: URL
    private(set) var port = 0

    init(arguments extra: [String] = []) throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-load-real-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        process = try ChildProcess(
            path: try #require(Self.binary),
            arguments: ["--host", "127.0.0.1", "--port", "0", "--sink", "file", "--data-dir", dataDirectory.path,
                        "--log-level", "info"] + extra,
            environment: ChildProcess.currentEnvironment.filter { !$0.key.hasPrefix("SLUICE_") },
            mergingStandardError: true)
        // A debug build on a busy machine may take a while to start: wait for the log line.
        try? Condition.wait(until: "sluice logs the port it listens on") {
            if let line = log.split(separator: "\n").first(where: { $0.contains("listening") }),
               let range = line.range(of: "port=") {
                port = Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
            }
            return port > 0 || !process.isRunning
        }
        guard port > 0 else {
            let log = self.log
            stop()
            throw RealSluiceError.didNotStart(log)
        }
    }

    /// Everything sluice wrote to stdout and stderr so far.
    var log: String { process.standardOutput.text }

    /// SIGTERM, then waits (at most 30 s) for the exit status.
    func terminate() -> Int32? {
        process.send(SIGTERM)
        guard case .exited(let status) = process.wait(timeoutSeconds: 30) else { return nil }
        return status
    }

    /// `sluice_items_accepted_total` from the server's own /metrics.
    func itemsAccepted() throws -> Double {
        let page = try HTTPFetch.get("http://127.0.0.1:\(port)/metrics")
        let text = String(decoding: page.body, as: UTF8.self)
        let sample = text.split(separator: "\n").first { $0.hasPrefix("sluice_items_accepted_total ") }
        return sample.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Lines in every NDJSON segment the sink wrote.
    func sinkLineCount() throws -> Int {
        var lines = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: dataDirectory.path) where name.contains(".ndjson") {
            let data = try Data(contentsOf: dataDirectory.appendingPathComponent(name))
            lines += data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return lines
    }

    /// Kills the process if it still runs and removes the data directory.
    func stop() {
        if process.isRunning {
            process.send(SIGKILL)
            _ = process.wait(timeoutSeconds: 30)
        }
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}

enum RealSluiceError: Error, CustomStringConvertible {
    case didNotStart(String)
    var description: String {
        switch self {
        case .didNotStart(let log): "sluice did not report a listening port; log:\n\(log)"
        }
    }
}
