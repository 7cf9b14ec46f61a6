import Glibc
@testable import SluiceCore

/// Runs `JSONScanner.validate` over the UTF-8 bytes of `text`.
func validateJSON(_ text: String, maxDepth: Int = JSONScanner.defaultMaxDepth) -> Result<Range<Int>, JSONError> {
    validateJSON(Array(text.utf8), maxDepth: maxDepth)
}

/// Runs `JSONScanner.validate` over `bytes`.
func validateJSON(_ bytes: [UInt8], maxDepth: Int = JSONScanner.defaultMaxDepth) -> Result<Range<Int>, JSONError> {
    let scanner = JSONScanner(maxDepth: maxDepth)
    return bytes.withUnsafeBytes { scanner.validate($0) }
}

/// The error of a result expected to fail, or nil.
func jsonError(_ result: Result<Range<Int>, JSONError>) -> JSONError? {
    if case .failure(let error) = result { return error }
    return nil
}

/// What a `BatchRecorder` saw for one item, with the bytes copied out as Strings.
enum RecordedItem: Equatable {
    case accepted(BatchItem, id: String, data: String, metadata: String?)
    case rejected(BatchItemError, id: String?)

    var acceptedItem: BatchItem? {
        if case .accepted(let item, _, _, _) = self { return item }
        return nil
    }

    var rejection: BatchItemError? {
        if case .rejected(let error, _) = self { return error }
        return nil
    }
}

/// A visitor that keeps copies of everything it is given.
struct BatchRecorder: BatchVisitor {
    let body: UnsafeRawBufferPointer
    var items: [RecordedItem] = []

    mutating func accept(_ item: BatchItem, dataObject: UnsafeRawBufferPointer) {
        items.append(.accepted(item, id: bodyText(body, item.id), data: String(decoding: dataObject, as: UTF8.self),
                               metadata: item.metadata.map { bodyText(body, $0) }))
    }

    mutating func reject(_ error: BatchItemError) {
        items.append(.rejected(error, id: error.id.map { bodyText(body, $0) }))
    }
}

/// The outcome of parsing one test body.
struct BatchOutcome {
    var result: Result<BatchSummary, BatchParseError>
    var items: [RecordedItem]

    var summary: BatchSummary? { try? result.get() }

    var error: BatchParseError? {
        if case .failure(let error) = result { return error }
        return nil
    }
}

/// Parses `text` as a batch body and records every visit.
func parseBatch(_ text: String, format: BatchFormat = .json, maxItems: Int = BatchParser.defaultMaxItems) -> BatchOutcome {
    parseBatch(Array(text.utf8), format: format, maxItems: maxItems)
}

/// Parses `bytes` as a batch body and records every visit.
func parseBatch(_ bytes: [UInt8], format: BatchFormat = .json, maxItems: Int = BatchParser.defaultMaxItems) -> BatchOutcome {
    let parser = BatchParser(maxItems: maxItems)
    var scratch = BatchParseScratch()
    return bytes.withUnsafeBytes { body in
        var recorder = BatchRecorder(body: body)
        let result = parser.parse(body, format: format, scratch: &scratch, visitor: &recorder)
        return BatchOutcome(result: result, items: recorder.items)
    }
}

/// The bytes of `range` in `body` as a String.
func bodyText(_ body: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
    String(decoding: UnsafeRawBufferPointer(rebasing: body[range]), as: UTF8.self)
}

/// `bytes` as the contents of a JSON string: quotes, backslashes and control bytes escaped.
func jsonStringContents(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out += [UInt8(ascii: "\\"), byte]
        case 0..<0x20:
            let digits = Array("0123456789abcdef".utf8)
            out += Array("\\u00".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
        default:
            out.append(byte)
        }
    }
    return out
}

/// The JSONTestSuite `test_parsing` folder named by SLUICE_JSON_SUITE, read with Glibc.
enum JSONTestSuite {
    /// The folder, or nil when SLUICE_JSON_SUITE is unset or empty.
    static let folder: String? = {
        guard let value = getenv("SLUICE_JSON_SUITE") else { return nil }
        let path = String(cString: value)
        return path.isEmpty ? nil : path
    }()

    /// The sorted names of the folder's `.json` files that start with `prefix`.
    static func names(prefix: String) -> [String] {
        guard let folder, let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix(prefix), name.hasSuffix(".json") { names.append(name) }
        }
        return names.sorted()
    }

    /// The bytes of the file `name` in the folder.
    static func read(_ name: String) -> [UInt8] {
        guard let folder, let file = fopen(folder + "/" + name, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }
}
