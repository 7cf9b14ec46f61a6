import CCurl

/// The URL under load, checked and split by curl's own URL parser, plus the `/metrics` URL
/// on the same scheme, host and port.
///
///     let target = try TargetURL("http://127.0.0.1:8080/batch")
///     target.metricsURL   // "http://127.0.0.1:8080/metrics"
///
/// Only `http` and `https` are accepted; anything else throws ``LoadError/invalidURL(_:reason:)``.
public struct TargetURL: Equatable, Sendable, CustomStringConvertible {
    /// The URL as curl normalised it.
    public let url: String
    public let scheme: String
    public let host: String
    public let port: Int
    /// `scheme://host:port/metrics`.
    public let metricsURL: String
    /// Path and query, as the request line carries them (`/batch?x=1`).
    public let requestTarget: String
    /// The `Host` header: the host (IPv6 in brackets), with the port unless it is the scheme's default.
    public let hostHeader: String

    public init(_ text: String) throws(LoadError) {
        guard let handle = curl_url() else { throw .invalidURL(text, reason: "out of memory") }
        defer { curl_url_cleanup(handle) }
        let code = curl_url_set(handle, CURLUPART_URL, text, 0)
        guard code == CURLUE_OK else {
            throw .invalidURL(text, reason: String(cString: curl_url_strerror(code)))
        }
        let scheme = (Self.part(handle, CURLUPART_SCHEME) ?? "").lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw .invalidURL(text, reason: "only http:// and https:// URLs can be loaded")
        }
        guard let host = Self.part(handle, CURLUPART_HOST), !host.isEmpty else {
            throw .invalidURL(text, reason: "no host")
        }
        guard let portText = Self.part(handle, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)),
              let port = Int(portText), port > 0
        else { throw .invalidURL(text, reason: "no usable port") }
        self.url = Self.part(handle, CURLUPART_URL) ?? text
        self.scheme = scheme
        self.host = host
        self.port = port
        let path = Self.part(handle, CURLUPART_PATH) ?? "/"
        let query = Self.part(handle, CURLUPART_QUERY).map { "?\($0)" } ?? ""
        self.requestTarget = (path.isEmpty ? "/" : path) + query
        let defaultPort = scheme == "https" ? 443 : 80
        self.hostHeader = port == defaultPort ? host : "\(host):\(port)"

        curl_url_set(handle, CURLUPART_PATH, "/metrics", 0)
        curl_url_set(handle, CURLUPART_QUERY, nil, 0)
        curl_url_set(handle, CURLUPART_FRAGMENT, nil, 0)
        self.metricsURL = Self.part(handle, CURLUPART_URL) ?? "\(scheme)://\(host):\(port)/metrics"
    }

    /// `host:port`, for messages.
    public var authority: String { "\(host):\(port)" }

    public var description: String { url }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
