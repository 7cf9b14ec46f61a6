/// Structural navigation over JSON that `JSONScanner` has already accepted.
///
/// It re-checks nothing, which is what makes it cheap: it only matches quotes and brackets.
/// On bytes the scanner did not accept the results are meaningless, but every read stays
/// inside the buffer and every loop ends.
enum JSONSkipper {
    /// The offset after the value that starts exactly at `start`.
    static func valueEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard start < bytes.count else { return bytes.count }
        switch bytes[start] {
        case JSONByte.quote:
            return stringEnd(bytes, from: start)
        case JSONByte.openBrace, JSONByte.openBracket:
            return containerEnd(bytes, from: start)
        default:
            var index = start + 1
            while index < bytes.count {
                let byte = bytes[index]
                if JSONByte.isWhitespace(byte) || byte == JSONByte.comma || byte == JSONByte.closeBrace
                    || byte == JSONByte.closeBracket {
                    break
                }
                index += 1
            }
            return index
        }
    }

    /// The offset after the array or object whose opening bracket is at `start`.
    ///
    /// Outside strings it jumps 8 bytes at a time to the next quote or bracket.
    private static func containerEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var depth = 0
        var index = start
        while true {
            index = skipWords(bytes, from: index, until: JSONByte.structuralLanes)
            guard index < bytes.count else { return bytes.count }
            switch bytes[index] {
            case JSONByte.quote:
                index = stringEnd(bytes, from: index)
                continue
            case JSONByte.openBrace, JSONByte.openBracket:
                depth += 1
            case JSONByte.closeBrace, JSONByte.closeBracket:
                depth -= 1
                if depth == 0 { return index + 1 }
            default:
                break
            }
            index += 1
        }
    }

    /// The offset after the closing quote of the string whose opening quote is at `start`.
    @inline(__always)
    static func stringEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start + 1
        while true {
            index = skipWords(bytes, from: index, until: JSONByte.quoteOrBackslashLanes)
            guard index < bytes.count else { return bytes.count }
            switch bytes[index] {
            case JSONByte.quote: return index + 1
            case JSONByte.backslash: index += 2
            default: index += 1
            }
        }
    }
}

/// The elements of a validated JSON array, in order.
///
/// `next()` skips each element itself. A caller that walks an element anyway uses
/// `nextStart()` and `resume(after:)` instead, so the element is not skipped twice.
struct JSONArrayElements: IteratorProtocol {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int
    private var isDone = false

    /// The elements of the array whose '[' is at `start`.
    init(_ bytes: UnsafeRawBufferPointer, arrayAt start: Int) {
        self.bytes = bytes
        index = JSONByte.skipWhitespace(bytes, from: start + 1)
        isDone = index >= bytes.count || bytes[index] == JSONByte.closeBracket
    }

    /// The range of the next element.
    mutating func next() -> Range<Int>? {
        guard let start = nextStart() else { return nil }
        let end = JSONSkipper.valueEnd(bytes, from: start)
        resume(after: end)
        return start..<end
    }

    /// Where the next element starts; the caller finds its end and passes it to `resume(after:)`.
    func nextStart() -> Int? { isDone ? nil : index }

    /// Moves past the element that ends at `end`.
    mutating func resume(after end: Int) {
        index = JSONByte.skipWhitespace(bytes, from: end)
        if index < bytes.count, bytes[index] == JSONByte.comma {
            index = JSONByte.skipWhitespace(bytes, from: index + 1)
        } else {
            isDone = true
        }
    }
}

/// The members of a validated JSON object, in order: the name's contents (between the
/// quotes) and the value's range.
struct JSONObjectMembers: IteratorProtocol {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int
    private var isDone = false

    /// The offset after the object's '}', once `next()` has returned nil.
    var end: Int { min(index + 1, bytes.count) }

    /// The members of the object whose '{' is at `start`.
    init(_ bytes: UnsafeRawBufferPointer, objectAt start: Int) {
        self.bytes = bytes
        index = JSONByte.skipWhitespace(bytes, from: start + 1)
        isDone = index >= bytes.count || bytes[index] != JSONByte.quote
    }

    mutating func next() -> (name: Range<Int>, value: Range<Int>)? {
        guard !isDone else { return nil }
        let nameEnd = JSONSkipper.stringEnd(bytes, from: index)
        let name = (index + 1)..<max(index + 1, nameEnd - 1)
        var cursor = JSONByte.skipWhitespace(bytes, from: nameEnd)
        cursor = JSONByte.skipWhitespace(bytes, from: min(cursor + 1, bytes.count))  // past ':'
        let valueEnd = JSONSkipper.valueEnd(bytes, from: cursor)
        let value = cursor..<valueEnd
        index = JSONByte.skipWhitespace(bytes, from: valueEnd)
        if index < bytes.count, bytes[index] == JSONByte.comma {
            index = JSONByte.skipWhitespace(bytes, from: index + 1)
            isDone = index >= bytes.count || bytes[index] != JSONByte.quote
        } else {
            isDone = true
        }
        return (name, value)
    }
}

/// Skips 8 bytes at a time while `lanes` flags no byte of the word; returns the first flagged
/// byte's offset, or where fewer than 8 bytes remain (the caller finishes byte by byte).
@inline(__always)
private func skipWords(_ bytes: UnsafeRawBufferPointer, from start: Int,
                       until lanes: (UInt64) -> UInt64) -> Int {
    var index = start
    while index + 8 <= bytes.count {
        let flagged = lanes(JSONByte.loadWord(bytes, at: index))
        if flagged != 0 { return index + (flagged.trailingZeroBitCount >> 3) }
        index += 8
    }
    return index
}
