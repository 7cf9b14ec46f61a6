import SluiceSupport
import Synchronization

/// The default sink: NDJSON segment files in a data directory, rotated by size.
///
/// ```
/// let sink = try FileSink(configuration: .init(directory: "./data", fsync: .everyFlush))
/// try sink.write(slabs)   // every slab's records, the whole batch or nothing
/// try sink.close()        // the open segment gets its final name
/// ```
/// Files are named `segment-<UTC stamp>-<sequence>.ndjson`, so a plain sort is write order;
/// the segment being written ends in `.open`. Start-up repairs what a crash left (see
/// `SegmentDirectory`). A segment is rotated before the first batch that finds it at or over
/// `maxSegmentBytes`, so a segment can exceed that bound by one batch; a batch is never split.
/// A rotated segment is synced and renamed in the background (`SegmentFinisher`), at most two
/// at a time, so the flusher never waits for a whole segment's fsync unless the disk is behind.
///
/// Failure mode: a failed write throws `SinkError.writeFailed` and the segment is truncated
/// back to its size before the batch (or set aside for repair if even that fails), so the
/// flusher's retry of the same batch neither duplicates nor half-writes it.
public final class FileSink: Sink {
    /// When the sink calls fsync.
    public enum FsyncPolicy: String, Sendable, CaseIterable {
        /// Never; the kernel writes back when it likes. A crash of the machine (not of the
        /// process) can lose recent batches.
        case never
        /// After every flushed batch, before `write` returns (and the directory after each
        /// new segment): a batch the flusher saw succeed survives a power cut.
        case everyFlush
        /// When a segment is finished (rotation, close) and the directory after renames.
        case rotation
    }

    public struct Configuration: Sendable {
        /// Data directory; created with its parents if missing.
        public var directory: String
        /// Size at which the segment is rotated (default 64 MiB).
        public var maxSegmentBytes: Int
        public var fsync: FsyncPolicy
        /// Every time the open segment grows by this much (default 2 MiB), its new bytes are
        /// handed to the kernel's writeback and the bytes before them, written back by then,
        /// leave the page cache (`posix_fadvise(POSIX_FADV_DONTNEED)`). The disk then works
        /// steadily instead of in one burst at rotation, when a 64 MiB fdatasync took a core
        /// for tens of milliseconds (p99 10 ms in the open model at 8,000 W1 requests/s, 0.4 ms
        /// on the discard sink), and the page cache holds about two of these per segment.
        public var writebackBytes: Int

        public init(directory: String, maxSegmentBytes: Int = 64 << 20, fsync: FsyncPolicy = .rotation, writebackBytes: Int = 2 << 20) {
            self.directory = directory
            self.maxSegmentBytes = maxSegmentBytes
            self.fsync = fsync
            self.writebackBytes = writebackBytes
        }
    }

    public let configuration: Configuration
    public let metrics = SinkMetrics()
    /// Segments from a previous run that start-up repaired and finished.
    public let recoveredSegments: Int
    // The lock serialises writers. Only the flusher writes, so it is never contended; it is
    // held across the file I/O on purpose (the I/O is the critical section). Metrics read
    // `metrics`, never this lock.
    private let writer: Mutex<SegmentWriter>

    /// Opens (creating if needed) and repairs the data directory. Throws if the directory
    /// cannot be created, listed or repaired.
    public convenience init(configuration: Configuration) throws(SinkError) {
        try self.init(configuration: configuration, calls: .system)
    }

    init(configuration: Configuration, calls: FileSystemCalls) throws(SinkError) {
        precondition(configuration.maxSegmentBytes > 0, "FileSink maxSegmentBytes must be positive")
        precondition(configuration.writebackBytes > 0 && configuration.writebackBytes % 4096 == 0, "FileSink writebackBytes must be a positive multiple of 4096")
        let directory = try SegmentDirectory(path: configuration.directory)
        let (recovered, last) = try directory.recover()
        self.configuration = configuration
        self.recoveredSegments = recovered
        writer = Mutex(try SegmentWriter(directory: directory, last: last, configuration: configuration, calls: calls))
    }

    public func write(_ batch: [ResultSlab]) throws(SinkError) {
        guard !batch.isEmpty else { return }
        let start = SystemClock.monotonicNanoseconds()
        do {
            let bytes = try writer.withLock { (writer) throws(SinkError) -> Int in try writer.write(batch) }
            metrics.recordFlush(items: batch.itemCount, bytes: bytes, nanoseconds: SystemClock.monotonicNanoseconds() &- start)
        } catch {
            metrics.recordError()
            throw error
        }
    }

    /// Waits until every rotated segment is synced and renamed (for tests).
    func waitUntilRotatedSegmentsAreFinished() {
        writer.withLock { $0.waitUntilRotatedSegmentsAreFinished() }
    }

    public func close() throws(SinkError) {
        do {
            try writer.withLock { (writer) throws(SinkError) in try writer.close() }
        } catch {
            metrics.recordError()
            throw error
        }
    }
}
