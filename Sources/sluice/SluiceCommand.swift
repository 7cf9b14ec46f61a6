import ArgumentParser
import Glibc
import Logging
import SluiceAccess
import SluiceCore
import SluiceHTTP
import SluiceJetStream

/// The `sluice` command line. Every option can also come from `SLUICE_<OPTION>`.
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A memory-predictable HTTP batch-processing service.",
        discussion: "Every option can also be set with an environment variable: --max-body as SLUICE_MAX_BODY.")

    /// Long names of every option, for the environment mapping (checked against --help by a test).
    static let optionNames = [
        "host", "port", "sink", "ack", "ack-timeout", "data-dir", "fsync", "segment-bytes", "nats-url", "nats-subject",
        "nats-stream", "nats-replicas", "nats-ack-timeout", "nats-max-pending", "nats-duplicate-window",
        "nats-user", "nats-password-file", "nats-token-file", "nats-creds", "nats-tls-ca", "nats-tls-cert", "nats-tls-key", "processor", "buffer-capacity",
        "buffer-bytes", "flush-interval", "flush-max-items", "pool-capacity", "pool-bytes", "max-batch-items",
        "max-body", "max-connections", "header-timeout", "body-timeout", "body-min-rate", "idle-timeout",
        "shutdown-timeout", "memory-limit", "monitor-interval", "trim-interval", "log-level",
        "auth-file", "admin-host", "admin-port",
    ]

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one; the log says which).")
    var port = 8080

    @Option(help: "Where accepted items go: file (NDJSON segments in --data-dir), stdout, discard, or jetstream (a NATS JetStream stream, one message per item).")
    var sink = SinkKind.file

    @Option(help: "When /batch answers 200: buffered (the items are in the batch buffer) or durable (the flush holding them is in the sink and, for the file sink, fdatasynced; implies --fsync every-flush).")
    var ack = AckMode.buffered

    @Option(help: "With --ack durable: a request whose items are not stored within this gets 503 + Retry-After (its items may still be stored later).")
    var ackTimeout = DurationOption(.seconds(10))

    @Option(help: "Directory for the file sink's NDJSON segments (created if missing).")
    var dataDir = "./data"

    @Option(help: "File sink fsync policy: never, every-flush (durable once flushed) or rotation.")
    var fsync = FsyncOption.rotation

    @Option(help: "File sink segment size before rotation.")
    var segmentBytes = ByteSizeOption(bytes: 64 << 20)

    @Option(help: "NATS server URL for --sink jetstream; a comma-separated list for a cluster (any one is enough, the client learns the others).")
    var natsUrl = "nats://127.0.0.1:4222"

    @Option(help: "Subject each item is published to (--sink jetstream).")
    var natsSubject = "sluice.items"

    @Option(help: "JetStream stream for --sink jetstream: created when missing (the subject, file storage, --nats-replicas, --nats-duplicate-window), else used as it is.")
    var natsStream = "SLUICE"

    @Option(help: "Replicas of the stream when sluice creates it (1 to 5; a cluster needs as many nodes).")
    var natsReplicas = 1

    @Option(help: "A JetStream flush fails, and is retried with the same message ids, when no PubAck arrives for this long.")
    var natsAckTimeout = DurationOption(.seconds(5))

    @Option(help: "Most messages published to JetStream and awaiting their PubAck at a time.")
    var natsMaxPending = 8192

    @Option(help: "Duplicate window of a stream sluice creates: a message republished within it under the same Nats-Msg-Id is dropped by the server (which keeps every id of the window in memory, about 200 B each).")
    var natsDuplicateWindow = DurationOption(.seconds(120))

    @Option(help: "NATS user, with its password from --nats-password-file or SLUICE_NATS_PASSWORD (never a command-line argument).")
    var natsUser: String?

    @Option(help: "File holding the NATS user's password (one line; a trailing newline is ignored).")
    var natsPasswordFile: String?

    @Option(help: "File holding a NATS authentication token (one line); or the token in SLUICE_NATS_TOKEN.")
    var natsTokenFile: String?

    @Option(help: "NATS JWT credentials file (.creds: the user JWT and its NKey seed, as nsc writes it); read again at every reconnect.")
    var natsCreds: String?

    @Option(help: "PEM file of the CA certificates that signed the NATS servers' certificates: turns TLS on (tls:// URLs turn it on too, with the system's trust store).")
    var natsTlsCa: String?

    @Option(help: "PEM client certificate (chain) for mutual TLS with the NATS servers (its key in --nats-tls-key)")
    var natsTlsCert: String?

    @Option(help: "PEM private key of the --nats-tls-cert certificate")
    var natsTlsKey: String?

    @Option(help: "pooled (the zero-copy, pooled path) or naive (allocation-heavy, for A/B comparison).")
    var processor = ProcessorKind.pooled

    @Option(help: "Most items the batch buffer holds; a batch that does not fit gets 503 + Retry-After.")
    var bufferCapacity = 200_000

    @Option(help: "Most bytes the batch buffer holds (the memory its result slabs reserve).")
    var bufferBytes = ByteSizeOption(bytes: 64 << 20)

    @Option(help: "Flush the buffer at least this often.")
    var flushInterval = DurationOption(.seconds(1))

    @Option(help: "Flush as soon as the buffer holds this many items.")
    var flushMaxItems = 10_000

    @Option(help: "Most idle result slabs (one per request batch) kept for reuse.")
    var poolCapacity = 4096

    @Option(help: "Most bytes the idle result slabs keep reserved in all; a slab keeps at most min(2 MiB, this) itself.")
    var poolBytes = ByteSizeOption(bytes: 64 << 20)

    @Option(help: "Most items in one request (400 beyond).")
    var maxBatchItems = 100_000

    @Option(help: "Largest request body, after gzip/chunked decoding (413 beyond). Units: KiB, MiB, GiB, KB, MB, GB.")
    var maxBody = ByteSizeOption(bytes: 8 << 20)

    @Option(help: "Open connections beyond this get 503 at accept.")
    var maxConnections = 16_384

    @Option(help: "Time for a request's head, from accept for a connection's first request, else from its first byte (408 beyond; a connection that sends nothing gets 408 too).")
    var headerTimeout = DurationOption(.seconds(10))

    @Option(help: "Longest stall while reading a body or writing a response (408 or close).")
    var bodyTimeout = DurationOption(.seconds(30))

    @Option(help: "Slowest request body accepted, in bytes per second (408 below it): each byte received moves the body deadline 1/rate s later, never past --body-timeout from now. Takes size units (1KiB). 0 turns it off: --body-timeout is then a stall timeout only.")
    var bodyMinRate = ByteSizeOption(bytes: 500)

    @Option(help: "Keep-alive connections idle longer than this are closed.")
    var idleTimeout = DurationOption(.seconds(60))

    @Option(help: "On SIGTERM/SIGINT: time allowed for in-flight requests and the final flush.")
    var shutdownTimeout = DurationOption(.seconds(25))

    @Option(help: "Memory limit (e.g. 512MiB): at 85% of it idle pooled memory is freed and the heap trimmed; if RSS is still over, /batch and /readyz answer 503 until RSS falls under 75% (checked every 250 ms). 0 turns the guard off. Default: the cgroup memory limit, when there is one.")
    var memoryLimit: ByteSizeOption?

    @Option(help: "How often the memory monitor samples the process, allocator and service.")
    var monitorInterval = DurationOption(.seconds(1))

    @Option(help: "After this long without requests, return free heap pages to the OS (malloc_trim); 0 turns it off.")
    var trimInterval = DurationOption(.seconds(30))

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = LogLevelOption.info

    @Option(help: "Tenants and their bearer tokens for /batch, one per line: TENANT TOKEN [ITEMS_PER_SECOND [BURST_ITEMS]]; TOKEN is sha256:<64 hex digits> (recommended) or the token itself (16+ characters). SIGHUP reloads it. Unset: no access control.")
    var authFile: String?

    @Option(help: "Address of the admin listener (with --admin-port).")
    var adminHost: String?

    @Option(help: "Port of a second listener for /metrics, /debug/memory, /healthz and /readyz (0 picks a free one); the main listener then serves only /batch, /healthz and /readyz. Unset: one listener for everything.")
    var adminPort: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBody.bytes > 0 else { throw ValidationError("--max-body must be positive") }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard bufferCapacity > 0, bufferBytes.bytes > 0 else { throw ValidationError("--buffer-capacity and --buffer-bytes must be positive") }
        guard flushMaxItems > 0 else { throw ValidationError("--flush-max-items must be positive") }
        guard flushInterval.duration > .zero else { throw ValidationError("--flush-interval must be positive") }
        guard poolCapacity >= 0, poolBytes.bytes >= 0, maxBatchItems > 0 else {
            throw ValidationError("--pool-capacity and --pool-bytes must be >= 0 and --max-batch-items positive")
        }
        guard segmentBytes.bytes > 0 else { throw ValidationError("--segment-bytes must be positive") }
        guard monitorInterval.duration > .zero else { throw ValidationError("--monitor-interval must be positive") }
        guard ackTimeout.duration > .zero else { throw ValidationError("--ack-timeout must be positive") }
        if let adminPort {
            guard (0...65535).contains(adminPort) else { throw ValidationError("--admin-port must be 0...65535") }
            guard adminPort == 0 || adminPort != port else { throw ValidationError("--admin-port must differ from --port") }
        } else if adminHost != nil {
            throw ValidationError("--admin-host needs --admin-port")
        }
        if let problem = jetStream.problem { throw ValidationError("--nats-*: \(problem)") }
        if (natsTlsCert == nil) != (natsTlsKey == nil) { throw ValidationError("--nats-tls-cert and --nats-tls-key go together") }
        if natsPasswordFile != nil, natsUser == nil { throw ValidationError("--nats-password-file needs --nats-user") }
        let ways = [natsUser != nil, natsTokenFile != nil, natsCreds != nil].filter { $0 }.count
        if ways > 1 { throw ValidationError("--nats-user, --nats-token-file and --nats-creds are alternatives: give one") }
    }

    /// The NATS credentials and TLS files, read and checked: a file that cannot be read stops
    /// the start with its option and path. Secrets come from files or from the environment
    /// (SLUICE_NATS_PASSWORD, SLUICE_NATS_TOKEN), never from the command line, where any
    /// user could read them in `ps`.
    func natsSecurity(environment: [String: String]) throws -> (authentication: NATSAuthentication, tls: NATSTLS?) {
        let environmentPassword = environment["SLUICE_NATS_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let environmentToken = environment["SLUICE_NATS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        var authentication = NATSAuthentication.none
        if natsUser != nil || natsCreds != nil, environmentToken != nil {
            throw StartupError(message: "SLUICE_NATS_TOKEN is an alternative to --nats-user and --nats-creds: give one")
        }
        if let natsUser {
            let password = try natsPasswordFile.map { try Self.secret(option: "--nats-password-file", path: $0) } ?? environmentPassword
            guard let password else {
                throw StartupError(message: "--nats-user \(natsUser) needs a password: --nats-password-file FILE or SLUICE_NATS_PASSWORD")
            }
            authentication = .userPassword(user: natsUser, password: password)
        } else if let token = try natsTokenFile.map({ try Self.secret(option: "--nats-token-file", path: $0) }) ?? environmentToken {
            authentication = .token(token)
        } else if let natsCreds {
            try Self.checkReadable(option: "--nats-creds", path: natsCreds)
            authentication = .credentialsFile(path: natsCreds)
        } else if environmentPassword != nil {
            throw StartupError(message: "SLUICE_NATS_PASSWORD needs --nats-user (SLUICE_NATS_USER)")
        }
        var tls: NATSTLS?
        if natsTlsCa != nil || natsTlsCert != nil {
            for (option, path) in [("--nats-tls-ca", natsTlsCa), ("--nats-tls-cert", natsTlsCert), ("--nats-tls-key", natsTlsKey)] {
                if let path { try Self.checkReadable(option: option, path: path) }
            }
            tls = NATSTLS(caFile: natsTlsCa, certificateFile: natsTlsCert, keyFile: natsTlsKey)
        }
        return (authentication, tls)
    }

    /// The first line of the file at `path` (a secret: never logged).
    private static func secret(option: String, path: String) throws -> String {
        let bytes = try readFile(option: option, path: path)
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        guard !line.isEmpty else { throw StartupError(message: "\(option) \(path): the file is empty") }
        return String(decoding: line, as: UTF8.self)
    }

    private static func checkReadable(option: String, path: String) throws {
        _ = try readFile(option: option, path: path, limit: 1)
    }

    /// At most `limit` bytes of the file, or a start-up error naming the option, the path and
    /// the system's reason.
    private static func readFile(option: String, path: String, limit: Int = 64 << 10) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StartupError(message: "\(option) \(path): cannot read it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, limit - count) }
            if got < 0, errno == EINTR { continue }
            guard got >= 0 else { throw StartupError(message: "\(option) \(path): cannot read it: \(String(cString: strerror(errno)))") }
            if got == 0 { break }
            count += got
        }
        return Array(bytes.prefix(count))
    }

    /// The JetStream sink's settings from the --nats-* options.
    var jetStream: JetStreamConfiguration {
        JetStreamConfiguration(
            urls: natsUrl.split(separator: ",").map { String($0).trimmingSpaces() }, subject: natsSubject, stream: natsStream,
            replicas: natsReplicas, ackTimeout: natsAckTimeout.duration, maxPendingAcks: natsMaxPending,
            duplicateWindow: natsDuplicateWindow.duration)
    }

    func run() throws {
        var logger = Logger(label: "sluice")
        logger.logLevel = Logger.Level(rawValue: logLevel.rawValue) ?? .info
        var jetStream = self.jetStream
        if sink == .jetstream {
            (jetStream.authentication, jetStream.tls) = try natsSecurity(environment: ProcessEnvironment.current())
        }
        var http = HTTPServerConfiguration()
        http.host = host
        http.port = port
        http.limits.maxBodyBytes = maxBody.bytes
        http.maxConnections = maxConnections
        http.headerTimeout = headerTimeout.duration
        http.bodyTimeout = bodyTimeout.duration
        http.minBodyBytesPerSecond = bodyMinRate.bytes
        http.idleTimeout = idleTimeout.duration
        let pipeline = Pipeline.Settings(
            processor: processor, sink: sink, ack: ack, ackTimeout: ackTimeout.duration, dataDirectory: dataDir,
            fsync: ack == .durable ? .everyFlush : fsync.policy,
            segmentBytes: segmentBytes.bytes, jetStream: jetStream, bufferItems: bufferCapacity, bufferBytes: bufferBytes.bytes,
            flushInterval: flushInterval.duration, flushMaxItems: flushMaxItems, poolCapacity: poolCapacity, poolBytes: poolBytes.bytes,
            maxItemsPerBatch: maxBatchItems, maxBodyBytes: maxBody.bytes)
        let observability = Observability.Settings(
            memoryLimitBytes: memoryLimit.map { UInt64($0.bytes) }, monitorInterval: monitorInterval.duration,
            trimInterval: trimInterval.duration > .zero ? trimInterval.duration : nil)
        var admin: HTTPServerConfiguration?
        if let adminPort {
            // Scrapes and probes: small GETs from few clients, so small bounds.
            var configuration = http
            configuration.host = adminHost ?? "127.0.0.1"
            configuration.port = adminPort
            configuration.limits.maxBodyBytes = 64 << 10
            configuration.maxConnections = 256
            configuration.maxIdleBuffers = 16
            configuration.maxIdleBufferBytes = 2 << 20
            configuration.eventQueues = 1
            admin = configuration
        }
        var access: Service.Access?
        if let authFile {
            do {
                access = Service.Access(path: authFile, control: AccessControl(file: try AuthFile.load(path: authFile)))
            } catch {
                throw StartupError(message: "--auth-file \(authFile): \(error)")
            }
        }
        let service = try Service(http: http, admin: admin, pipeline: pipeline, observability: observability, access: access,
                                  shutdownTimeout: shutdownTimeout.duration, logger: logger)
        service.run()
    }
}

/// A start that cannot go on (e.g. an auth file that does not parse): one line, exit 1.
struct StartupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
