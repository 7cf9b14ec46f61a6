import CCurl

/// curl_global_init, once per process, before any thread uses curl.
public enum CurlGlobal {
    private static let done: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Initialises libcurl; later calls do nothing.
    public static func initialize() {
        _ = done
    }
}
