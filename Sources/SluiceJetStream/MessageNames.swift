import Glibc

/// The C strings of the message being published, rewritten in place per message: its
/// `Nats-Msg-Id` (`<run id>-<sequence>`) and its reply subject
/// (`<inbox>.<attempt>.<sequence>`), plus the subject and header name, written once.
///
/// ```
/// names.begin(attempt: 7)          // reply prefix "<inbox>.7."
/// names.select(sequence: 1042)     // id "9f86d081884c7d65-1042", reply "<inbox>.7.1042"
/// natsMsg_Create(&message, names.subject, names.reply, payload, length)
/// ```
/// A sequence is unique per item in a process run, so with the random run id the message id
/// is unique per item and run, and the same item keeps it across retries. No allocation after
/// `init`.
struct MessageNames: ~Copyable {
    /// 16 lowercase hex digits from the system's random source, new for every sink.
    let runID: String
    let subject: UnsafeMutablePointer<CChar>
    let headerName: UnsafeMutablePointer<CChar>
    let id: UnsafeMutablePointer<CChar>
    let reply: UnsafeMutablePointer<CChar>
    private let idPrefixCount: Int
    private let inboxPrefixCount: Int
    private var replyPrefixCount: Int

    /// Room for a UInt64 in decimal, a dot, another UInt64 and the NUL.
    private static let numbersCapacity = 2 * 20 + 2

    init(subject: String, inbox: String) {
        runID = Self.randomRunID()
        self.subject = strdup(subject)
        headerName = strdup("Nats-Msg-Id")
        idPrefixCount = runID.utf8.count + 1
        id = Self.buffer(prefix: runID + "-", capacity: idPrefixCount + Self.numbersCapacity)
        inboxPrefixCount = inbox.utf8.count + 1
        reply = Self.buffer(prefix: inbox + ".", capacity: inboxPrefixCount + Self.numbersCapacity)
        replyPrefixCount = inboxPrefixCount
    }

    deinit {
        free(subject)
        free(headerName)
        free(id)
        free(reply)
    }

    /// Starts the reply subjects of a publish attempt: `<inbox>.<attempt>.`.
    mutating func begin(attempt: UInt64) {
        replyPrefixCount = inboxPrefixCount + Self.writeDecimal(attempt, to: reply + inboxPrefixCount)
        reply[replyPrefixCount] = CChar(UInt8(ascii: "."))
        replyPrefixCount += 1
    }

    /// Points `id` and `reply` at the message with `sequence`.
    func select(sequence: UInt64) {
        id[idPrefixCount + Self.writeDecimal(sequence, to: id + idPrefixCount)] = 0
        reply[replyPrefixCount + Self.writeDecimal(sequence, to: reply + replyPrefixCount)] = 0
    }

    /// The id of the message with `sequence` as a String (for tests and logs).
    func idText(sequence: UInt64) -> String { "\(runID)-\(sequence)" }

    /// Reads `<attempt>.<sequence>` from a reply subject that starts with `<inbox>.`; nil
    /// when it does not have that shape.
    func parseReply(_ subject: UnsafePointer<CChar>) -> (attempt: UInt64, sequence: UInt64)? {
        // Safe: the subscription is on "<inbox>.>", so every subject starts with the prefix;
        // the scan below stops at the NUL.
        var cursor = subject + inboxPrefixCount
        guard let attempt = Self.readDecimal(&cursor), cursor.pointee == CChar(UInt8(ascii: ".")) else { return nil }
        cursor += 1
        guard let sequence = Self.readDecimal(&cursor), cursor.pointee == 0 else { return nil }
        return (attempt, sequence)
    }

    /// Writes `value` in decimal at `destination` (no NUL); returns the digit count.
    private static func writeDecimal(_ value: UInt64, to destination: UnsafeMutablePointer<CChar>) -> Int {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, reversed digits
        return withUnsafeMutableBytes(of: &digits) { scratch in
            var remaining = value
            var count = 0
            repeat {
                scratch[count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            for index in 0..<count { destination[index] = CChar(bitPattern: scratch[count - 1 - index]) }
            return count
        }
    }

    /// Reads decimal digits at `cursor` and moves it past them; nil when there are none or the
    /// number overflows.
    private static func readDecimal(_ cursor: inout UnsafePointer<CChar>) -> UInt64? {
        var value: UInt64 = 0
        var count = 0
        while true {
            let byte = UInt8(bitPattern: cursor.pointee)
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = scaled + UInt64(byte - UInt8(ascii: "0"))
            cursor += 1
            count += 1
        }
        return count > 0 ? value : nil
    }

    private static func buffer(prefix: String, capacity: Int) -> UnsafeMutablePointer<CChar> {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        var index = 0
        for byte in prefix.utf8 {
            buffer[index] = CChar(bitPattern: byte)
            index += 1
        }
        buffer[index] = 0
        return buffer
    }

    /// From the system's random source (getrandom), like every `random(in:)` in Swift.
    private static func randomRunID() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
