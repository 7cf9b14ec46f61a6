extension Connection {
    /// Called on the connection's queue by the sweeper when `deadline` may have passed. The
    /// machine rechecks it against its own (the connection may have made progress since) and
    /// acts on its kind: a slow head or body (or a new connection that never sent a request)
    /// gets 408 and a close; an idle, write-stalled or lingering one is closed.
    func deadlineMayHavePassed(now: UInt64) {
        run(.deadlinePassed(now: now))
    }
}
