import CCurl

/// One blocking GET through curl's easy interface, for scraping `/metrics`.
public enum HTTPFetch {
    /// A response: its status and body.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// Fetches `url`; throws ``LoadError/curl(call:message:)`` when no response arrives.
    /// Bodies past `limit` bytes are cut off (a `/metrics` page is a few kilobytes).
    public static func get(_ url: String, timeoutMilliseconds: Int = 3_000, limit: Int = 8 << 20) throws(LoadError) -> Response {
        guard let easy = curl_easy_init() else { throw .curl(call: "curl_easy_init", message: "out of memory") }
        defer { curl_easy_cleanup(easy) }
        let collector = ByteCollector(limit: limit)
        var message = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let code = withExtendedLifetime(collector) {
            message.withUnsafeMutableBufferPointer { buffer in
                sluice_easy_setopt_pointer(easy, CURLOPT_URL, url)
                sluice_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
                sluice_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
                sluice_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, buffer.baseAddress)
                // Safe: `collector` is kept alive by withExtendedLifetime until perform returns.
                sluice_easy_set_write_callback(easy, ByteCollector.write, Unmanaged.passUnretained(collector).toOpaque())
                return curl_easy_perform(easy)
            }
        }
        guard code == CURLE_OK else {
            let detail = LoadError.text(ofCString: message)
            throw .curl(call: "GET \(url)", message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
        var status = 0
        sluice_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, body: collector.bytes)
    }
}

/// Accumulates a response body for `HTTPFetch`; used by one transfer on one thread.
private final class ByteCollector {
    var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int) { self.limit = limit }

    static let write: curl_write_callback = { data, size, count, context in
        let length = size * count
        guard let data, let context else { return length }
        let collector = Unmanaged<ByteCollector>.fromOpaque(context).takeUnretainedValue()
        let kept = min(length, collector.limit - collector.bytes.count)
        if kept > 0 {
            // Safe: curl passes `size * count` readable bytes at `data`.
            collector.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: kept))
        }
        return length
    }
}
