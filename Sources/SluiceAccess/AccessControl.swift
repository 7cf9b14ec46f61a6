import Synchronization

/// Bearer-token access control for `/batch`: who a request's token belongs to, from the
/// tenants of the auth file, replaceable at run time (SIGHUP) without stopping a request.
///
///     let access = AccessControl(file: try AuthFile.load(path: path))
///     switch access.authenticate(authorization: request.header("authorization")) {
///     case .missing, .invalid: ... 401
///     case .tenant(let tag): request.routeTag = tag          // from the head, body unread
///     }
///     let tenant = access.tenant(forTag: tag, authorization: ...)   // later, with the body
///
/// Per request: the presented token is hashed once (SHA-256, on the stack), looked up in the
/// current table and compared in constant time; no lock, no allocation, and nothing written
/// that all tenants share. Only digests are held, also of tokens the file gives in plain form.
/// Tokens never appear in a log line, an error or a description.
package final class AccessControl: Sendable {
    /// What `authenticate` found.
    package enum Authentication: Equatable, Sendable {
        /// No credentials (no or an empty Authorization header).
        case missing
        /// Credentials that are not a known bearer token.
        case invalid
        /// A tenant's token: pass `tag` to `tenant(forTag:authorization:)`. Always >= 0.
        case tenant(tag: Int)
    }

    /// What a reload changed, for the log.
    package struct Change: Sendable, Equatable {
        package var added: [String]
        package var removed: [String]
        package var kept: Int
        package var tokens: Int
    }

    /// The counters `/metrics` renders.
    package struct Statistics: Sendable, Equatable {
        package var missingCredentials: UInt64
        package var invalidCredentials: UInt64
        package var tenants: [TenantStatistics]
    }

    package struct TenantStatistics: Sendable, Equatable {
        package var name: String
        package var itemsAccepted: UInt64
        package var throttled: UInt64
    }

    private let cell: TableCell
    private let generations = Atomic<UInt64>(1)
    // Relaxed counters: independent totals, read only for /metrics; written only on refusals.
    private let missing = Atomic<UInt64>(0)
    private let invalid = Atomic<UInt64>(0)

    package init(file: AuthFile) {
        cell = TableCell(TokenTable(file: file, reusing: nil, generation: 1))
    }

    /// Replaces the tenants with `file`'s. Tenants that stay keep their bucket and counters;
    /// requests already authenticated against the old table finish with it.
    @discardableResult
    package func replace(with file: AuthFile) -> Change {
        var change = Change(added: [], removed: [], kept: 0, tokens: file.entries.count)
        _ = cell.publish { current in
            let before = Set((0..<current.tenantCount).map { current.tenant(at: $0).name })
            let after = file.tenantNames
            change.added = after.filter { !before.contains($0) }
            change.removed = (0..<current.tenantCount).map { current.tenant(at: $0).name }.filter { !Set(after).contains($0) }
            change.kept = after.count - change.added.count
            return TokenTable(file: file, reusing: current, generation: generations.add(1, ordering: .relaxed).newValue)
        }
        return change
    }

    /// Judges the value of a request's Authorization header (nil when absent) and counts a
    /// failure by its reason.
    package func authenticate(authorization: UnsafeRawBufferPointer?) -> Authentication {
        guard let authorization, !authorization.isEmpty else {
            missing.wrappingAdd(1, ordering: .relaxed)
            return .missing
        }
        guard let token = BearerToken.token(inAuthorization: authorization) else {
            invalid.wrappingAdd(1, ordering: .relaxed)
            return .invalid
        }
        let digest = SHA256.hash(token)
        let found: Int? = cell.withCurrent { table in
            table.tenantIndex(for: digest).map { Self.tag(generation: table.generation, index: $0) }
        }
        guard let found else {
            invalid.wrappingAdd(1, ordering: .relaxed)
            return .invalid
        }
        return .tenant(tag: found)
    }

    /// The tenant `authenticate` found for `tag`. When the tenants were replaced in between,
    /// the token is looked up again in the new table: nil (counted as invalid) if it is no
    /// longer there.
    /// `authorization` is evaluated only then.
    package func tenant(forTag tag: Int, authorization: @autoclosure () -> UnsafeRawBufferPointer?) -> Tenant? {
        let cached: Tenant? = cell.withCurrent { table in
            guard tag >= 0, UInt64(tag >> 32) == table.generation & Self.generationMask else { return nil }
            let index = tag & 0xFFFF_FFFF
            return index < table.tenantCount ? table.tenant(at: index) : nil
        }
        if let cached { return cached }
        let found: Tenant? = authorization().flatMap { BearerToken.token(inAuthorization: $0) }.flatMap { token in
            let digest = SHA256.hash(token)
            return cell.withCurrent { table in table.tenantIndex(for: digest).map { table.tenant(at: $0) } }
        }
        if found == nil { invalid.wrappingAdd(1, ordering: .relaxed) }
        return found
    }

    /// The current tenants, by name (tests, tools).
    package var tenantNames: [String] {
        let table = cell.latest
        return (0..<table.tenantCount).map { table.tenant(at: $0).name }
    }

    /// The tenant named `name` in the current table.
    package func tenant(named name: String) -> Tenant? {
        let table = cell.latest
        return (0..<table.tenantCount).lazy.map { table.tenant(at: $0) }.first { $0.name == name }
    }

    /// Failure counts and each current tenant's counters.
    package func statistics() -> Statistics {
        let table = cell.latest
        return Statistics(
            missingCredentials: missing.load(ordering: .relaxed), invalidCredentials: invalid.load(ordering: .relaxed),
            tenants: (0..<table.tenantCount).map { index in
                let tenant = table.tenant(at: index)
                return TenantStatistics(name: tenant.name, itemsAccepted: tenant.itemsAcceptedTotal, throttled: tenant.throttledTotal)
            })
    }

    /// A tag is the table's generation (31 bits, enough to tell a stale lookup from a fresh
    /// one) above the tenant's index (32 bits); it is never negative.
    private static let generationMask: UInt64 = 0x7FFF_FFFF

    private static func tag(generation: UInt64, index: Int) -> Int {
        Int((generation & generationMask) << 32) | index
    }
}
