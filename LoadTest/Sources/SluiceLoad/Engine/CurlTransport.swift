import CCurl

/// The `--engine curl` transport: libcurl performs each request as a transfer of its multi
/// interface (request head, response parsing, keep-alive, retries of a dead reused connection).
/// A reference for the wire engine; it costs about 67,000 instructions per request inside
/// libcurl 7.88, so on a fast server it, not the server, is the limit.
final class CurlTransport: RequestTransport {
    private let loop: MultiEventLoop
    private let pool: TransferPool
    /// Connections curl reported opening, added to the worker's tally at the end.
    private(set) var connectionsOpened = 0

    init(slots: Int, plan: LoadPlan, body: SharedBody) throws(LoadError) {
        loop = try MultiEventLoop(connections: slots)
        do {
            pool = try TransferPool(count: slots, plan: plan, body: body)
        } catch {
            loop.close()
            throw error
        }
        for easy in pool.easies { loop.adopt(easy) }
    }

    func start(_ slot: Int) {
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
                finished.append(FinishedRequest(slot: slot, outcome: .failed(TransferErrorKind(result))))
                continue
            }
            var status = 0
            sluice_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            let accepted = status == 200 ? pool.acceptedCount(slot) : nil
            finished.append(FinishedRequest(slot: slot, outcome: .response(status: status, accepted: accepted)))
        }
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
