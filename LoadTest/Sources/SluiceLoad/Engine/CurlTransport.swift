import CCurl

/// The `--engine curl` transport: libcurl performs each request as a transfer of its multi
/// interface (request head, response parsing, keep-alive, retries of a dead reused connection).
/// A reference for the wire engine; it costs about 67,000 instructions per request inside
/// libcurl 7.88, so on a fast server it, not the server, is the limit.
///
/// A request that failed on a reused connection before any byte of its answer arrived is sent
/// once more (with its own `--timeout`), as the wire engine does. libcurl retries that case
/// itself, but libcurl 7.88 counts those retries over the life of the easy handle, not per
/// request (discussed upstream in curl PR #19066): the pool re-adds the same handle for every
/// request, so each handle gave up on every sixth dead connection with "Connection died, tried
/// 5 times before giving up".
final class CurlTransport: RequestTransport {
    private let loop: MultiEventLoop
    private let pool: TransferPool
    /// Connections curl reported opening, added to the worker's tally at the end.
    private(set) var connectionsOpened = 0
    /// Whether the request on each slot was already sent once more.
    private var hasResent: [Bool]

    init(slots: Int, plan: LoadPlan, body: SharedBody) throws(LoadError) {
        loop = try MultiEventLoop(connections: slots)
        do {
            pool = try TransferPool(count: slots, plan: plan, body: body)
        } catch {
            loop.close()
            throw error
        }
        hasResent = Array(repeating: false, count: slots)
        for easy in pool.easies { loop.adopt(easy) }
    }

    func start(_ slot: Int) {
        hasResent[slot] = false
        pool.prepare(slot)
        loop.add(pool.easies[slot])
    }

    func poll(wakeNanoseconds: Int64, finished: inout [FinishedRequest]) {
        loop.runOnce(wakeNanoseconds: wakeNanoseconds)
        while let (easy, result) = loop.nextCompletion() {
            let slot = sluice_easy_private_index(easy)
            loop.remove(easy)
            guard slot >= 0, slot < pool.easies.count else { continue }
            var connects = 0
            sluice_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
            connectionsOpened += connects
            guard result == CURLE_OK else {
                if !hasResent[slot], Self.diedUnanswered(easy, result: result, connects: connects) {
                    hasResent[slot] = true
                    pool.prepare(slot)
                    loop.add(easy)
                    continue
                }
                finished.append(FinishedRequest(slot: slot, outcome: .failed(TransferErrorKind(result))))
                continue
            }
            var status = 0
            sluice_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            let accepted = status == 200 ? pool.acceptedCount(slot) : nil
            finished.append(FinishedRequest(slot: slot, outcome: .response(status: status, accepted: accepted)))
        }
    }

    /// The transfer broke on a connection it reused (it opened none) and no byte of a response
    /// arrived: most likely the server had closed the idle connection.
    private static func diedUnanswered(_ easy: UnsafeMutableRawPointer, result: CURLcode, connects: Int) -> Bool {
        guard connects == 0, result == CURLE_SEND_ERROR || result == CURLE_RECV_ERROR || result == CURLE_GOT_NOTHING else {
            return false
        }
        var headerBytes = 0
        sluice_easy_getinfo_long(easy, CURLINFO_HEADER_SIZE, &headerBytes)
        return headerBytes == 0
    }

    func armPacingTimer(at nanoseconds: Int64) {
        loop.armPacingTimer(at: nanoseconds)
    }

    func abandon(_ slot: Int) {
        loop.remove(pool.easies[slot])
    }

    func close() {
        loop.close()
        pool.close()
    }
}
