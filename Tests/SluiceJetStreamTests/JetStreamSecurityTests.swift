import Foundation
import SluiceJetStream
import SluiceTestSupport
import Testing

/// The real `sluice --sink jetstream` against real nats-servers that require credentials or
/// TLS: the right ones store items, wrong or missing ones stop the start at once with the
/// cause (never a hang), a server that starts refusing a running sluice turns /healthz to
/// 503, and no secret reaches the log.
@Suite(.serialized, .enabled(if: NATSServer.isAvailable, NATSServer.missingMessage))
struct JetStreamSecurityTests {
    static let password = "pw-9f3c1e77d2"
    static let token = "tk-5b8a0c4e61f2d9"

    static func arguments(url: String) -> [String] {
        ["--sink", "jetstream", "--nats-url", url, "--nats-ack-timeout", "2s", "--flush-interval", "50ms", "--shutdown-timeout", "20s"]
    }

    /// A file holding `text` plus a newline, in a fresh directory.
    static func secretFile(_ text: String) throws -> String {
        let path = try TemporaryStore.make() + "/secret"
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Posts `count` items, expects 200, drains sluice with SIGTERM (exit 0) and checks the
    /// server's stream holds them.
    static func storesItems(_ sluice: SluiceProcess, server: NATSServer, count: Int = 3, inStream: Int? = nil,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let body = "[" + (0..<count).map { #"{"id":"s\#($0)","data":{"n":\#($0)}}"# }.joined(separator: ",") + "]"
        let response = try sluice.request(
            "POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(response.status == 200, "\(response.bodyText)", sourceLocation: sourceLocation)
        #expect(try sluice.healthStatus() == 200, sourceLocation: sourceLocation)
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 40) == 0, "drained into the stream; log:\n\(sluice.log.suffix(2000))", sourceLocation: sourceLocation)
        #expect(try server.streamState("SLUICE")?.messages == inStream ?? count, sourceLocation: sourceLocation)
    }

    /// The log of a sluice that must not start: it exits before listening.
    static func failedStart(arguments: [String], environment: [String: String] = [:],
                            sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            let sluice = try SluiceProcess(arguments: arguments, environment: environment)
            Issue.record("sluice started (port \(sluice.port)); log:\n\(sluice.log)", sourceLocation: sourceLocation)
            return sluice.log
        } catch SluiceProcessError.didNotStart(let log) {
            return log
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
            return ""
        }
    }

