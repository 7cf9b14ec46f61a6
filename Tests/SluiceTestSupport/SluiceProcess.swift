import Foundation
import Synchronization

/// The real `sluice` executable, started on an ephemeral port with its log read from a pipe
/// (a pipe, not a file, so a test may set a file-size limit that only the sink's files feel).
/// The port comes from the process's own "listening" log line, so a test always talks to the
/// server it started, never to another program on a fixed port.
public final class SluiceProcess {
    public let process = Process()
    private let output = Pipe()
    private let captured = LogBuffer()
    public private(set) var port = 0
    /// The admin listener's port, when started with `--admin-port`.
    public private(set) var adminPort: Int?

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
        process.standardError = output
        process.standardOutput = output
        let captured = self.captured
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if !chunk.isEmpty { captured.append(chunk) }
        }
        try process.run()
        port = try waitForPort()
        if arguments.contains("--admin-port") || environment["SLUICE_ADMIN_PORT"] != nil {
            adminPort = try waitForLogValue("admin_port=")
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        output.fileHandleForReading.readabilityHandler = nil
    }

    /// Everything the process wrote to stdout and stderr so far.
    public var log: String { captured.text }

    /// Waits (bounded) for a log line holding `key` followed by digits.
    public func waitForLogValue(_ key: String) throws -> Int {
        for _ in 0..<300 {
            if let range = log.range(of: key), let value = Int(log[range.upperBound...].prefix { $0.isNumber }) { return value }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        throw SluiceProcessError.didNotStart(log)
    }

    /// Waits (bounded, 20 s) until the log contains `text` `count` times; false if it never does.
    public func waitForLog(_ text: String, count: Int = 1) -> Bool {
        for _ in 0..<1000 {
            if log.components(separatedBy: text).count - 1 >= count { return true }
            usleep(20_000)
        }
        return false
    }

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

    /// Starts sluice on a "failing disk": a soft RLIMIT_FSIZE of 0, so every write to a segment
    /// fails with EFBIG, for root too, until `liftFileSizeLimit()`. ThreadSanitizer writes a
    /// scratch file to $TMPDIR at start, which that limit would kill with SIGXFSZ; without a
    /// usable TMPDIR it skips that file (an optimisation).
    public static func onFailingDisk(arguments: [String]) throws -> SluiceProcess {
        try SluiceProcess(arguments: arguments,
                          environment: BuildFlavor.isThreadSanitized ? ["TMPDIR": "/nonexistent-tsan-tmpdir"] : [:],
                          shellPrefix: "ulimit -S -f 0;")
    }

    /// The disk "recovers": lifts the file-size limit of the running process; returns
    /// prlimit's exit status (0 on success).
    public func liftFileSizeLimit() throws -> Int32 {
        let prlimit = Process()
        prlimit.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        prlimit.arguments = ["--pid", "\(process.processIdentifier)", "--fsize=unlimited:"]
        try prlimit.run()
        prlimit.waitUntilExit()
        return prlimit.terminationStatus
    }

    /// Waits for exit (bounded); nil when it is still running at the deadline.
    public func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        // Take what is still in the pipe, so `log` holds everything the process wrote.
        output.fileHandleForReading.readabilityHandler = nil
        captured.append(output.fileHandleForReading.readDataToEndOfFile())
        return process.terminationStatus
    }

    public func client(timeoutSeconds: Int = 5) throws -> RawClient {
        try RawClient(port: port, receiveTimeoutSeconds: timeoutSeconds)
    }

    /// A client of the admin listener (`--admin-port`).
    public func adminClient(timeoutSeconds: Int = 5) throws -> RawClient {
        try RawClient(port: adminPort ?? port, receiveTimeoutSeconds: timeoutSeconds)
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

/// Bytes appended from the pipe's reader thread, read from the test's thread.
private final class LogBuffer: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func append(_ data: Data) { bytes.withLock { $0.append(contentsOf: data) } }
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}
