/// A strict RFC 8259 JSON validator that works in place on bytes.
///
/// It builds nothing: no String per token, no tree. It reports the byte range of a value, or a
/// `JSONError` carrying the offset of the first byte that breaks the grammar. It is strict
/// where RFC 8259 is: no trailing commas, no comments, no leading zeros or '+', no single
/// quotes, only the 4 whitespace bytes, only valid UTF-8 (RFC 3629), no unpaired surrogate
/// escapes, no byte order mark. Nesting is tracked in a fixed stack of `maxDepth` entries,
/// never by recursion, so hostile input such as 100 000 '[' fails fast at the limit.
///
///     let scanner = JSONScanner()
///     switch bytes.withUnsafeBytes({ scanner.validate($0) }) {
///     case .success(let range): // the top-level value, whitespace trimmed
///     case .failure(let error): print(error.message) // "invalid JSON at byte 3: expected ':'"
///     }
public struct JSONScanner: Sendable {
    /// The nesting limit used unless one is given.
    public static let defaultMaxDepth = 64

    /// How many arrays and objects may be open at once; one more is `.nestingTooDeep`.
    public let maxDepth: Int

    /// A scanner that allows `maxDepth` levels of nested arrays and objects.
    public init(maxDepth: Int = JSONScanner.defaultMaxDepth) {
        precondition(maxDepth >= 1, "JSONScanner.maxDepth must be at least 1")
        self.maxDepth = maxDepth
    }

    /// Validates a whole JSON text: one value with optional whitespace around it.
    ///
    /// Returns the range of the value without the surrounding whitespace.
    public func validate(_ bytes: UnsafeRawBufferPointer) -> Result<Range<Int>, JSONError> {
        var observer = NoScanObserver()
        return validate(bytes, observer: &observer)
    }

