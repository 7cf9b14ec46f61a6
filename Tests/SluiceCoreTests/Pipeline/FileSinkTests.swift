import Dispatch
import Glibc
import Synchronization
import Testing

@testable import SluiceCore

@Suite struct FileSinkTests {
    /// The items `ids` in slabs of up to 3, as many requests' batches would reach the sink.
    private func batch(_ ids: Range<Int>, prefix: String = "id") -> [ResultSlab] {
        stride(from: ids.lowerBound, to: ids.upperBound, by: 3).map { first in
            let slab = ResultSlab()
            slab.begin(receivedAtNanoseconds: 1_795_716_000_123_456_789)
            for id in first..<min(first + 3, ids.upperBound) {
                slab.append(id: "\(prefix)\(id)".utf8, data: #"{"n":\#(id)}"#.utf8, metadata: String?.none?.utf8)
            }
            return slab
        }
    }

    private func ids(in directory: String) throws -> [String] {
        try segmentLines(in: directory).compactMap(recordID)
    }

    @Test func write_CreatesTheMissingDirectory_AndAppendsToAnOpenSegment() throws {
        let temp = try TemporaryDirectory()
        let path = temp.file("nested/data")
        let sink = try FileSink(configuration: .init(directory: path))
        try sink.write(batch(0..<3))
        try sink.write(batch(3..<5))
        let names = listDirectory(path)
        #expect(names.count == 1)
        #expect(names[0].hasPrefix("segment-") && names[0].hasSuffix(".ndjson.open"))
        let lines = ndjsonLines(try readFile(path + "/" + names[0]))
        #expect(lines.compactMap(recordID) == (0..<5).map { "id\($0)" })
        #expect(lines.allSatisfy { JSONChecker.isObject($0) })
        let counters = sink.metrics.counters
        #expect(counters.flushes == 2 && counters.itemsWritten == 5 && counters.errors == 0)
        #expect(counters.bytesWritten == lines.reduce(0) { $0 + $1.count + 1 })
        #expect(sink.metrics.flushDurations.snapshot().count == 2)
    }

    @Test func close_GivesTheOpenSegmentItsFinalName_AndLaterWritesThrowClosed() throws {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path))
        try sink.write(batch(0..<2))
        try sink.close()
        let names = listDirectory(temp.path)
        #expect(names.count == 1)
        #expect(SegmentName.parse(names[0])?.kind == .finished)
        #expect(throws: SinkError.closed) { try sink.write(batch(2..<3)) }
        try sink.close()
    }

    @Test func close_WithNothingWritten_LeavesNoSegment() throws {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path))
        try sink.close()
        #expect(listDirectory(temp.path).isEmpty)
    }

    @Test func rotation_StartsANewSegmentOnceTheSizeIsReached_NamesSortInWriteOrder() throws {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 300))
        for round in 0..<10 { try sink.write(batch((round * 2)..<(round * 2 + 2))) }
        try sink.close()
        let names = listDirectory(temp.path)
        #expect(names.count > 3)
        #expect(try ids(in: temp.path) == (0..<20).map { "id\($0)" })
        for name in names.dropLast() {
            var status = stat()
            stat(temp.file(name), &status)
            // Rotated before the first batch that finds it full: at least the bound, at most
            // one batch (≈ 180 bytes here) over it.
            #expect(status.st_size >= 300 && status.st_size < 300 + 200, "\(name): \(status.st_size) bytes")
        }
    }

    @Test func start_FinishesALeftoverOpenSegment_CuttingAPartialLastLine() throws {
        let temp = try TemporaryDirectory()
        let leftover = "segment-20261127T031500Z-000007.ndjson"
        try writeFile(temp.file(leftover + ".open"), "{\"id\":\"old1\"}\n{\"id\":\"old2\"}\n{\"id\":\"tor")
        let sink = try FileSink(configuration: .init(directory: temp.path))
        #expect(sink.recoveredSegments == 1)
        #expect(String(decoding: try readFile(temp.file(leftover)), as: UTF8.self) == "{\"id\":\"old1\"}\n{\"id\":\"old2\"}\n")
        try sink.write(batch(0..<1))
        try sink.close()
        let names = listDirectory(temp.path)
        #expect(names.count == 2)
        #expect(names[0] == leftover)
        #expect(SegmentName.parse(names[1])?.name.sequence == 8)
        #expect(try ids(in: temp.path) == ["old1", "old2", "id0"])
    }

    @Test func start_RemovesALeftoverOpenSegmentWithNoCompleteLine() throws {
        let temp = try TemporaryDirectory()
        try writeFile(temp.file("segment-20261127T031500Z-000001.ndjson.open"), "{\"id\":\"half")
        try writeFile(temp.file("segment-20261127T031500Z-000002.ndjson.open"), "")
        try writeFile(temp.file("notes.txt"), "not a segment")
        let sink = try FileSink(configuration: .init(directory: temp.path))
        #expect(sink.recoveredSegments == 0)
        #expect(listDirectory(temp.path) == ["notes.txt"])
    }

    @Test func start_RepairsASetAsideSegmentToItsRecordedLength() throws {
        let temp = try TemporaryDirectory()
        let good = "{\"id\":\"kept\"}\n"
        try writeFile(temp.file("segment-20261127T031500Z-000004.ndjson.rollback-\(good.utf8.count)"), good + "{\"id\":\"partial\"}\n{\"id\"")
        let sink = try FileSink(configuration: .init(directory: temp.path))
        #expect(sink.recoveredSegments == 1)
        #expect(listDirectory(temp.path) == ["segment-20261127T031500Z-000004.ndjson"])
        #expect(try ids(in: temp.path) == ["kept"])
    }

    @Test func newSegments_SortAfterExistingOnes_EvenWhenTheClockIsBehind() throws {
        let temp = try TemporaryDirectory()
        let future = "segment-20991231T235959Z-000003.ndjson"
        try writeFile(temp.file(future), "{\"id\":\"future\"}\n")
        let sink = try FileSink(configuration: .init(directory: temp.path))
        try sink.write(batch(0..<1))
        try sink.close()
        let names = listDirectory(temp.path)
        #expect(names == [future, "segment-20991231T235959Z-000004.ndjson"])
    }

    /// File calls whose pwritev, once `breakAt(offset)` is set, writes `partialBytes` of its
    /// first piece at that offset as a short write and then fails the continuation with EIO, once.
    private final class BreakingWrites: Sendable {
        let partialBytes: Int
        private let brokenAt = Mutex<Int64?>(nil)

        init(partialBytes: Int) { self.partialBytes = partialBytes }

        func breakAt(_ offset: Int) { brokenAt.withLock { $0 = Int64(offset) } }

        var calls: FileSystemCalls {
            var calls = FileSystemCalls.system
            calls.pwritev = { [self] fd, pieces, offset in
                let start = brokenAt.withLock { $0 }
                guard let start, offset >= start else { return Glibc.pwritev(fd, pieces.baseAddress, Int32(pieces.count), off_t(offset)) }
                if offset == start { return Glibc.pwrite(fd, pieces[0].iov_base, min(pieces[0].iov_len, partialBytes), off_t(offset)) }
                brokenAt.withLock { $0 = nil }
                errno = EIO
                return -1
            }
            return calls
        }
    }

    @Test func failedWrite_TruncatesThePartialBatch_SoTheRetryIsStoredExactlyOnce() throws {
        let temp = try TemporaryDirectory()
        let writes = BreakingWrites(partialBytes: 10)
        let sink = try FileSink(configuration: .init(directory: temp.path), calls: writes.calls)
        try sink.write(batch(0..<2))
        let segment = temp.file(listDirectory(temp.path)[0])
        let size = try readFile(segment).count
        writes.breakAt(size)
        let second = batch(2..<4)
        #expect(throws: SinkError.writeFailed(call: "write", path: segment, errno: EIO, rollback: .truncated(segmentBytes: size))) {
            try sink.write(second)
        }
        #expect(try readFile(segment).count == size)
        try sink.write(second)
        try sink.close()
        #expect(try ids(in: temp.path) == ["id0", "id1", "id2", "id3"])
        #expect(sink.metrics.counters.errors == 1)
        #expect(sink.metrics.counters.itemsWritten == 4)
    }

    @Test func failedTruncate_SetsTheSegmentAside_AndTheNextStartRepairsIt() throws {
        let temp = try TemporaryDirectory()
        let writes = BreakingWrites(partialBytes: 7)
        var calls = writes.calls
        calls.ftruncate = { _, _ in
            errno = EIO
            return -1
        }
        let sink = try FileSink(configuration: .init(directory: temp.path), calls: calls)
        try sink.write(batch(0..<2))
        let openName = listDirectory(temp.path)[0]
        let goodBytes = try readFile(temp.file(openName)).count
        writes.breakAt(goodBytes)
        let second = batch(2..<4)
        let aside = temp.file(String(openName.dropLast(".open".count)) + ".rollback-\(goodBytes)")
        #expect(throws: SinkError.writeFailed(
            call: "write", path: temp.file(openName), errno: EIO, rollback: .setAside(path: aside, truncateErrno: EIO))
        ) { try sink.write(second) }
        #expect(try readFile(aside).count == goodBytes + 7)
        try sink.write(second)
        try sink.close()
        #expect(listDirectory(temp.path).count == 2)

        let restarted = try FileSink(configuration: .init(directory: temp.path))
        #expect(restarted.recoveredSegments == 1)
        #expect(try ids(in: temp.path) == ["id0", "id1", "id2", "id3"])
    }

    @Test(arguments: [(FileSink.FsyncPolicy.never, 0), (.everyFlush, 3), (.rotation, 1)])
    func fsyncPolicy_DecidesWhenSegmentsAreSynced(policy: FileSink.FsyncPolicy, expectedSyncs: Int) throws {
        let temp = try TemporaryDirectory()
        let syncs = Mutex(0)
        var calls = FileSystemCalls.system
        calls.fsync = { fd in
            syncs.withLock { $0 += 1 }
            return Glibc.fsync(fd)
        }
        let sink = try FileSink(configuration: .init(directory: temp.path, fsync: policy), calls: calls)
        for round in 0..<3 { try sink.write(batch(round..<(round + 1))) }
        try sink.close()
        #expect(syncs.withLock { $0 } == expectedSyncs)
    }

    @Test func rotation_DoesNotWaitForTheFullSegmentsFsync() throws {
        let temp = try TemporaryDirectory()
        // The first fsync (the rotated segment's, in the background) blocks until released.
        let gate = DispatchSemaphore(value: 0)
        let syncs = Mutex(0)
        var calls = FileSystemCalls.system
        calls.fsync = { fd in
            if syncs.withLock({ count in defer { count += 1 }; return count == 0 }) { gate.wait() }
            return Glibc.fsync(fd)
        }
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 200, fsync: .rotation), calls: calls)
        try sink.write(batch(0..<5))
        try sink.write(batch(5..<10))  // finds the first segment full: rotates
        #expect(eventually { syncs.withLock { $0 } == 1 }, "the rotated segment's fsync started")
        // Its fsync is still blocked, yet batches keep being written (and rotated: each is
        // over 200 bytes; two segments may wait, so this one does not block either).
        try sink.write(batch(10..<15))
        let whileSyncing = listDirectory(temp.path)
        #expect(whileSyncing.count == 3 && whileSyncing.allSatisfy { SegmentName.parse($0)?.kind == .open },
            "full segments keep their .open names until their fsync returns: \(whileSyncing)")
        gate.signal()
        sink.waitUntilRotatedSegmentsAreFinished()
        #expect(listDirectory(temp.path).map { SegmentName.parse($0)?.kind } == [.finished, .finished, .open])
        try sink.close()
        #expect(try ids(in: temp.path) == (0..<15).map { "id\($0)" })
        #expect(syncs.withLock { $0 } == 3, "one fsync per segment")
    }

    /// Whether /tmp keeps file pages in the page cache that a disk backs (not tmpfs, where
    /// the cache is the storage and advice to drop it is ignored).
    private static var isTmpDiskBacked: Bool {
        // The mount with the longest mount point that is a prefix of /tmp decides.
        guard let mounts = try? readFile("/proc/self/mounts") else { return false }
        var best: (point: String, type: String)?
        for line in String(decoding: mounts, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 2 else { continue }
            let point = String(fields[1])
            let covers = point == "/" || point == "/tmp" || "/tmp".hasPrefix(point + "/")
            if covers, point.count >= (best?.point.count ?? 0) { best = (point, String(fields[2])) }
        }
        guard let type = best?.type else { return false }
        return !["tmpfs", "ramfs", "overlay"].contains(type)
    }

    /// Pages of `path` resident in the page cache.
    private func residentPages(_ path: String) throws -> Int {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TestFailure("open \(path) failed") }
        defer { close(fd) }
        var status = stat()
        fstat(fd, &status)
        let size = Int(status.st_size)
        guard let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { throw TestFailure("mmap failed") }
        defer { munmap(map, size) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (size + page - 1) / page)
        guard mincore(map, size, &vector) == 0 else { throw TestFailure("mincore failed") }
        return vector.reduce(0) { $0 + Int($1 & 1) }
    }

    @Test(.enabled(if: isTmpDiskBacked, "needs a disk-backed /tmp"))
    func finishedSegment_LeavesThePageCache() throws {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 1 << 20, fsync: .rotation))
        var next = 0
        while listDirectory(temp.path).count < 2 {
            try sink.write(batch(next..<(next + 300)))
            next += 300
        }
        sink.waitUntilRotatedSegmentsAreFinished()
        let names = listDirectory(temp.path)
        #expect(SegmentName.parse(names[0])?.kind == .finished)
        #expect(try residentPages(temp.file(names[0])) == 0, "written, synced and dropped from the cache")
        #expect(try residentPages(temp.file(names[1])) > 0, "the open segment's pages are still cached")
        try sink.close()
    }

    @Test(.enabled(if: isTmpDiskBacked, "needs a disk-backed /tmp"))
    func openSegment_WritesBackAsItGrows_AndItsWrittenBackStepsLeaveThePageCache() throws {
        let temp = try TemporaryDirectory()
        let step = 64 << 10
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 1 << 30, fsync: .rotation, writebackBytes: step))
        // The kernel writes a step back in about a millisecond; writing on until an early step
        // has left the cache waits for that without a clock. Bounded: at most 32 MiB written.
        var next = 0
        var written = 0
        var dropped = false
        while !dropped && written < 32 << 20 {
            try sink.write(batch(next..<(next + 300)))
            next += 300
            let path = temp.file(listDirectory(temp.path)[0])
            var status = stat()
            guard stat(path, &status) == 0 else { throw TestFailure("stat \(path) failed") }
            written = Int(status.st_size)
            let resident = try residentPages(path)
            dropped = written >= 4 * step && resident < written / 4096 - step / 4096
        }
        #expect(dropped, "the steps written back before the last two left the page cache")
        #expect(listDirectory(temp.path).count == 1, "the segment was not rotated")
        try sink.close()
        #expect(try ids(in: temp.path) == (0..<next).map { "id\($0)" }, "every record is in the file")
    }

    @Test func rotatedSegmentFsyncFailure_IsReportedByTheNextWrite_AndTheSegmentIsRepairedAtTheNextStart() throws {
        let temp = try TemporaryDirectory()
        let syncs = Mutex(0)
        var calls = FileSystemCalls.system
        calls.fsync = { fd in
            if syncs.withLock({ count in defer { count += 1 }; return count == 0 }) {
                errno = EIO
                return -1
            }
            return Glibc.fsync(fd)
        }
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 200, fsync: .rotation), calls: calls)
        try sink.write(batch(0..<5))
        let first = listDirectory(temp.path)[0]
        try sink.write(batch(5..<10))  // rotates; the background fsync of the first segment fails
        sink.waitUntilRotatedSegmentsAreFinished()
        #expect(throws: SinkError.fileSystem(call: "fsync", path: temp.file(first), errno: EIO)) {
            try sink.write(batch(10..<15))
        }
        #expect(sink.metrics.counters.errors == 1)
        try sink.write(batch(10..<15))  // the flusher's retry: nothing of it was written before
        try sink.close()
        #expect(listDirectory(temp.path).contains(first), "left under its .open name for repair")
        let restarted = try FileSink(configuration: .init(directory: temp.path))
        #expect(restarted.recoveredSegments == 1)
        try restarted.close()
        #expect(try ids(in: temp.path) == (0..<15).map { "id\($0)" })
    }

    @Test func close_ReportsAFailedBackgroundFinish_AfterFinishingTheOpenSegment() throws {
        let temp = try TemporaryDirectory()
        let syncs = Mutex(0)
        var calls = FileSystemCalls.system
        calls.fsync = { fd in
            if syncs.withLock({ count in defer { count += 1 }; return count == 0 }) {
                errno = EIO
                return -1
            }
            return Glibc.fsync(fd)
        }
        let sink = try FileSink(configuration: .init(directory: temp.path, maxSegmentBytes: 200, fsync: .rotation), calls: calls)
        try sink.write(batch(0..<5))
        let first = listDirectory(temp.path)[0]
        try sink.write(batch(5..<10))
        #expect(throws: SinkError.fileSystem(call: "fsync", path: temp.file(first), errno: EIO)) { try sink.close() }
        let names = listDirectory(temp.path)
        #expect(names.count == 2 && names[0] == first && SegmentName.parse(names[1])?.kind == .finished)
    }

    @Test func fsyncFailure_UnderEveryFlush_RollsTheBatchBack() throws {
        let temp = try TemporaryDirectory()
        let failuresLeft = Mutex(0)
        var calls = FileSystemCalls.system
        calls.fsync = { fd in
            let fails = failuresLeft.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0
            }
            if fails {
                errno = EIO
                return -1
            }
            return Glibc.fsync(fd)
        }
        let sink = try FileSink(configuration: .init(directory: temp.path, fsync: .everyFlush), calls: calls)
        try sink.write(batch(0..<1))
        let name = listDirectory(temp.path)[0]
        let size = try readFile(temp.file(name)).count
        failuresLeft.withLock { $0 = 1 }
        #expect(throws: SinkError.writeFailed(call: "fsync", path: temp.file(name), errno: EIO, rollback: .truncated(segmentBytes: size))) {
            try sink.write(batch(1..<2))
        }
        try sink.write(batch(1..<2))
        try sink.close()
        #expect(try ids(in: temp.path) == ["id0", "id1"])
    }

    @Test(.enabled(if: InodeFlags.isImmutableSupported, "needs chattr +i (ext4 and CAP_LINUX_IMMUTABLE)"))
    func realWriteFailure_ImmutableSegment_StoresNothing_ThenRecoversWhenCleared() throws {
        let temp = try TemporaryDirectory()
        let sink = try FileSink(configuration: .init(directory: temp.path))
        try sink.write(batch(0..<1))
        let segment = temp.file(listDirectory(temp.path)[0])
        try InodeFlags.setImmutable(segment, true)
        defer { try? InodeFlags.setImmutable(segment, false) }
        #expect(throws: SinkError.writeFailed(call: "write", path: segment, errno: EPERM, rollback: .nothingWritten)) {
            try sink.write(batch(1..<3))
        }
        #expect(sink.metrics.counters.errors == 1)
        try InodeFlags.setImmutable(segment, false)
        try sink.write(batch(1..<3))
        try sink.close()
        #expect(try ids(in: temp.path) == ["id0", "id1", "id2"])
    }

    @Test func start_InAPathThatCannotBeADirectory_Throws() throws {
        let temp = try TemporaryDirectory()
        try writeFile(temp.file("plain"), "x")
        #expect(throws: SinkError.fileSystem(call: "mkdir", path: temp.file("plain/data"), errno: ENOTDIR)) {
            _ = try FileSink(configuration: .init(directory: temp.file("plain/data")))
        }
    }

    @Test func errorDescription_NamesTheCallThePathTheErrnoTextAndWhatTheFileHolds() {
        let error = SinkError.writeFailed(call: "write", path: "/data/s.open", errno: ENOSPC, rollback: .truncated(segmentBytes: 4096))
        #expect(error.description
            == "write to /data/s.open failed: No space left on device (errno 28); the batch was not stored (its partial bytes were truncated away, segment back to 4096 bytes)")
    }
}

