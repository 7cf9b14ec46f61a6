import Synchronization

/// A response its handler completes later (see `HTTPResponse.answerLater()`): e.g. once the
/// request's items are on disk. Complete it exactly once, from any queue; the fill closure runs
/// on the connection's queue with a fresh response to fill.
///
///     func respond(to request: HTTPRequest, _ response: inout HTTPResponse) {
///         let later = response.answerLater()
///         store.whenDurable(batch) { later.complete { $0.body.write("{\"ok\":true}") } }
///     }
public final class DeferredResponse: Sendable {
    private weak let owner: Connection?
    /// Which deferred response of the connection this is (stale completions are ignored).
    private let generation: UInt64
    private let completed = Atomic<Bool>(false)
    let cancelled = Atomic<Bool>(false)

    init(owner: Connection?, generation: UInt64) {
        self.owner = owner
        self.generation = generation
    }

    /// True once the connection closed before the response was sent: nobody will read it.
    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) || owner == nil }

    /// Sends the response `fill` writes. Later calls do nothing.
    public func complete(_ fill: @escaping @Sendable (inout HTTPResponse) -> Void) {
        guard !completed.exchange(true, ordering: .acquiringAndReleasing), let owner else { return }
        let generation = self.generation
        owner.queue.async { owner.finishDeferredResponse(generation: generation, fill: fill) }
    }

    deinit {
        // Released without an answer: the client must not wait for ever.
        guard !completed.load(ordering: .acquiring), let owner else { return }
        let generation = self.generation
        owner.queue.async {
            owner.finishDeferredResponse(generation: generation) { response in
                response.setError(.internalServerError, "the handler did not answer")
            }
        }
    }
}
