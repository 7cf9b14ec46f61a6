import Dispatch
import Logging
import Synchronization

/// State shared by the listener, every connection and the timeout sweeper.
final class ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let handler: any HTTPRequestHandler
    let logger: Logger
    let buffers: ByteBufferPool
    /// The serial event queues connections are spread over (each connection's own serial
    /// queue targets one of them), so one worker wake-up drains many connections' events.
    let eventQueues: [DispatchQueue]
    private let nextEventQueue = Atomic<Int>(0)
    /// The open connections, and who to tell when the last one has gone (shutdown).
    private let registry = Mutex<Registry>(Registry())
    // Relaxed: gauges and counters for metrics and the shutdown poll; no data is published through them.
    let openConnections = Atomic<Int>(0)
    let acceptedConnections = Atomic<Int>(0)
    let rejectedConnections = Atomic<Int>(0)
    let isDraining = Atomic<Bool>(false)
    /// `maxConnections`, lowered to leave file descriptors spare: running out of fds is worse
    /// than refusing a connection (libdispatch's worker monitor traps when it cannot open
    /// /proc files, taking the whole process down), so connections get a 503 first.
    let connectionLimit: Int

    init(configuration: HTTPServerConfiguration, handler: any HTTPRequestHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        let fdLimit = System.openFileLimit
        let spare = 32 + fdLimit / 50
        self.connectionLimit = max(1, min(configuration.maxConnections, fdLimit - spare))
        self.buffers = ByteBufferPool(
            initialCapacity: configuration.readBufferBytes,
            maxRetainedCapacity: configuration.maxRetainedBufferBytes,
            maxIdle: configuration.maxIdleBuffers, maxIdleBytes: configuration.maxIdleBufferBytes)
        let count = configuration.eventQueues > 0 ? configuration.eventQueues : System.coreCount
        self.eventQueues = (0..<max(1, count)).map { _ in
            DispatchQueue(label: "sluice.events", target: DispatchQueue.global())
        }
    }

    /// The event queue for a new connection (round-robin).
    func eventQueueForNewConnection() -> DispatchQueue {
        eventQueues[nextEventQueue.wrappingAdd(1, ordering: .relaxed).oldValue % eventQueues.count]
    }

    private struct Registry {
        var connections: [ObjectIdentifier: Connection] = [:]
        var whenEmpty: (@Sendable () -> Void)?
    }

    func register(_ connection: Connection) {
        registry.withLock { $0.connections[ObjectIdentifier(connection)] = connection }
    }

    /// Called by a connection once its fd is closed; the last one runs the `whenEmpty` callback.
    func unregister(_ connection: Connection) {
        openConnections.subtract(1, ordering: .relaxed)
        let callback: (@Sendable () -> Void)? = registry.withLock { registry in
            _ = registry.connections.removeValue(forKey: ObjectIdentifier(connection))
            guard registry.connections.isEmpty else { return nil }
            defer { registry.whenEmpty = nil }
            return registry.whenEmpty
        }
        callback?()
    }

    /// Runs `callback` once no connection is registered: now if none is, else when the last one
    /// unregisters. Call it after the listener has stopped admitting connections.
    func whenNoConnections(_ callback: @escaping @Sendable () -> Void) {
        let runNow = registry.withLock { registry in
            if registry.connections.isEmpty { return true }
            registry.whenEmpty = callback
            return false
        }
        if runNow { callback() }
    }

    /// Calls `body` for each open connection, under the registry lock (no copy): keep it short,
    /// e.g. an atomic load or a `queue.async`.
    func forEachConnection(_ body: (Connection) -> Void) {
        registry.withLock { registry in
            for connection in registry.connections.values { body(connection) }
        }
    }
}
