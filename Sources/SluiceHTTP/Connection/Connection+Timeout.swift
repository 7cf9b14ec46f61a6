extension Connection {
    /// Called on the connection's queue by the sweeper when `deadline` may have passed.
    /// Rechecks it (the connection may have made progress since) and acts on the phase:
    /// a slow head or body gets 408 and a close; so does a new connection that never sent a
    /// request; an idle keep-alive, stalled or lingering one is closed.
    func deadlineMayHavePassed(now: UInt64) {
        let due = deadline.load(ordering: .relaxed)
        guard due != 0, due <= now else { return }
        switch state {
        case .head:
            reject(.headerTimeout)
            flushOutput()
        case .body:
            reject(.bodyTimeout)
            flushOutput()
        case .idle where !hasServedRequest:
            // A silent new connection. A 408 (then the lingering close) rather than a bare
            // close: a client whose first request crossed the deadline in flight learns that it
            // was not processed and can safely send it again, even a POST (RFC 9110 §15.5.9).
            reject(.headerTimeout)
            flushOutput()
        case .idle, .closingAfterWrite, .lingering:
            close()
        case .awaitingResponse, .closed:
            break
        }
        // A 408 that cannot be sent either is given one more stall period, then closed.
        if case .closingAfterWrite = state, deadline.load(ordering: .relaxed) <= now {
            setDeadline(after: context.configuration.lingerTimeout)
        }
    }

    /// Re-arms the current phase's deadline once output that blocked reading has drained. The
    /// write stall had replaced it (`bodyTimeout` without send progress); while we could not
    /// write we read nothing either, so the phase's clock restarts instead of charging the
    /// client's request for time we spent not reading it.
    func armPhaseDeadline() {
        let configuration = context.configuration
        switch state {
        case .idle:
            setDeadline(after: hasServedRequest ? configuration.idleTimeout : configuration.headerTimeout)
        case .head:
            setDeadline(after: configuration.headerTimeout)
        case .body:
            bodyDeadline.restart(now: MonotonicClock.now())
            deadline.store(bodyDeadline.due, ordering: .relaxed)
        case .awaitingResponse, .closingAfterWrite, .lingering, .closed:
            break
        }
    }
}
