import Glibc
import SluiceSupport
import Synchronization
import Testing

@testable import SluiceCore

/// Counts and remembers from any thread.
private final class Tally: Sendable {
    let count = Atomic<Int>(0)
    private let events = Mutex<[String]>([])
    func note(_ event: String) { events.withLock { $0.append(event) } }
    var noted: [String] { events.withLock { $0 } }
}

@Suite struct FlusherTests {
    /// Takes a slab from the pool, renders `ids` into it, and admits it, retrying while the
    /// buffer is full (bounded by a deadline). Returns whether the batch got in.
    @discardableResult
    private static func produce(
        _ ids: [String], pool: ObjectPool<ResultSlab>, buffer: BatchBuffer, flusher: Flusher, fullAnswers: Tally? = nil
    ) -> Bool {
        let slab = pool.take()
        slab.begin(receivedAtNanoseconds: SystemClock.realtimeNanoseconds())
        for id in ids { slab.append(id: id.utf8, data: #"{"v":1}"#.utf8, metadata: String?.none?.utf8) }
        let deadline = SystemClock.monotonicNanoseconds() + 30_000_000_000
        while SystemClock.monotonicNanoseconds() < deadline {
            switch buffer.admit(slab) {
            case .admitted(let isFlushDue, _):
                if isFlushDue { flusher.nudge() }
                return true
            case .full:
                fullAnswers?.count.add(1, ordering: .relaxed)
                flusher.nudge()
                sched_yield()
            case .tooLarge:
                Issue.record("a batch of \(ids.count) cannot be too large")
                pool.give(slab)
                return false
            }
        }
        Issue.record("the buffer stayed full for 30 s")
        pool.give(slab)
        return false
    }

    @Test func concurrentProducers_EveryItemIsWrittenExactlyOnce_InEachProducersOrder() throws {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 1 << 20, fsync: .never))
        let pool = ObjectPool<ResultSlab>(capacity: 4_000) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 20_000, maxBytes: 64 << 20, flushThresholdItems: 2_000))
        let flusher = Flusher(buffer: buffer, sink: sink, pool: pool, configuration: .init(flushInterval: .milliseconds(5)))
        flusher.start()
        let producers = 8, batches = 2_000, batchSize = 10
        let fullAnswers = Tally()
        runOnThreads(producers) { producer in
            for batch in 0..<batches {
                let ids = (0..<batchSize).map { "p\(producer)-\(batch * batchSize + $0)" }
                Self.produce(ids, pool: pool, buffer: buffer, flusher: flusher, fullAnswers: fullAnswers)
            }
        }
        #expect(flusher.drain(deadline: .now + .seconds(30)) == 0)
        flusher.stop()
        try sink.close()

        let lines = try segmentLines(in: temp.path)
        let total = producers * batches * batchSize
        #expect(lines.count == total)
        var seen = Set<String>()
        var lastIndex = [Int](repeating: -1, count: producers)
        for (number, line) in lines.enumerated() {
            guard let id = recordID(line) else {
                Issue.record("line \(number) is not a record")
                continue
            }
            #expect(seen.insert(id).inserted, "\(id) written twice")
            // Segments in name order hold each producer's items in the order it admitted them.
            let parts = id.dropFirst().split(separator: "-")
            let producer = Int(parts[0])!, index = Int(parts[1])!
            #expect(index > lastIndex[producer], "\(id) out of order")
            lastIndex[producer] = index
            if number % 101 == 0 { #expect(JSONChecker.isObject(line)) }
        }
        #expect(seen.count == total)
        #expect(listDirectory(temp.path).count > 1, "1 MiB segments should have rotated")
        #expect(sink.metrics.counters.itemsWritten == total)
        #expect(buffer.statistics.admittedItems == total)
        #expect(buffer.statistics.rejectedItems == fullAnswers.count.load(ordering: .relaxed) * batchSize)
        let poolStats = pool.statistics
        #expect(poolStats.gets == producers * batches, "one slab per batch, not one object per item")
        #expect(poolStats.hits + poolStats.misses == producers * batches)
        #expect(poolStats.corrupted == 0)
        #expect(pool.idleCount <= 4_000)
    }

    @Test(.enabled(if: InodeFlags.isImmutableSupported, "needs chattr +i (ext4 and CAP_LINUX_IMMUTABLE)"))
    func realSinkFailure_BufferFillsAndRejects_ThenRecoveryWritesEveryAcknowledgedItemOnce() throws {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path))
        let pool = ObjectPool<ResultSlab>(capacity: 1_000) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 10))
        let events = Tally()
        let flusher = Flusher(
            buffer: buffer, sink: sink, pool: pool,
            configuration: .init(flushInterval: .milliseconds(5), initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(20))
        ) { event in
            switch event {
            case .writeFailed: events.note("failed")
            case .recovered: events.note("recovered")
            }
        }
        flusher.start()
        var acknowledged = (0..<5).map { "warm\($0)" }
        Self.produce(acknowledged, pool: pool, buffer: buffer, flusher: flusher)
        #expect(eventually { sink.metrics.counters.itemsWritten == 5 })
        let segment = temp.file(listDirectory(temp.path)[0])

        // A real failure, also for root: the kernel refuses writes to an immutable file.
        try InodeFlags.setImmutable(segment, true)
        defer { try? InodeFlags.setImmutable(segment, false) }
        var retryAfter: Int?
        for batch in 0..<1_000 where retryAfter == nil {
            let ids = (0..<10).map { "b\(batch)-\($0)" }
            let slab = pool.take()
            slab.begin(receivedAtNanoseconds: 1)
            for id in ids { slab.append(id: id.utf8, data: "{}".utf8, metadata: String?.none?.utf8) }
            switch buffer.admit(slab) {
            case .admitted(let isFlushDue, _):
                acknowledged += ids
                if isFlushDue { flusher.nudge() }
            case .full(let seconds):
                retryAfter = seconds
                pool.give(slab)
            case .tooLarge:
                Issue.record("unexpected tooLarge")
            }
        }
        let seconds = try #require(retryAfter, "the buffer never filled while the sink failed")
        #expect(BatchBuffer.retryAfterRange.contains(seconds))
        #expect(eventually { sink.metrics.counters.errors > 0 && flusher.statistics.heldItems > 0 })
        #expect(buffer.itemCount + flusher.statistics.heldItems + 5 == acknowledged.count)

        try InodeFlags.setImmutable(segment, false)
        #expect(eventually { buffer.itemCount == 0 && flusher.statistics.heldItems == 0 })
        #expect(flusher.drain(deadline: .now + .seconds(10)) == 0)
        flusher.stop()
        try sink.close()

        let written = try segmentLines(in: temp.path).compactMap(recordID)
        #expect(written.count == acknowledged.count)
        #expect(Set(written) == Set(acknowledged))
        #expect(written == acknowledged, "the held batch is retried before newer items")
        #expect(events.noted.first == "failed")
        #expect(events.noted.last == "recovered")
    }

    @Test func injectedShortWritesAndErrors_UnderLoad_NeverDuplicateOrLoseAnItem() throws {
        let temp = try TemporaryDirectory()
        var files = FileSystemCalls.system
        let counter = Tally()
        files.pwritev = { fd, pieces, offset in
            // Every 7th call writes half of its first piece and returns short; the call that
            // continues it fails.
            let call = counter.count.add(1, ordering: .relaxed).newValue
            switch call % 7 {
            case 3 where pieces[0].iov_len > 1: return Glibc.pwrite(fd, pieces[0].iov_base, pieces[0].iov_len / 2, off_t(offset))
            case 4:
                errno = EIO
                return -1
            default: return Glibc.pwritev(fd, pieces.baseAddress, Int32(pieces.count), off_t(offset))
            }
        }
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 64 * 1024), calls: files)
        let pool = ObjectPool<ResultSlab>(capacity: 4_000) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 4_000, maxBytes: 16 << 20, flushThresholdItems: 200))
        let flusher = Flusher(
            buffer: buffer, sink: sink, pool: pool,
            configuration: .init(flushInterval: .milliseconds(5), initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(4)))
        flusher.start()
        runOnThreads(4) { producer in
            for batch in 0..<500 {
                let ids = (0..<10).map { "p\(producer)-\(batch * 10 + $0)" }
                Self.produce(ids, pool: pool, buffer: buffer, flusher: flusher)
            }
        }
        #expect(flusher.drain(deadline: .now + .seconds(30)) == 0)
        flusher.stop()
        try sink.close()
        let written = try segmentLines(in: temp.path).compactMap(recordID)
        #expect(written.count == 20_000)
        #expect(Set(written).count == 20_000)
        #expect(sink.metrics.counters.errors > 0)
        #expect(flusher.statistics.failedAttempts == sink.metrics.counters.errors)
    }

    @Test func drain_WithASinkThatNeverRecovers_ReportsTheUnwrittenItemsByTheDeadline() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let sink = StdoutSink(fd: fd, name: "/dev/full")
        let pool = ObjectPool<ResultSlab>(capacity: 100) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        let flusher = Flusher(buffer: buffer, sink: sink, pool: pool, configuration: .init(initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20)))
        Self.produce((0..<25).map { "d\($0)" }, pool: pool, buffer: buffer, flusher: flusher)
        let start = ContinuousClock.now
        #expect(flusher.drain(deadline: .now + .milliseconds(200)) == 25)
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(flusher.statistics.heldItems == 25)
        #expect(flusher.statistics.failedAttempts >= 2)
        #expect(sink.metrics.counters.errors == flusher.statistics.failedAttempts)
        #expect(pool.idleCount == 0, "unwritten slabs are kept, not recycled")
    }

    @Test func nudge_FlushesWithoutWaitingForTheInterval() {
        let sink = RecordingSink()
        let pool = ObjectPool<ResultSlab>(capacity: 100) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 10))
        let flusher = Flusher(buffer: buffer, sink: sink, pool: pool, configuration: .init(flushInterval: .seconds(3600)))
        flusher.start()
        defer { flusher.stop() }
        Self.produce((0..<10).map { "n\($0)" }, pool: pool, buffer: buffer, flusher: flusher)
        #expect(eventually { sink.ids.count == 10 })
        #expect(eventually { pool.idleCount == 1 }, "the written slab goes back to the pool")
    }

    @Test func timer_FlushesByAgeWithoutANudge() {
        let sink = RecordingSink()
        let pool = ObjectPool<ResultSlab>(capacity: 100) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        let flusher = Flusher(buffer: buffer, sink: sink, pool: pool, configuration: .init(flushInterval: .milliseconds(20)))
        flusher.start()
        defer { flusher.stop() }
        Self.produce(["t0", "t1", "t2"], pool: pool, buffer: buffer, flusher: flusher)
        #expect(eventually { sink.ids == ["t0", "t1", "t2"] })
    }

    @Test func failedBatch_IsRetriedBeforeNewerItems_AndRecoveryIsAutomatic() {
        let sink = RecordingSink()
        sink.isFailing = true
        let pool = ObjectPool<ResultSlab>(capacity: 100) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 1))
        let flusher = Flusher(
            buffer: buffer, sink: sink, pool: pool,
            configuration: .init(flushInterval: .seconds(3600), initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(8)))
        flusher.start()
        defer { flusher.stop() }
        Self.produce(["a0", "a1"], pool: pool, buffer: buffer, flusher: flusher)
        #expect(eventually { sink.writeCalls >= 3 }, "backoff retries follow without new nudges")
        Self.produce(["b0"], pool: pool, buffer: buffer, flusher: flusher)
        #expect(flusher.statistics.heldItems == 2)
        sink.isFailing = false
        #expect(eventually { sink.ids == ["a0", "a1", "b0"] })
        #expect(eventually { flusher.statistics.heldItems == 0 && pool.idleCount == 2 })
    }

    @Test func stop_EndsTheTriggers_ButDrainStillWritesEverything() {
        let sink = RecordingSink()
        let pool = ObjectPool<ResultSlab>(capacity: 100) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        let flusher = Flusher(buffer: buffer, sink: sink, pool: pool)
        flusher.start()
        flusher.stop()
        flusher.stop()
        flusher.start()
        Self.produce(["s0", "s1"], pool: pool, buffer: buffer, flusher: flusher)
        #expect(flusher.drain(deadline: .now + .seconds(5)) == 0)
        #expect(sink.ids == ["s0", "s1"])
        #expect(flusher.statistics.flushes == 1)
    }
}

