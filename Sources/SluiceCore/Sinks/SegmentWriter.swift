import Glibc
import SluiceSupport

/// The file sink's single-writer state: the open segment, its size, naming, and the
/// all-or-nothing batch write. Not thread-safe; `FileSink` keeps it under its lock.
struct SegmentWriter: ~Copyable {
    private struct OpenSegment {
        let fd: Int32
        let name: SegmentName
        /// Bytes of complete batches in the file; the rollback point for the next batch.
        var bytes: Int
        /// Bytes handed to writeback so far (`advanceWriteback`): a multiple of
        /// `writebackBytes`.
        var writebackStarted = 0
    }

    private let directory: SegmentDirectory
    private let configuration: FileSink.Configuration
    private let calls: FileSystemCalls
    private let finisher: SegmentFinisher
    private var pieces = IOVectorScratch()
    private var current: OpenSegment?
    private var last: SegmentName?
    private var isClosed = false

    init(directory: consuming SegmentDirectory, last: SegmentName?, configuration: FileSink.Configuration, calls: FileSystemCalls) throws(SinkError) {
        finisher = try SegmentFinisher(directoryFD: directory.fd, directoryPath: directory.path, fsync: configuration.fsync, calls: calls)
        self.directory = directory
        self.last = last
        self.configuration = configuration
        self.calls = calls
    }

    deinit {
        // Not closed by `close()`: leave the segment `.open`; the next start finishes it.
        if let current { Glibc.close(current.fd) }
    }

    /// Appends `batch` to the open segment, rotating first if the segment is full. Returns
    /// the bytes written. On failure the segment holds exactly what it held before.
    ///
    /// A failure of an earlier segment's background finish is thrown here first, before
    /// anything is written, so the flusher reports it and retries this batch.
    mutating func write(_ batch: [ResultSlab]) throws(SinkError) -> Int {
        guard !isClosed else { throw .closed }
        if let failure = finisher.takeFailure() { throw failure }
        if let segment = current, segment.bytes >= configuration.maxSegmentBytes {
            // The full segment is synced and renamed in the background (SegmentFinisher).
            finisher.finish(fd: segment.fd, name: segment.name)
            current = nil
        }
        if current == nil { current = try openNext() }
        guard let segment = current else { preconditionFailure("a segment was just opened") }
        var next = 0
        var written = 0
        while next < batch.count {
            let outcome = pieces.withRecords(of: batch, from: &next) { pieces in
                calls.writeAll(segment.fd, pieces, at: Int64(segment.bytes + written))
            }
            written += outcome.written
            if let code = outcome.errno { throw rollBack(segment, call: "write", errno: code, written: written) }
        }
        if configuration.fsync == .everyFlush, let code = calls.sync(segment.fd) {
            throw rollBack(segment, call: "fsync", errno: code, written: written)
        }
        current?.bytes += written
        advanceWriteback()
        return written
    }

    /// Once the segment has grown past the next `writebackBytes` boundary: asks the kernel to
    /// drop the pages from one step before the last boundary up to the new one. On Linux
    /// `POSIX_FADV_DONTNEED` starts the writeback of the dirty pages in its range (without
    /// waiting) and drops the clean ones, so the new step starts writing back and the step
    /// before it, written back since the last call, leaves the page cache. Pages still being
    /// written are kept and dropped by a later call or after the segment's fsync.
    ///
    /// Advice only: it neither waits nor reports writeback errors, so the fdatasync at rotation
    /// (or every flush) still sees every error.
    private mutating func advanceWriteback() {
        guard let segment = current else { return }
        let step = configuration.writebackBytes
        let boundary = segment.bytes / step * step
        guard boundary > segment.writebackStarted else { return }
        let from = max(0, segment.writebackStarted - step)
        _ = posix_fadvise(segment.fd, off_t(from), off_t(boundary - from), POSIX_FADV_DONTNEED)
        current?.writebackStarted = boundary
    }

