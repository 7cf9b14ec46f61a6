import Foundation
import Glibc
import SluiceTestSupport
import Testing

/// A real `nats-server` with JetStream, on loopback ports probed free, its store in a
/// temporary directory; restartable on the same ports and store. Killed when released.
///
/// ```
/// let server = try NATSServer.single()      // started and ready (its /healthz answers 200)
/// server.kill()                             // SIGKILL, waited for
/// try server.start()                        // same ports, same store: the stream survives
/// ```
final class NATSServer {
    /// The `nats-server` binary (Debian installs it in /usr/sbin), or nil when it is missing.
    static let binary: String? = {
        let candidates = [ProcessInfo.processInfo.environment["NATS_SERVER"], "/usr/sbin/nats-server", "/usr/bin/nats-server",
                          "/usr/local/bin/nats-server"]
        return candidates.compactMap { $0 }.first { access($0, X_OK) == 0 }
    }()

    /// For `.enabled(if:)`: tests that need a server are skipped, saying so, only without one.
    static var isAvailable: Bool { binary != nil }
    static let missingMessage: Comment = "nats-server is not installed (apt-get install nats-server; scripts/test.sh installs it)"

    let name: String
    let clientPort: Int
    let monitorPort: Int
    let directory: String
    private let configPath: String
    private var process: Process?