@Suite struct FlusherStoredReportTests {
    private func admit(_ ids: [String], pool: ObjectPool<ResultSlab>, buffer: BatchBuffer) -> UInt64 {
        let slab = pool.take()
        slab.begin(receivedAtNanoseconds: 1)
        for id in ids { slab.append(id: id.utf8, data: "{}".utf8, metadata: String?.none?.utf8) }
        guard case .admitted(_, let sequence) = buffer.admit(slab) else {
            Issue.record("not admitted")
            return 0
        }
        return sequence
    }

    @Test func onStored_ReportsThroughWhichAdmissionTheSinkHoldsEverything_OnlyAfterASuccessfulWrite() {
        let sink = RecordingSink()
        let pool = ObjectPool<ResultSlab>(capacity: 100) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        let reports = Mutex<[UInt64]>([])
        let flusher = Flusher(buffer: buffer, sink: sink, pool: pool,
                              configuration: .init(flushInterval: .seconds(3600), initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(4)),
                              onStored: { through in reports.withLock { $0.append(through) } })
        flusher.start()
        defer { flusher.stop() }
        #expect(admit(["a"], pool: pool, buffer: buffer) == 1)
        #expect(admit(["b", "c"], pool: pool, buffer: buffer) == 2)
        flusher.nudge()
        #expect(eventually { reports.withLock { $0 } == [2] }, "one write, one report for both batches")

        sink.isFailing = true
        #expect(admit(["d"], pool: pool, buffer: buffer) == 3)
        flusher.nudge()
        #expect(eventually { sink.writeCalls >= 3 }, "retried with backoff")
        #expect(reports.withLock { $0 } == [2], "a failed write reports nothing")
        #expect(admit(["e"], pool: pool, buffer: buffer) == 4)
        sink.isFailing = false
        #expect(eventually { reports.withLock { $0 } == [2, 3, 4] }, "the held batch, then what piled up meanwhile")
        #expect(sink.ids == ["a", "b", "c", "d", "e"])
    }

    @Test func drain_ReportsWhatItStores() {
        let sink = RecordingSink()
        let pool = ObjectPool<ResultSlab>(capacity: 100) { ResultSlab() }
        let buffer = BatchBuffer(configuration: .init(maxItems: 100, maxBytes: 1 << 20, flushThresholdItems: 100))
        let reports = Mutex<[UInt64]>([])
        let flusher = Flusher(buffer: buffer, sink: sink, pool: pool, onStored: { through in reports.withLock { $0.append(through) } })
        _ = admit(["x"], pool: pool, buffer: buffer)
        #expect(flusher.drain(deadline: .now + .seconds(5)) == 0)
        #expect(reports.withLock { $0 } == [1])
    }
}
