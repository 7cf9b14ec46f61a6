import Glibc
import Logging
import SluiceAccess
import SluiceCore
import SluiceHTTP
import SluiceJetStream
import SluiceMetrics
import SluiceSupport

/// The batch pipeline behind `/batch`, built from the options: pool, buffer, sink, flusher
/// and the chosen processor.
final class Pipeline: Sendable {
    struct Settings: Sendable {
        var processor: ProcessorKind
        var sink: SinkKind
        var ack: AckMode
        var ackTimeout: Duration
        var dataDirectory: String
        var fsync: FileSink.FsyncPolicy
        var segmentBytes: Int
        var jetStream: JetStreamConfiguration
        var bufferItems: Int
        var bufferBytes: Int
        var flushInterval: Duration
        var flushMaxItems: Int
        var poolCapacity: Int
        var poolBytes: Int
        var maxItemsPerBatch: Int
        var maxBodyBytes: Int
    }

    let pool: ObjectPool<ResultSlab>
    let buffer: BatchBuffer
    let sink: any Sink
    let flusher: Flusher
    let processor: any BatchProcessor
    /// Requests waiting for their items to be stored: `--ack durable` only.
    let durability: DurabilityWaiters?
    let settings: Settings
    /// The body limit `/batch` and the server apply: `--max-body`, lowered for the JetStream
    /// sink so that every item fits in one message (`JetStreamSink.largestBodyBytes`).
    let maxBodyBytes: Int
    private let logger: Logger

    init(settings: Settings, logger: Logger) throws {
        self.logger = logger
        let slabLimits = ResultSlab.Limits(maxRetainedBytes: min(2 << 20, settings.poolBytes))
        // Releasing keeps the prewarmed count idle, so the first requests after a quiet spell or a
        // memory-limit release still do not allocate.
        pool = ObjectPool(capacity: settings.poolCapacity, maxIdleBytes: settings.poolBytes,
                          prewarm: min(settings.poolCapacity, 64)) { ResultSlab(limits: slabLimits) }
        // Durable: every admission nudges the flusher, which writes as soon as it is idle; what
        // arrives during one write and fsync goes out together in the next (group commit).
        let durability = settings.ack == .durable ? DurabilityWaiters(timeout: settings.ackTimeout) : nil
        self.durability = durability
        buffer = BatchBuffer(configuration: .init(
            maxItems: settings.bufferItems, maxBytes: settings.bufferBytes,
            flushThresholdItems: durability != nil ? 1 : min(settings.flushMaxItems, settings.bufferItems)))
        switch settings.sink {
        case .file:
            let fileSink = try FileSink(configuration: .init(
                directory: settings.dataDirectory, maxSegmentBytes: settings.segmentBytes, fsync: settings.fsync))
            if fileSink.recoveredSegments > 0 {
                logger.warning("finished segments left open by a previous run", metadata: ["count": "\(fileSink.recoveredSegments)"])
            }
            sink = fileSink
        case .stdout:
            sink = StdoutSink()
        case .discard:
            sink = DiscardSink()
        case .jetstream:
            do {
                sink = try JetStreamSink(configuration: settings.jetStream) { [logger] event in Pipeline.log(event, to: logger) }
            } catch .unavailable(let destination, let reason) {
                throw StartupError(message: "--sink jetstream: cannot use \(destination): \(reason)")
            } catch {
                throw StartupError(message: "--sink jetstream: \(error)")
            }
        }
        maxBodyBytes = Self.maxBodyBytes(settings: settings, sink: sink, logger: logger)
        flusher = Flusher(buffer: buffer, sink: sink, pool: pool, configuration: .init(flushInterval: settings.flushInterval),
                          onEvent: { [logger] event in
            switch event {
            case .writeFailed(let error, let failures, let held, let retryIn):
                logger.error("sink write failed; batch kept for retry", metadata: [
                    "error": "\(error)", "consecutive_failures": "\(failures)", "held_items": "\(held)", "retry_in": "\(retryIn)"])
            case .recovered(let failures):
                logger.notice("sink recovered", metadata: ["after_failures": "\(failures)"])
            }
        }, onStored: { durability?.stored(through: $0) })
        let parser = BatchParser(maxItems: settings.maxItemsPerBatch)
        let flusher = self.flusher
        let processor: any BatchProcessor = switch settings.processor {
        case .pooled: PooledBatchProcessor(parser: parser, pool: pool, buffer: buffer) { flusher.nudge() }
        case .naive: NaiveBatchProcessor(parser: parser, buffer: buffer) { flusher.nudge() }
        }
        self.processor = processor
        self.settings = settings
    }

    /// The `/batch` route over this pipeline, behind `access` when it is set.
    func route(observability: Observability, access: AccessControl?) -> Route {
        BatchRoute(processor: processor, buffer: buffer, durability: durability, scratchPool: ScratchPool(),
                   maxBodyBytes: maxBodyBytes, clock: Pipeline.nowNanoseconds, observability: observability,
                   access: access).route
    }

    func start() {
        flusher.start()
        durability?.start()
    }

    /// Writes everything still buffered; returns the number of items that could not be
    /// written before `deadline` (0 unless the sink keeps failing).
    func drain(deadline: ContinuousClock.Instant) -> Int {
        let unwritten = flusher.drain(deadline: deadline)
        do {
            try sink.close()
        } catch {
            logger.error("closing the sink failed", metadata: ["error": "\(error)"])
        }
        return unwritten
    }

