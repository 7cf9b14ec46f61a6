/// Why a whole batch body was refused: nothing of it is accepted (HTTP 400).
///
///     BatchParseError.tooManyItems(limit: 1000).message  // "batch holds more than 1000 items"
public enum BatchParseError: Error, Equatable, Sendable {
    /// The body is empty or only whitespace (NDJSON: has no non-blank line).
    case emptyBody
    /// The body (array or object form) is not valid JSON.
    case invalidJSON(JSONError)
    /// The body is valid JSON but neither an array nor an object.
    case notBatch
    /// The top-level object has no "items" field.
    case missingItems
    /// The top-level "items" field is not an array.
    case itemsNotArray
    /// The top-level object has "items" more than once.
    case duplicateItems
    /// The batch holds more items than the parser allows.
    case tooManyItems(limit: Int)

    /// The message for the client and the log.
    public var message: String {
        switch self {
        case .emptyBody: return "request body is empty or blank"
        case .invalidJSON(let error): return error.message
        case .notBatch: return "body must be a JSON array of items or an object with an \"items\" array"
        case .missingItems: return "missing field \"items\""
        case .itemsNotArray: return "\"items\" must be an array"
        case .duplicateItems: return "duplicate field \"items\""
        case .tooManyItems(let limit): return "batch holds more than \(limit) items"
        }
    }
}