    /// Waits until every rotated segment is finished in the background (tests).
    func waitUntilRotatedSegmentsAreFinished() {
        finisher.waitUntilIdle()
    }

    /// Finishes the open segment, after every segment rotated before it, and refuses
    /// further writes. Idempotent. Throws the first failure of any of them.
    mutating func close() throws(SinkError) {
        guard !isClosed else { return }
        isClosed = true
        finisher.waitUntilIdle()
        do {
            try finishCurrent()
        } catch {
            // Closed all the same: the file stays `.open` and the next start finishes it.
            if let segment = current { Glibc.close(segment.fd) }
            current = nil
            throw error
        }
        if let failure = finisher.takeFailure() { throw failure }
    }

    /// Undoes a partial batch: truncates the segment back to its size before the batch, or,
    /// if that fails, closes it and sets it aside under a name recording the good length so
    /// the next batch goes to a fresh segment and the next start repairs this one.
    private mutating func rollBack(_ segment: OpenSegment, call: String, errno code: Int32, written: Int) -> SinkError {
        let path = directory.pathOf(segment.name.open)
        guard written > 0 else { return .writeFailed(call: call, path: path, errno: code, rollback: .nothingWritten) }
        guard let truncateErrno = calls.truncate(segment.fd, to: Int64(segment.bytes)) else {
            return .writeFailed(call: call, path: path, errno: code, rollback: .truncated(segmentBytes: segment.bytes))
        }
        Glibc.close(segment.fd)
        current = nil
        let aside = segment.name.rolledBack(goodBytes: segment.bytes)
        do {
            try directory.rename(segment.name.open, to: aside)
        } catch {
            return .writeFailed(
                call: call, path: path, errno: code,
                rollback: .failed(path: path, segmentBytes: segment.bytes, truncateErrno: truncateErrno))
        }
        return .writeFailed(
            call: call, path: path, errno: code,
            rollback: .setAside(path: directory.pathOf(aside), truncateErrno: truncateErrno))
    }

    /// Makes the open segment final at close: fsync (`.rotation`), rename to the finished
    /// name, close, fsync the directory so the rename survives a crash. An empty segment is
    /// removed instead. If the fsync or rename fails nothing changed and the segment stays
    /// current.
    private mutating func finishCurrent() throws(SinkError) {
        guard let segment = current else { return }
        let syncs = configuration.fsync != .never
        if segment.bytes == 0 {
            try directory.unlink(segment.name.open)
        } else {
            // Under `.everyFlush` every batch was synced already.
            if configuration.fsync == .rotation, let code = calls.sync(segment.fd) {
                throw .fileSystem(call: "fsync", path: directory.pathOf(segment.name.open), errno: code)
            }
            try directory.rename(segment.name.open, to: segment.name.finished)
        }
        current = nil
        Glibc.close(segment.fd)
        if syncs { try directory.sync() }
    }

    /// Creates the next segment. Its stamp never goes backwards and its sequence follows the
    /// greatest ever used, so names sort in write order even if the clock is set back.
    private mutating func openNext() throws(SinkError) -> OpenSegment {
        var stamp = TimestampFormatter.compactUTC(nanoseconds: SystemClock.realtimeNanoseconds())
        if let last, last.stamp > stamp { stamp = last.stamp }
        let name = SegmentName(stamp: stamp, sequence: (last?.sequence ?? 0) + 1)
        // Taken even if the open fails, so a retry never trips over a half-created name.
        last = name
        var fd: Int32
        repeat {
            fd = openat(directory.fd, name.open, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw .fileSystem(call: "open", path: directory.pathOf(name.open), errno: errno) }
        if configuration.fsync == .everyFlush {
            do {
                try directory.sync()
            } catch {
                Glibc.close(fd)
                try? directory.unlink(name.open)
                throw error
            }
        }
        return OpenSegment(fd: fd, name: name, bytes: 0)
    }
}
