import Glibc
import Testing

@testable import SluiceAccess

@Suite struct AuthFileTests {
    static let secret = "s3cret-token-of-acme-0123456789"
    static let secretDigest = SHA256.hash(Array(secret.utf8)).hex

    static func parse(_ text: String) throws(AuthFileError) -> AuthFile { try AuthFile.parse(Array(text.utf8)) }

    @Test func everyForm_Parses_AndOnlyDigestsAreKept() throws {
        let file = try Self.parse("""
            # tenants
            acme      sha256:\(Self.secretDigest)   5000   20000

            globex\tplain-token-0123456789abcdef 100 # a comment
            initech   SHA256-is-not-a-prefix-here==   \r
            acme      another-acme-token-for-rotation 5000 20000
            """)
        #expect(file.entries.map(\.tenant) == ["acme", "globex", "initech", "acme"])
        #expect(file.tenantNames == ["acme", "globex", "initech"])
        #expect(file.entries[0].digest == SHA256.hash(Array(Self.secret.utf8)))
        #expect(!file.entries[0].isPlainToken)
        #expect(file.entries[1].digest == SHA256.hash(Array("plain-token-0123456789abcdef".utf8)))
        #expect(file.entries[1].isPlainToken)
        #expect(file.entries[0].quota == Quota(itemsPerSecond: 5000, burstItems: 20000))
        #expect(file.entries[1].quota == Quota(itemsPerSecond: 100, burstItems: 100), "burst defaults to one second's worth")
        #expect(file.entries[2].quota == nil, "no quota: unlimited")
        #expect(file.entries.map(\.line) == [2, 4, 5, 6])
    }

    static let bad: [(text: String, error: AuthFileError)] = [
        ("Acme \(secret)", .invalid(line: 1, problem: .badTenant)),
        ("\n\(String(repeating: "a", count: 65)) \(secret)", .invalid(line: 2, problem: .badTenant)),
        ("acme.corp \(secret)", .invalid(line: 1, problem: .badTenant)),
        ("acme", .invalid(line: 1, problem: .missingToken)),
        ("acme sha256:abc", .invalid(line: 1, problem: .badDigest)),
        ("acme sha256:\(String(repeating: "z", count: 64))", .invalid(line: 1, problem: .badDigest)),
        ("acme short-token", .invalid(line: 1, problem: .shortToken(minimum: 16))),
        ("acme \(String(repeating: "t", count: 1025))", .invalid(line: 1, problem: .longToken(maximum: 1024))),
        ("acme token-with-a-quote\"-in-it", .invalid(line: 1, problem: .tokenCharacter)),
        ("acme token-with=padding-inside", .invalid(line: 1, problem: .tokenCharacter)),
        ("acme \(secret) 0", .invalid(line: 1, problem: .badRate)),
        ("acme \(secret) -5", .invalid(line: 1, problem: .badRate)),
        ("acme \(secret) 1e3", .invalid(line: 1, problem: .badRate)),
        ("acme \(secret) 1000000001", .invalid(line: 1, problem: .badRate)),
        ("acme \(secret) 10 0", .invalid(line: 1, problem: .badBurst)),
        ("acme \(secret) 10 20 30", .invalid(line: 1, problem: .extraField)),
        ("acme \(secret)\nglobex sha256:\(secretDigest)", .invalid(line: 2, problem: .duplicateToken(firstLine: 1))),
        ("acme \(secret) 10\n\nacme other-token-0123456789 20", .invalid(line: 3, problem: .quotaDiffers(firstLine: 1))),
        ("# nothing\n\n", .noTenants),
    ]

    @Test(arguments: bad.indices)
    func badLine_StopsTheParse_NamingTheLine(_ index: Int) {
        let (text, expected) = Self.bad[index]
        #expect(throws: expected) { try Self.parse(text) }
    }

    @Test func messages_NameLineAndField_NeverTheToken() {
        let texts = ["acme \(Self.secret) zero", "\(Self.secret) acme", "acme \(Self.secret)\nacme \(Self.secret)"]
        for text in texts {
            do {
                _ = try Self.parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.description.hasPrefix("auth file line "))
                #expect(!error.description.contains(Self.secret))
                #expect(!error.description.contains("acme"))
            }
        }
        #expect(AuthFileError.invalid(line: 3, problem: .badRate).description
            == "auth file line 3: ITEMS_PER_SECOND must be an integer in 1...1000000000")
    }

    @Test func load_ReadsAFile_AndReportsAMissingOne() throws {
        let path = "/tmp/sluice-authfile-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        defer { unlink(path) }
        let text = "acme \(Self.secret) 10\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, text.utf8.count) }
        close(fd)
        #expect(try AuthFile.load(path: path).entries.map(\.tenant) == ["acme"])
        #expect(throws: AuthFileError.unreadable(path: path + ".missing", reason: "No such file or directory")) {
            try AuthFile.load(path: path + ".missing")
        }
    }
}

