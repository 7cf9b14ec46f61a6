import SluiceSupport

/// Why one item of a batch was rejected: the batch goes on, the item is reported and skipped.
///
///     error.reason.message  // "id must be 1..256 bytes, got 300"
///     error.reason.label    // "id_length", for sluice_items_rejected_total{reason="id_length"}
public struct BatchItemError: Error, Equatable, Sendable {
    /// The 0-based position of the item in the batch (NDJSON: among the non-blank lines).
    public var index: Int
    /// The id string's contents (escaped, as in `BatchItem.id`) when the item has a string id;
    /// nil otherwise. Also set when the id's length is the problem.
    public var id: Range<Int>?
    /// What is wrong with the item.
    public var reason: Reason

    public init(index: Int, id: Range<Int>?, reason: Reason) {
        self.index = index
        self.id = id
        self.reason = reason
    }

    /// What is wrong with an item. Messages never echo the item's bytes.
    public enum Reason: Equatable, Sendable {
        /// The item (array element or NDJSON line) is valid JSON but not an object.
        case notObject
        /// The NDJSON line is not valid JSON; the offset is relative to the line.
        case invalidJSON(JSONError)
        /// A known field appears more than once.
        case duplicateField(BatchItemField)
        /// There is no "id".
        case missingID
        /// "id" is not a string.
        case idNotString
        /// "id" decodes to a number of UTF-8 bytes outside 1...256.
        case idLength(Int)
        /// There is no "data".
        case missingData
        /// "data" is neither an object nor a string.
        case badData
        /// "data" is a string, but its decoded contents are not one JSON object: the scanner's
        /// error (offsets relative to the decoded string), or nil for valid JSON of another type.
        case dataStringNotObject(JSONError?)
        /// "metadata" is present, not null, and not an array of strings.
        case badMetadata

        /// The message for the client, e.g. "missing field \"id\"".
        public var message: String {
            switch self {
            case .notObject: return "item must be an object"
            case .invalidJSON(let error): return error.message
            case .duplicateField(let field): return "duplicate field \"\(field.name)\""
            case .missingID: return "missing field \"id\""
            case .idNotString: return "id must be a string"
            case .idLength(let count):
                return "id must be \(BatchParser.idByteCounts.lowerBound)..\(BatchParser.idByteCounts.upperBound) bytes, got \(count)"
            case .missingData: return "missing field \"data\""
            case .badData: return "data must be an object or a string holding a JSON object"
            case .dataStringNotObject(let error?): return "data string is not a JSON object: \(error.message)"
            case .dataStringNotObject(nil): return "data string is not a JSON object"
            case .badMetadata: return "metadata must be an array of strings"
            }
        }

        /// What `sluice_items_rejected_total` counts this under.
        package var rejectionReason: ItemRejectionReason {
            switch self {
            case .notObject: .notObject
            case .invalidJSON: .invalidJSON
            case .duplicateField: .duplicateField
            case .missingID: .missingID
            case .idNotString: .badID
            case .idLength: .idLength
            case .missingData: .missingData
            case .badData: .badData
            case .dataStringNotObject: .badDataString
            case .badMetadata: .badMetadata
            }
        }

        /// A short stable name, usable as a Prometheus label value (`rejectionReason`'s label).
        public var label: String { rejectionReason.label }

        /// Every value `label` can take, to pre-register metric series at zero.
        public static let allLabels: [String] = ItemRejectionReason.allCases.map(\.label)
    }
}
