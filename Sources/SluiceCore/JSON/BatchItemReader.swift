import Glibc

/// Checks one item's known fields, as the scanner recorded them (`ScannedItem`), against the
/// item contract, except the contents of a string `data`, which `BatchParser` decodes.
///
/// Checks run in a fixed order so an item with several faults always gets the same message:
/// object, duplicate fields, id, data, metadata.
enum BatchItemReader {
    /// The item `recorded` in `body` (validated JSON), judged.
    static func check(_ body: UnsafeRawBufferPointer, _ recorded: ScannedItem, index: Int) -> Result<BatchItem, BatchItemError> {
        guard recorded.isObject else { return .failure(BatchItemError(index: index, id: nil, reason: .notObject)) }
        let id = recorded.id.flatMap { body[$0.lowerBound] == JSONByte.quote ? ($0.lowerBound + 1)..<($0.upperBound - 1) : nil }
        func reject(_ reason: BatchItemError.Reason) -> Result<BatchItem, BatchItemError> {
            .failure(BatchItemError(index: index, id: id, reason: reason))
        }

        if let duplicate = recorded.duplicate { return reject(.duplicateField(duplicate)) }
        guard recorded.id != nil else { return reject(.missingID) }
        guard let id else { return reject(.idNotString) }
        let idByteCount = JSONString.decodedByteCount(UnsafeRawBufferPointer(rebasing: body[id]))
        guard BatchParser.idByteCounts.contains(idByteCount) else { return reject(.idLength(idByteCount)) }

        guard let dataValue = recorded.data else { return reject(.missingData) }
        let isDataString: Bool
        switch body[dataValue.lowerBound] {
        case JSONByte.openBrace: isDataString = false
        case JSONByte.quote: isDataString = true
        default: return reject(.badData)
        }

        var metadata = recorded.metadata
        if let metadataValue = recorded.metadata {
            if body[metadataValue.lowerBound] == UInt8(ascii: "n") {
                metadata = nil  // null: treated as absent
            } else if body[metadataValue.lowerBound] != JSONByte.openBracket || recorded.metadataHasNonString {
                return reject(.badMetadata)
            }
        }
        return .success(BatchItem(index: index, id: id, idDecodedByteCount: idByteCount, data: dataValue,
                                  isDataString: isDataString, metadata: metadata))
    }

    /// The known field a member name (string contents) denotes, comparing decoded names.
    @inline(__always)
    static func field(named name: UnsafeRawBufferPointer) -> BatchItemField? {
        // An escape turns at least 2 bytes into 1 character, so a name of exactly the literal's
        // length decodes to the literal only if it is the literal byte for byte.
        switch name.count {
        case 2 where name[0] == UInt8(ascii: "i") && name[1] == UInt8(ascii: "d"): return .id
        case 4 where bytes(name, equal: "data"): return .data
        case 8 where bytes(name, equal: "metadata"): return .metadata
        default: break
        }
        guard name.count > 2, name.contains(JSONByte.backslash) else { return nil }
        if JSONString.decodedContents(name, equal: "id") { return .id }
        if JSONString.decodedContents(name, equal: "data") { return .data }
        if JSONString.decodedContents(name, equal: "metadata") { return .metadata }
        return nil
    }

    /// Whether `name` holds exactly the bytes of `literal`.
    @inline(__always)
    private static func bytes(_ name: UnsafeRawBufferPointer, equal literal: StaticString) -> Bool {
        guard name.count == literal.utf8CodeUnitCount, let base = name.baseAddress else { return false }
        // Safe: both regions hold name.count bytes (checked equal to the literal's length).
        return memcmp(base, literal.utf8Start, name.count) == 0
    }
}
