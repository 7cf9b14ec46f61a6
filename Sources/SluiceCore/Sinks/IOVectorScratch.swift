import Glibc

/// A reusable array of `iovec`s pointing at slabs' records, so a sink writes a whole flush
/// with one `pwritev`/`writev` per `maxPieces` slabs and copies nothing.
///
/// Not thread-safe: each sink keeps its own under its writer lock.
struct IOVectorScratch: ~Copyable {
    /// Linux's `UIO_MAXIOV`: the most pieces one vectored write takes.
    static let maxPieces = 1024

    private let storage: UnsafeMutableBufferPointer<iovec>

    init() {
        storage = .allocate(capacity: Self.maxPieces)
        storage.initialize(repeating: iovec())
    }

    deinit { storage.deallocate() }

    /// Points the pieces at the records of `batch[next...]` (at most `maxPieces` slabs),
    /// advances `next` past them and calls `body` with the pieces. The slabs must not change
    /// until `body` returns.
    mutating func withRecords<R>(
        of batch: [ResultSlab], from next: inout Int, _ body: (UnsafeMutableBufferPointer<iovec>) -> R
    ) -> R {
        var count = 0
        while next < batch.count, count < Self.maxPieces {
            batch[next].withRecords { records in
                // Safe: the record bytes stay valid while the flusher owns the slab, which
                // outlives this call; writes only read through the pointer.
                storage[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: records.baseAddress), iov_len: records.count)
            }
            count += 1
            next += 1
        }
        return body(UnsafeMutableBufferPointer(rebasing: storage[0..<count]))
    }

    /// Advances `pieces[first...]` past `byteCount` written bytes: whole pieces are emptied
    /// and skipped (`first` moves on), a partly written one is shortened from the front.
    static func consume(_ byteCount: Int, of pieces: UnsafeMutableBufferPointer<iovec>, from first: inout Int) {
        var remaining = byteCount
        while remaining > 0, first < pieces.count {
            let length = pieces[first].iov_len
            if remaining >= length {
                remaining -= length
                pieces[first].iov_len = 0
                first += 1
            } else {
                pieces[first].iov_base = pieces[first].iov_base.map { $0 + remaining }
                pieces[first].iov_len -= remaining
                remaining = 0
            }
        }
    }
}
