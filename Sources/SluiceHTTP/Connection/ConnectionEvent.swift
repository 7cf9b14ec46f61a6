/// What happened to a connection, as `ConnectionMachine` is told it. Times are monotonic
/// nanoseconds read by the driver: the machine never reads a clock.
///
/// The first group comes from the outside (sockets, timers, the server, handlers completing
/// later); the second reports how an action the machine asked for turned out, and is the
/// driver's next event after performing it.
package enum ConnectionEvent: Equatable, Sendable {
    /// The connection was accepted (`now`); the first request's head is due `headerTimeout`
    /// later. `shuttingDown` when the server was already draining.
    case started(now: UInt64, shuttingDown: Bool)
    /// `bytes` more bytes were appended to the input buffer at `now`.
    case received(bytes: Int, now: UInt64)
    /// EOF: the peer sends nothing more, but may still read (a half-close).
    case peerClosed
    /// The connection failed (ECONNRESET, EPIPE...): nothing more can be sent or received.
    case connectionReset
    /// A send stopped short with EAGAIN at `now`: the rest waits until the socket is writable.
    case outputBlocked(now: UInt64)
    /// The socket takes output again after `outputBlocked`.
    case writable(now: UInt64)
    /// The timer saw the published deadline pass; the machine checks it against its own.
    case deadlinePassed(now: UInt64)
    /// Graceful shutdown began. `unreadBytesWaiting`: the socket holds bytes not yet read (a
    /// request that already arrived is served with `Connection: close`, not dropped).
    case shutdownRequested(unreadBytesWaiting: Bool)
    /// The shutdown deadline passed: close now, whatever is in progress.
    case forceClose
    /// The deferred response numbered `generation` was completed (or released unanswered).
    case deferredCompleted(generation: UInt64, now: UInt64)

    /// The previous action was performed and has nothing to report.
    case performed
    /// `screen` returned `decision`, set `handlerTag`, and filled the response; `closeRequested`
    /// is the response's `closeConnection`, `draining` whether the server has begun to drain.
    case screened(ScreenDecision, handlerTag: Int, closeRequested: Bool, draining: Bool)
    /// `respond` filled the response, or deferred it (`deferredGeneration`: the number of the
    /// `DeferredResponse` it made).
    case responded(deferredGeneration: UInt64?, closeRequested: Bool, draining: Bool)
    /// The deferred response's fill ran.
    case deferredFilled(closeRequested: Bool, draining: Bool)
}
