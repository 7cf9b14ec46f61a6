import SluiceHTTP
import Testing

private let get = "GET /a HTTP/1.1\r\nHost: t\r\n\r\n"
private func post(_ path: String, _ body: String) -> String {
    "POST \(path) HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
}

/// A screen that answers 415 for /reject, 503 for /busy and 404 for /missing before the body.
private func screenLikeARouter(_ request: HTTPRequest, _ response: inout HTTPResponse) -> ScreenDecision {
    switch request.pathString {
    case "/reject": response.setError(.unsupportedMediaType, "unsupported content type")
    case "/busy":
        response.setError(.serviceUnavailable, "busy")
        response.retryAfterSeconds = 1
    case "/missing": response.setError(.notFound, "not found")
    default: return .readBody
    }
    return .answered
}

/// Answers /later later, everything else at once with the body echoed.
private func respondLaterToLater(_ request: HTTPRequest, _ response: inout HTTPResponse) -> MachineHarness.Answer {
    if request.pathString == "/later" { return .later }
    response.body.write(request.body)
    return .now
}

/// `ConnectionMachine` driven by event tables, without sockets or clocks (`MachineHarness`).
/// Times are milliseconds; the defaults apply: header 10 s, body 30 s at 500 B/s, idle 60 s,
/// linger 2 s.
@Suite struct ConnectionMachineTests {
    private func started(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) -> MachineHarness {
        var harness = MachineHarness(configure)
        harness.screen = screenLikeARouter
        harness.respond = respondLaterToLater
        #expect(harness.start() == ["deadline header @10000ms"])
        return harness
    }

    // MARK: Framing

    @Test func oneRequest_IsScreenedAnsweredAndSent_ThenTheIdleTimeoutApplies() {
        var h = started()
        h.now = 5
        #expect(h.receive(get) == ["screen /a", "respond 0B", "write 200", "send", "deadline idle @60005ms"])
        #expect(h.sentStatuses == [200])
        #expect(h.sentCloses == 0)
    }

