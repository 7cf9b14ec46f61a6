/// Where one item's known fields are, recorded while the scanner validated the body, so the
/// item reader never walks the body again.
struct ScannedItem: Sendable {
    /// The item value's first byte and the offset after it.
    var start: Int
    var end = 0
    /// Whether the value is an object (anything else is an item error).
    var isObject: Bool
    /// The value of the first `id`, `data` and `metadata` member.
    var id: Range<Int>?
    var data: Range<Int>?
    var metadata: Range<Int>?
    /// The first known field that appeared twice.
    var duplicate: BatchItemField?
    /// Whether `metadata`, when an array, held anything but strings.
    var metadataHasNonString = false

    /// The same item with every offset moved by `distance` (NDJSON: line to body offsets).
    func shifted(by distance: Int) -> ScannedItem {
        func move(_ range: Range<Int>?) -> Range<Int>? { range.map { ($0.lowerBound + distance)..<($0.upperBound + distance) } }
        var item = self
        item.start += distance
        item.end += distance
        item.id = move(id)
        item.data = move(data)
        item.metadata = move(metadata)
        return item
    }
}

/// The scan observer that records a batch's items in the same pass as validation: the
/// elements of the top-level array, of the envelope's `"items"` array, or an NDJSON line's
/// object, and within each item object the ranges of `id`, `data` and `metadata`.
///
/// Only the items' own members are looked at; whatever is nested deeper (inside `data`, say)
/// passes through with a level comparison per value.
struct BatchItemRecorder: JSONScanObserver {
    /// Where the items are.
    enum Form {
        /// The elements of a top-level array.
        case array
        /// The elements of the top-level object's `"items"` array.
        case envelope
        /// The top-level value itself (one NDJSON line).
        case line
    }

    private let body: UnsafeRawBufferPointer
    private let form: Form
    /// The level of the item values.
    private let itemLevel: Int
    /// Most items recorded; `itemCount` keeps counting past it.
    private let limit: Int
    /// The recorded items (at most `limit`), in order; the caller takes the storage back.
    var items: [ScannedItem]
    /// Items seen, also past `limit`.
    private(set) var itemCount = 0
    /// Envelope only: `"items"` members seen, and whether the first one's value is an array.
    private(set) var itemsMemberCount = 0
    private(set) var itemsIsArray = false

    /// The container holding the items is open (always, for a line).
    private var isInItems: Bool
    /// Envelope: the member being read at level 1 is `"items"`.
    private var isItemsMember = false
    /// The item being read, while it is an object.
    private var current: ScannedItem?
    /// The known field whose value is being read in the current item.
    private var field: BatchItemField?
    /// Where the current member's container value started.
    private var memberValueStart = 0
    /// The current member's value is the metadata array.
    private var isInMetadata = false

    /// A recorder filling `items` (emptied first, capacity kept) with at most `limit` items.
    init(body: UnsafeRawBufferPointer, form: Form, limit: Int, items: consuming [ScannedItem]) {
        self.body = body
        self.form = form
        self.limit = limit
        items.removeAll(keepingCapacity: true)
        self.items = items
        switch form {
        case .array: itemLevel = 1
        case .envelope: itemLevel = 2
        case .line: itemLevel = 0
        }
        isInItems = form == .line
    }

    mutating func didOpen(at start: Int, level: Int, isObject: Bool) {
        if level == itemLevel {
            if isInItems { beginItem(at: start, isObject: isObject) }
        } else if level == itemLevel + 1 {
            guard current != nil else { return }
            memberValueStart = start
            isInMetadata = field == .metadata && !isObject
        } else if level == itemLevel - 1, form == .array || (isItemsMember && itemsMemberCount == 1) {
            // The container of the items: the top-level array, or the first "items" value.
            isInItems = !isObject
            if form == .envelope { itemsIsArray = !isObject }
        }
    }

    mutating func didReadName(_ name: Range<Int>, level: Int) {
        if level == itemLevel + 1 {
            guard current != nil else { return }
            field = BatchItemReader.field(named: UnsafeRawBufferPointer(rebasing: body[name]))
        } else if form == .envelope, level == 1 {
            isItemsMember = JSONString.decodedContents(UnsafeRawBufferPointer(rebasing: body[name]), equal: "items")
            if isItemsMember { itemsMemberCount += 1 }
        }
    }

    mutating func didEndScalar(_ value: Range<Int>, level: Int) {
        if level == itemLevel + 1 {
            if current != nil { assign(value) }
        } else if level == itemLevel + 2 {
            if isInMetadata, body[value.lowerBound] != JSONByte.quote { current?.metadataHasNonString = true }
        } else if level == itemLevel {
            if isInItems {
                beginItem(at: value.lowerBound, isObject: false)
                endItem(at: value.upperBound)
            }
        }
    }

    mutating func didClose(end: Int, level: Int) {
        if level == itemLevel + 1 {
            guard current != nil else { return }
            assign(memberValueStart..<end)
            isInMetadata = false
        } else if level == itemLevel + 2 {
            if isInMetadata { current?.metadataHasNonString = true }
        } else if level == itemLevel {
            if isInItems { endItem(at: end) }
        } else if level == itemLevel - 1 {
            isInItems = form == .line
        }
    }

    private mutating func beginItem(at start: Int, isObject: Bool) {
        itemCount += 1
        guard itemCount <= limit else { return }
        current = ScannedItem(start: start, isObject: isObject)
        field = nil
    }

    private mutating func endItem(at end: Int) {
        guard var item = current.take() else { return }
        item.end = end
        items.append(item)
    }

    /// Stores a member value of the current item under its field (first one wins).
    private mutating func assign(_ value: Range<Int>) {
        guard let field = field.take() else { return }
        switch field {
        case .id where current?.id == nil: current?.id = value
        case .data where current?.data == nil: current?.data = value
        case .metadata where current?.metadata == nil: current?.metadata = value
        default: if current?.duplicate == nil { current?.duplicate = field }
        }
    }
}
