import SluiceSupport
import Synchronization
import Testing

@testable import SluiceCore

/// What each waiter heard, in order; shared with the answer closures.
private final class Answers: Sendable {
    private let heard = Mutex<[String: [DurabilityWaiters.Outcome]]>([:])

    func answer(_ name: String) -> DurabilityWaiters.Answer {
        { outcome in self.heard.withLock { $0[name, default: []].append(outcome) } }
    }

    subscript(name: String) -> [DurabilityWaiters.Outcome] { heard.withLock { $0[name] ?? [] } }
    var count: Int { heard.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}

/// The waiters are driven by explicit calls here (`stored`, `expire(now:)`), never by their
/// timer, so nothing depends on how fast the machine is.
@Suite struct DurabilityWaitersTests {
    @Test func wait_ForASequenceAlreadyStored_OrForNothing_AnswersAtOnce() {
        let waiters = DurabilityWaiters(timeout: .seconds(10))
        let answers = Answers()
        waiters.stored(through: 4)
        waiters.wait(for: 3, answer: answers.answer("old"))
        waiters.wait(for: 4, answer: answers.answer("last"))
        waiters.wait(for: 0, answer: answers.answer("nothing kept"))
        #expect(answers["old"] == [.stored] && answers["last"] == [.stored] && answers["nothing kept"] == [.stored])
        #expect(waiters.statistics == .init(pending: 0, stored: 3, timedOut: 0, storedThrough: 4))
    }

    @Test func stored_AnswersEveryWaiterThroughTheSequence_OnceEach_AndNoLaterOne() {
        let waiters = DurabilityWaiters(timeout: .seconds(10))
        let answers = Answers()
        // Registered out of order, as request threads race between admission and waiting.
        for sequence: UInt64 in [3, 1, 5, 2, 4] { waiters.wait(for: sequence, answer: answers.answer("r\(sequence)")) }
        #expect(answers.count == 0)
        waiters.stored(through: 3)
        #expect((1...3).allSatisfy { answers["r\($0)"] == [.stored] })
        #expect(answers["r4"].isEmpty && answers["r5"].isEmpty)
        waiters.stored(through: 2)  // an older report changes nothing
        waiters.stored(through: 3)
        #expect(answers.count == 3)
        waiters.stored(through: 9)
        #expect(answers["r4"] == [.stored] && answers["r5"] == [.stored])
        #expect(waiters.statistics == .init(pending: 0, stored: 5, timedOut: 0, storedThrough: 9))
        #expect(waiters.waitDurations.snapshot().count == 5)
    }

    @Test func expire_AnswersTimedOutAfterTheTimeout_AndALaterStoreDoesNotAnswerAgain() {
        let waiters = DurabilityWaiters(timeout: .seconds(10))
        let answers = Answers()
        let registeredAt = SystemClock.monotonicNanoseconds()
        waiters.wait(for: 1, answer: answers.answer("slow"))
        waiters.expire(now: registeredAt)  // not yet due
        #expect(answers["slow"].isEmpty)
        waiters.expire(now: SystemClock.monotonicNanoseconds() + 10_000_000_000)
        #expect(answers["slow"] == [.timedOut])
        waiters.stored(through: 1)
        #expect(answers["slow"] == [.timedOut], "answered once")
        #expect(waiters.statistics == .init(pending: 0, stored: 0, timedOut: 1, storedThrough: 1))
    }

    @Test func expire_TakesOnlyTheDueWaiters() {
        let timeout: UInt64 = 10_000_000_000
        let waiters = DurabilityWaiters(timeout: .nanoseconds(Int64(timeout)))
        let answers = Answers()
        waiters.wait(for: 1, answer: answers.answer("first"))
        // The first deadline is at most afterFirst + timeout; the second is strictly later.
        let afterFirst = SystemClock.monotonicNanoseconds()
        while SystemClock.monotonicNanoseconds() <= afterFirst {}
        waiters.wait(for: 2, answer: answers.answer("second"))
        waiters.expire(now: afterFirst + timeout)
        #expect(answers["first"] == [.timedOut])
        #expect(answers["second"].isEmpty)
        #expect(waiters.statistics.pending == 1)
        waiters.stored(through: 2)
        #expect(answers["second"] == [.stored])
    }

    @Test func capDeadlines_ShortensPresentAndFutureWaits_ForShutdown() {
        let waiters = DurabilityWaiters(timeout: .seconds(3600))
        let answers = Answers()
        waiters.wait(for: 1, answer: answers.answer("before"))
        waiters.capDeadlines(within: .zero)
        waiters.wait(for: 2, answer: answers.answer("after"))
        waiters.expire(now: SystemClock.monotonicNanoseconds())
        #expect(answers["before"] == [.timedOut] && answers["after"] == [.timedOut])
        #expect(waiters.statistics.pending == 0)
    }

    @Test func timer_AnswersTimedOutByItself() {
        let waiters = DurabilityWaiters(timeout: .milliseconds(20))
        let answers = Answers()
        waiters.start()
        defer { waiters.stop() }
        waiters.wait(for: 1, answer: answers.answer("waiting"))
        #expect(eventually { answers["waiting"] == [.timedOut] })
    }
}
