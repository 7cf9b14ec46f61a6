import SluiceHTTP

/// A driver for `ConnectionMachine` without sockets, clocks or Dispatch: received bytes go into
/// a real `ByteBuffer`, a closure table plays the handler, "sending" moves output into `sent`
/// (up to `sendRoom` bytes, then EAGAIN), and time is `now`, set by the test. Each call feeds an
/// event, performs every action the machine answers exactly as `Connection` does, and returns
/// the actions as short strings (the rows of the tables in `ConnectionMachineTests`).
struct MachineHarness {
    /// How `respond` answers: now, or later (a deferred response, completed with `complete`).
    enum Answer { case now, later }

    var machine: ConnectionMachine
    let input = ByteBuffer(capacity: 64)
    let output = ByteBuffer(capacity: 64)
    var response = HTTPResponse(body: ByteBuffer(capacity: 64))
    var writer = ResponseWriter()
    /// Monotonic time in milliseconds.
    var now: UInt64 = 0
    /// Bytes the fake socket takes before EAGAIN; nil: all of them.
    var sendRoom: Int?
    /// Everything "sent", as text.
    var sent = ""
    /// Whether reading is suspended (as the driver's source would be).
    var readingSuspended = false
    /// The deadline published for the timer, in milliseconds (nil: none).
    var publishedDeadline: UInt64?
    var closed = false
    var lingering = false
    /// Deferred responses cancelled because the connection closed first.
    var cancelledDeferred = 0
    var draining = false

    /// The handler: `screen` sees the head (no body), `respond` the whole request.
    var screen: (HTTPRequest, inout HTTPResponse) -> ScreenDecision = { _, _ in .readBody }
    var respond: (HTTPRequest, inout HTTPResponse) -> Answer = { request, response in
        response.body.write(request.body)
        return .now
    }
    /// The paths `screen` and `respond` were called with, in order.
    var screened: [String] = []
    var responded: [String] = []
    /// Numbers the deferred responses `respond` made.
    var generation: UInt64 = 0
    private var fill: ((inout HTTPResponse) -> Void)?

    init(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) {
        var configuration = HTTPServerConfiguration()
        configure(&configuration)
        machine = ConnectionMachine(configuration: configuration)
    }

    /// The connection was accepted at `now`.
    mutating func start() -> [String] {
        feed(.started(now: nanoseconds(now), shuttingDown: draining))
    }

    /// `text` arrives in one read.
    mutating func receive(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { input.write($0) }
        return feed(.received(bytes: bytes.count, now: nanoseconds(now)))
    }

    /// `text` arrives one byte per read; returns the actions of every read, in order.
    mutating func receiveByteByByte(_ text: String) -> [String] {
        var actions: [String] = []
        for byte in text.utf8 {
            input.write(byte: byte)
            actions += feed(.received(bytes: 1, now: nanoseconds(now)))
        }
        return actions
    }

    /// The socket turned writable again, taking `room` bytes (nil: all).
    mutating func writable(room: Int? = nil) -> [String] {
        sendRoom = room
        return feed(.writable(now: nanoseconds(now)))
    }

    /// Completes the deferred response numbered `generation` with `body`.
    mutating func complete(_ generation: UInt64, body: String, close: Bool = false) -> [String] {
        fill = { response in
            response.body.write(string: body)
            response.closeConnection = close
        }
        defer { fill = nil }
        return feed(.deferredCompleted(generation: generation, now: nanoseconds(now)))
    }

    /// The timer fires at `now`.
    mutating func timerFires() -> [String] {
        feed(.deadlinePassed(now: nanoseconds(now)))
    }

