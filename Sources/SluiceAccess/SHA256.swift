/// SHA-256 (FIPS 180-4), for tenant tokens: the auth file stores the hash of each token and the
/// server hashes the token a request presents, once, then compares digests.
///
///     let digest = SHA256.hash(Array("abc".utf8))
///     digest.hex   // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
///
/// Incremental use: `var hasher = SHA256(); hasher.update(bytes); let digest = hasher.finalize()`.
/// Nothing allocates: the state, the pending block and the message schedule live on the stack,
/// so hashing a 64-byte bearer token (two compression blocks with the padding) costs a few
/// thousand instructions and no heap traffic.
package struct SHA256: Sendable {
    /// The eight working words H0...H7.
    private var words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    /// Bytes of the block not yet compressed (the first `pendingCount` are meaningful).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// Message length so far, in bytes.
    private var length: UInt64 = 0

    static let blockBytes = 64

    package init() {}

    /// The digest of `bytes`.
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of a byte collection (`[UInt8]`, `String.UTF8View`, ...).
    package static func hash(_ bytes: some Collection<UInt8>) -> Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: some Collection<UInt8>) {
        let handled = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) } != nil
        if !handled { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Appends `bytes` to the message.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if pendingCount > 0 {
            let used = pendingCount
            let taken = Swift.min(Self.blockBytes - used, bytes.count)
            withUnsafeMutableBytes(of: &pending) { block in
                // Safe: used + taken <= 64, the block's size, and taken <= bytes.count.
                UnsafeMutableRawBufferPointer(rebasing: block[used..<(used + taken)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
            }
            pendingCount += taken
            offset = taken
            guard pendingCount == Self.blockBytes else { return }
            compressPending()
        }
        while bytes.count - offset >= Self.blockBytes {
            // Safe: at least 64 bytes remain after `offset`.
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Self.blockBytes)]))
            offset += Self.blockBytes
        }
        if offset < bytes.count {
            let rest = bytes.count - offset
            withUnsafeMutableBytes(of: &pending) { block in
                // Safe: rest < 64 and the block is empty here.
                UnsafeMutableRawBufferPointer(rebasing: block[0..<rest])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            pendingCount = rest
        }
    }

    /// Pads the message (FIPS 180-4 §5.1.1: a 1 bit, zeros, the 64-bit big-endian bit length)
    /// and returns the digest.
    package consuming func finalize() -> Digest {
        let bitLength = length &* 8
        let used = pendingCount
        withUnsafeMutableBytes(of: &pending) { block in
            // Safe: pendingCount < 64 always holds between calls.
            block[used] = 0x80
            for index in (used + 1)..<Self.blockBytes { block[index] = 0 }
        }
        if used >= Self.blockBytes - 8 {
            // No room for the length in this block: it goes into one more, all zeros but it.
            compressPending()
            pending = (0, 0, 0, 0, 0, 0, 0, 0)
        }
        pending.7 = bitLength.bigEndian
        compressPending()
        return Digest(words: words)
    }

    private mutating func compressPending() {
        var block = pending
        withUnsafeBytes(of: &block) { compress($0) }
        pendingCount = 0
    }

    /// One application of the compression function (FIPS 180-4 §6.2.2) to a 64-byte block.
    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            for index in 0..<16 {
                // Safe: the block holds 64 bytes, 16 big-endian words.
                schedule[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            }
            for index in 16..<64 {
                let w15 = schedule[index - 15], w2 = schedule[index - 2]
                let s0 = w15.rotatedRight(7) ^ w15.rotatedRight(18) ^ (w15 >> 3)
                let s1 = w2.rotatedRight(17) ^ w2.rotatedRight(19) ^ (w2 >> 10)
                schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = words
            Self.roundConstants.withUnsafeBufferPointer { constants in
                for index in 0..<64 {
                    let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                    let choice = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ choice &+ constants[index] &+ schedule[index]
                    let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ majority
                    h = g; g = f; f = e; e = d &+ t1
                    d = c; c = b; b = a; a = t1 &+ t2
                }
            }
            words = (words.0 &+ a, words.1 &+ b, words.2 &+ c, words.3 &+ d,
                     words.4 &+ e, words.5 &+ f, words.6 &+ g, words.7 &+ h)
        }
    }

    /// K0...K63: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
}
