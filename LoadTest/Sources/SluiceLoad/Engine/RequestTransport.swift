/// How one worker's requests reach the server. A transport has a fixed number of slots, each
/// carrying at most one request at a time; the ``Worker`` decides when a slot's request starts
/// and what its latency is, the transport moves the bytes.
///
/// Two implementations: ``WireTransport`` (libcurl opens the connections; sluice-load writes the
/// prepared request and reads the response itself) and ``CurlTransport`` (libcurl performs every
/// HTTP transfer). Thread-confined to the worker.
protocol RequestTransport: AnyObject {
    /// Starts a request on `slot`, which has none in flight.
    func start(_ slot: Int)
    /// Waits until I/O is ready, the pacing timer fires or `wakeNanoseconds` passes, does the
    /// ready I/O, and appends the requests that finished.
    func poll(wakeNanoseconds: Int64, finished: inout [FinishedRequest])
    /// Makes ``poll(wakeNanoseconds:finished:)`` return at `nanoseconds` (CLOCK_MONOTONIC).
    func armPacingTimer(at nanoseconds: Int64)
    /// Gives up the request in flight on `slot` (the run's drain deadline passed).
    func abandon(_ slot: Int)
    /// Connections opened so far (1 per slot while keep-alive holds).
    var connectionsOpened: Int { get }
    /// Frees every handle and descriptor; the transport is not used afterwards.
    func close()
}

/// A request that ended, with or without a response.
struct FinishedRequest {
    var slot: Int
    var outcome: RequestOutcome
}

/// What became of one request.
enum RequestOutcome {
    /// An HTTP response; `accepted` is its body's `"accepted"` count (read for 200 only).
    case response(status: Int, accepted: Int?)
    case failed(TransferErrorKind)
}
