extension JSONScanner {
    /// Validates the number that starts at `start` ('-' or a digit); returns the offset after it.
    ///
    /// RFC 8259 §6: number = [ "-" ] int [ frac ] [ exp ]; int = "0" / digit1-9 *DIGIT;
    /// frac = "." 1*DIGIT; exp = ("e" / "E") [ "-" / "+" ] 1*DIGIT. Magnitude is not checked:
    /// the scanner never converts, so huge exponents and long integers are valid text.
    func scanNumber(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Result<Int, JSONError> {
        let count = bytes.count
        var index = start
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < count else { return failure(count, .unexpectedEnd) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < count, JSONByte.isDigit(bytes[index]) { return failure(index, .leadingZero) }
        } else {
            guard JSONByte.isDigit(bytes[index]) else { return failure(index, .expectedDigit) }
            index = skipDigits(bytes, from: index + 1)
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            switch scanDigits(bytes, from: index + 1) {
            case .success(let end): index = end
            case .failure(let error): return .failure(error)
            }
        }
        if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            switch scanDigits(bytes, from: index) {
            case .success(let end): index = end
            case .failure(let error): return .failure(error)
            }
        }
        return .success(index)
    }

    /// One or more digits at `start`.
    @inline(__always)
    private func scanDigits(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Result<Int, JSONError> {
        guard start < bytes.count else { return failure(bytes.count, .unexpectedEnd) }
        guard JSONByte.isDigit(bytes[start]) else { return failure(start, .expectedDigit) }
        return .success(skipDigits(bytes, from: start + 1))
    }

    @inline(__always)
    private func skipDigits(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        while index < bytes.count, JSONByte.isDigit(bytes[index]) { index += 1 }
        return index
    }

    /// Validates `true`, `false` or `null` at `start` (its first byte is 't', 'f' or 'n').
    func scanLiteral(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Result<Int, JSONError> {
        let literal: StaticString
        switch bytes[start] {
        case UInt8(ascii: "t"): literal = "true"
        case UInt8(ascii: "f"): literal = "false"
        default: literal = "null"
        }
        let expected = literal.utf8Start
        for position in 1..<literal.utf8CodeUnitCount {
            let index = start + position
            guard index < bytes.count else { return failure(bytes.count, .unexpectedEnd) }
            guard bytes[index] == expected[position] else { return failure(start, .invalidLiteral) }
        }
        return .success(start + literal.utf8CodeUnitCount)
    }
}
