/// Why an item of a batch was rejected, as the `reason` label of `sluice_items_rejected_total`:
/// the one list of those labels. SluiceCore maps each `BatchItemError.Reason` to one of these,
/// SluiceMetrics exports every case from the start, at 0.
///
///     ItemRejectionReason.idLength.label   // "id_length"
package enum ItemRejectionReason: Int, CaseIterable, Sendable {
    case notObject, invalidJSON, duplicateField, missingID, badID, idLength, missingData, badData, badDataString, badMetadata

    /// The label value, e.g. "missing_id".
    package var label: String {
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
