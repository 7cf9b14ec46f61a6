import SluiceAccess

/// Fuzz target `access`: what a client or an operator can hand access control, over arbitrary
/// bytes: the Authorization header value (`BearerToken`), the auth file (`AuthFile.parse`) and
/// SHA-256's incremental input.
///
/// Input: 1 configuration byte (a split point for the incremental hash), then the bytes.
///
/// Invariants:
/// - a token `BearerToken.token` finds lies inside the value, after `Bearer` (any case) and at
///   least one space, up to trailing whitespace, and is a valid b64token; a value that is
///   `Bearer ` plus a valid token always yields that token;
/// - `AuthFile.parse` is deterministic; on success every entry's tenant matches
///   `[a-z0-9_-]{1,64}`, quotas are in range, lines increase and lie within the input, and no
///   two entries share a digest; on failure a line error names a line the input has, and the
///   message holds no field of the input that could be a token (16+ b64token bytes);
/// - hashing the bytes whole, split at the chosen point, and one byte at a time agree.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAccess(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard !input.isEmpty else { return 0 }
    let bytes = Array(input[1...])
    let split = Int(input[0]) * bytes.count / 255

    checkBearer(bytes)
    checkAuthFile(bytes)

    let whole = SHA256.hash(bytes)
    var parts = SHA256()
    parts.update(bytes[..<split])
    parts.update(bytes[split...])
    var single = SHA256()
    for byte in bytes { single.update(CollectionOfOne(byte)) }
    require(parts.finalize() == whole, "split at \(split) differs for \(describe(bytes))")
    require(single.finalize() == whole, "byte by byte differs for \(describe(bytes))")
    return 0
}

private func checkBearer(_ value: [UInt8]) {
    let token: [UInt8]? = value.withUnsafeBytes { buffer in
        guard let found = BearerToken.token(inAuthorization: buffer) else { return nil }
        // Safe: both views come from `buffer`.
        let offset = found.baseAddress.map { $0 - buffer.baseAddress! } ?? 0
        require(offset >= 7 && offset + found.count <= buffer.count, "token outside the value for \(describe(value))")
        let before = Array(buffer[..<offset]).drop { $0 == 0x20 || $0 == 0x09 }
        require(before.count >= 7 && String(decoding: before.prefix(6), as: UTF8.self).lowercased() == "bearer"
                && before.dropFirst(6).allSatisfy { $0 == 0x20 }, "no Bearer scheme before the token in \(describe(value))")
        require(buffer[(offset + found.count)...].allSatisfy { $0 == 0x20 || $0 == 0x09 }, "bytes after the token in \(describe(value))")
        return Array(found)
    }
    if let token { require(BearerToken.isValid(token), "invalid token found in \(describe(value))") }
    if BearerToken.isValid(value) {
        let header = Array("Bearer ".utf8) + value
        let found = header.withUnsafeBytes { BearerToken.token(inAuthorization: $0).map { Array($0) } }
        require(found == value, "a valid token was not found behind Bearer: \(describe(value))")
    }
}

private func checkAuthFile(_ text: [UInt8]) {
    let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
    let first = Result { () throws(AuthFileError) in try AuthFile.parse(text) }
    let second = Result { () throws(AuthFileError) in try AuthFile.parse(text) }
    require(first == second, "two parses differ for \(describe(text))")
    switch first {
    case .success(let file):
        var previousLine = 0
        var digests = Set<SHA256.Digest>()
        for entry in file.entries {
            require((1...64).contains(entry.tenant.utf8.count) && entry.tenant.utf8.allSatisfy { byte in
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x5F || byte == 0x2D
            }, "bad tenant accepted in \(describe(text))")
            require(entry.line > previousLine && entry.line <= lines.count, "line numbers out of order in \(describe(text))")
            previousLine = entry.line
            if let quota = entry.quota {
                require((1...AuthFile.maxQuotaItems).contains(quota.itemsPerSecond)
                        && (1...AuthFile.maxQuotaItems).contains(quota.burstItems), "quota out of range in \(describe(text))")
            }
            require(digests.insert(entry.digest).inserted, "duplicate digest accepted in \(describe(text))")
        }
    case .failure(let error):
        if case .invalid(let line, _) = error { require(line >= 1 && line <= lines.count, "line \(line) of \(lines.count) in \(describe(text))") }
        // Every field that could be a token (16+ b64token bytes) must be absent from the message;
        // "ITEMS_PER_SECOND" is the one such word the messages themselves use.
        let message = Array(error.description.utf8)
        for line in lines {
            for field in line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            where field.count >= 16 && BearerToken.isValid(field) && !field.elementsEqual("ITEMS_PER_SECOND".utf8) {
                require(!contains(message, Array(field)), "the message \(error) repeats the field \(describe(field))")
            }
        }
    }
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard haystack.count >= needle.count else { return false }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}
