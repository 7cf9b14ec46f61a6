import CNATS
import Glibc
import SluiceTestSupport

/// The test's own NATS connection (the C client, as the sink uses), for looking at and
/// arranging streams: stream info, creation and deletion, a publish with a chosen message id,
/// and every message of a stream read back through an ordered consumer.
final class StreamClient {
    private let connection: OpaquePointer
    private let jetStream: OpaquePointer

    /// One stored message: its `Nats-Msg-Id`, its payload, and the item id inside the payload.
    struct Message {
        let messageID: String
        let payload: String
        /// The `"id"` of the sink record in the payload.
        var itemID: String? {
            guard payload.hasPrefix(#"{"id":""#) else { return nil }
            let rest = payload.dropFirst(7)
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
    }

    struct StreamInfo {
        let messages: UInt64
        let subjects: [String]
        let replicas: Int
        let isFileStorage: Bool
        let duplicateWindowNanoseconds: Int64
    }

    init(urls: [String]) throws {
        var options: OpaquePointer?
        natsOptions_Create(&options)
        defer { natsOptions_Destroy(options) }
        var copies = urls.map { UnsafePointer(strdup($0)) }
        defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        natsOptions_SetServers(options, &copies, Int32(copies.count))
        natsOptions_SetTimeout(options, 5000)
        var connection: OpaquePointer?
        var status = natsConnection_Connect(&connection, options)
        guard status == NATS_OK, let connection else { throw Self.error("connect to \(urls)", status) }
        var jetStreamOptions = jsOptions()
        jsOptions_Init(&jetStreamOptions)
        jetStreamOptions.Wait = 10_000
        var jetStream: OpaquePointer?
        status = natsConnection_JetStream(&jetStream, connection, &jetStreamOptions)
        guard status == NATS_OK, let jetStream else {
            natsConnection_Destroy(connection)
            throw Self.error("JetStream context", status)
        }
        self.connection = connection
        self.jetStream = jetStream
    }

    deinit {
        jsCtx_Destroy(jetStream)
        natsConnection_Destroy(connection)
    }

    /// The stream's configuration and state, or nil when it does not exist.
    func info(stream: String) throws -> StreamInfo? {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(0)
        let status = js_GetStreamInfo(&info, jetStream, stream, nil, &code)
        if status == NATS_NOT_FOUND || code == JSStreamNotFoundErr { return nil }
        guard status == NATS_OK, let info, let config = info.pointee.Config?.pointee else { throw Self.error("stream info \(stream)", status) }
        defer { jsStreamInfo_Destroy(info) }
        return StreamInfo(
            messages: info.pointee.State.Msgs,
            subjects: (0..<Int(config.SubjectsLen)).compactMap { config.Subjects?[$0].map { String(cString: $0) } },
            replicas: Int(config.Replicas), isFileStorage: config.Storage == js_FileStorage,
            duplicateWindowNanoseconds: config.Duplicates)
    }

    /// Creates a stream on `subjects`, in memory or in files, with a message limit (new ones
    /// refused beyond it) when `maxMessages` is set.
    func createStream(_ name: String, subjects: [String], memory: Bool = false, maxMessages: Int64? = nil) throws {
        try withStreamConfig(name, subjects: subjects, memory: memory, maxMessages: maxMessages) { config, code in
            var info: UnsafeMutablePointer<jsStreamInfo>?
            defer { jsStreamInfo_Destroy(info) }
            return js_AddStream(&info, jetStream, &config, nil, &code)
        }
    }

    /// Changes the stream's message limit (nil: none).
    func updateStream(_ name: String, subjects: [String], maxMessages: Int64?) throws {
        try withStreamConfig(name, subjects: subjects, memory: false, maxMessages: maxMessages) { config, code in
            var info: UnsafeMutablePointer<jsStreamInfo>?
            defer { jsStreamInfo_Destroy(info) }
            return js_UpdateStream(&info, jetStream, &config, nil, &code)
        }
    }

    func deleteStream(_ name: String) throws {
        var code = jsErrCode(0)
        let status = js_DeleteStream(jetStream, name, nil, &code)
        guard status == NATS_OK else { throw Self.error("delete stream \(name) (err_code \(code.rawValue))", status) }
    }

    /// Publishes one message with `messageID` and waits for its PubAck; true when the stream
    /// stored it, false when it was a duplicate.
    @discardableResult
    func publish(subject: String, messageID: String, payload: String) throws -> Bool {
        var message: OpaquePointer?
        natsMsg_Create(&message, subject, nil, payload, Int32(payload.utf8.count))
        defer { natsMsg_Destroy(message) }
        natsMsgHeader_Set(message, "Nats-Msg-Id", messageID)
        var ack: UnsafeMutablePointer<jsPubAck>?
        var code = jsErrCode(0)
        let status = js_PublishMsg(&ack, jetStream, message, nil, &code)
        guard status == NATS_OK, let ack else { throw Self.error("publish \(messageID) (err_code \(code.rawValue))", status) }
        defer { jsPubAck_Destroy(ack) }
        return !ack.pointee.Duplicate
    }

    /// Every message of `stream` (on `subject`), in stream order, read through an ordered
    /// consumer; waits up to `seconds` for the consumer and the count the stream reports.
    func messages(stream: String, subject: String, seconds: Double = 60) throws -> [Message] {
        guard let expected = try info(stream: stream)?.messages else { return [] }
        var options = jsSubOptions()
        jsSubOptions_Init(&options)
        options.Ordered = true
        var subscription: OpaquePointer?
        var code = jsErrCode(0)
        let deadline = monotonicSeconds() + seconds
        // Creating the consumer needs the cluster's meta leader: right after a node is lost it
        // may still be being elected, and the request times out. Try again until the deadline.
        var status = NATS_TIMEOUT
        repeat {
            status = stream.withCString { name in
                options.Stream = name
                return js_SubscribeSync(&subscription, jetStream, subject, nil, &options, &code)
            }
        } while status != NATS_OK && monotonicSeconds() < deadline
        guard status == NATS_OK, let subscription else { throw Self.error("ordered consumer on \(stream) (err_code \(code.rawValue))", status) }
        defer { natsSubscription_Destroy(subscription) }
        var messages: [Message] = []
        while UInt64(messages.count) < expected, monotonicSeconds() < deadline {
            var message: OpaquePointer?
            guard natsSubscription_NextMsg(&message, subscription, 1000) == NATS_OK, let message else { continue }
            defer { natsMsg_Destroy(message) }
            var id: UnsafePointer<CChar>?
            let idText = natsMsgHeader_Get(message, "Nats-Msg-Id", &id) == NATS_OK ? id.map { String(cString: $0) } ?? "" : ""
            let data = UnsafeRawBufferPointer(start: natsMsg_GetData(message), count: Int(natsMsg_GetDataLength(message)))
            messages.append(Message(messageID: idText, payload: String(decoding: data, as: UTF8.self)))
        }
        guard UInt64(messages.count) == expected else {
            throw NATSTestError("read \(messages.count) of the \(expected) messages of \(stream) within \(seconds) s")
        }
        return messages
    }

    private func withStreamConfig(
        _ name: String, subjects: [String], memory: Bool, maxMessages: Int64?,
        _ body: (inout jsStreamConfig, inout jsErrCode) -> natsStatus
    ) throws {
        var copies = subjects.map { UnsafePointer(strdup($0)) }
        defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        var code = jsErrCode(0)
        let status = name.withCString { name in
            copies.withUnsafeMutableBufferPointer { subjects in
                var config = jsStreamConfig()
                jsStreamConfig_Init(&config)
                config.Name = name
                config.Subjects = subjects.baseAddress
                config.SubjectsLen = Int32(subjects.count)
                config.Storage = memory ? js_MemoryStorage : js_FileStorage
                if let maxMessages {
                    config.MaxMsgs = maxMessages
                    config.Discard = js_DiscardNew
                }
                return body(&config, &code)
            }
        }
        guard status == NATS_OK else { throw Self.error("stream \(name) (err_code \(code.rawValue))", status) }
    }

    private static func error(_ what: String, _ status: natsStatus) -> NATSTestError {
        var last = NATS_OK
        let detail = nats_GetLastError(&last).map { String(cString: $0) } ?? ""
        return NATSTestError("\(what): \(String(cString: natsStatus_GetText(status)))\(detail.isEmpty ? "" : " - \(detail)")")
    }
}