    /// Feeds `event`, performs the actions until the machine waits, and returns them.
    mutating func feed(_ first: ConnectionEvent) -> [String] {
        var trace: [String] = []
        var event = first
        for _ in 0..<1_000 {
            let action = machine.next(after: event, input: input, unsentOutputBytes: output.readableBytes)
            event = .performed
            switch action {
            case .wait:
                return trace
            case .screen(let headLength):
                response.reset()
                let headBytes = input.view(offset: input.readerIndex, count: headLength)
                var tag = -1
                let decision = machine.withRequestHead { head, fields in
                    var request = HTTPRequest(head: head, fields: fields, headBytes: headBytes,
                                              body: UnsafeRawBufferPointer(start: nil, count: 0))
                    screened.append(request.pathString)
                    let decision = screen(request, &response)
                    request.handlerTag = screened.count
                    tag = request.handlerTag
                    return decision
                }
                trace.append("screen \(screened.last ?? "")")
                event = .screened(decision, handlerTag: tag, closeRequested: response.closeConnection, draining: draining)
            case .respond(let headLength, let bodyLength):
                response.reset()
                let start = input.readerIndex
                let headBytes = input.view(offset: start, count: headLength)
                let body = input.view(offset: start + headLength, count: bodyLength)
                let tag = machine.handlerTag
                let answer = machine.withRequestHead { head, fields in
                    let request = HTTPRequest(head: head, fields: fields, headBytes: headBytes, body: body, handlerTag: tag)
                    responded.append(request.pathString)
                    return respond(request, &response)
                }
                trace.append("respond \(bodyLength)B")
                switch answer {
                case .now:
                    event = .responded(deferredGeneration: nil, closeRequested: response.closeConnection, draining: draining)
                case .later:
                    generation += 1
                    event = .responded(deferredGeneration: generation, closeRequested: false, draining: draining)
                }
            case .fillDeferredResponse:
                response.reset()
                fill?(&response)
                trace.append("fill")
                event = .deferredFilled(closeRequested: response.closeConnection, draining: draining)
            case .writeContinue:
                writer.writeContinue(to: output)
                trace.append("write 100")
            case .writeResponse(let outgoing):
                writer.write(&response, method: outgoing.method, version: outgoing.version, closes: outgoing.closes, to: output)
                trace.append("write \(response.status.code)\(outgoing.closes ? " close" : "")")
            case .writeError(let error):
                response.reset()
                response.setError(error.status, error.message)
                writer.write(&response, method: nil, version: .http11, closes: true, to: output)
                trace.append("error \(error.status.code)")
            case .send:
                let count = min(output.readableBytes, sendRoom ?? .max)
                output.withReadableBytes { sent += String(decoding: $0.prefix(count), as: UTF8.self) }
                output.moveReaderIndex(forwardBy: count)
                if let room = sendRoom { sendRoom = room - count }
                if output.readableBytes > 0 {
                    trace.append("send (blocked)")
                    event = .outputBlocked(now: nanoseconds(now))
                } else {
                    output.clear()
                    trace.append("send")
                }
            case .reserveInput(let bytes):
                input.reserveWritable(bytes)
                trace.append("reserve \(bytes)")
            case .suspendReading:
                readingSuspended = true
                trace.append("suspend reading")
            case .resumeReading:
                readingSuspended = false
                trace.append("resume reading")
            case .armDeadline(let kind, let instant):
                publishedDeadline = instant == 0 ? nil : instant / 1_000_000
                trace.append(instant == 0 ? "no deadline" : "deadline \(kind) @\(instant / 1_000_000)ms")
            case .lingerClose:
                lingering = true
                trace.append("linger")
            case .cancelDeferredResponse:
                cancelledDeferred += 1
                trace.append("cancel deferred")
            case .close:
                closed = true
                trace.append("close")
            }
        }
        trace.append("(more than 1000 actions)")
        return trace
    }

    /// The status codes of the responses sent so far, in order (100 included).
    var sentStatuses: [Int] {
        sent.ranges(of: "HTTP/1.1 ").compactMap { Int(sent[$0.upperBound...].prefix(3)) }
    }

    /// How many of the responses sent so far carry `Connection: close`.
    var sentCloses: Int { sent.ranges(of: "Connection: close\r\n").count }

    private func nanoseconds(_ milliseconds: UInt64) -> UInt64 { milliseconds * 1_000_000 }
}