    @Test func userAndPassword_FromAFileOrTheEnvironment_Store_AWrongPasswordStopsTheStart() throws {
        let server = try NATSServer.single(extra: #"authorization { user: alice, password: "\#(Self.password)" }"#)
        let passwordFile = try Self.secretFile(Self.password)
        let fromFile = try SluiceProcess(arguments: Self.arguments(url: server.url) + ["--nats-user", "alice", "--nats-password-file", passwordFile])
        try Self.storesItems(fromFile, server: server)
        #expect(!fromFile.log.contains(Self.password))

        let fromEnvironment = try SluiceProcess(arguments: Self.arguments(url: server.url),
                                                environment: ["SLUICE_NATS_USER": "alice", "SLUICE_NATS_PASSWORD": Self.password])
        // Another run: its message ids are new, so the stream holds both runs' items.
        try Self.storesItems(fromEnvironment, server: server, count: 3, inStream: 6)
        #expect(!fromEnvironment.log.contains(Self.password))

        let wrong = "not-the-password-42"
        let log = Self.failedStart(arguments: Self.arguments(url: server.url) + ["--nats-user", "alice", "--nats-password-file", try Self.secretFile(wrong)])
        #expect(log.contains("refused the credentials"), "\(log)")
        #expect(log.contains("Authorization Violation"), "\(log)")
        #expect(!log.contains(wrong))
        let missing = Self.failedStart(arguments: Self.arguments(url: server.url))
        #expect(missing.contains("Authorization Violation"), "no credentials at all: \(missing)")
    }

    @Test func token_FromAFile_Stores_AWrongOneStopsTheStart() throws {
        let server = try NATSServer.single(extra: #"authorization { token: "\#(Self.token)" }"#)
        let sluice = try SluiceProcess(arguments: Self.arguments(url: server.url) + ["--nats-token-file", try Self.secretFile(Self.token)])
        try Self.storesItems(sluice, server: server)
        #expect(!sluice.log.contains(Self.token))
        let log = Self.failedStart(arguments: Self.arguments(url: server.url), environment: ["SLUICE_NATS_TOKEN": "tk-wrong-0000000"])
        #expect(log.contains("refused the credentials"), "\(log)")
        #expect(!log.contains("tk-wrong-0000000"))
    }

    @Test func credentialsInTheURL_Work_AndTheLogShowsTheURLRedacted() throws {
        let server = try NATSServer.single(extra: #"authorization { user: alice, password: "\#(Self.password)" }"#)
        let url = "nats://alice:\(Self.password)@127.0.0.1:\(server.clientPort)"
        let sluice = try SluiceProcess(arguments: Self.arguments(url: url))
        #expect(sluice.log.contains("url=nats://***@127.0.0.1:\(server.clientPort)"), "\(sluice.log)")
        try Self.storesItems(sluice, server: server)
        #expect(!sluice.log.contains(Self.password))
        let wrong = Self.failedStart(arguments: Self.arguments(url: "nats://alice:bad-\(Self.password)@127.0.0.1:\(server.clientPort)"))
        #expect(wrong.contains("nats://***@127.0.0.1:\(server.clientPort)") && !wrong.contains(Self.password), "\(wrong)")
    }

    @Test func serverStartsRefusingTheCredentials_HealthzAnswers503WithTheReason() throws {
        let server = try NATSServer.single(extra: #"authorization { user: alice, password: "\#(Self.password)" }"#)
        let sluice = try SluiceProcess(arguments: Self.arguments(url: server.url) + ["--nats-user", "alice", "--nats-password-file", try Self.secretFile(Self.password)])
        #expect(try sluice.healthStatus() == 200)
        server.kill()
        // The same server (ports, store) comes back with another password.
        let changed = try NATSServer(name: server.name, directory: server.directory, clientPort: server.clientPort,
                                     monitorPort: server.monitorPort, extra: #"authorization { user: alice, password: "rotated-pw-1" }"#)
        try changed.start()
        try changed.waitUntilReady()
        #expect(sluice.waitForLog("NATS connection closed for good"), "the client gives up; log:\n\(sluice.log)")
        let response = try sluice.request("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(response.status == 503)
        #expect(response.bodyText.contains("Authorization Violation"), "\(response.bodyText)")
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 40) != nil)
    }

    @Test(.enabled(if: TestCertificates.isAvailable, TestCertificates.missingMessage))
    func tls_WithTheCA_Stores_WithoutIt_TheStartFailsOnTheHandshake() throws {
        let pki = try TestCertificates.make()
        let server = try NATSServer.single(extra: pki.serverTLS(verifyClients: false))
        let sluice = try SluiceProcess(arguments: Self.arguments(url: server.url) + ["--nats-tls-ca", pki.caFile])
        try Self.storesItems(sluice, server: server)
        let log = Self.failedStart(arguments: Self.arguments(url: server.url))
        #expect(log.contains("the TLS handshake failed"), "\(log)")
        #expect(log.contains("unable to get local issuer certificate"), "\(log)")
    }

    @Test(.enabled(if: TestCertificates.isAvailable, TestCertificates.missingMessage))
    func mutualTLS_WithTheClientCertificate_Stores_WithoutIt_TheStartFails() throws {
        let pki = try TestCertificates.make()
        let server = try NATSServer.single(extra: pki.serverTLS(verifyClients: true))
        let sluice = try SluiceProcess(arguments: Self.arguments(url: server.url) + [
            "--nats-tls-ca", pki.caFile, "--nats-tls-cert", pki.clientCertificateFile, "--nats-tls-key", pki.clientKeyFile])
        try Self.storesItems(sluice, server: server)
        let log = Self.failedStart(arguments: Self.arguments(url: server.url) + ["--nats-tls-ca", pki.caFile])
        #expect(log.contains("--sink jetstream: cannot use NATS") && log.contains("--nats-tls-cert"), "no client certificate: \(log)")
        // A client certificate the server's CA did not sign.
        let stranger = Self.failedStart(arguments: Self.arguments(url: server.url) + [
            "--nats-tls-ca", pki.caFile, "--nats-tls-cert", pki.strangerCertificateFile, "--nats-tls-key", pki.strangerKeyFile])
        #expect(stranger.contains("--sink jetstream: cannot use NATS") && stranger.contains("--nats-tls-cert"), "a stranger's certificate: \(stranger)")
    }

    @Test func unreadableFiles_StopTheStart_NamingTheOptionAndThePath() throws {
        // No server needed: the files are read before any connection.
        let url = "nats://127.0.0.1:1"
        for option in ["--nats-tls-ca", "--nats-creds", "--nats-token-file"] {
            let log = Self.failedStart(arguments: Self.arguments(url: url) + [option, "/nonexistent/sluice-\(option)"])
            #expect(log.contains("\(option) /nonexistent/sluice-\(option): cannot read it: No such file or directory"), "\(log)")
        }
        let log = Self.failedStart(arguments: Self.arguments(url: url) + ["--nats-user", "alice", "--nats-password-file", "/nonexistent/pw"])
        #expect(log.contains("--nats-password-file /nonexistent/pw: cannot read it"), "\(log)")
        let empty = Self.failedStart(arguments: Self.arguments(url: url) + ["--nats-token-file", try Self.secretFile("")])
        #expect(empty.contains("the file is empty"), "\(empty)")
        let noPassword = Self.failedStart(arguments: Self.arguments(url: url) + ["--nats-user", "alice"])
        #expect(noPassword.contains("needs a password"), "\(noPassword)")
        let both = Self.failedStart(arguments: Self.arguments(url: url) + ["--nats-user", "alice", "--nats-token-file", "/x"])
        #expect(both.contains("alternatives"), "\(both)")
        let certificateAlone = Self.failedStart(arguments: Self.arguments(url: url) + ["--nats-tls-cert", "/x"])
        #expect(certificateAlone.contains("--nats-tls-cert and --nats-tls-key go together"), "\(certificateAlone)")
    }
}

/// What may be shown of the credentials: nothing secret.
struct NATSCredentialTextTests {
    @Test(arguments: [
        ("nats://alice:secret@nats-0:4222", "nats://***@nats-0:4222"),
        ("tls://t0ken@10.0.0.1:4222", "tls://***@10.0.0.1:4222"),
        ("nats://a:b@c@host:4222/path?x=@", "nats://***@host:4222/path?x=@"),
        ("nats://nats:4222", "nats://nats:4222"),
        ("nats-0:4222", "nats-0:4222"),
        ("user:pw@nats-0:4222", "***@nats-0:4222"),
    ])
    func urlUserinfoIsRedacted(url: String, shown: String) {
        #expect(NATSURL.redacted(url) == shown)
    }

    @Test func authenticationDescriptionsHoldNoSecret() {
        #expect("\(NATSAuthentication.userPassword(user: "alice", password: "p4ss"))" == "user alice with a password")
        #expect(!"\(NATSAuthentication.token("t0k3n"))".contains("t0k3n"))
        #expect(!String(describing: JetStreamConfiguration(authentication: .token("t0k3n"))).contains("t0k3n"),
                "a configuration's description shows no token")
        #expect(!String(reflecting: JetStreamConfiguration(authentication: .userPassword(user: "a", password: "p4ss"))).contains("p4ss"))
    }
}