    /// The pools the memory guard may ask for memory: the result slabs here and the server's
    /// I/O buffers (through `server`, which exists only after the routes are built).
    func releasableMemory(server: ServerReference) -> [ReleasableMemory] {
        let pool = self.pool
        return [
            ReleasableMemory(name: "result_slab", releaseUnused: { pool.releaseUnused() }, releaseIdle: { pool.releaseIdle() }),
            ReleasableMemory(name: "io_buffer", releaseUnused: { server.server?.releaseUnusedBuffers() ?? 0 },
                             releaseIdle: { server.server?.releaseIdleBuffers() ?? 0 }),
        ]
    }

    /// Service gauges for the memory monitor (off the request path).
    func gauges(server: HTTPServer?) -> ServiceGauges {
        let connections = server?.connectionStatistics ?? (open: 0, accepted: 0, rejected: 0)
        let results = pool.statistics
        let buffers = server?.bufferStatistics ?? (takes: 0, misses: 0, idle: 0, idleBytes: 0)
        let counters = sink.metrics.counters
        let durations = sink.metrics.flushDurations.snapshot()
        let jetStream = (sink as? JetStreamSink).map { sink in
            let counters = sink.jetStreamMetrics.counters
            return JetStreamStats(
                isConnected: sink.isConnected, reconnects: UInt64(counters.reconnects), messagesPublished: UInt64(counters.published),
                duplicateAcks: UInt64(counters.duplicates), publishAck: HistogramSnapshot(sink.jetStreamMetrics.ackLatency.snapshot()))
        }
        return ServiceGauges(
            connectionsOpen: connections.open, connectionsTotal: UInt64(connections.accepted),
            bufferItems: buffer.itemCount, bufferCapacityItems: buffer.configuration.maxItems,
            pools: [
                PoolStats(name: "result_slab", gets: UInt64(results.gets), misses: UInt64(results.misses), idleObjects: results.idle,
                          idleBytes: results.idleBytes),
                PoolStats(name: "io_buffer", gets: UInt64(buffers.takes), misses: UInt64(buffers.misses), idleObjects: buffers.idle,
                          idleBytes: buffers.idleBytes),
            ],
            sink: SinkStats(
                flushes: UInt64(counters.flushes), itemsWritten: UInt64(counters.itemsWritten),
                bytesWritten: UInt64(counters.bytesWritten), errors: UInt64(counters.errors),
                flushDuration: HistogramSnapshot(durations)),
            acknowledgements: durability.map { waiters in
                let counts = waiters.statistics
                return AcknowledgementStats(wait: HistogramSnapshot(waiters.waitDurations.snapshot()),
                                            pending: counts.pending, timeouts: UInt64(counts.timedOut))
            },
            jetStream: jetStream)
    }

    /// Why the sink can never write again (the JetStream client gave up its connection), or nil.
    var sinkFailure: String? { (sink as? JetStreamSink)?.failure }

    /// `--max-body`, or less with the JetStream sink: a record larger than the server's
    /// `max_payload` could never be published, and its batch would block the flusher for good.
    private static func maxBodyBytes(settings: Settings, sink: any Sink, logger: Logger) -> Int {
        guard let jetStream = sink as? JetStreamSink else { return settings.maxBodyBytes }
        let serverMaxPayload = jetStream.serverMaxPayloadBytes
        let maxPayload = serverMaxPayload ?? JetStreamSink.defaultServerMaxPayloadBytes
        let limit = JetStreamSink.largestBodyBytes(forMaxPayload: maxPayload)
        guard settings.maxBodyBytes > limit else { return settings.maxBodyBytes }
        logger.notice("--max-body lowered so that every item fits in one NATS message", metadata: [
            "max_body": "\(limit)", "max_payload": "\(maxPayload)",
            "max_payload_from": "\(serverMaxPayload == nil ? "the NATS default (no server reached yet)" : "the server")"])
        return limit
    }

    /// Connection and stream news from the JetStream sink (connection events come from the NATS
    /// client's thread).
    @Sendable private static func log(_ event: JetStreamEvent, to logger: Logger) {
        switch event {
        case .connected(let url):
            logger.info("connected to NATS", metadata: ["url": "\(url)"])
        case .disconnected:
            logger.warning("disconnected from NATS; reconnecting")
        case .reconnected(let url):
            logger.notice("reconnected to NATS", metadata: ["url": "\(url)"])
        case .asynchronousError(let text):
            logger.error("NATS client error", metadata: ["error": "\(text)"])
        case .connectionClosed(let reason):
            logger.critical("NATS connection closed for good: nothing can be published until sluice restarts; /healthz answers 503",
                            metadata: ["reason": "\(reason)"])
        case .streamCreated(let name, let subject, let replicas):
            logger.notice("created JetStream stream", metadata: ["stream": "\(name)", "subject": "\(subject)", "replicas": "\(replicas)", "storage": "file"])
        case .streamFound(let name, let subjects, let replicas, let storage):
            logger.info("using existing JetStream stream", metadata: [
                "stream": "\(name)", "subjects": "\(subjects.joined(separator: ","))", "replicas": "\(replicas)", "storage": "\(storage)"])
        case .streamUnavailable(let reason):
            logger.warning("JetStream stream not set up yet; the first flush retries", metadata: ["reason": "\(reason)"])
        }
    }

    @Sendable static func nowNanoseconds() -> Int64 { SystemClock.realtimeNanoseconds() }
}

/// `--sink`.
enum SinkKind: String, Sendable, CaseIterable {
    case file, stdout, discard, jetstream
}

extension HistogramSnapshot {
    /// The exposition form of a pipeline histogram (its +Inf bound is implied here).
    init(_ snapshot: DurationHistogram.Snapshot) {
        self.init(upperBounds: Array(snapshot.upperBoundsSeconds.prefix { $0.isFinite }),
                  cumulativeCounts: snapshot.cumulativeCounts.map { UInt64($0) }, sum: snapshot.sumSeconds)
    }
}
