import CCurl

/// Checks before a run that the target accepts a connection, so a typo'd port is one clear
/// error instead of a report full of connect failures.
public enum Reachability {
    /// Opens (and closes) one connection to `target`, including TLS for https.
    public static func check(_ target: TargetURL, timeoutMilliseconds: Int = 3_000) throws(LoadError) {
        guard let easy = curl_easy_init() else { throw .curl(call: "curl_easy_init", message: "out of memory") }
        defer { curl_easy_cleanup(easy) }
        var message = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let code = message.withUnsafeMutableBufferPointer { buffer in
            sluice_easy_setopt_pointer(easy, CURLOPT_URL, target.url)
            sluice_easy_setopt_long(easy, CURLOPT_CONNECT_ONLY, 1)
            sluice_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
            sluice_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds)
            // Safe: the buffer holds CURL_ERROR_SIZE bytes and outlives curl_easy_perform.
            sluice_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(easy)
        }
        guard code == CURLE_OK else {
            let detail = LoadError.text(ofCString: message)
            throw .unreachable(target.authority, reason: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        }
    }
}
