import Glibc

/// Why a sink could not take a batch or finish its files. Every case says what the file or
/// stream holds afterwards, so a log reader knows whether anything needs repair.
public enum SinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What happened to the bytes of a batch whose write failed part-way.
    public enum Rollback: Equatable, Sendable {
        /// Nothing of the batch had reached the file.
        case nothingWritten
        /// The partial batch was cut off: the segment is back to `segmentBytes`.
        case truncated(segmentBytes: Int)
        /// Cutting it off failed (`truncateErrno`); the segment was closed and renamed to
        /// `path`, whose name records the good length for recovery at the next start.
        case setAside(path: String, truncateErrno: Int32)
        /// Cutting it off and setting it aside both failed: the segment at `path` keeps a
        /// partial batch after byte `segmentBytes`.
        case failed(path: String, segmentBytes: Int, truncateErrno: Int32)
        /// The stream cannot be rewound (stdout): `bytesWritten` bytes of the batch went out.
        case impossible(bytesWritten: Int)
    }

    /// A write (or the fsync completing it) failed; the batch was not stored.
    case writeFailed(call: String, path: String, errno: Int32, rollback: Rollback)
    /// A file system call failed while opening, rotating, closing or recovering segments.
    case fileSystem(call: String, path: String, errno: Int32)
    /// The sink was closed; it takes no more batches.
    case closed
    /// A message broker acknowledged only `acknowledged` of the batch's `messages` (the rest
    /// got an error, or nothing in time). What was acknowledged is stored; the retry sends the
    /// others again under the same message ids, so the broker drops any it did store.
    case notAcknowledged(destination: String, acknowledged: Int, messages: Int, reason: String)
    /// The broker cannot take messages now (not connected, or its stream is missing and could
    /// not be created); nothing of the batch was sent.
    case unavailable(destination: String, reason: String)

    public var description: String {
        switch self {
        case .writeFailed(let call, let path, let code, let rollback):
            let head = "\(call) to \(path) failed: \(Self.text(code)); the batch was not stored"
            switch rollback {
            case .nothingWritten:
                return "\(head) (nothing of it reached the file)"
            case .truncated(let segmentBytes):
                return "\(head) (its partial bytes were truncated away, segment back to \(segmentBytes) bytes)"
            case .setAside(let aside, let truncateErrno):
                return "\(head); truncating its partial bytes failed: \(Self.text(truncateErrno)); the segment was closed and renamed \(aside) for repair at the next start"
            case .failed(let segment, let segmentBytes, let truncateErrno):
                return "\(head); truncating its partial bytes failed: \(Self.text(truncateErrno)) and renaming the segment failed too; \(segment) holds a partial batch after byte \(segmentBytes)"
            case .impossible(let bytesWritten):
                return "\(head) (\(bytesWritten) bytes of it were already written and cannot be taken back)"
            }
        case .fileSystem(let call, let path, let code):
            return "\(call) \(path) failed: \(Self.text(code))"
        case .closed:
            return "the sink is closed and takes no more batches"
        case .notAcknowledged(let destination, let acknowledged, let messages, let reason):
            return "\(destination): \(acknowledged) of \(messages) messages acknowledged (\(reason)); the batch is kept and the rest republished with the same ids"
        case .unavailable(let destination, let reason):
            return "\(destination) is unavailable: \(reason); nothing of the batch was sent"
        }
    }

    static func text(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
