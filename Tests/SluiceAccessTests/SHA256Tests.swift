import Testing

@testable import SluiceAccess

/// FIPS 180-4 / NIST CAVP example vectors, fed whole and in pieces of every size.
@Suite struct SHA256Tests {
    static let vectors: [(message: String, digest: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        // 448 bits: the padding's length no longer fits the first block.
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        // 896 bits.
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test(arguments: vectors.indices)
    func knownAnswer_Whole(_ index: Int) {
        let (message, digest) = Self.vectors[index]
        #expect(SHA256.hash(Array(message.utf8)).hex == digest)
        #expect(SHA256.hash(message.utf8).hex == digest)
    }

    @Test(arguments: vectors.indices)
    func knownAnswer_InPiecesOfEverySize(_ index: Int) {
        let (message, digest) = Self.vectors[index]
        let bytes = Array(message.utf8)
        for size in 1...max(1, bytes.count) {
            var hasher = SHA256()
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + size)
                hasher.update(bytes[offset..<end])
                offset = end
            }
            #expect(hasher.finalize().hex == digest, "pieces of \(size)")
        }
    }

    @Test func aMillionAs() {
        var hasher = SHA256()
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(thousand) }
        #expect(hasher.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the block and padding boundaries, against the same message hashed one
    /// byte at a time (two code paths through `update`).
    @Test func boundaryLengths_AgreeWithByteByByte() {
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var single = SHA256()
            for byte in bytes { single.update(CollectionOfOne(byte)) }
            #expect(SHA256.hash(bytes) == single.finalize(), "length \(length)")
        }
        // Known: 64 'a's (exactly one block of message).
        #expect(SHA256.hash([UInt8](repeating: 0x61, count: 64)).hex
            == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    @Test func digestHex_RoundTrips_AndRejectsMalformed() throws {
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        let digest = try #require(SHA256.Digest(hex: hex))
        #expect(digest.hex == hex)
        #expect(SHA256.Digest(hex: hex.uppercased()) == digest)
        #expect(SHA256.Digest(hex: String(hex.dropLast())) == nil)
        #expect(SHA256.Digest(hex: String(hex.dropLast()) + "g") == nil)
        #expect(SHA256.Digest(hex: hex + "0") == nil)
        #expect(digest != SHA256.hash(Array("abd".utf8)))
        #expect("\(digest)" == "SHA256.Digest(redacted)", "a digest never prints its bytes")
    }
}
