/// How each generated item carries its `data`, and how the batch is framed.
public enum DataShape: String, CaseIterable, Sendable {
    /// `[{"id":"item-1","data":{...}}, ...]` as `application/json`.
    case object
    /// Like `object`, but `data` is a JSON string holding the object.
    case string
    /// One item object per line, as `application/x-ndjson`.
    case ndjson

    /// The `Content-Type` of a batch in this shape.
    public var contentType: String {
        self == .ndjson ? "application/x-ndjson" : "application/json"
    }
}
