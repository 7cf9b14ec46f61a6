import CCurl

/// The curl transport's easy handles, configured once and reused for every request: re-adding a
/// handle to the multi handle reuses an idle keep-alive connection from the multi's cache.
///
/// Thread-confined to its worker.
final class TransferPool {
    let easies: [UnsafeMutableRawPointer]
    /// One response sink per handle; curl writes into it during the transfer.
    let sinks: UnsafeMutablePointer<sluice_response_sink>
    private let headers: UnsafeMutablePointer<curl_slist>?
    private let body: SharedBody

    init(count: Int, plan: LoadPlan, body: SharedBody) throws(LoadError) {
        self.body = body
        var list: UnsafeMutablePointer<curl_slist>?
        for line in plan.headerLines { list = curl_slist_append(list, line) }
        headers = list
        sinks = .allocate(capacity: count)
        sinks.initialize(repeating: sluice_response_sink(), count: count)
        var created: [UnsafeMutableRawPointer] = []
        for index in 0..<count {
            guard let easy = curl_easy_init() else { break }
            created.append(easy)
            Self.configure(easy, index: index, plan: plan, body: body, headers: list, sink: sinks + index)
        }
        easies = created
        guard created.count == count else {
            close()
            throw .curl(call: "curl_easy_init", message: "out of memory")
        }
    }

    private static func configure(
        _ easy: UnsafeMutableRawPointer, index: Int, plan: LoadPlan, body: SharedBody,
        headers: UnsafeMutablePointer<curl_slist>?, sink: UnsafeMutablePointer<sluice_response_sink>
    ) {
        plan.configureConnection(of: easy, slot: index)
        sluice_easy_setopt_long(easy, CURLOPT_POST, 1)
        sluice_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(plan.body.bytes.count))
        // Safe: `body` outlives every transfer; the pool holds a strong reference to it.
        sluice_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, body.bytes.baseAddress)
        sluice_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, headers)
        sluice_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        sluice_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(plan.requestTimeout.nanoseconds / 1_000_000))
        // Safe: the sink array lives until the pool is closed, after the handles are cleaned up.
        sluice_easy_capture_body(easy, sink)
    }

    /// Clears the sink of handle `index` before it is (re)sent.
    func prepare(_ index: Int) {
        sinks[index].length = 0
        sinks[index].totalLength = 0
    }

    /// The `"accepted"` count of the response held by handle `index`, if its body had one.
    func acceptedCount(_ index: Int) -> Int? {
        let sink = sinks + index
        let offset = MemoryLayout<sluice_response_sink>.offset(of: \.bytes) ?? 0
        // Safe: `bytes` is the sink's inline array and `length` never exceeds its size.
        let kept = UnsafeRawBufferPointer(start: UnsafeRawPointer(sink) + offset, count: sink.pointee.length)
        return AcceptedCount.parse(kept)
    }

    /// Frees the handles; call after they were removed from their multi handle.
    func close() {
        for easy in easies { curl_easy_cleanup(easy) }
        curl_slist_free_all(headers)
        sinks.deinitialize(count: easies.count)
        sinks.deallocate()
    }
}

@available(*, unavailable)
extension TransferPool: Sendable {}