/// ext4 inode flags (chattr) through FS_IOC_GETFLAGS/SETFLAGS: an immutable file refuses
/// writes even from root, a real failure for the sink to meet.
enum InodeFlags {
    // _IOR('f', 1, long) and _IOW('f', 2, long) on 64-bit Linux; FS_IMMUTABLE_FL.
    private static let getFlags: UInt = 0x8008_6601
    private static let setFlags: UInt = 0x4008_6602
    private static let immutable = 0x10

    static func setImmutable(_ path: String, _ isImmutable: Bool) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var flags = 0
        guard ioctl(fd, getFlags, &flags) == 0 else { throw TestFailure("FS_IOC_GETFLAGS: \(String(cString: strerror(errno)))") }
        flags = isImmutable ? flags | immutable : flags & ~immutable
        guard ioctl(fd, setFlags, &flags) == 0 else { throw TestFailure("FS_IOC_SETFLAGS: \(String(cString: strerror(errno)))") }
    }

    static let isImmutableSupported: Bool = {
        guard let temp = try? TemporaryDirectory() else { return false }
        let path = temp.file("probe")
        guard (try? writeFile(path, "x")) != nil, (try? setImmutable(path, true)) != nil else { return false }
        defer { try? setImmutable(path, false) }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd >= 0 { close(fd) }
        return fd < 0
    }()
}
