import Glibc

/// The tenants of `--auth-file`, parsed strictly: one tenant and token per line,
///
///     # TENANT  TOKEN                  [ITEMS_PER_SECOND [BURST_ITEMS]]
///     acme      sha256:9f86d08...(64 hex digits)   5000  20000
///     globex    t0k3n-of-at-least-16-chars
///
/// TENANT matches `[a-z0-9_-]{1,64}`. TOKEN is `sha256:` and the 64 hex digits of the token's
/// SHA-256 (`printf %s "$TOKEN" | sha256sum`), the recommended form, or the token itself:
/// 16 to 1024 characters of RFC 6750's b64token (`A-Z a-z 0-9 - . _ ~ + /`, then `=`s), what a
/// client can send after `Bearer `. Either way only the digest is kept. Without a quota the
/// tenant is unlimited; BURST_ITEMS defaults to ITEMS_PER_SECOND (one second's worth). A tenant
/// may appear on several lines with different tokens (to rotate one), with the same quota.
/// Fields are separated by spaces or tabs; a field starting with `#` starts a comment.
///
/// Failure: the first bad line throws `AuthFileError.invalid(line:problem:)`. Messages name
/// the line and the field, never what the line holds, so a misplaced token cannot reach a log.
package struct AuthFile: Sendable, Equatable {
    /// One line's tenant.
    package struct Entry: Sendable, Equatable {
        package var tenant: String
        package var digest: SHA256.Digest
        /// The line gave the token itself rather than its hash.
        package var isPlainToken: Bool
        /// nil: unlimited.
        package var quota: Quota?
        /// 1-based line number in the file.
        package var line: Int
    }

    /// Entries in file order.
    package var entries: [Entry]

    /// Distinct tenant names, in order of first appearance.
    package var tenantNames: [String] {
        var seen = Set<String>()
        return entries.compactMap { seen.insert($0.tenant).inserted ? $0.tenant : nil }
    }

    /// Largest file read: far more than thousands of tenants need, small enough to hold.
    package static let maxFileBytes = 1 << 20
    package static let maxTenantBytes = 64
    package static let minPlainTokenBytes = 16
    package static let maxPlainTokenBytes = 1024
    /// Largest ITEMS_PER_SECOND and BURST_ITEMS (keeps the bucket's nanosecond arithmetic in range).
    package static let maxQuotaItems = 1_000_000_000

    /// Reads and parses the file at `path`.
    package static func load(path: String) throws(AuthFileError) -> AuthFile {
        var bytes = try read(path: path)
        defer {
            // Plain tokens were in this buffer: overwrite it before it goes back to the heap.
            for index in bytes.indices { bytes[index] = 0 }
        }
        return try parse(bytes)
    }

    /// Parses the contents of an auth file.
    package static func parse(_ text: some Collection<UInt8>) throws(AuthFileError) -> AuthFile {
        var entries: [Entry] = []
        var firstLineOfDigest: [SHA256.Digest: Int] = [:]
        var firstEntryOfTenant: [String: Int] = [:]
        var number = 0
        for line in Array(text).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            let fields = Self.fields(of: line)
            guard !fields.isEmpty else { continue }
            let entry: Entry
            do {
                entry = try Self.entry(fields, line: number)
            } catch {
                throw .invalid(line: number, problem: error)
            }
            if let first = firstLineOfDigest[entry.digest] {
                throw .invalid(line: number, problem: .duplicateToken(firstLine: first))
            }
            if let index = firstEntryOfTenant[entry.tenant], entries[index].quota != entry.quota {
                throw .invalid(line: number, problem: .quotaDiffers(firstLine: entries[index].line))
            }
            firstLineOfDigest[entry.digest] = number
            if firstEntryOfTenant[entry.tenant] == nil { firstEntryOfTenant[entry.tenant] = entries.count }
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw .noTenants }
        return AuthFile(entries: entries)
    }

    /// The whitespace-separated fields of a line, up to a field that starts with `#`.
    private static func fields(of line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var fields: [ArraySlice<UInt8>] = []
        for field in line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
            if field.first == UInt8(ascii: "#") { break }
            fields.append(field)
        }
        return fields
    }

    private static func entry(_ fields: [ArraySlice<UInt8>], line: Int) throws(AuthFileError.Problem) -> Entry {
        guard fields.count <= 4 else { throw .extraField }
        let name = fields[0]
        guard (1...maxTenantBytes).contains(name.count), name.allSatisfy(isTenantByte) else { throw .badTenant }
        guard fields.count >= 2 else { throw .missingToken }
        let (digest, isPlain) = try credential(fields[1])
        var quota: Quota?
        if fields.count >= 3 {
            guard let rate = number(fields[2]) else { throw .badRate }
            var burst = rate
            if fields.count == 4 {
                guard let given = number(fields[3]) else { throw .badBurst }
                burst = given
            }
            quota = Quota(itemsPerSecond: rate, burstItems: burst)
        }
        return Entry(tenant: String(decoding: name, as: UTF8.self), digest: digest, isPlainToken: isPlain, quota: quota, line: line)
    }

    private static let digestPrefix = Array("sha256:".utf8)

    private static func credential(_ field: ArraySlice<UInt8>) throws(AuthFileError.Problem) -> (SHA256.Digest, Bool) {
        if field.starts(with: digestPrefix) {
            let hex = field.dropFirst(digestPrefix.count)
            guard let digest = SHA256.Digest(hex: String(decoding: hex, as: UTF8.self)) else { throw .badDigest }
            return (digest, false)
        }
        guard field.count >= minPlainTokenBytes else { throw .shortToken(minimum: minPlainTokenBytes) }
        guard field.count <= maxPlainTokenBytes else { throw .longToken(maximum: maxPlainTokenBytes) }
        guard BearerToken.isValid(field) else { throw .tokenCharacter }
        return (SHA256.hash(field), true)
    }

    /// A decimal integer in 1...maxQuotaItems.
    private static func number(_ field: ArraySlice<UInt8>) -> Int? {
        guard !field.isEmpty, field.count <= 10 else { return nil }
        var value = 0
        for digit in field {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return (1...maxQuotaItems).contains(value) ? value : nil
    }

    private static func isTenantByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    /// The file's bytes, at most `maxFileBytes`.
    private static func read(path: String) throws(AuthFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        defer { for index in chunk.indices { chunk[index] = 0 } }
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { return bytes }
            guard bytes.count + count <= maxFileBytes else {
                for index in bytes.indices { bytes[index] = 0 }
                throw .tooLarge(path: path, limit: maxFileBytes)
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}

/// A tenant's quota: a token bucket refilled at `itemsPerSecond` that holds `burstItems`.
package struct Quota: Sendable, Equatable {
    package var itemsPerSecond: Int
    package var burstItems: Int

    package init(itemsPerSecond: Int, burstItems: Int) {
        precondition(itemsPerSecond > 0 && burstItems > 0, "Quota needs a positive rate and burst")
        self.itemsPerSecond = itemsPerSecond
        self.burstItems = burstItems
    }
}

/// Why the auth file was refused.
package enum AuthFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case tooLarge(path: String, limit: Int)
    /// A line that does not parse (1-based number).
    case invalid(line: Int, problem: Problem)
    /// No line defines a tenant: every request would be refused.
    case noTenants

    /// What is wrong with a line.
    package enum Problem: Error, Equatable, CustomStringConvertible {
        case badTenant
        case missingToken
        case badDigest
        case shortToken(minimum: Int)
        case longToken(maximum: Int)
        case tokenCharacter
        case badRate
        case badBurst
        case extraField
        case duplicateToken(firstLine: Int)
        case quotaDiffers(firstLine: Int)

        package var description: String {
            switch self {
            case .badTenant: "the tenant must match [a-z0-9_-]{1,64}"
            case .missingToken: "a token must follow the tenant"
            case .badDigest: "a sha256: token must be followed by 64 hex digits"
            case .shortToken(let minimum): "a plain token must be at least \(minimum) characters (or give sha256:<hex>)"
            case .longToken(let maximum): "a plain token must be at most \(maximum) characters"
            case .tokenCharacter: "a plain token may hold only A-Z a-z 0-9 - . _ ~ + / and trailing ="
            case .badRate: "ITEMS_PER_SECOND must be an integer in 1...\(AuthFile.maxQuotaItems)"
            case .badBurst: "BURST_ITEMS must be an integer in 1...\(AuthFile.maxQuotaItems)"
            case .extraField: "too many fields; expected TENANT TOKEN [ITEMS_PER_SECOND [BURST_ITEMS]]"
            case .duplicateToken(let first): "the same token is already on line \(first)"
            case .quotaDiffers(let first): "the tenant is on line \(first) with another quota"
            }
        }
    }

    package var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read auth file \(path): \(reason)"
        case .tooLarge(let path, let limit): "auth file \(path) is larger than \(limit) bytes"
        case .invalid(let line, let problem): "auth file line \(line): \(problem)"
        case .noTenants: "auth file defines no tenant"
        }
    }
}
