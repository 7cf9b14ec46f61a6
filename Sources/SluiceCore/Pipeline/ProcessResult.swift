/// One accepted item, ready to be written by a sink: where its sink record, id, data and
/// metadata are in the `ResultSlab` that holds it.
///
/// A result is a plain value (16 bytes, no references): a slab stores its results in one
/// block, so filling, admitting, flushing and recycling a batch never touches a reference
/// count per item. The bytes live in the slab's arena, rendered once, on the request thread,
/// as the item's NDJSON sink record:
/// ```
/// {"id":"<id>","received_at":"<RFC 3339>","data":<data>,"metadata":<metadata or []>}\n
/// {"id":"<id>","received_at":"<RFC 3339>","data":<data>,"metadata":<metadata or []>,"tenant":"<name>"}\n
/// ```
/// (the second with access control on, the tenant last so the other fields keep their places)
/// so the id, data and metadata are ranges inside the record. Read them through the slab:
/// ```
/// for result in slab.results { slab.withFields(of: result) { id, data, metadata in ... } }
/// ```
public struct ProcessResult: Equatable, Sendable {
    /// Offset of the record's first byte in the slab's arena.
    let start: UInt32
    /// Bytes of the id: JSON string contents, escapes kept (at most 6 x 256: every byte of a
    /// 256-byte id written as a `\u` escape).
    let idCount: UInt16
    /// Bytes of the `,"tenant":"<name>"` field; 0 without one.
    let tenantFieldCount: UInt16
    /// Bytes of the data object.
    let dataCount: UInt32
    /// Bytes of the metadata array; 0 when the item had none (an array takes at least 2).
    let metadataCount: UInt32

    /// Whether the item carried a `metadata` array.
    public var hasMetadata: Bool { metadataCount != 0 }

    /// The whole record, its newline included, in the slab's arena.
    public var recordRange: Range<Int> {
        let start = Int(start)
        return start..<(start + SinkRecordLayout.fixedCount + Int(idCount) + Int(dataCount)
            + (hasMetadata ? Int(metadataCount) : SinkRecordLayout.emptyArray.utf8CodeUnitCount) + Int(tenantFieldCount))
    }

    /// The id's bytes in the slab's arena.
    public var idRange: Range<Int> {
        let start = Int(start) + SinkRecordLayout.idOffset
        return start..<(start + Int(idCount))
    }

    /// The data object's bytes in the slab's arena.
    public var dataRange: Range<Int> {
        let start = idRange.upperBound + SinkRecordLayout.dataOffsetAfterID
        return start..<(start + Int(dataCount))
    }

    /// The metadata array's bytes in the slab's arena, or nil when the item had none.
    public var metadataRange: Range<Int>? {
        guard hasMetadata else { return nil }
        let start = dataRange.upperBound + SinkRecordLayout.metadataOpen.utf8CodeUnitCount
        return start..<(start + Int(metadataCount))
    }
}

/// The fixed parts of a sink record and where the variable parts go.
enum SinkRecordLayout {
    static let idOpen: StaticString = #"{"id":""#
    static let receivedAtOpen: StaticString = #"","received_at":""#
    static let dataOpen: StaticString = #"","data":"#
    static let metadataOpen: StaticString = #","metadata":"#
    static let emptyArray: StaticString = "[]"
    static let tenantOpen: StaticString = #","tenant":""#
    static let tenantClose: StaticString = "\""
    static let recordClose: StaticString = "}\n"

    /// Offset of the id from the record's start.
    static let idOffset = idOpen.utf8CodeUnitCount
    /// Offset of the data object from the id's end.
    static let dataOffsetAfterID = receivedAtOpen.utf8CodeUnitCount + TimestampFormatter.rfc3339Length
        + dataOpen.utf8CodeUnitCount
    /// Bytes of a tenant field besides the name.
    static let tenantFixedCount = tenantOpen.utf8CodeUnitCount + tenantClose.utf8CodeUnitCount
    /// A record's bytes besides id, data, metadata and the tenant field.
    static let fixedCount = idOffset + dataOffsetAfterID + metadataOpen.utf8CodeUnitCount + recordClose.utf8CodeUnitCount
}
