/// A segment file's name: `segment-20261127T031500Z-000001.ndjson`.
///
/// The UTC stamp is fixed width and the sequence zero-padded, so a plain sort of finished
/// names is write order. The file sink never lets the stamp go backwards (a clock set back
/// reuses the last stamp) and never reuses a sequence number, also across restarts. A
/// segment being written carries `.open`; one whose failed batch could not be truncated
/// away carries `.rollback-<good length>` until the next start repairs it.
struct SegmentName: Equatable, Comparable, Sendable {
    static let prefix = "segment-"
    static let suffix = ".ndjson"
    static let openSuffix = ".open"
    static let rollbackMarker = ".rollback-"

    /// `yyyyMMdd'T'HHmmss'Z'`, UTC.
    let stamp: String
    let sequence: Int

    /// What state a file in the data directory is in, judged by its name.
    enum Kind: Equatable {
        case finished
        case open
        /// Set aside after a failed rollback; only the first `goodBytes` bytes are valid.
        case rolledBack(goodBytes: Int)
    }

    /// The finished name.
    var finished: String {
        var digits = String(sequence)
        if digits.count < 6 { digits = String(repeating: "0", count: 6 - digits.count) + digits }
        return Self.prefix + stamp + "-" + digits + Self.suffix
    }

    /// The name while being written.
    var open: String { finished + Self.openSuffix }

    /// The name of a segment set aside with `goodBytes` valid bytes.
    func rolledBack(goodBytes: Int) -> String { finished + Self.rollbackMarker + String(goodBytes) }

    static func < (lhs: SegmentName, rhs: SegmentName) -> Bool {
        (lhs.stamp, lhs.sequence) < (rhs.stamp, rhs.sequence)
    }

    /// Parses a directory entry; nil for files that are not segments (they are left alone).
    static func parse(_ fileName: String) -> (name: SegmentName, kind: Kind)? {
        guard fileName.hasPrefix(prefix) else { return nil }
        var rest = fileName.dropFirst(prefix.count)
        // Stamp: 8 digits, T, 6 digits, Z.
        let stamp = rest.prefix(16)
        guard stamp.count == 16, isStamp(stamp) else { return nil }
        rest = rest.dropFirst(16)
        guard rest.first == "-" else { return nil }
        rest = rest.dropFirst()
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, let sequence = Int(digits) else { return nil }
        rest = rest.dropFirst(digits.count)
        guard rest.hasPrefix(suffix) else { return nil }
        rest = rest.dropFirst(suffix.count)
        let name = SegmentName(stamp: String(stamp), sequence: sequence)
        if rest.isEmpty { return (name, .finished) }
        if rest == openSuffix { return (name, .open) }
        if rest.hasPrefix(rollbackMarker), let good = Int(rest.dropFirst(rollbackMarker.count)), good >= 0 {
            return (name, .rolledBack(goodBytes: good))
        }
        return nil
    }

    private static func isStamp(_ text: Substring) -> Bool {
        for (index, character) in text.enumerated() {
            switch index {
            case 8: guard character == "T" else { return false }
            case 15: guard character == "Z" else { return false }
            default: guard character.isASCII, character.isNumber else { return false }
            }
        }
        return true
    }
}
