import Dispatch
import Glibc
import Synchronization

/// Finishes rotated segments off the flusher's path: fdatasync (under `.rotation`), rename to
/// the finished name, close, fsync of the directory.
///
/// Rotation used to do this inline, inside the batch write that found the segment full: at
/// W1 and 64 connections the file sink rotates a 64 MiB segment about every quarter second,
/// and each fdatasync of a whole segment held the flusher for 0.1-0.4 s while the 50,000-item
/// buffer filled in 20 ms and requests got 503. Now the writer opens the next segment at once
/// and hands the full one here.
///
/// At most `maxPending` segments wait; a rotation that finds that many blocks the writer
/// until one is finished, so a disk slower than the ingest sets the pace (the buffer fills
/// and `/batch` answers 503) instead of an unbounded backlog of unsynced segments.
///
/// A failure (fsync or rename) leaves the segment under its `.open` name, which the next start
/// repairs like a crash leftover; the error is kept and handed to the writer's next call
/// (`takeFailure`), so the flusher logs and counts it like any failed write.
final class SegmentFinisher: Sendable {
    private let queue = DispatchQueue(label: "sluice.segment-finisher", qos: .utility)
    private let slots: DispatchSemaphore
    private let directoryFD: Int32
    private let directoryPath: String
    private let syncsData: Bool
    private let syncsDirectory: Bool
    private let calls: FileSystemCalls
    private let failure = Mutex<SinkError?>(nil)

    /// Segments a finisher lets wait before rotation blocks the writer.
    static let defaultMaxPending = 2

    /// `directoryFD` is duplicated, so the finisher outlives the caller's descriptor safely.
    init(directoryFD: Int32, directoryPath: String, fsync: FileSink.FsyncPolicy, calls: FileSystemCalls, maxPending: Int = defaultMaxPending) throws(SinkError) {
        precondition(maxPending > 0, "SegmentFinisher maxPending must be positive")
        let duplicate = fcntl(directoryFD, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw .fileSystem(call: "dup", path: directoryPath, errno: errno) }
        self.directoryFD = duplicate
        self.directoryPath = directoryPath
        // `.everyFlush` synced every batch already; only the rename needs the directory sync.
        syncsData = fsync == .rotation
        syncsDirectory = fsync != .never
        self.calls = calls
        slots = DispatchSemaphore(value: maxPending)
    }

    deinit {
        // Every queued finish holds `self`, so none is left when this runs.
        Glibc.close(directoryFD)
    }

    /// Takes ownership of `fd` (the full segment, open as `name.open`) and finishes it in the
    /// background. Blocks while `maxPending` segments are still being finished.
    func finish(fd: Int32, name: SegmentName) {
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            if let error = finishNow(fd: fd, name: name) { failure.withLock { $0 = $0 ?? error } }
        }
    }

    /// Waits until every handed-over segment is finished.
    func waitUntilIdle() {
        queue.sync {}
    }

    /// The first failure since the last call, if any.
    func takeFailure() -> SinkError? {
        failure.withLock { failure in
            defer { failure = nil }
            return failure
        }
    }

    private func finishNow(fd: Int32, name: SegmentName) -> SinkError? {
        defer { Glibc.close(fd) }
        if syncsData, let code = calls.sync(fd) {
            return .fileSystem(call: "fsync", path: directoryPath + "/" + name.open, errno: code)
        }
        // sluice never reads a segment back: drop its pages from the page cache now (after the
        // fsync they are clean; under `.never` this starts their writeback), rather than
        // letting gigabytes of written NDJSON crowd out other memory until reclaim finds them.
        // Advice only: its failure changes nothing stored.
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
        guard renameat(directoryFD, name.open, directoryFD, name.finished) == 0 else {
            return .fileSystem(call: "rename", path: "\(directoryPath)/\(name.open) to \(name.finished)", errno: errno)
        }
        if syncsDirectory, let code = FileSystemCalls.system.sync(directoryFD) {
            return .fileSystem(call: "fsync", path: directoryPath, errno: code)
        }
        return nil
    }
}
