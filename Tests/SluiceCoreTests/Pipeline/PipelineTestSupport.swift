import Glibc
import SluiceSupport
import Synchronization
import Testing

@testable import SluiceCore

/// A real directory under /tmp, removed with its files when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/sluice-pipeline-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { removeTree(path) }

    func file(_ name: String) -> String { path + "/" + name }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Names in `directory` (no `.`/`..`), sorted.
func listDirectory(_ directory: String) -> [String] {
    guard let stream = opendir(directory) else { return [] }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

func removeTree(_ path: String) {
    var status = stat()
    guard lstat(path, &status) == 0 else { return }
    if status.st_mode & S_IFMT == S_IFDIR {
        for name in listDirectory(path) { removeTree(path + "/" + name) }
        rmdir(path)
    } else {
        unlink(path)
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TestFailure("open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count >= 0 else { throw TestFailure("read \(path): \(String(cString: strerror(errno)))") }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

func writeFile(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw TestFailure("open \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
        throw TestFailure("short write to \(path)")
    }
}

/// The lines of NDJSON `bytes`, without their newlines; traps the test if the last line is
/// not terminated.
func ndjsonLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    #expect(bytes.isEmpty || bytes.last == UInt8(ascii: "\n"), "NDJSON must end with a newline")
    return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
}

/// The id of a record, read by the record's fixed shape `{"id":"<id>",...`.
func recordID(_ line: ArraySlice<UInt8>) -> String? {
    let prefix = Array(#"{"id":""#.utf8)
    guard line.starts(with: prefix) else { return nil }
    let rest = line.dropFirst(prefix.count)
    guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
    return String(decoding: rest[..<end], as: UTF8.self)
}

/// Every record line of every finished segment in `directory`, in name order; fails the
/// test if a segment is still `.open`.
func segmentLines(in directory: String) throws -> [ArraySlice<UInt8>] {
    var lines: [ArraySlice<UInt8>] = []
    for name in listDirectory(directory) {
        #expect(!name.hasSuffix(".open"), "segment \(name) was not finished")
        guard name.hasPrefix("segment-") else { continue }
        lines += ndjsonLines(try readFile(directory + "/" + name))
    }
    return lines
}

/// A slab holding one item per id (data `{"n":1}` unless given), received at `nanoseconds`.
func makeSlab(_ ids: [String], data: String = #"{"n":1}"#, metadata: String? = nil,
              at nanoseconds: Int64 = 1_795_716_000_123_456_789) -> ResultSlab {
    let slab = ResultSlab()
    slab.begin(receivedAtNanoseconds: nanoseconds)
    for id in ids { slab.append(id: id.utf8, data: data.utf8, metadata: metadata?.utf8) }
    return slab
}

/// One slab per id group: `makeSlabs([["a", "b"], ["c"]])`.
func makeSlabs(_ groups: [[String]]) -> [ResultSlab] { groups.map { makeSlab($0) } }

/// The ids of every item of `slabs`, in order.
func ids(of slabs: [ResultSlab]) -> [String] {
    slabs.flatMap { slab in slab.map { String(decoding: slab.id(of: $0), as: UTF8.self) } }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = SystemClock.monotonicNanoseconds() + UInt64(seconds * 1e9)
    while SystemClock.monotonicNanoseconds() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// Runs `body(index)` on `count` real threads and waits for all of them.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Job: @unchecked Sendable {
        let index: Int
        let body: @Sendable (Int) -> Void
        init(index: Int, body: @escaping @Sendable (Int) -> Void) {
            self.index = index
            self.body = body
        }
    }
    var threads: [pthread_t] = []
    for index in 0..<count {
        var thread = pthread_t()
        let job = Unmanaged.passRetained(Job(index: index, body: body)).toOpaque()
        let created = pthread_create(&thread, nil, { argument in
            let job = Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue()
            job.body(job.index)
            return nil
        }, job)
        precondition(created == 0, "pthread_create failed: \(created)")
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
}

/// A sink for flusher logic tests: records ids in write order, fails while told to.
final class RecordingSink: Sink {
    let metrics = SinkMetrics()
    private let state = Mutex(State())
    private struct State {
        var ids: [String] = []
        var isFailing = false
        var writeCalls = 0
    }

    var isFailing: Bool {
        get { state.withLock { $0.isFailing } }
        set { state.withLock { $0.isFailing = newValue } }
    }
    var ids: [String] { state.withLock { $0.ids } }
    var writeCalls: Int { state.withLock { $0.writeCalls } }

    func write(_ batch: [ResultSlab]) throws(SinkError) {
        let isFailing = state.withLock { state -> Bool in
            state.writeCalls += 1
            guard !state.isFailing else { return true }
            state.ids += SluiceCoreTests.ids(of: batch)
            return false
        }
        if isFailing {
            metrics.recordError()
            throw .writeFailed(call: "write", path: "recording", errno: EIO, rollback: .nothingWritten)
        }
        metrics.recordFlush(items: batch.itemCount, bytes: batch.byteCount, nanoseconds: 1)
    }

    func close() throws(SinkError) {}
}

/// A strict little JSON checker (RFC 8259 grammar, no trailing commas), for tests only.
struct JSONChecker {
    private let bytes: [UInt8]
    private var index = 0

    /// Whether `bytes` is exactly one JSON object.
    static func isObject(_ bytes: some Collection<UInt8>) -> Bool {
        var checker = JSONChecker(bytes: Array(bytes))
        checker.skipSpace()
        guard checker.peek == UInt8(ascii: "{"), checker.value() else { return false }
        checker.skipSpace()
        return checker.index == checker.bytes.count
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func literal(_ text: String) -> Bool {
        for byte in text.utf8 {
            guard peek == byte else { return false }
            index += 1
        }
        return true
    }

    private mutating func value() -> Bool {
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), isObject: true)
        case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), isObject: false)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func container(close: UInt8, isObject: Bool) -> Bool {
        index += 1
        skipSpace()
        if peek == close {
            index += 1
            return true
        }
        while true {
            skipSpace()
            if isObject {
                guard string() else { return false }
                skipSpace()
                guard literal(":") else { return false }
            }
            guard value() else { return false }
            skipSpace()
            if peek == close {
                index += 1
                return true
            }
            guard literal(",") else { return false }
        }
    }

    private mutating func string() -> Bool {
        guard literal("\"") else { return false }
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return true
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { return false }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard let hex = peek, (hex >= 0x30 && hex <= 0x39) || (hex | 0x20 >= 0x61 && hex | 0x20 <= 0x66) else { return false }
                        index += 1
                    }
                } else if !Array(#""\/bfnrt"#.utf8).contains(escaped) {
                    return false
                }
            case 0..<0x20: return false
            default: continue
            }
        }
        return false
    }

    private mutating func number() -> Bool {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let first = peek, first >= 0x30, first <= 0x39 else { return false }
        index += 1
        if first != 0x30 { while let digit = peek, digit >= 0x30, digit <= 0x39 { index += 1 } }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard digits() else { return false }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() else { return false }
        }
        return index > start
    }

    private mutating func digits() -> Bool {
        let start = index
        while let digit = peek, digit >= 0x30, digit <= 0x39 { index += 1 }
        return index > start
    }
}
