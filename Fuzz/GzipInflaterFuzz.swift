import CZlib
import SluiceCore

/// Fuzz target `gzip-inflater`: `GzipInflater.inflate` with a decoded-size cap.
///
/// Input: byte 0 picks the mode. High bit clear: round trip; the rest of the input (after
/// byte 1) is compressed with zlib at level b0 % 10 and strategy (b0 >> 4) & 3 into one gzip
/// member. High bit set: the rest is inflated as it is, with the cap 8 * b1 (1 MiB for 255).
///
/// Invariants:
/// - round trip: inflating the member gives the input back with the cap at the input's
///   size or above; one byte under fails with `tooLarge`; a member cut short (at a point
///   picked by b1) is `truncated`; a member with a byte after it is `corrupt`;
/// - any bytes: a success never exceeds the cap and equals zlib's own one-shot decoding of
///   one complete member with nothing after it; the inflater fails exactly when that decoding
///   fails or is over the cap, and `tooLarge` only when it is over the cap;
/// - every input is inflated twice by the same inflater (the second time after its
///   `inflateReset`) with the same result.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzipInflater(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard input.count >= 2 else { return 0 }
    let rest = Array(input[2...])
    if input[0] & 0x80 == 0 {
        roundTrip(rest, level: Int32(input[0] % 10), strategy: Int32((input[0] >> 4) & 3), cut: Int(input[1]))
    } else {
        inflateAsIs(rest, limit: input[1] == 255 ? 1 << 20 : 8 * Int(input[1]))
    }
    return 0
}

/// Inflates twice with one inflater; both results must agree.
private func inflate(_ bytes: [UInt8], limit: Int) -> Result<[UInt8], GzipInflater.Failure> {
    let inflater = GzipInflater()
    var results: [Result<[UInt8], GzipInflater.Failure>] = []
    for _ in 0..<2 {
        let result = bytes.withUnsafeBytes { inflater.inflate($0, limit: limit) }
        results.append(result.map { inflater.output })
    }
    require(results[0] == results[1], "the second inflate (after inflateReset) differs: \(results[1]) vs \(results[0])")
    if case .success(let output) = results[0] { require(output.count <= limit, "decoded \(output.count) bytes over the cap \(limit)") }
    return results[0]
}

private func roundTrip(_ original: [UInt8], level: Int32, strategy: Int32, cut: Int) {
    let member = gzipCompress(original, level: level, strategy: strategy)
    let context = "level \(level), strategy \(strategy), \(original.count) bytes"
    require(inflate(member, limit: original.count) == .success(original), "round trip at the exact cap, \(context)")
    require(inflate(member, limit: original.count + 1000) == .success(original), "round trip under a larger cap, \(context)")
    if original.count > 0 {
        let under = inflate(member, limit: original.count - 1)
        require(under == .failure(.tooLarge(limit: original.count - 1)), "one byte under the cap: \(under), \(context)")
    }
    let prefix = Array(member[..<(cut * (member.count - 1) / 255)])
    let truncated = inflate(prefix, limit: original.count + 1000)
    require(truncated == .failure(.truncated), "member cut to \(prefix.count) of \(member.count) bytes: \(truncated), \(context)")
    let followed = inflate(member + [0], limit: original.count + 1000)
    guard case .failure(.corrupt) = followed else { return require(false, "member with a byte after it: \(followed), \(context)") }
}

private func inflateAsIs(_ bytes: [UInt8], limit: Int) {
    let result = inflate(bytes, limit: limit)
    let reference = referenceInflate(bytes, limit: limit)
    let context = "cap \(limit), \(describe(bytes))"
    switch (result, reference) {
    case (.success(let output), .decoded(let decoded)):
        require(output == decoded, "decoded \(output.count) bytes differ from zlib's \(decoded.count), \(context)")
    case (.success(let output), _):
        require(false, "decoded \(output.count) bytes, zlib says \(reference), \(context)")
    case (.failure(let failure), .decoded(let decoded)):
        require(false, "\(failure), but zlib decodes the member (\(decoded.count) bytes), \(context)")
    case (.failure(.tooLarge), let other):
        require(other == .overCap, "tooLarge, but zlib says \(other), \(context)")
    case (.failure, _):
        break
    }
}

/// One gzip member of `bytes` (windowBits 15 + 16: gzip wrapper).
private func gzipCompress(_ bytes: [UInt8], level: Int32, strategy: Int32) -> [UInt8] {
    var stream = z_stream()
    let status = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, strategy, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    require(status == Z_OK, "deflateInit2 failed: \(status)")
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    var input = bytes
    let produced = input.withUnsafeMutableBufferPointer { source in
        output.withUnsafeMutableBufferPointer { target in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            stream.next_out = target.baseAddress
            stream.avail_out = uInt(target.count)
            let finished = deflate(&stream, Z_FINISH)
            require(finished == Z_STREAM_END, "deflate did not finish: \(finished)")
            return target.count - Int(stream.avail_out)
        }
    }
    return Array(output[..<produced])
}

/// What zlib makes of `bytes` decoded in one call into a buffer of `limit + 1` bytes.
private enum ReferenceInflation: Equatable {
    /// Exactly one complete gzip member, nothing after it, within the cap.
    case decoded([UInt8])
    /// More than `limit` bytes come out before the stream ends or breaks.
    case overCap
    /// Corrupt, truncated, or followed by more bytes.
    case failed
}

private func referenceInflate(_ bytes: [UInt8], limit: Int) -> ReferenceInflation {
    guard !bytes.isEmpty else { return .failed }
    var stream = z_stream()
    let status = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    require(status == Z_OK, "inflateInit2 failed: \(status)")
    defer { inflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: limit + 1)
    var input = bytes
    return input.withUnsafeMutableBufferPointer { source in
        output.withUnsafeMutableBufferPointer { target in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            stream.next_out = target.baseAddress
            stream.avail_out = uInt(target.count)
            let finished = CZlib.inflate(&stream, Z_FINISH)
            let produced = target.count - Int(stream.avail_out)
            if produced > limit { return .overCap }
            return finished == Z_STREAM_END && stream.avail_in == 0 ? .decoded(Array(target[..<produced])) : .failed
        }
    }
}