@Suite struct BearerTokenTests {
    static func token(_ value: String) -> String? {
        Array(value.utf8).withUnsafeBytes { BearerToken.token(inAuthorization: $0).map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test func wellFormed_GivesTheToken() {
        #expect(Self.token("Bearer abc.DEF-123_~+/==") == "abc.DEF-123_~+/==")
        #expect(Self.token("bearer   tok") == "tok", "the scheme is case-insensitive; several spaces may follow")
        #expect(Self.token("BEARER tok  ") == "tok")
    }

    @Test(arguments: ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearertok", "Bearer\ttok", "Bearer tok en", "Bearer =abc",
                      "Bearer a=b", "Bearer tök", "Bearer \"tok\"", "Bear tok"])
    func malformed_GivesNil(_ value: String) {
        #expect(Self.token(value) == nil)
    }
}

@Suite struct TokenBucketTests {
    let quota = Quota(itemsPerSecond: 100, burstItems: 200)

    @Test func fullBucket_GrantsTheBurst_ThenThrottlesUntilRefilled() {
        let bucket = TokenBucket()
        let start: Int64 = 5_000_000_000
        #expect(bucket.take(items: 150, quota: quota, nowNanoseconds: start) == .granted)
        #expect(bucket.take(items: 50, quota: quota, nowNanoseconds: start) == .granted)
        // Empty now: 100 items come back in 1 s.
        #expect(bucket.take(items: 100, quota: quota, nowNanoseconds: start) == .throttled(retryAfterNanoseconds: 1_000_000_000))
        #expect(bucket.take(items: 100, quota: quota, nowNanoseconds: start + 400_000_000)
            == .throttled(retryAfterNanoseconds: 600_000_000))
        #expect(bucket.take(items: 100, quota: quota, nowNanoseconds: start + 1_000_000_000) == .granted)
        #expect(bucket.take(items: 1, quota: quota, nowNanoseconds: start + 1_000_000_000) == .throttled(retryAfterNanoseconds: 10_000_000))
    }

    @Test func aBatchOverTheBurst_NeverFits() {
        #expect(TokenBucket().take(items: 201, quota: quota, nowNanoseconds: 1) == .exceedsBurst(burstItems: 200))
    }

    @Test func giveBack_UndoesATake() {
        let bucket = TokenBucket()
        #expect(bucket.take(items: 200, quota: quota, nowNanoseconds: 1_000) == .granted)
        bucket.giveBack(items: 120, quota: quota)
        #expect(bucket.take(items: 120, quota: quota, nowNanoseconds: 1_000) == .granted)
        #expect(bucket.take(items: 1, quota: quota, nowNanoseconds: 1_000) != .granted)
    }

    @Test func idleTime_RefillsOnlyUpToTheBurst() {
        let bucket = TokenBucket()
        #expect(bucket.take(items: 200, quota: quota, nowNanoseconds: 0) == .granted)
        let hourLater: Int64 = 3_600_000_000_000
        #expect(bucket.take(items: 200, quota: quota, nowNanoseconds: hourLater) == .granted)
        #expect(bucket.take(items: 1, quota: quota, nowNanoseconds: hourLater) != .granted)
    }

    @Test func retryAfterSeconds_RoundsUp_AtLeastOne() {
        #expect(QuotaDecision.retryAfterSeconds(nanoseconds: 1) == 1)
        #expect(QuotaDecision.retryAfterSeconds(nanoseconds: 1_000_000_000) == 1)
        #expect(QuotaDecision.retryAfterSeconds(nanoseconds: 1_000_000_001) == 2)
    }

    /// Many threads taking one item at a time from one bucket never get more than the burst
    /// at a fixed time (the compare-and-swap loses no update).
    @Test func concurrentTakes_GrantExactlyTheBurst() async {
        let bucket = TokenBucket()
        let quota = Quota(itemsPerSecond: 1, burstItems: 1000)
        let granted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var count = 0
                    for _ in 0..<500 where bucket.take(items: 1, quota: quota, nowNanoseconds: 42) == .granted { count += 1 }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(granted == 1000)
    }
}
