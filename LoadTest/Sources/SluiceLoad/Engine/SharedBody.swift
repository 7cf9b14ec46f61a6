/// The request body in one heap block that every worker's curl handles point at
/// (CURLOPT_POSTFIELDS does not copy).
///
/// `@unchecked Sendable`: the bytes are written once in `init` and only read afterwards; the
/// block is freed in `deinit`, after the last worker has released it.
final class SharedBody: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(_ source: [UInt8]) {
        // One byte more than needed so that an empty body still has a valid address.
        bytes = .allocate(byteCount: max(source.count, 1), alignment: 16)
        source.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    var count: Int { bytes.count }

    deinit { bytes.deallocate() }
}
