import ArgumentParser
import Glibc
import Logging
import SluiceHTTP

/// The `sluice` command line. Every option can also come from `SLUICE_<OPTION>`.
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A memory-predictable HTTP batch-processing service.",
        discussion: "Every option can also be set with an environment variable: --max-body as SLUICE_MAX_BODY.")

    /// Long names of every option, for the environment mapping (checked against --help by a test).
    static let optionNames = [
        "host", "port", "max-body", "max-connections", "header-timeout", "body-timeout",
        "idle-timeout", "shutdown-timeout", "log-level",
    ]

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one; the log says which).")
    var port = 8080

    @Option(help: "Largest request body, after gzip/chunked decoding (413 beyond). Units: KiB, MiB, GiB, KB, MB, GB.")
    var maxBody = ByteSizeOption(bytes: 8 << 20)

    @Option(help: "Open connections beyond this get 503 at accept.")
    var maxConnections = 16_384

    @Option(help: "Time from a request's first byte to the end of its head (408 beyond).")
    var headerTimeout = DurationOption(.seconds(10))

    @Option(help: "Longest stall while reading a body or writing a response (408 or close).")
    var bodyTimeout = DurationOption(.seconds(30))

    @Option(help: "Keep-alive connections idle longer than this are closed.")
    var idleTimeout = DurationOption(.seconds(60))

    @Option(help: "On SIGTERM/SIGINT: time allowed for in-flight requests and the final flush.")
    var shutdownTimeout = DurationOption(.seconds(25))

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = LogLevelOption.info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBody.bytes > 0 else { throw ValidationError("--max-body must be positive") }
        guard maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
    }

    func run() throws {
        var logger = Logger(label: "sluice")
        logger.logLevel = Logger.Level(rawValue: logLevel.rawValue) ?? .info
        var http = HTTPServerConfiguration()
        http.host = host
        http.port = port
        http.limits.maxBodyBytes = maxBody.bytes
        http.maxConnections = maxConnections
        http.headerTimeout = headerTimeout.duration
        http.bodyTimeout = bodyTimeout.duration
        http.idleTimeout = idleTimeout.duration
        let service = try Service(http: http, shutdownTimeout: shutdownTimeout.duration, logger: logger)
        service.run()
    }
}
