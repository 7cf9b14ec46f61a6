@testable import SluiceCore

/// Fuzz target `json-scanner`: `JSONScanner` over arbitrary bytes (the whole input is the
/// document), at the nesting limits 1, 2, 3, 5 and the default 64.
///
/// Invariants:
/// - accept or reject agrees with `ReferenceJSON`, an independent plain parser, at every
///   limit, and an accepted document's range is the reference's (whitespace trimmed);
/// - validation is deterministic, and an accepted document stays accepted at every higher
///   limit with the same range, a rejection for depth only happens when the reference depth
///   is over the limit;
/// - an error's offset lies inside the input (or at its end), and an error naming a byte
///   names the byte at its offset;
/// - an accepted document surrounded by more whitespace is accepted with the range shifted;
///   `scanValue` on it followed by ",]" ends the value at the same place;
/// - the skip-based navigation the batch parser uses (`JSONSkipper`, `JSONArrayElements`,
///   `JSONObjectMembers`) finds the same value ends, elements and members as the reference.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONScanner(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    var acceptedAt: (depth: Int, range: Range<Int>)?
    for maxDepth in [1, 2, 3, 5, JSONScanner.defaultMaxDepth] {
        let scanner = JSONScanner(maxDepth: maxDepth)
        let result = bytes.withUnsafeBytes { scanner.validate($0) }
        require(bytes.withUnsafeBytes { scanner.validate($0) } == result, "validation is not deterministic")
        let reference = ReferenceJSON.parse(bytes, maxDepth: maxDepth)
        switch result {
        case .success(let range):
            require(reference?.range == range, "scanner accepts \(range) at depth \(maxDepth), reference says \(String(describing: reference?.range)): \(describe(bytes))")
            if let earlier = acceptedAt { require(earlier.range == range, "range changed with the depth limit") }
            acceptedAt = acceptedAt ?? (maxDepth, range)
        case .failure(let error):
            require(reference == nil, "scanner rejects (\(error)) at depth \(maxDepth), reference accepts: \(describe(bytes))")
            require(acceptedAt == nil, "accepted at depth \(acceptedAt!.depth), rejected at \(maxDepth) (\(error))")
            checkError(error, in: bytes, maxDepth: maxDepth)
        }
    }
    guard let accepted = acceptedAt else { return 0 }
    let scanner = JSONScanner()
    guard let reference = ReferenceJSON.parse(bytes, maxDepth: scanner.maxDepth) else { return 0 }
    checkWhitespaceAndSuffix(bytes, range: accepted.range, scanner: scanner)
    bytes.withUnsafeBytes { checkNavigation($0, value: reference) }
    return 0
}

private func checkError(_ error: JSONError, in bytes: [UInt8], maxDepth: Int) {
    require(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset) outside the input (\(bytes.count))")
    let named: UInt8?
    switch error.reason {
    case .controlCharacter(let byte), .invalidEscape(let byte), .invalidHexDigit(let byte), .invalidUTF8(let byte):
        named = byte
    case .nestingTooDeep(let limit):
        require(limit == maxDepth, "depth error names limit \(limit), the scanner has \(maxDepth)")
        // Over the limit here, so a parse with room to spare must not fail for depth alone.
        if let deeper = ReferenceJSON.parse(bytes, maxDepth: 1000) {
            require(ReferenceJSON.depth(of: deeper) > maxDepth, "nestingTooDeep at \(maxDepth) for depth \(ReferenceJSON.depth(of: deeper))")
        }
        named = nil
    default:
        named = nil
    }
    if let named {
        require(error.offset < bytes.count && bytes[error.offset] == named,
                "error \(error) names a byte that is not at its offset")
    }
}

private func checkWhitespaceAndSuffix(_ bytes: [UInt8], range: Range<Int>, scanner: JSONScanner) {
    let padded = Array(" \t\r\n".utf8) + bytes + Array("\n \t".utf8)
    let result = padded.withUnsafeBytes { scanner.validate($0) }
    require(result == .success((range.lowerBound + 4)..<(range.upperBound + 4)), "whitespace around the document: \(result)")
    let followed = bytes + Array(",]".utf8)
    let value = followed.withUnsafeBytes { scanner.scanValue($0, from: 0) }
    require(value == .success(range), "scanValue with \",]\" after the document: \(value), not \(range)")
}

/// The skipper and iterators over a validated document match the reference tree.
private func checkNavigation(_ bytes: UnsafeRawBufferPointer, value: ReferenceValue) {
    let end = JSONSkipper.valueEnd(bytes, from: value.range.lowerBound)
    require(end == value.range.upperBound, "JSONSkipper ends the value at \(value.range.lowerBound) at \(end), not \(value.range.upperBound)")
    switch value.kind {
    case .array:
        var elements = JSONArrayElements(bytes, arrayAt: value.range.lowerBound)
        for element in value.elements {
            let found = elements.next()
            require(found == element.range, "array element \(String(describing: found)), reference \(element.range)")
            checkNavigation(bytes, value: element)
        }
        require(elements.next() == nil, "JSONArrayElements yields more than \(value.elements.count) elements")
    case .object:
        var members = JSONObjectMembers(bytes, objectAt: value.range.lowerBound)
        for member in value.members {
            let found = members.next()
            require(found?.name == member.name && found?.value == member.value.range,
                    "object member \(String(describing: found)), reference \(member.name), \(member.value.range)")
            checkNavigation(bytes, value: member.value)
        }
        require(members.next() == nil, "JSONObjectMembers yields more than \(value.members.count) members")
        require(members.end == value.range.upperBound, "JSONObjectMembers.end \(members.end), not \(value.range.upperBound)")
    case .string, .number, .literal:
        break
    }
}
