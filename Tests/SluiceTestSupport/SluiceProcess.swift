import Foundation

/// The real `sluice` executable, started on an ephemeral port with its log in a temp file.
/// The port comes from the process's own "listening" log line, so a test always talks to the
/// server it started, never to another program on a fixed port.
public final class SluiceProcess {
    public let process = Process()
    public let logURL: URL
    public private(set) var port = 0

    /// The built `sluice` binary, next to the test bundle.
    public static var executableURL: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("sluice").path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("sluice")
    }

    /// Starts `sluice --port 0 <arguments>`; `shellPrefix` (e.g. "ulimit -n 64;") runs first.
    public init(arguments: [String] = [], environment: [String: String] = [:], shellPrefix: String? = nil) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let binary = Self.executableURL.path
        let all = ["--port", "0"] + arguments
        if let shellPrefix {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(shellPrefix) exec \"$0\" \"$@\"", binary] + all
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = all
        }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLUICE_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardError = log
        process.standardOutput = log
        try process.run()
        port = try waitForPort()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logURL)
    }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    private func waitForPort() throws -> Int {
        for _ in 0..<300 {
            for line in log.split(separator: "\n") where line.contains("listening") {
                if let range = line.range(of: "port=") {
                    let digits = line[range.upperBound...].prefix { $0.isNumber }
                    if let port = Int(digits) { return port }
                }
            }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        throw SluiceProcessError.didNotStart(log)
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit (bounded); nil when it is still running at the deadline.
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public func client(timeoutSeconds: Int = 5) throws -> RawClient {
        try RawClient(port: port, receiveTimeoutSeconds: timeoutSeconds)
    }

    /// Sends `GET /healthz` on a new connection and returns the status.
    public func healthStatus() throws -> Int {
        let client = try client()
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        return try client.readResponse().status
    }

    /// Sends one request on a new connection and returns the response.
    public func request(_ text: String) throws -> RawResponse {
        let client = try client()
        try client.send(text)
        return try client.readResponse()
    }
}

public enum SluiceProcessError: Error, CustomStringConvertible {
    case didNotStart(String)
    public var description: String {
        switch self {
        case .didNotStart(let log): "sluice did not report a listening port; log:\n\(log)"
        }
    }
}
