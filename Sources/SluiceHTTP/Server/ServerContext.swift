import Dispatch
import Logging
import Synchronization

/// State shared by the listener, every connection and the timeout sweeper.
final class ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let handler: any HTTPRequestHandler
    let logger: Logger
    let buffers: ByteBufferPool
    /// The queue every connection's serial queue targets.
    let workQueue: DispatchQueue
    let connections = Mutex<[ObjectIdentifier: Connection]>([:])
    // Relaxed: gauges and counters for metrics and the shutdown poll; no data is published through them.
    let openConnections = Atomic<Int>(0)
    let acceptedConnections = Atomic<Int>(0)
    let rejectedConnections = Atomic<Int>(0)
    let isDraining = Atomic<Bool>(false)

    init(configuration: HTTPServerConfiguration, handler: any HTTPRequestHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.buffers = ByteBufferPool(
            initialCapacity: configuration.readBufferBytes,
            maxRetainedCapacity: configuration.maxRetainedBufferBytes,
            maxIdle: configuration.maxIdleBuffers)
        self.workQueue = DispatchQueue.global()
    }

    func register(_ connection: Connection) {
        connections.withLock { $0[ObjectIdentifier(connection)] = connection }
    }

    func unregister(_ connection: Connection) {
        connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(connection)) }
        openConnections.subtract(1, ordering: .relaxed)
    }

    /// A snapshot of the open connections (allocates; used by the sweeper and shutdown only).
    func allConnections() -> [Connection] {
        connections.withLock { Array($0.values) }
    }
}
