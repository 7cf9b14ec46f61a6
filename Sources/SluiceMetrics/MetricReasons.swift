/// Why an item of a batch was rejected: the `reason` label of `sluice_items_rejected_total`.
/// Every case is exported from the start, at 0. The labels match SluiceCore's
/// `BatchItemError.Reason.label`; the executable maps one to the other with a switch.
public enum ItemRejectionReason: Int, CaseIterable, Sendable {
    case notObject, invalidJSON, duplicateField, missingID, badID, idLength, missingData, badData, badDataString, badMetadata

    /// The label value, e.g. "missing_id".
    public var label: String {
        switch self {
        case .notObject: "not_object"
        case .invalidJSON: "invalid_json"
        case .duplicateField: "duplicate_field"
        case .missingID: "missing_id"
        case .badID: "bad_id"
        case .idLength: "id_length"
        case .missingData: "missing_data"
        case .badData: "bad_data"
        case .badDataString: "bad_data_string"
        case .badMetadata: "bad_metadata"
        }
    }
}

/// Why a request was refused with 503: the `reason` label of `sluice_load_shed_total`.
public enum LoadShedReason: Int, CaseIterable, Sendable {
    /// The batch buffer had no room for the request's items.
    case bufferFull
    /// The memory guard is shedding (resident memory over its threshold).
    case memoryLimit
    /// The service is shutting down.
    case draining

    /// The label value, e.g. "buffer_full".
    public var label: String {
        switch self {
        case .bufferFull: "buffer_full"
        case .memoryLimit: "memory_limit"
        case .draining: "draining"
        }
    }
}

/// Why idle memory was given back: the `reason` label of `sluice_memory_released_bytes_total`.
public enum MemoryReleaseReason: Int, CaseIterable, Sendable {
    /// A usage window ended: idle objects its load did not need (the pools follow the load).
    case unused
    /// Resident memory reached the shed threshold: everything idle, before shedding and while it.
    case memoryLimit

    /// The label value, e.g. "memory_limit".
    public var label: String {
        switch self {
        case .unused: "unused"
        case .memoryLimit: "memory_limit"
        }
    }
}