    /// Validates a whole JSON text, telling `observer` its structure on the way.
    func validate<Observer: JSONScanObserver>(
        _ bytes: UnsafeRawBufferPointer, observer: inout Observer
    ) -> Result<Range<Int>, JSONError> {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            return .failure(JSONError(offset: 0, reason: .byteOrderMark))
        }
        switch scanValue(bytes, from: 0, observer: &observer) {
        case .failure(let error):
            return .failure(error)
        case .success(let range):
            let end = JSONByte.skipWhitespace(bytes, from: range.upperBound)
            guard end == bytes.count else { return .failure(JSONError(offset: end, reason: .trailingContent)) }
            return .success(range)
        }
    }

    /// Validates the one value that starts at `offset` after optional whitespace, and returns
    /// its range; what follows the value is not looked at.
    public func scanValue(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> Result<Range<Int>, JSONError> {
        var observer = NoScanObserver()
        return scanValue(bytes, from: offset, observer: &observer)
    }

    private func scanValue<Observer: JSONScanObserver>(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, observer: inout Observer
    ) -> Result<Range<Int>, JSONError> {
        precondition(offset >= 0 && offset <= bytes.count, "JSONScanner.scanValue offset out of bounds")
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: maxDepth) { isObject in
            // Safe: `isObject` holds maxDepth entries; scan writes index `depth` only after
            // checking depth < maxDepth and reads index depth - 1 only when depth > 0.
            scan(bytes, from: offset, isObject: isObject, observer: &observer)
        }
    }

    /// The iterative state machine: `isObject[level]` says whether open container `level` is
    /// an object (true) or an array. Each turn of the outer loop parses one value at `index`.
    private func scan<Observer: JSONScanObserver>(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, isObject: UnsafeMutableBufferPointer<Bool>,
        observer: inout Observer
    ) -> Result<Range<Int>, JSONError> {
        let count = bytes.count
        var index = JSONByte.skipWhitespace(bytes, from: offset)
        let start = index
        var depth = 0
        nextValue: while true {
            guard index < count else { return failure(count, .unexpectedEnd) }
            switch bytes[index] {
            case JSONByte.openBrace:
                guard depth < maxDepth else { return failure(index, .nestingTooDeep(limit: maxDepth)) }
                observer.didOpen(at: index, level: depth, isObject: true)
                isObject[depth] = true
                depth += 1
                index = JSONByte.skipWhitespace(bytes, from: index + 1)
                guard index < count else { return failure(count, .unexpectedEnd) }
                if bytes[index] == JSONByte.closeBrace {
                    depth -= 1
                    index += 1
                    observer.didClose(end: index, level: depth)
                } else {
                    switch scanMemberName(bytes, at: index, reason: .expectedKeyOrBrace) {
                    case .success(let valueStart):
                        observer.didReadName(valueStart.name, level: depth)
                        index = valueStart.value
                        continue nextValue
                    case .failure(let error): return .failure(error)
                    }
                }
            case JSONByte.openBracket:
                guard depth < maxDepth else { return failure(index, .nestingTooDeep(limit: maxDepth)) }
                observer.didOpen(at: index, level: depth, isObject: false)
                isObject[depth] = false
                depth += 1
                index = JSONByte.skipWhitespace(bytes, from: index + 1)
                guard index < count else { return failure(count, .unexpectedEnd) }
                if bytes[index] == JSONByte.closeBracket {
                    depth -= 1
                    index += 1
                    observer.didClose(end: index, level: depth)
                } else {
                    continue nextValue
                }
            case JSONByte.quote:
                switch scanString(bytes, from: index) {
                case .success(let end): observer.didEndScalar(index..<end, level: depth); index = end
                case .failure(let error): return .failure(error)
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                switch scanNumber(bytes, from: index) {
                case .success(let end): observer.didEndScalar(index..<end, level: depth); index = end
                case .failure(let error): return .failure(error)
                }
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                switch scanLiteral(bytes, from: index) {
                case .success(let end): observer.didEndScalar(index..<end, level: depth); index = end
                case .failure(let error): return .failure(error)
                }
            default:
                return failure(index, .expectedValue)
            }
            // A value ended at `index`: close containers until one continues with ','.
            while depth > 0 {
                index = JSONByte.skipWhitespace(bytes, from: index)
                guard index < count else { return failure(count, .unexpectedEnd) }
                let byte = bytes[index]
                if isObject[depth - 1] {
                    if byte == JSONByte.comma {
                        index = JSONByte.skipWhitespace(bytes, from: index + 1)
                        switch scanMemberName(bytes, at: index, reason: .expectedKey) {
                        case .success(let valueStart):
                            observer.didReadName(valueStart.name, level: depth)
                            index = valueStart.value
                            continue nextValue
                        case .failure(let error): return .failure(error)
                        }
                    }
                    guard byte == JSONByte.closeBrace else { return failure(index, .expectedCommaOrBrace) }
                } else {
                    if byte == JSONByte.comma {
                        index = JSONByte.skipWhitespace(bytes, from: index + 1)
                        continue nextValue
                    }
                    guard byte == JSONByte.closeBracket else { return failure(index, .expectedCommaOrBracket) }
                }
                depth -= 1
                index += 1
                observer.didClose(end: index, level: depth)
            }
            return .success(start..<index)
        }
    }

    /// Scans `"name" ws ':' ws` at `index` and returns the name's contents and where the
    /// member's value starts.
    @inline(__always)
    private func scanMemberName(
        _ bytes: UnsafeRawBufferPointer, at index: Int, reason: JSONError.Reason
    ) -> Result<(name: Range<Int>, value: Int), JSONError> {
        guard index < bytes.count else { return failure(bytes.count, .unexpectedEnd) }
        guard bytes[index] == JSONByte.quote else { return failure(index, reason) }
        switch scanString(bytes, from: index) {
        case .failure(let error):
            return .failure(error)
        case .success(let end):
            let colon = JSONByte.skipWhitespace(bytes, from: end)
            guard colon < bytes.count else { return failure(bytes.count, .unexpectedEnd) }
            guard bytes[colon] == JSONByte.colon else { return failure(colon, .expectedColon) }
            return .success(((index + 1)..<(end - 1), JSONByte.skipWhitespace(bytes, from: colon + 1)))
        }
    }
}

extension JSONScanner {
    @inline(__always)
    func failure<Success>(_ offset: Int, _ reason: JSONError.Reason) -> Result<Success, JSONError> {
        .failure(JSONError(offset: offset, reason: reason))
    }
}
