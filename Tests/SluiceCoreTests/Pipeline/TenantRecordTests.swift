import Synchronization
import Testing

@testable import SluiceCore

/// Sink records with access control on: `"tenant"` last in every record, and the quota asked
/// between parsing and admission, all or nothing.
@Suite struct TenantRecordTests {
    static func slab(tenant: String?, ids: [String], metadata: String? = nil) -> ResultSlab {
        let slab = ResultSlab(limits: .init(initialBytes: 64, initialResults: 1))
        if let tenant {
            Array(tenant.utf8).withUnsafeBytes { slab.begin(receivedAtNanoseconds: 1_795_716_000_123_456_789, tenant: $0) }
        } else {
            slab.begin(receivedAtNanoseconds: 1_795_716_000_123_456_789)
        }
        for id in ids { slab.append(id: id.utf8, data: #"{"x":1}"#.utf8, metadata: metadata?.utf8) }
        return slab
    }

    @Test func record_CarriesTheTenantLast_AndTheFieldsStayInPlace() {
        let slab = Self.slab(tenant: "acme-1_x", ids: [#"a\"b"#, "c"], metadata: #"["m"]"#)
        let text = slab.withRecords { String(decoding: $0, as: UTF8.self) }
        let line = #"","received_at":"2026-11-26T18:00:00.123456Z","data":{"x":1},"metadata":["m"],"tenant":"acme-1_x"}"#
        #expect(text == #"{"id":"a\"b"# + line + "\n" + #"{"id":"c"# + line + "\n")
        var end = 0
        for result in slab {
            #expect(result.recordRange.lowerBound == end)
            end = result.recordRange.upperBound
            #expect(slab.withRecord(of: result) { $0.last } == UInt8(ascii: "\n"))
            #expect(String(decoding: slab.data(of: result), as: UTF8.self) == #"{"x":1}"#)
            #expect(slab.metadata(of: result).map { String(decoding: $0, as: UTF8.self) } == #"["m"]"#)
        }
        #expect(end == slab.byteCount)
        #expect(String(decoding: slab.id(of: slab[0]), as: UTF8.self) == #"a\"b"#)
    }

    @Test func longestTenant_AndGrowth_KeepRecordsIntact() {
        let name = String(repeating: "t", count: ResultSlab.maxTenantBytes)
        let slab = Self.slab(tenant: name, ids: (0..<40).map { "item-\($0)" })
        let lines = slab.withRecords { ndjsonLines(Array($0)) }
        #expect(lines.count == 40)
        for (index, line) in lines.enumerated() {
            #expect(recordID(line) == "item-\(index)")
            #expect(String(decoding: line, as: UTF8.self).hasSuffix(#","tenant":"\#(name)"}"#))
            #expect(JSONChecker.isObject(line))
        }
    }

    @Test func reset_ForgetsTheTenant() {
        let slab = Self.slab(tenant: "acme", ids: ["a"])
        #expect(!slab.isValid)
        slab.reset()
        #expect(slab.isValid)
        slab.begin(receivedAtNanoseconds: 1)
        slab.append(id: "b".utf8, data: "{}".utf8, metadata: String?.none?.utf8)
        #expect(slab.withRecords { !String(decoding: $0, as: UTF8.self).contains("tenant") })
    }
}

/// A sender whose quota answers what the test says and counts what it is asked.
final class ScriptedSender: BatchSender, @unchecked Sendable {
    // Ownership: used by one test at a time, on its own thread.
    let name = Array("acme".utf8)
    var verdict: QuotaVerdict
    private(set) var taken: [Int] = []
    private(set) var returned: [Int] = []

    init(verdict: QuotaVerdict) { self.verdict = verdict }

    var tenantName: UnsafeRawBufferPointer { name.withUnsafeBytes { $0 } }
    func takeQuota(items: Int) -> QuotaVerdict {
        taken.append(items)
        return verdict
    }
    func returnQuota(items: Int) { returned.append(items) }
}

@Suite struct QuotaAdmissionTests {
    enum Kind: CaseIterable { case pooled, naive }

    static func processor(_ kind: Kind, buffer: BatchBuffer, pool: ObjectPool<ResultSlab>) -> any BatchProcessor {
        let parser = BatchParser(maxItems: 1000)
        return switch kind {
        case .pooled: PooledBatchProcessor(parser: parser, pool: pool, buffer: buffer) {}
        case .naive: NaiveBatchProcessor(parser: parser, buffer: buffer) {}
        }
    }

    static let body = Array(#"[{"id":"a","data":{}},{"id":"","data":{}},{"id":"b","data":{}}]"#.utf8)

    static func run(_ kind: Kind, sender: ScriptedSender, bufferItems: Int = 100) -> (SluiceCore.BatchOutcome, BatchBuffer, [RejectedItem]) {
        let buffer = BatchBuffer(configuration: .init(maxItems: bufferItems, maxBytes: 1 << 20, flushThresholdItems: bufferItems))
        let pool = ObjectPool<ResultSlab>(capacity: 4, maxIdleBytes: 1 << 20, prewarm: 0) { ResultSlab() }
        let scratch = BatchScratch()
        let outcome = body.withUnsafeBytes {
            processor(kind, buffer: buffer, pool: pool).process($0, format: .json, receivedAtNanoseconds: 1, sender: sender, scratch: scratch)
        }
        return (outcome, buffer, scratch.rejected)
    }

    @Test(arguments: Kind.allCases)
    func granted_AdmitsTheValidItems_AskingTheQuotaOnceForThem(_ kind: Kind) {
        let sender = ScriptedSender(verdict: .granted)
        let (outcome, buffer, rejected) = Self.run(kind, sender: sender)
        #expect(outcome == .processed(accepted: 2, rejected: 1, sequence: 1))
        #expect(rejected.count == 1)
        #expect(sender.taken == [2], "only valid items count against the quota")
        #expect(buffer.itemCount == 2)
        var slabs: [ResultSlab] = []
        _ = buffer.swapOut(into: &slabs)
        #expect(slabs.first?.withRecords { String(decoding: $0, as: UTF8.self).components(separatedBy: #""tenant":"acme""#).count - 1 } == 2)
    }

    @Test(arguments: Kind.allCases)
    func throttled_KeepsNothing(_ kind: Kind) {
        let sender = ScriptedSender(verdict: .throttled(retryAfterSeconds: 3))
        let (outcome, buffer, rejected) = Self.run(kind, sender: sender)
        #expect(outcome == .throttled(retryAfterSeconds: 3))
        #expect(buffer.itemCount == 0)
        #expect(rejected.isEmpty)
        #expect(sender.returned.isEmpty)
    }

    @Test(arguments: Kind.allCases)
    func overTheBurst_Is413Material(_ kind: Kind) {
        let (outcome, buffer, _) = Self.run(kind, sender: ScriptedSender(verdict: .exceedsBurst(burstItems: 1)))
        #expect(outcome == .exceedsQuota(items: 2, burstItems: 1))
        #expect(buffer.itemCount == 0)
    }

    @Test(arguments: Kind.allCases)
    func aFullBuffer_GivesTheQuotaBack(_ kind: Kind) {
        let sender = ScriptedSender(verdict: .granted)
        let (outcome, _, _) = Self.run(kind, sender: sender, bufferItems: 1)
        #expect(outcome == .batchTooLarge(items: 2, bytes: outcome.tooLargeBytes ?? -1))
        #expect(sender.taken == [2])
        #expect(sender.returned == [2])
    }
}

extension SluiceCore.BatchOutcome {
    fileprivate var tooLargeBytes: Int? {
        if case .batchTooLarge(_, let bytes) = self { return bytes }
        return nil
    }
}
