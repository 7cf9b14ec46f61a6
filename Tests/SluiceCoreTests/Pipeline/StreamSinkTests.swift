import Glibc
import Synchronization
import Testing

@testable import SluiceCore

@Suite struct StreamSinkTests {
    @Test func stdoutSink_WritesOneRecordPerLine_ToItsFd() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let sink = StdoutSink(fd: fds[1], name: "pipe")
        try sink.write([makeSlab(["a"]), makeSlab(["b"], metadata: #"["m"]"#)])
        try sink.close()
        close(fds[1])
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let count = chunk.withUnsafeMutableBytes({ read(fds[0], $0.baseAddress, $0.count) }), count > 0 {
            bytes += chunk[0..<count]
        }
        let lines = ndjsonLines(bytes)
        #expect(lines.compactMap(recordID) == ["a", "b"])
        #expect(lines.allSatisfy { JSONChecker.isObject($0) })
        #expect(sink.metrics.counters.bytesWritten == bytes.count)
        #expect(throws: SinkError.closed) { try sink.write([makeSlab(["c"])]) }
    }

    @Test func stdoutSink_OnAFullDevice_ThrowsWithErrnoAndNothingWritten() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let sink = StdoutSink(fd: fd, name: "/dev/full")
        #expect(throws: SinkError.writeFailed(call: "write", path: "/dev/full", errno: ENOSPC, rollback: .nothingWritten)) {
            try sink.write([makeSlab(["a"])])
        }
        #expect(sink.metrics.counters.errors == 1)
        #expect(sink.metrics.counters.flushes == 0)
    }

    @Test func discardSink_CountsButKeepsNothing() throws {
        let sink = DiscardSink()
        let batch = [makeSlab((0..<30).map { "d\($0)" }), makeSlab((30..<50).map { "d\($0)" })]
        try sink.write(batch)
        #expect(sink.metrics.counters == .init(flushes: 1, itemsWritten: 50, bytesWritten: batch[0].byteCount + batch[1].byteCount, errors: 0))
        try sink.close()
        #expect(throws: SinkError.closed) { try sink.write(batch) }
    }

    @Test func stdoutSink_WritesMoreSlabsThanOneVectoredWriteTakes_InOrder() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readFD, writeFD) = (fds[0], fds[1])
        let count = IOVectorScratch.maxPieces * 2 + 5
        let ids = (0..<count).map { "s\($0)" }
        let batch = ids.map { makeSlab([$0]) }
        let sink = StdoutSink(fd: writeFD, name: "pipe")
        let received = Mutex<[UInt8]>([])
        let failure = Mutex<SinkError?>(nil)
        // One thread writes, one drains the pipe (it holds only 64 KiB, so short writes happen).
        runOnThreads(2) { role in
            if role == 0 {
                do throws(SinkError) { try sink.write(batch) } catch { failure.withLock { $0 = error } }
                close(writeFD)
            } else {
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                while case let n = chunk.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, $0.count) }), n > 0 {
                    received.withLock { $0 += chunk[0..<n] }
                }
            }
        }
        close(readFD)
        #expect(failure.withLock { $0 } == nil)
        let bytes = received.withLock { $0 }
        #expect(ndjsonLines(bytes).compactMap(recordID) == ids)
        #expect(sink.metrics.counters.bytesWritten == bytes.count)
        #expect(sink.metrics.counters.itemsWritten == count)
    }

    @Test func durationHistogram_CountsIntoPrometheusBuckets_Cumulatively() {
        let histogram = DurationHistogram()
        histogram.observe(nanoseconds: 400_000)        // ≤ 0.0005
        histogram.observe(nanoseconds: 500_000)        // ≤ 0.0005 (bounds are inclusive)
        histogram.observe(nanoseconds: 30_000_000)     // ≤ 0.05
        histogram.observe(nanoseconds: 9_000_000_000)  // +Inf
        let snapshot = histogram.snapshot()
        #expect(snapshot.upperBoundsSeconds.count == 13)
        #expect(snapshot.upperBoundsSeconds.last == .infinity)
        #expect(snapshot.cumulativeCounts == [2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4])
        #expect(snapshot.count == 4)
        #expect(abs(snapshot.sumSeconds - 9.0309) < 1e-9)
        #expect(histogram.lastNanosecondsObserved == 9_000_000_000)
    }
}