    var url: String { "nats://127.0.0.1:\(clientPort)" }
    var log: String { (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "" }
    var isRunning: Bool { process?.isRunning ?? false }

    /// Writes the configuration; `cluster` makes it a node of a JetStream cluster, `extra`
    /// lines are added as they are (e.g. "max_payload: 8192").
    init(name: String, directory: String, clientPort: Int, monitorPort: Int,
         cluster: (name: String, port: Int, routes: [Int])? = nil, extra: String = "") throws {
        self.name = name
        self.directory = directory
        self.clientPort = clientPort
        self.monitorPort = monitorPort
        configPath = directory + "/server.conf"
        try FileManager.default.createDirectory(atPath: directory + "/store", withIntermediateDirectories: true)
        var config = """
            server_name: \(name)
            listen: 127.0.0.1:\(clientPort)
            http: 127.0.0.1:\(monitorPort)
            jetstream { store_dir: "\(directory)/store" }
            \(extra)

            """
        if let cluster {
            let routes = cluster.routes.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ", ")
            config += "cluster { name: \(cluster.name), listen: 127.0.0.1:\(cluster.port), routes: [\(routes)] }\n"
        }
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit { kill() }

    /// One server on fresh ports, started and ready.
    static func single(name: String = "single", extra: String = "") throws -> NATSServer {
        let ports = try FreePorts.probe(2)
        let server = try NATSServer(name: name, directory: try TemporaryStore.make(), clientPort: ports[0], monitorPort: ports[1],
                                    extra: extra)
        try server.start()
        try server.waitUntilReady()
        return server
    }

    /// Starts the process (not waiting for readiness).
    func start() throws {
        precondition(!isRunning, "NATSServer \(name) is already running")
        guard let binary = Self.binary else { throw NATSTestError(Self.missingMessage.rawValue) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-c", configPath]
        let logFile = directory + "/server.log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
    }

    /// Sends `signal` and waits for the process to end (bounded; SIGKILL after 10 s).
    func kill(signal: Int32 = SIGKILL) {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
        let deadline = monotonicSeconds() + 10
        while process.isRunning, monotonicSeconds() < deadline { usleep(5_000) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Stops (SIGSTOP) or resumes (SIGCONT) the process: a server that takes bytes into its
    /// socket buffer and answers nothing.
    func pause() { process.map { _ = Glibc.kill($0.processIdentifier, SIGSTOP) } }
    func resume() { process.map { _ = Glibc.kill($0.processIdentifier, SIGCONT) } }

    /// Waits until the monitoring port answers /healthz with 200 (JetStream up), bounded.
    func waitUntilReady(seconds: Double = 20) throws {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            guard isRunning else { throw NATSTestError("nats-server \(name) exited; log:\n\(log)") }
            if (try? MonitoringClient.get(port: monitorPort, path: "/healthz"))?.status == 200 { return }
            usleep(20_000)
        }
        throw NATSTestError("nats-server \(name) not ready within \(seconds) s; log:\n\(log)")
    }

    /// The monitoring endpoint's JSON at `path` (e.g. "/jsz?streams=1").
    func monitoring(_ path: String) throws -> [String: Any] {
        let response = try MonitoringClient.get(port: monitorPort, path: path)
        guard response.status == 200, let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw NATSTestError("GET \(path) on \(name): status \(response.status)")
        }
        return json
    }

    /// The stream's state as the monitoring endpoint shows it: (messages, leader); nil when
    /// this server does not know the stream.
    func streamState(_ stream: String) throws -> (messages: Int, leader: String?)? {
        let jsz = try monitoring("/jsz?streams=1")
        for account in jsz["account_details"] as? [[String: Any]] ?? [] {
            for detail in account["stream_detail"] as? [[String: Any]] ?? [] where detail["name"] as? String == stream {
                let state = detail["state"] as? [String: Any]
                let cluster = detail["cluster"] as? [String: Any]
                return ((state?["messages"] as? NSNumber)?.intValue ?? 0, cluster?["leader"] as? String)
            }
        }
        return nil
    }
}

/// Three JetStream nodes routed to one another on loopback.
final class NATSCluster {
    let nodes: [NATSServer]

    var urls: [String] { nodes.map(\.url) }

    init() throws {
        let ports = try FreePorts.probe(9)
        let root = try TemporaryStore.make()
        let routePorts = [ports[2], ports[5], ports[8]]
        nodes = try (0..<3).map { index in
            try NATSServer(name: "n\(index + 1)", directory: "\(root)/n\(index + 1)", clientPort: ports[3 * index],
                           monitorPort: ports[3 * index + 1],
                           cluster: (name: "sluice-test", port: routePorts[index], routes: routePorts))
        }
        for node in nodes { try node.start() }
        try waitUntilReady()
    }

    /// Every node healthy and agreeing on a meta leader (so streams can be created), bounded.
    func waitUntilReady(seconds: Double = 30) throws {
        let deadline = monotonicSeconds() + seconds
        for node in nodes { try node.waitUntilReady(seconds: seconds) }
        while monotonicSeconds() < deadline {
            let leaders = nodes.map { node -> String? in
                let meta = (try? node.monitoring("/jsz"))?["meta_cluster"] as? [String: Any]
                return (meta?["leader"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            }
            if leaders.allSatisfy({ $0 != nil }), Set(leaders).count == 1 { return }
            usleep(50_000)
        }
        throw NATSTestError("the cluster elected no meta leader within \(seconds) s; logs:\n" + nodes.map(\.log).joined(separator: "\n---\n"))
    }

    func node(named name: String) -> NATSServer? { nodes.first { $0.name == name } }
}

struct NATSTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Loopback ports free at the moment of probing: bound to port 0 together (so they differ),
/// then released for the server to take.
enum FreePorts {
    static func probe(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw NATSTestError("socket: \(String(cString: strerror(errno)))") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            guard bound else { throw NATSTestError("bind: \(String(cString: strerror(errno)))") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}

/// A fresh directory under /tmp for a server's store (left for post-mortems; /tmp is scratch).
enum TemporaryStore {
    static func make() throws -> String {
        var template = Array("/tmp/sluice-nats-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw NATSTestError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// HTTP/1.0 GETs against a server's monitoring port: one request per connection, the body
/// read to EOF (no chunked encoding with 1.0), bounded by a receive timeout.
enum MonitoringClient {
    static func get(port: Int, path: String) throws -> (status: Int, body: [UInt8]) {
        let client = try RawClient(port: port, receiveTimeoutSeconds: 5)
        try client.send("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { bytes += chunk[0..<count] } else if count < 0, errno == EINTR { continue } else { break }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n"), text.hasPrefix("HTTP/1."),
              let status = Int(text.dropFirst(9).prefix(3)) else {
            throw NATSTestError("GET \(path) on port \(port): malformed response")
        }
        return (status, Array(text[headEnd.upperBound...].utf8))
    }
}
