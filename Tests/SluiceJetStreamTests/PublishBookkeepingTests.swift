import SluiceCore
import Testing

@testable import SluiceJetStream

/// The sink's bookkeeping without a server: PubAck replies, ids and reply subjects, the held
/// batch's sequence numbers, and which acks count.
struct PublishBookkeepingTests {
    static func reply(_ text: String) -> PubAckReply {
        Array(text.utf8).withUnsafeBytes { PubAckReply($0) }
    }

    @Test(arguments: [
        (#"{"stream":"SLUICE", "seq":42}"#, PubAckReply.stored(isDuplicate: false)),
        (#"{"stream":"SLUICE","seq":42}"#, .stored(isDuplicate: false)),
        (#"{"stream":"SLUICE", "seq":42,"duplicate": true}"#, .stored(isDuplicate: true)),
        (#"{"stream":"SLUICE","seq":42,"duplicate":true}"#, .stored(isDuplicate: true)),
        (#"{"stream":"SLUICE","seq":42,"duplicate": false}"#, .stored(isDuplicate: false)),
        (#"{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"},"stream":"SLUICE","seq":0}"#,
         .refused(errorCode: 10077, description: "maximum messages exceeded")),
        (#"{"error":{"code":404,"err_code": 10059,"description":"stream \"X\" not found"}}"#,
         .refused(errorCode: 10059, description: #"stream \"X\" not found"#)),
        ("+OK", .refused(errorCode: nil, description: "unexpected reply: +OK")),
        ("", .refused(errorCode: nil, description: "unexpected reply: ")),
    ])
    func pubAckReplies_AreReadWithoutAParser(text: String, expected: PubAckReply) {
        #expect(Self.reply(text) == expected)
    }

    @Test func messageNames_AreWrittenInPlace_AndRepliesParseBack() {
        var names = MessageNames(subject: "sluice.items", inbox: "_INBOX.abc")
        names.begin(attempt: 7)
        names.select(sequence: 1042)
        #expect(String(cString: names.id) == "\(names.runID)-1042")
        #expect(String(cString: names.reply) == "_INBOX.abc.7.1042")
        names.select(sequence: 9)  // shorter: the NUL moves back
        #expect(String(cString: names.id) == "\(names.runID)-9")
        #expect(String(cString: names.reply) == "_INBOX.abc.7.9")
        names.begin(attempt: 18_446_744_073_709_551_615)
        names.select(sequence: 18_446_744_073_709_551_615)
        #expect(String(cString: names.reply) == "_INBOX.abc.18446744073709551615.18446744073709551615")
        #expect(String(cString: names.subject) == "sluice.items")
        #expect(String(cString: names.headerName) == "Nats-Msg-Id")
        #expect(names.parseReply("_INBOX.abc.7.1042") ?? (0, 0) == (7, 1042))
        for malformed in ["_INBOX.abc.7", "_INBOX.abc.7.", "_INBOX.abc..5", "_INBOX.abc.7.5x", "_INBOX.abc.x.5", "_INBOX.abc.7.99999999999999999999"] {
            #expect(names.parseReply(malformed) == nil, "\(malformed)")
        }
    }

    @Test func sequencer_NumbersItemsInOrder_AndGivesTheHeldBatchItsNumbersAgain() {
        func slab(_ count: Int) -> ResultSlab {
            let slab = ResultSlab()
            slab.begin(receivedAtNanoseconds: 1)
            for index in 0..<count { slab.append(id: Array("i\(index)".utf8), data: Array("{}".utf8), metadata: nil as [UInt8]?) }
            return slab
        }
        var sequencer = BatchSequencer()
        let first = [slab(2), slab(3)]
        #expect(sequencer.assign(first) == (1, false))
        sequencer.release()
        let second = [slab(4)]
        #expect(sequencer.assign(second) == (6, false))
        sequencer.hold(second, base: 6)
        #expect(sequencer.assign(second) == (6, true), "the retry of the held batch keeps its numbers")
        #expect(sequencer.assign(second) == (6, true))
        // The same slab in a later life (reset by the pool) is another batch.
        second[0].reset()
        second[0].begin(receivedAtNanoseconds: 2)
        second[0].append(id: Array("new".utf8), data: Array("{}".utf8), metadata: nil as [UInt8]?)
        #expect(sequencer.assign(second) == (10, false))
        // A batch that is not the held one gets fresh numbers and drops the held one.
        sequencer.hold(first, base: 1)
        #expect(sequencer.assign([first[0]]) == (11, false))
        #expect(sequencer.assign(first) == (13, false))
    }

    @Test func tracker_CountsEachMessageOnce_AcrossAttempts() {
        var tracker = AckTracker()
        tracker.begin(base: 101, count: 3, keepingAcks: false)
        tracker.beginAttempt(1)
        for index in 0..<3 { tracker.published(index: index, atNanoseconds: 1_000) }
        #expect(tracker.take(attempt: 1, sequence: 101, reply: .stored(isDuplicate: false), atNanoseconds: 4_000)
            == .acknowledged(latencyNanoseconds: 3_000, isDuplicate: false))
        #expect(tracker.take(attempt: 1, sequence: 102, reply: .refused(errorCode: 10077, description: "full"), atNanoseconds: 4_000) == .refused)
        #expect(tracker.take(attempt: 1, sequence: 99, reply: .stored(isDuplicate: false), atNanoseconds: 4_000) == .ignored,
                "an ack of another batch")
        #expect(tracker.outstanding == 1)
        #expect(tracker.failures == 1)
        #expect(tracker.firstFailure == "the server refused a message: full (err_code 10077)")
        #expect(!tracker.isComplete)

        // The retry keeps the first ack; a late ack of attempt 1 still proves its message stored.
        tracker.begin(base: 101, count: 3, keepingAcks: true)
        tracker.beginAttempt(2)
        #expect(tracker.acknowledgedCount == 1)
        #expect(tracker.isAcknowledged(0) && !tracker.isAcknowledged(1))
        tracker.published(index: 1, atNanoseconds: 5_000)
        #expect(tracker.take(attempt: 1, sequence: 103, reply: .stored(isDuplicate: false), atNanoseconds: 6_000) == .late(isDuplicate: false))
        #expect(tracker.outstanding == 1, "a reply of an earlier attempt settles nothing of this one")
        #expect(tracker.take(attempt: 2, sequence: 102, reply: .stored(isDuplicate: true), atNanoseconds: 7_000)
            == .acknowledged(latencyNanoseconds: 2_000, isDuplicate: true))
        #expect(tracker.take(attempt: 2, sequence: 102, reply: .stored(isDuplicate: true), atNanoseconds: 7_000) == .late(isDuplicate: true))
        #expect(tracker.isComplete)
        #expect(tracker.outstanding == 0)
        #expect(tracker.failures == 0)

        // Another batch starts from nothing.
        tracker.begin(base: 104, count: 2, keepingAcks: true)
        tracker.beginAttempt(3)
        #expect(tracker.acknowledgedCount == 0)
        tracker.published(index: 0, atNanoseconds: 0)
        tracker.takeNoResponders(subject: "sluice.items")
        #expect(tracker.isStreamMissing)
        #expect(tracker.outstanding == 0)
        #expect(tracker.firstFailure?.hasPrefix("no responders") == true)
    }

    @Test(arguments: [
        ("sluice.items", true), ("a", true), ("a.b.c", true), ("", false), ("a..b", false), (".a", false), ("a.", false),
        ("a.*", false), ("a.>", false), ("a b", false), ("a\tb", false),
    ])
    func publishSubjects(subject: String, isValid: Bool) {
        #expect(JetStreamConfiguration.isPublishSubject(subject) == isValid)
    }

    @Test func configurationProblems_AreNamed() {
        #expect(JetStreamConfiguration().problem == nil)
        #expect(JetStreamConfiguration(urls: []).problem != nil)
        #expect(JetStreamConfiguration(stream: "a.b").problem != nil)
        #expect(JetStreamConfiguration(replicas: 6).problem != nil)
        #expect(JetStreamConfiguration(replicas: 0).problem != nil)
        #expect(JetStreamConfiguration(maxPendingAcks: 0).problem != nil)
        #expect(JetStreamConfiguration(ackTimeout: .zero).problem != nil)
    }
}