    @Test func threePipelinedRequestsInOneRead_AreAnsweredInOrder_InOneSend() {
        var h = started()
        let chunked = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
        #expect(h.receive(post("/echo", "one") + "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n" + chunked) == [
            "screen /echo", "respond 3B", "write 200",
            "screen /missing", "write 404",
            "screen /echo", "respond 3B", "write 200",
            "send", "deadline idle @60000ms",
        ])
        #expect(h.sentStatuses == [200, 404, 200])
        let one = h.sent.firstRange(of: "one"), two = h.sent.firstRange(of: "two")
        #expect(one != nil && two != nil && one!.lowerBound < two!.lowerBound)
        #expect(h.input.readableBytes == 0)
    }

    @Test func requestsSplitByteByByte_AreAnsweredOnTheirLastByte() {
        var h = started()
        let sized = post("/echo", "hello")
        let chunked = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2;x=\"a b\"\r\nhi\r\n1\r\n!\r\n0\r\nT: 1\r\n\r\n"
        let actions = h.receiveByteByByte(sized + chunked)
        // Body deadlines move with every body byte (the minimum rate); the rest is the exchange.
        #expect(actions.filter { !$0.hasPrefix("deadline") && !$0.hasPrefix("reserve") } == [
            "screen /echo", "respond 5B", "write 200", "send",
            "screen /echo", "respond 3B", "write 200", "send",
        ])
        #expect(h.sentStatuses == [200, 200])
        #expect(h.sent.hasSuffix("hi!"))
        // Nothing happens before a request's last byte: its answer comes on exactly that read.
        var fresh = started()
        let bytes = Array(get.utf8)
        for byte in bytes.dropLast() {
            #expect(fresh.receive(String(decoding: [byte], as: UTF8.self)) == [])
        }
        #expect(fresh.receive("\n") == ["screen /a", "respond 0B", "write 200", "send", "deadline idle @60000ms"])
    }

    @Test func aSizedBodyArrivingLater_IsReservedOnce_ThenAnswered() {
        var h = started()
        let body = String(repeating: "x", count: 1000)
        let head = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n"
        let actions = h.receive(head)
        #expect(actions.first == "screen /echo")
        #expect(actions.contains { $0.hasPrefix("reserve ") })
        #expect(actions.last == "deadline body @30000ms")
        h.now = 1000
        #expect(h.receive(String(body.prefix(500))) == ["deadline body @31000ms"])
        #expect(h.receive(String(body.dropFirst(500))) == ["respond 1000B", "write 200", "send", "deadline idle @61000ms"])
    }

    // MARK: Early answers and 100-continue

    @Test(arguments: [("/reject", 415), ("/busy", 503)])
    func earlyAnswer_WithTheBodyAlreadyHere_SkipsIt_AndKeepsTheConnection(path: String, status: Int) {
        var h = started()
        #expect(h.receive(post(path, "body") + get) == [
            "screen \(path)", "write \(status)", "screen /a", "respond 0B", "write 200", "send", "deadline idle @60000ms",
        ])
        #expect(h.sentStatuses == [status, 200])
        #expect(h.responded == ["/a"], "the screened request's body is never handed to respond")
    }

    @Test(arguments: [("/reject", 415), ("/busy", 503)])
    func earlyAnswer_BeforeTheBody_Closes_AndDiscardsTheBody(path: String, status: Int) {
        var h = started()
        let head = "POST \(path) HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\n"
        #expect(h.receive(head) == ["screen \(path)", "write \(status) close", "send", "linger", "deadline linger @2000ms"])
        #expect(h.receive("body" + get) == [], "discarded while lingering")
        #expect(h.feed(.peerClosed) == ["close"])
        #expect(h.sentStatuses == [status])
        #expect(h.responded.isEmpty)
    }

    @Test func earlyAnswer_ToAChunkedBody_Closes() {
        var h = started()
        let head = "POST /busy HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n"
        #expect(h.receive(head) == ["screen /busy", "write 503 close", "send", "linger", "deadline linger @2000ms"])
    }

    @Test func expectContinue_Gets100_OnlyWhenTheBodyWillBeRead_AndNoBodyByteArrived() {
        let expect = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        var h = started()
        #expect(h.receive(expect) == ["screen /echo", "write 100", "send", "deadline body @30000ms"])
        #expect(h.sentStatuses == [100])
        #expect(h.receive("data") == ["respond 4B", "write 200", "send", "deadline idle @60000ms"])
        #expect(h.sentStatuses == [100, 200])

        // The body came with the head: no 100.
        var eager = started()
        #expect(eager.receive(expect + "data") == ["screen /echo", "respond 4B", "write 200", "send", "deadline idle @60000ms"])
        #expect(eager.sentStatuses == [200])

        // Answered before the body: the final status only, then close.
        var rejected = started()
        #expect(rejected.receive(expect.replacing("/echo", with: "/reject")) == [
            "screen /reject", "write 415 close", "send", "linger", "deadline linger @2000ms",
        ])
        #expect(rejected.sentStatuses == [415])
    }

    // MARK: Half-close, reset

    @Test func halfCloseAfterAnAnsweredRequest_Closes() {
        var h = started()
        _ = h.receive(get)
        #expect(h.feed(.peerClosed) == ["close"])
    }

    @Test func halfCloseWhileTheAnswerIsStillQueued_SendsIt_ThenCloses() {
        var h = started()
        h.sendRoom = 10
        #expect(h.receive(get) == ["screen /a", "respond 0B", "write 200", "send (blocked)", "suspend reading",
                                   "deadline writeStall @30000ms"])
        #expect(h.feed(.peerClosed) == [])
        #expect(h.writable() == ["send", "close"])
        #expect(h.sentStatuses == [200])
    }

    @Test func halfCloseInTheMiddleOfARequest_Closes() {
        var h = started()
        #expect(h.receive("GET /a HTTP/1.1\r\nHo") == [])
        #expect(h.feed(.peerClosed) == ["close"])
        var body = started()
        _ = body.receive("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab")
        #expect(body.feed(.peerClosed) == ["close"])
        #expect(body.sent.isEmpty)
    }

    @Test func halfCloseWithAPipelinedRequestLeft_AnswersWhatIsComplete_ThenCloses() {
        var h = started()
        _ = h.receive(get + "GET /b HTT")
        #expect(h.sentStatuses == [200])
        #expect(h.feed(.peerClosed) == ["close"])
    }

    @Test func reset_ClosesAtOnce_InAnyPhase() {
        var h = started()
        _ = h.receive("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab")
        #expect(h.feed(.connectionReset) == ["close"])
        #expect(h.receive("cde") == [], "nothing happens once closed")
        #expect(h.timerFires() == [])
        #expect(h.feed(.shutdownRequested(unreadBytesWaiting: false)) == [])
    }

    // MARK: Shutdown

    @Test func shutdownWhileIdle_Closes() {
        var h = started()
        _ = h.receive(get)
        #expect(h.feed(.shutdownRequested(unreadBytesWaiting: false)) == ["close"])
        var fresh = started()
        #expect(fresh.feed(.shutdownRequested(unreadBytesWaiting: false)) == ["close"])
    }

    @Test func shutdownWhileIdle_WithARequestAlreadyOnTheSocket_ServesItWithClose() {
        var h = started()
        #expect(h.feed(.shutdownRequested(unreadBytesWaiting: true)) == [])
        #expect(h.receive(get) == ["screen /a", "respond 0B", "write 200 close", "send", "linger", "deadline linger @2000ms"])
    }

    @Test func shutdownMidRequest_FinishesIt_WithClose() {
        var h = started()
        _ = h.receive("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab")
        #expect(h.feed(.shutdownRequested(unreadBytesWaiting: false)) == [])
        #expect(h.receive("cde") == ["respond 5B", "write 200 close", "send", "linger", "deadline linger @2000ms"])
        #expect(h.sent.hasSuffix("abcde"))
    }

    @Test func drainNoticedByTheHandlerCall_ClosesAfterThatResponse() {
        var h = started()
        h.draining = true
        #expect(h.receive(get) == ["screen /a", "respond 0B", "write 200 close", "send", "linger", "deadline linger @2000ms"])
    }

    @Test func shutdownWhileAwaitingADeferredResponse_WaitsForIt_WhichCarriesClose() {
        var h = started()
        #expect(h.receive(post("/later", "x")) == ["screen /later", "respond 1B", "no deadline"])
        #expect(h.feed(.shutdownRequested(unreadBytesWaiting: false)) == [])
        #expect(h.complete(1, body: "bye") == ["fill", "write 200 close", "send", "linger", "deadline linger @2000ms"])
        #expect(h.sent.hasSuffix("bye"))
    }

    @Test func forceClose_CancelsAnAwaitedResponse() {
        var h = started()
        _ = h.receive(post("/later", "x"))
        #expect(h.feed(.forceClose) == ["cancel deferred", "close"])
    }

    // MARK: Deadlines

    @Test func silentNewConnection_Gets408AtTheHeaderDeadline_FromAccept() {
        var h = started()
        h.now = 9_999
        #expect(h.timerFires() == [], "a timer reading before the deadline does nothing")
        h.now = 10_000
        #expect(h.timerFires() == ["error 408", "send", "linger", "deadline linger @12000ms"])
        #expect(h.sentStatuses == [408])
        #expect(h.sentCloses == 1)
        h.now = 12_000
        #expect(h.timerFires() == ["close"])
    }

    @Test func slowFirstHead_Gets408_ItsClockStartedAtAccept() {
        var h = started()
        h.now = 4_000
        #expect(h.receive("GET /a HTTP/1.1\r\n") == [])
        h.now = 10_000
        #expect(h.timerFires() == ["error 408", "send", "linger", "deadline linger @12000ms"])
    }

    @Test func laterHeads_AreTimedFromTheirFirstByte_AndIdleConnectionsCloseSilently() {
        var h = started()
        h.now = 1_000
        _ = h.receive(get)
        #expect(h.publishedDeadline == 61_000)
        h.now = 50_000
        #expect(h.receive("GET /a HTTP/1.1\r\n") == ["deadline header @60000ms"])
        h.now = 60_000
        #expect(h.timerFires() == ["error 408", "send", "linger", "deadline linger @62000ms"])

        var idle = started()
        idle.now = 1_000
        _ = idle.receive(get)
        idle.now = 61_000
        #expect(idle.timerFires() == ["close"])
        #expect(idle.sentStatuses == [200], "no 408 for an idle keep-alive connection")
    }

    @Test func slowBody_Gets408AtTheBodyDeadline() {
        var h = started()
        _ = h.receive("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n")
        #expect(h.publishedDeadline == 30_000)
        h.now = 1_000
        // One byte at 500 B/s buys 2 ms.
        #expect(h.receive("x") == ["deadline body @30002ms"])
        h.now = 30_002
        #expect(h.timerFires() == ["error 408", "send", "linger", "deadline linger @32002ms"])
        #expect(h.responded.isEmpty)
    }

    @Test func writeStall_Closes_AndTheStallDoesNotCountAgainstTheNextHead() {
        var h = started()
        h.sendRoom = 10
        h.now = 1_000
        #expect(h.receive(get + "GET /b HTTP/1.1\r\n") == ["screen /a", "respond 0B", "write 200", "send (blocked)",
                                                           "suspend reading", "deadline writeStall @31000ms"])
        // The client reads again after 25 s: the head's clock restarts once the output drained.
        h.now = 26_000
        #expect(h.writable() == ["send", "resume reading", "deadline header @36000ms"])

        var stalled = started()
        stalled.sendRoom = 0
        _ = stalled.receive(get)
        stalled.now = 30_000
        #expect(stalled.timerFires() == ["close"])
    }

    // MARK: Deferred responses

    @Test func deferredResponse_IsSentWhenCompleted_ThenThePipelinedRequestIsHandled() {
        var h = started()
        #expect(h.receive(post("/later", "1") + get) == ["screen /later", "respond 1B", "no deadline"])
        #expect(h.responded == ["/later"], "nothing behind a pending answer is handled")
        #expect(h.sent.isEmpty)
        h.now = 500
        #expect(h.complete(1, body: "one") == ["fill", "write 200", "screen /a", "respond 0B", "write 200", "send",
                                               "deadline idle @60500ms"])
        #expect(h.sentStatuses == [200, 200])
        #expect(h.sent.firstRange(of: "one") != nil)
    }

    @Test func deferredResponse_CompletedAfterTheClientReset_IsCancelled_AndNothingIsSent() {
        var h = started()
        _ = h.receive(post("/later", "x"))
        #expect(h.feed(.connectionReset) == ["cancel deferred", "close"])
        #expect(h.cancelledDeferred == 1)
        #expect(h.complete(1, body: "nobody reads this") == [])
        #expect(h.sent.isEmpty)
    }

    @Test func staleCompletion_IsIgnored() {
        var h = started()
        _ = h.receive(post("/later", "x"))
        #expect(h.complete(7, body: "stale") == [])
        #expect(h.complete(1, body: "fresh") == ["fill", "write 200", "send", "deadline idle @60000ms"])
        #expect(h.complete(1, body: "twice") == [])
        #expect(h.sentStatuses == [200])
    }

    @Test func halfCloseWhileAwaiting_StillGetsTheAnswer_ThenCloses() {
        var h = started()
        _ = h.receive(post("/later", "x"))
        #expect(h.feed(.peerClosed) == ["suspend reading"])
        #expect(h.complete(1, body: "late") == ["fill", "write 200 close", "send", "close"])
    }

    @Test func pipelinedBytesBehindADeferredResponse_AreBoundedByTheReadBuffer() {
        var h = started { $0.readBufferBytes = 64 }
        // Three more requests (87 bytes) behind the pending answer: reading stops beyond 64.
        #expect(h.receive(post("/later", "x") + get + get + get) == [
            "screen /later", "respond 1B", "suspend reading", "no deadline",
        ])
        #expect(h.complete(1, body: "first") == [
            "fill", "write 200",
            "screen /a", "respond 0B", "write 200",
            "screen /a", "respond 0B", "write 200",
            "screen /a", "respond 0B", "write 200",
            "send", "resume reading", "deadline idle @60000ms",
        ])
        #expect(h.sentStatuses == [200, 200, 200, 200])
        // Below the bound, reading goes on.
        var small = started { $0.readBufferBytes = 64 }
        #expect(small.receive(post("/later", "x") + get) == ["screen /later", "respond 1B", "no deadline"])
    }

    // MARK: Malformed input and limits

    @Test(arguments: [
        ("GET /a HTTP/1.1\r\n\r\n", 400),
        ("\u{16}\u{3}\u{1}", 400),
        ("GET /a HTTP/3.0\r\nHost: t\r\n\r\n", 505),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n", 413),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n", 413),
        ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX", 400),
    ])
    func malformedInput_GetsAnErrorStatus_ThenTheConnectionCloses(request: String, status: Int) {
        var h = started { $0.limits.maxBodyBytes = 10 }
        let actions = h.receive(request)
        #expect(actions.filter { $0.hasPrefix("error") || $0 == "send" || $0 == "linger" } == ["error \(status)", "send", "linger"])
        #expect(h.sentStatuses == [status])
        #expect(h.sentCloses == 1)
        #expect(h.sent.contains("{\"error\":\""))
        #expect(h.receive(get) == [], "nothing after a framing error is parsed")
        #expect(h.feed(.peerClosed) == ["close"])
    }

    @Test func malformedRequestAfterAGoodOne_BothAnswersLeaveInOneSend() {
        var h = started()
        #expect(h.receive(get + "GET /a HTTP/1.1\r\nHost : t\r\n\r\n") == [
            "screen /a", "respond 0B", "write 200", "error 400", "send", "linger", "deadline linger @2000ms",
        ])
        #expect(h.sentStatuses == [200, 400])
    }

    @Test func pendingOutputLimit_PausesFramingUntilTheOutputIsSent() {
        var h = started { $0.maxPendingOutputBytes = 100 }
        let body = String(repeating: "b", count: 120)
        #expect(h.receive(post("/echo", body) + post("/echo", body)) == [
            "screen /echo", "respond 120B", "write 200", "send",
            "screen /echo", "respond 120B", "write 200", "send",
            "deadline idle @60000ms",
        ])
        // While the output is blocked, framing stops at the limit and resumes once it drained.
        var blocked = started { $0.maxPendingOutputBytes = 100 }
        blocked.sendRoom = 0
        #expect(blocked.receive(post("/echo", body) + post("/echo", body)) == [
            "screen /echo", "respond 120B", "write 200", "send (blocked)", "suspend reading", "deadline writeStall @30000ms",
        ])
        #expect(blocked.writable() == [
            "send", "screen /echo", "respond 120B", "write 200", "send", "resume reading", "deadline idle @60000ms",
        ])
        #expect(blocked.sentStatuses == [200, 200])
    }
}
