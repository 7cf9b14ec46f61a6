import Glibc

/// Stops the fuzz run when an invariant does not hold: the message goes to stderr and the
/// process aborts, which libFuzzer reports as a crash and saves the input for reproduction.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    fputs("INVARIANT FAILED: \(message())\n", stderr)
    abort()
}

/// The input libFuzzer hands over, copied into an array (inputs are small).
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Bytes as text for invariant messages, with non-printable bytes escaped; long inputs elided.
func describe(_ bytes: some Collection<UInt8>) -> String {
    var text = ""
    for byte in bytes.prefix(200) {
        switch byte {
        case 0x0D: text += "\\r"
        case 0x0A: text += "\\n"
        case 0x20...0x7E where byte != 0x5C: text.unicodeScalars.append(Unicode.Scalar(byte))
        default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
    }
    return bytes.count > 200 ? text + "... (\(bytes.count) bytes)" : text
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
