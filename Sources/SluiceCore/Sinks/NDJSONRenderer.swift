/// Renders results as NDJSON records into one reusable byte buffer:
/// `{"id":"a1","received_at":"2026-11-26T18:00:00.123456Z","data":{...},"metadata":[...]}\n`
///
/// The id, data and metadata bytes are copied as stored (already valid JSON); `metadata` is
/// `[]` when the item had none. Sinks render a batch in chunks of about `chunkBytes` and write
/// each chunk, so a large flush never needs a buffer the size of the whole batch. The buffer
/// is raw memory sized once per record, so a record costs a handful of memcpy calls.
struct NDJSONRenderer: ~Copyable {
    /// Target size of one rendered chunk.
    let chunkBytes: Int
    private var buffer: UnsafeMutableRawBufferPointer
    /// Rendered bytes in `buffer`.
    private(set) var count = 0
    private var timestamps = TimestampFormatter()

    private static let idOpen: StaticString = #"{"id":""#
    private static let receivedAtOpen: StaticString = #"","received_at":""#
    private static let dataOpen: StaticString = #"","data":"#
    private static let metadataOpen: StaticString = #","metadata":"#
    private static let emptyArray: StaticString = "[]"
    private static let recordClose: StaticString = "}\n"

    init(chunkBytes: Int = 256 * 1024) {
        precondition(chunkBytes > 0, "NDJSONRenderer chunkBytes must be positive")
        self.chunkBytes = chunkBytes
        // Room for a full chunk plus the record that crosses the threshold, typically.
        buffer = .allocate(byteCount: Self.standardCapacity(chunkBytes), alignment: 16)
    }

    deinit { buffer.deallocate() }

    private static func standardCapacity(_ chunkBytes: Int) -> Int { chunkBytes + 16 * 1024 }

    /// Calls `body` with the rendered bytes of the current chunk.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        // Safe: `count` ≤ buffer.count is kept by every write.
        try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// A copy of the rendered bytes (tests and diagnostics).
    var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Empties the buffer for the next chunk, shrinking it back if one huge record grew it
    /// far beyond a chunk.
    mutating func clear() {
        count = 0
        if buffer.count > 4 * Self.standardCapacity(chunkBytes) {
            buffer.deallocate()
            buffer = .allocate(byteCount: Self.standardCapacity(chunkBytes), alignment: 16)
        }
    }

    /// Clears the buffer and renders `batch[next...]` until the chunk reaches `chunkBytes`
    /// or the batch ends; advances `next` past the rendered results.
    mutating func renderChunk(of batch: [ProcessResult], from next: inout Int) {
        clear()
        while next < batch.count, count < chunkBytes {
            append(batch[next])
            next += 1
        }
    }

    /// Appends one record and its newline.
    mutating func append(_ result: ProcessResult) {
        let receivedAt = result.receivedAtNanoseconds
        result.withUnsafeFields { id, data, metadata in
            let length = Self.fixedLength + id.count + data.count + (metadata?.count ?? Self.emptyArray.utf8CodeUnitCount)
            reserve(length)
            // Safe: `reserve` left at least `length` bytes free after `count`, and the pieces
            // written below add up to exactly `length`.
            var cursor = buffer.baseAddress! + count
            Self.copy(Self.idOpen, to: &cursor)
            Self.copy(id, to: &cursor)
            Self.copy(Self.receivedAtOpen, to: &cursor)
            timestamps.writeRFC3339(nanoseconds: receivedAt, to: cursor)
            cursor += TimestampFormatter.rfc3339Length
            Self.copy(Self.dataOpen, to: &cursor)
            Self.copy(data, to: &cursor)
            Self.copy(Self.metadataOpen, to: &cursor)
            if let metadata { Self.copy(metadata, to: &cursor) } else { Self.copy(Self.emptyArray, to: &cursor) }
            Self.copy(Self.recordClose, to: &cursor)
            count = cursor - buffer.baseAddress!
            assert(count <= buffer.count, "NDJSONRenderer wrote past its buffer")
        }
    }

    private static let fixedLength = idOpen.utf8CodeUnitCount + receivedAtOpen.utf8CodeUnitCount
        + TimestampFormatter.rfc3339Length + dataOpen.utf8CodeUnitCount + metadataOpen.utf8CodeUnitCount
        + recordClose.utf8CodeUnitCount

    /// Makes room for `length` more bytes, growing (doubling) when a record does not fit.
    private mutating func reserve(_ length: Int) {
        guard count + length > buffer.count else { return }
        let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(buffer.count * 2, count + length), alignment: 16)
        // Safe: `grown` is larger than `count`, the bytes copied.
        grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: count)
        buffer.deallocate()
        buffer = grown
    }

    private static func copy(_ bytes: UnsafeRawBufferPointer, to cursor: inout UnsafeMutableRawPointer) {
        guard let source = bytes.baseAddress else { return }
        cursor.copyMemory(from: source, byteCount: bytes.count)
        cursor += bytes.count
    }

    private static func copy(_ literal: StaticString, to cursor: inout UnsafeMutableRawPointer) {
        // Safe: a StaticString literal's utf8Start points at utf8CodeUnitCount valid bytes.
        cursor.copyMemory(from: literal.utf8Start, byteCount: literal.utf8CodeUnitCount)
        cursor += literal.utf8CodeUnitCount
    }
}
