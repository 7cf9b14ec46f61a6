import SluiceHTTP

/// Fuzz target `chunked-decoder`: `ChunkedDecoder` over arbitrary bytes, decoding in place in
/// a `ByteBuffer` as the connection does.
///
/// Input: 4 configuration bytes, then the encoded body. Byte 0 picks the decoded-size cap
/// (4 * b0, or 1 MiB for 255), byte 1 the trailer cap (b1, or 64 KiB for 255), byte 2 the
/// length of the head bytes in front of the body (b2 % 8), byte 3 a split point.
///
/// Invariants:
/// - fed whole, byte by byte, and in two parts (the second run behind a consumed earlier
///   request, so the reader index is not 0), the outcome is the same: the same decoded bytes
///   and the same number of encoded bytes consumed, the same error, or more bytes needed;
/// - the head bytes in front of the body are never touched, and the bytes after the message
///   (a pipelined request) are left in the buffer unchanged;
/// - a complete body is no larger than the cap, and equals a plain reference decoding of the
///   input, which also consumes the same number of bytes;
/// - caps are exact: the same input with the cap set to the decoded size still completes,
///   one byte less fails with `bodyTooLarge`; likewise for the trailer cap (`headTooLarge`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunkedDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard input.count >= 4 else { return 0 }
    let caps = ChunkedCaps(body: input[0] == 255 ? 1 << 20 : 4 * Int(input[0]),
                           trailer: input[1] == 255 ? 1 << 16 : Int(input[1]))
    let head = [UInt8](repeating: 0xEE, count: Int(input[2] % 8))
    let body = Array(input[4...])
    let split = Int(input[3]) * body.count / 255

    let whole = decodeChunked(body, head: head, caps: caps, ends: [body.count])
    let byteByByte = decodeChunked(body, head: head, caps: caps, ends: body.isEmpty ? [0] : Array(1...body.count))
    let twoParts = decodeChunked(body, head: head, caps: caps, ends: [split, body.count], consumedEarlier: 5)
    require(byteByByte == whole, "byte by byte \(byteByByte) != whole \(whole) for \(describe(body)), \(caps)")
    require(twoParts == whole, "split at \(split) \(twoParts) != whole \(whole) for \(describe(body)), \(caps)")

    guard case .complete(let decoded, let consumed) = whole else { return 0 }
    require(decoded.count <= caps.body, "decoded \(decoded.count) bytes over the cap \(caps.body)")
    let decoding = referenceDecoding(body)
    require(decoding != nil, "decoder accepted what the reference cannot decode: \(describe(body))")
    guard let reference = decoding else { return 0 }
    require(reference.body == decoded, "decoded \(describe(decoded)) != reference \(describe(reference.body))")
    require(reference.consumed == consumed, "consumed \(consumed) != reference \(reference.consumed)")

    let exactBody = ChunkedCaps(body: decoded.count, trailer: caps.trailer)
    let atBodyCap = decodeChunked(body, head: head, caps: exactBody, ends: [body.count])
    require(atBodyCap == whole, "with the body cap at the decoded size: \(atBodyCap)")
    if decoded.count > 0 {
        let under = ChunkedCaps(body: decoded.count - 1, trailer: caps.trailer)
        let underBodyCap = decodeChunked(body, head: head, caps: under, ends: [body.count])
        require(underBodyCap == .failed(.bodyTooLarge(limit: under.body)), "with the body cap one under: \(underBodyCap)")
    }
    let exactTrailer = ChunkedCaps(body: caps.body, trailer: reference.trailerBytes)
    let atTrailerCap = decodeChunked(body, head: head, caps: exactTrailer, ends: [body.count])
    require(atTrailerCap == whole, "with the trailer cap at the trailer size \(reference.trailerBytes): \(atTrailerCap)")
    if reference.trailerBytes > 0 {
        let under = ChunkedCaps(body: caps.body, trailer: reference.trailerBytes - 1)
        let underTrailerCap = decodeChunked(body, head: head, caps: under, ends: [body.count])
        require(underTrailerCap == .failed(.headTooLarge(limit: under.trailer)), "with the trailer cap one under: \(underTrailerCap)")
    }
    return 0
}

