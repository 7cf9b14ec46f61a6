import Dispatch
import Testing

@testable import SluiceAccess

@Suite struct AccessControlTests {
    static func file(_ text: String) throws -> AuthFile { try AuthFile.parse(Array(text.utf8)) }

    static func authenticate(_ access: AccessControl, _ header: String?) -> AccessControl.Authentication {
        guard let header else { return access.authenticate(authorization: nil) }
        return Array(header.utf8).withUnsafeBytes { access.authenticate(authorization: $0) }
    }

    static func tenant(_ access: AccessControl, _ header: String) -> Tenant? {
        guard case .tenant(let tag) = authenticate(access, header) else { return nil }
        return Array(header.utf8).withUnsafeBytes { access.tenant(forTag: tag, authorization: $0) }
    }

    let acmeToken = "acme-token-0123456789abcdef"
    let globexToken = "globex-token-0123456789abcdef"

    @Test func knownTokens_FindTheirTenant_OthersAreCountedByReason() throws {
        let access = AccessControl(file: try Self.file("""
            acme sha256:\(SHA256.hash(Array(acmeToken.utf8)).hex) 10
            globex \(globexToken)
            """))
        #expect(Self.tenant(access, "Bearer \(acmeToken)")?.name == "acme")
        #expect(Self.tenant(access, "Bearer \(globexToken)")?.name == "globex")
        #expect(Self.authenticate(access, nil) == .missing)
        #expect(Self.authenticate(access, "") == .missing)
        #expect(Self.authenticate(access, "Bearer \(acmeToken)x") == .invalid)
        #expect(Self.authenticate(access, "Basic \(acmeToken)") == .invalid)
        #expect(Self.authenticate(access, "Bearer sha256:\(SHA256.hash(Array(acmeToken.utf8)).hex)") == .invalid,
                "the hash is not a token")
        let statistics = access.statistics()
        #expect(statistics.missingCredentials == 2)
        #expect(statistics.invalidCredentials == 3)
        #expect(statistics.tenants.map(\.name) == ["acme", "globex"])
    }

    @Test func manyTenants_AreAllFound() throws {
        let lines = (0..<500).map { "t\($0) token-number-\($0)-0123456789" }.joined(separator: "\n")
        let access = AccessControl(file: try Self.file(lines))
        for index in stride(from: 0, to: 500, by: 7) {
            #expect(Self.tenant(access, "Bearer token-number-\(index)-0123456789")?.name == "t\(index)")
        }
        #expect(Self.authenticate(access, "Bearer token-number-500-0123456789") == .invalid)
    }

    @Test func replace_RefusesRemovedTokens_AcceptsNewOnes_AndKeepsTenantState() throws {
        let access = AccessControl(file: try Self.file("acme \(acmeToken) 100\nglobex \(globexToken)"))
        let acme = try #require(Self.tenant(access, "Bearer \(acmeToken)"))
        #expect(acme.take(items: 100, nowNanoseconds: 1) == .granted)
        acme.recordAccepted(items: 100)
        guard case .tenant(let staleTag) = Self.authenticate(access, "Bearer \(acmeToken)") else { Issue.record(); return }

        let change = access.replace(with: try Self.file("acme rotated-acme-token-0123456789 100 50\ninitech initech-token-0123456789"))
        #expect(change == AccessControl.Change(added: ["initech"], removed: ["globex"], kept: 1, tokens: 2))
        #expect(Self.authenticate(access, "Bearer \(acmeToken)") == .invalid, "the old token is refused")
        #expect(Self.authenticate(access, "Bearer \(globexToken)") == .invalid)
        let rotated = try #require(Self.tenant(access, "Bearer rotated-acme-token-0123456789"))
        #expect(rotated === acme, "a tenant that stays is the same object")
        #expect(rotated.quota == Quota(itemsPerSecond: 100, burstItems: 50), "with the new quota")
        #expect(rotated.itemsAcceptedTotal == 100)
        #expect(rotated.take(items: 1, nowNanoseconds: 1) != .granted, "the bucket's level carried over")
        #expect(Self.tenant(access, "Bearer initech-token-0123456789")?.name == "initech")
        // A request authenticated before the reload: its token is looked up again, and is gone.
        let lookedUp = Array("Bearer \(acmeToken)".utf8).withUnsafeBytes { access.tenant(forTag: staleTag, authorization: $0) }
        #expect(lookedUp == nil)
        #expect(access.statistics().tenants.map(\.name) == ["acme", "initech"])
    }

    /// Readers on many threads while the table is replaced over and over: every read sees a
    /// whole table (the token of the generation it read is known, or it re-reads).
    @Test func readsDuringReplacement_SeeWholeTables() async throws {
        let access = AccessControl(file: try Self.file("stable \(acmeToken)\nv0 version-token-0-0123456789"))
        let misses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var misses = 0
                    for _ in 0..<3_000 where Self.tenant(access, "Bearer \(acmeToken)")?.name != "stable" { misses += 1 }
                    return misses
                }
            }
            group.addTask {
                for version in 1...200 {
                    access.replace(with: try! Self.file("stable \(acmeToken)\nv\(version) version-token-\(version)-0123456789"))
                }
                return 0
            }
            return await group.reduce(0, +)
        }
        #expect(misses == 0)
        #expect(Self.tenant(access, "Bearer version-token-200-0123456789")?.name == "v200")
    }
}
