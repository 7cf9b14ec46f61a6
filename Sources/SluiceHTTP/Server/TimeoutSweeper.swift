import Dispatch
import SluiceSupport

/// One timer for every connection's deadline, instead of a timer per connection: 10,000 idle
/// connections cost one wake-up per tick and an atomic load each.
final class TimeoutSweeper: @unchecked Sendable {
    // Confinement: `expired` is used only on `queue`.
    private let context: ServerContext
    private let queue = DispatchQueue(label: "sluice.sweeper")
    private let timer: DispatchSourceTimer
    private var expired: [Connection] = []

    init(context: ServerContext) {
        self.context = context
        let configuration = context.configuration
        let shortest = min(configuration.headerTimeout, configuration.bodyTimeout,
                           configuration.idleTimeout, configuration.lingerTimeout)
        // A tick of a fifth of the shortest timeout keeps each timeout within 20% of its value.
        let tick = max(min(Int(shortest.nonNegativeNanoseconds / 5_000_000), 250), 10)
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(tick), repeating: .milliseconds(tick), leeway: .milliseconds(tick / 4))
        timer.setEventHandler { [unowned self] in self.sweep() }
    }

    func start() { timer.resume() }
    func stop() { timer.cancel() }

    private func sweep() {
        let now = SystemClock.monotonicNanoseconds()
        context.forEachConnection { connection in
            let due = connection.deadline.load(ordering: .relaxed)
            if due != 0, due <= now { expired.append(connection) }
        }
        for connection in expired {
            connection.queue.async { connection.deadlineMayHavePassed(now: now) }
        }
        expired.removeAll(keepingCapacity: true)
    }
}
