/// Renders results as NDJSON records into one reusable byte buffer:
/// `{"id":"a1","received_at":"2026-11-26T18:00:00.123456Z","data":{...},"metadata":[...]}\n`
///
/// The id, data and metadata bytes are copied as stored (already valid JSON); `metadata` is
/// `[]` when the item had none. Sinks render a batch in chunks of about `chunkBytes` and write
/// each chunk, so a large flush never needs a buffer the size of the whole batch.
struct NDJSONRenderer {
    /// Target size of one rendered chunk.
    let chunkBytes: Int
    /// Rendered bytes of the current chunk.
    private(set) var bytes: [UInt8] = []
    private var timestamps = TimestampFormatter()

    init(chunkBytes: Int = 256 * 1024) {
        precondition(chunkBytes > 0, "NDJSONRenderer chunkBytes must be positive")
        self.chunkBytes = chunkBytes
        // Room for a full chunk plus the item that crosses the threshold.
        bytes.reserveCapacity(chunkBytes + 16 * 1024)
    }

    /// Empties the buffer for the next chunk, keeping its capacity unless one huge item
    /// grew it far beyond a chunk.
    mutating func clear() {
        if bytes.capacity > 4 * chunkBytes {
            bytes = []
            bytes.reserveCapacity(chunkBytes + 16 * 1024)
        } else {
            bytes.removeAll(keepingCapacity: true)
        }
    }

    /// Clears the buffer and renders `batch[next...]` until the chunk reaches `chunkBytes`
    /// or the batch ends; advances `next` past the rendered results.
    mutating func renderChunk(of batch: [ProcessResult], from next: inout Int) {
        clear()
        while next < batch.count, bytes.count < chunkBytes {
            append(batch[next])
            next += 1
        }
    }

    /// Appends one record and its newline.
    mutating func append(_ result: ProcessResult) {
        Self.append("{\"id\":\"", to: &bytes)
        bytes.append(contentsOf: result.id)
        Self.append("\",\"received_at\":\"", to: &bytes)
        timestamps.appendRFC3339(nanoseconds: result.receivedAtNanoseconds, to: &bytes)
        Self.append("\",\"data\":", to: &bytes)
        bytes.append(contentsOf: result.data)
        Self.append(",\"metadata\":", to: &bytes)
        if let metadata = result.metadata {
            bytes.append(contentsOf: metadata)
        } else {
            Self.append("[]", to: &bytes)
        }
        Self.append("}\n", to: &bytes)
    }

    private static func append(_ literal: StaticString, to bytes: inout [UInt8]) {
        // Safe: a StaticString literal's utf8Start points at utf8CodeUnitCount valid bytes
        // that live for the whole program.
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