private struct ChunkedCaps: CustomStringConvertible {
    var body: Int
    var trailer: Int
    var description: String { "caps body \(body), trailer \(trailer)" }
}

/// How one way of feeding the decoder ended.
private enum ChunkedOutcome: Equatable {
    case needMoreBytes
    /// `consumed` counts encoded body bytes, in the input's coordinates.
    case complete(decoded: [UInt8], consumed: Int)
    case failed(HTTPParseError)
}

/// Writes the head, then the body up to each of `ends` in turn into a buffer, decoding after
/// each write, the way a connection does as bytes arrive. `consumedEarlier` bytes of an earlier
/// request sit before the head and are already consumed (the reader index is past them).
private func decodeChunked(
    _ body: [UInt8], head: [UInt8], caps: ChunkedCaps, ends: [Int], consumedEarlier: Int = 0
) -> ChunkedOutcome {
    let buffer = ByteBuffer(capacity: 8)  // small, so the writes grow and compact it
    buffer.write(bytes: [UInt8](repeating: 0xAA, count: consumedEarlier))
    buffer.moveReaderIndex(to: consumedEarlier)
    buffer.write(bytes: head)
    var decoder = ChunkedDecoder(maxBodyBytes: caps.body, maxTrailerBytes: caps.trailer)
    var fed = 0
    var result = ChunkedDecodeResult.needMoreBytes
    for end in ends {
        buffer.write(bytes: Array(body[fed..<end]))
        fed = end
        result = decoder.decode(in: buffer, bodyOffset: head.count)
        if result != .needMoreBytes { break }
    }
    let headNow = Array(buffer.view(offset: buffer.readerIndex, count: head.count))
    require(headNow == head, "the head bytes before the body were changed")
    switch result {
    case .needMoreBytes:
        return .needMoreBytes
    case .failed(let error):
        return .failed(error)
    case .complete(let bodyLength, let messageLength):
        let unconsumed = buffer.readableBytes - messageLength
        require(bodyLength >= 0 && messageLength >= head.count + bodyLength && unconsumed >= 0,
                "complete(bodyLength: \(bodyLength), messageLength: \(messageLength)) with \(buffer.readableBytes) bytes buffered")
        let rest = Array(buffer.view(offset: buffer.readerIndex + messageLength, count: unconsumed))
        require(rest == Array(body[(fed - unconsumed)..<fed]), "the bytes after the message were changed")
        let decoded = Array(buffer.view(offset: buffer.readerIndex + head.count, count: bodyLength))
        return .complete(decoded: decoded, consumed: fed - unconsumed)
    }
}

/// A plain decoding of a chunked body the decoder accepted (RFC 9112 §7.1, without its
/// syntax checks): hex size, skip to CRLF, data, CRLF; after the last chunk, trailer lines up
/// to an empty line. `trailerBytes` counts the trailer lines with their CRLFs.
private func referenceDecoding(_ bytes: [UInt8]) -> (body: [UInt8], consumed: Int, trailerBytes: Int)? {
    func lineEnd(from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D, bytes[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }
    var body: [UInt8] = []
    var index = 0
    while true {
        var size = 0, digits = 0
        while index < bytes.count, let digit = hexDigit(bytes[index]) {
            guard size < 1 << 40 else { return nil }
            size = size * 16 + digit
            digits += 1
            index += 1
        }
        guard digits > 0, let sizeLineEnd = lineEnd(from: index) else { return nil }
        index = sizeLineEnd + 2
        if size == 0 { break }
        guard index + size + 2 <= bytes.count, bytes[index + size] == 0x0D, bytes[index + size + 1] == 0x0A else { return nil }
        body += bytes[index..<(index + size)]
        index += size + 2
    }
    var trailerBytes = 0
    while let end = lineEnd(from: index) {
        let length = end + 2 - index
        index = end + 2
        if length == 2 { return (body, index, trailerBytes) }
        trailerBytes += length
    }
    return nil
}

private func hexDigit(_ byte: UInt8) -> Int? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a")) + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A")) + 10
    default: return nil
    }
}
