import Foundation

/// Reads what the file sink wrote: every line of every segment in a data directory.
public enum SegmentFiles {
    /// Each NDJSON line of every segment file (finished and `.open`), in name order.
    public static func lines(in directory: URL) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("segment-") }
            .sorted()
        var lines: [String] = []
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            lines.append(contentsOf: text.split(separator: "\n").map(String.init))
        }
        return lines
    }

    /// The `id` of each line, decoded with JSONSerialization (an independent JSON parser).
    public static func ids(in directory: URL) throws -> [String] {
        try lines(in: directory).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let id = object?["id"] as? String else { throw SegmentFileError.lineWithoutID(line) }
            return id
        }
    }

    /// A fresh temporary directory.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

public enum SegmentFileError: Error {
    case lineWithoutID(String)
}
