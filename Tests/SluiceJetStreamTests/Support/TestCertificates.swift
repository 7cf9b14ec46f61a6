import Foundation
import Glibc
import Testing

/// A throwaway PKI made with the `openssl` command in a fresh temporary directory: a CA, a
/// server certificate for 127.0.0.1 and localhost, and a client certificate for mutual TLS,
/// all signed by the CA, plus a "stranger" client certificate signed by another CA (EC
/// P-256, valid 2 days).
///
/// ```
/// let pki = try TestCertificates.make()
/// NATSServer.single(extra: pki.serverTLS(verifyClients: false))
/// // sluice --nats-tls-ca \(pki.caFile)
/// ```
struct TestCertificates {
    /// The `openssl` binary, or nil when it is missing (scripts/test.sh installs it).
    static let binary: String? = ["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"].first { access($0, X_OK) == 0 }
    static var isAvailable: Bool { binary != nil }
    static let missingMessage: Comment = "openssl is not installed (apt-get install openssl; scripts/test.sh installs it)"

    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var serverCertificateFile: String { directory + "/server.pem" }
    var serverKeyFile: String { directory + "/server.key" }
    var clientCertificateFile: String { directory + "/client.pem" }
    var clientKeyFile: String { directory + "/client.key" }
    var strangerCertificateFile: String { directory + "/stranger.pem" }
    var strangerKeyFile: String { directory + "/stranger.key" }

    static func make() throws -> TestCertificates {
        let pki = TestCertificates(directory: try TemporaryStore.make())
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "other-ca"] {
            try pki.openssl(["req", "-x509"] + curve + ["-keyout", "\(ca).key", "-out", "\(ca).pem", "-days", "2", "-subj", "/CN=sluice-test-\(ca)"])
        }
        for (name, extensions, ca) in [("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", "ca"),
                                       ("client", "extendedKeyUsage=clientAuth\n", "ca"),
                                       ("stranger", "extendedKeyUsage=clientAuth\n", "other-ca")] {
            try extensions.write(toFile: "\(pki.directory)/\(name).ext", atomically: true, encoding: .utf8)
            try pki.openssl(["req"] + curve + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=sluice-test-\(name)"])
            try pki.openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
                             "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext"])
        }
        return pki
    }

    /// The server's `tls` block: its certificate and, with `verifyClients`, client
    /// certificates required and checked against the CA.
    func serverTLS(verifyClients: Bool) -> String {
        var block = #"tls { cert_file: "\#(serverCertificateFile)", key_file: "\#(serverKeyFile)", timeout: 5"#
        if verifyClients { block += #", ca_file: "\#(caFile)", verify: true"# }
        return block + " }"
    }

    private func openssl(_ arguments: [String]) throws {
        guard let binary = Self.binary else { throw NATSTestError(Self.missingMessage.rawValue) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NATSTestError("openssl \(arguments.joined(separator: " ")) exited \(process.terminationStatus):\n\(text)")
        }
    }
}
