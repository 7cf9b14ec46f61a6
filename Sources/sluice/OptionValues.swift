import ArgumentParser
import SluiceCore

/// A duration option: "250ms", "10s", "1.5s", "2m", "1h", or a bare number of seconds.
struct DurationOption: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let duration: Duration

    init(_ duration: Duration) { self.duration = duration }

    init?(argument: String) {
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ms", 1e6), ("us", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        var number = Substring(argument)
        var scale = 1e9
        for unit in units where argument.hasSuffix(unit.suffix) {
            number = argument.dropLast(unit.suffix.count)
            scale = unit.nanoseconds
            break
        }
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        duration = .nanoseconds(Int64(value * scale))
    }

    var description: String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        return milliseconds == 0 ? "\(seconds)s" : "\(seconds * 1000 + milliseconds)ms"
    }
}

/// A byte size: a plain number of bytes, or with a unit. Binary units as in Kubernetes:
/// Ki/KiB, Mi/MiB, Gi/GiB (powers of 1024); decimal units k/K/KB, M/MB, G/GB (powers of 1000).
struct ByteSizeOption: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let units: [(suffix: String, factor: Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30),
            ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000),
            ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("B", 1),
        ]
        var number = Substring(argument)
        var factor = 1
        for unit in units where argument.hasSuffix(unit.suffix) {
            number = argument.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard let value = Int(number), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        bytes = product
    }

    var description: String {
        for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)"
    }
}

/// Log levels accepted by `--log-level`.
enum LogLevelOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical
}

extension ProcessorKind: ExpressibleByArgument {}
extension SinkKind: ExpressibleByArgument {}

/// `--fsync`: never, every-flush or rotation.
enum FsyncOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case never
    case everyFlush = "every-flush"
    case rotation

    var policy: FileSink.FsyncPolicy {
        switch self {
        case .never: .never
        case .everyFlush: .everyFlush
        case .rotation: .rotation
        }
    }
}

/// `--ack`: when `/batch` answers 200.
enum AckMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Once the accepted items are in the batch buffer.
    case buffered
    /// Once the flush holding them is in the sink (and, for the file sink, fdatasynced).
    case durable
}
