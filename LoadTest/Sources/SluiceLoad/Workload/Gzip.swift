import CCurl

/// gzip (RFC 1952) through zlib, for `--gzip` bodies and their round-trip check.
public enum Gzip {
    /// Compresses `bytes` into one gzip member at zlib level 6.
    public static func compress(_ bytes: [UInt8]) throws(LoadError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: sluice_gzip_bound(bytes.count))
        var written = 0
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                // Safe: zlib reads `input.count` bytes and writes at most `out.count`.
                sluice_gzip_compress(input.baseAddress, input.count, out.baseAddress, out.count, &written)
            }
        }
        guard code == 0 else { throw .compression(zlibCode: Int(code)) }
        output.removeSubrange(written...)
        return output
    }

    /// Inflates a gzip (or zlib) stream whose decoded size is at most `limit` bytes.
    public static func decompress(_ bytes: [UInt8], limit: Int = 64 << 20) throws(LoadError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: limit)
        var written = 0
        let code = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                // Safe: zlib reads `input.count` bytes and writes at most `out.count`.
                sluice_gzip_decompress(input.baseAddress, input.count, out.baseAddress, out.count, &written)
            }
        }
        guard code == 0 else { throw .compression(zlibCode: Int(code)) }
        output.removeSubrange(written...)
        return output
    }
}
