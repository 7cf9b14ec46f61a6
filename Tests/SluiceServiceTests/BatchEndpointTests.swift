import Foundation
import SluiceTestSupport
import Testing

/// POST /batch against the real process: every contract status with its exact body, and the
/// items in the sink files afterwards.
@Suite(.serialized) struct BatchEndpointTests {
    static func post(_ body: String, contentType: String? = "application/json", extraHeaders: String = "") -> String {
        let type = contentType.map { "Content-Type: \($0)\r\n" } ?? ""
        return "POST /batch HTTP/1.1\r\nHost: t\r\n\(type)\(extraHeaders)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test func validAndInvalidItems_AreJudgedOneByOne_AndTheValidOnesReachTheSink() throws {
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess(arguments: ["--data-dir", data.path, "--flush-interval", "50ms"])
        let body = #"[{"id":"a","data":{"x":1}},{"id":"b","data":"{\"y\":[2]}","metadata":["m1","m2"]},"#
            + #"{"id":"","data":{}},{"data":{}},{"id":"c","data":[1]},{"id":"d","data":{},"extra":true}]"#
        let response = try sluice.request(Self.post(body))
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"accepted":3,"rejected":3,"errors":["#
            + #"{"index":2,"id":"","error":"id must be 1..256 bytes, got 0"},"#
            + #"{"index":3,"id":null,"error":"missing field \"id\""},"#
            + #"{"index":4,"id":"c","error":"data must be an object or a string holding a JSON object"}]}"#)
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 10) == 0)
        let lines = try SegmentFiles.lines(in: data)
        #expect(lines.count == 3)
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(records.map { $0["id"] as? String } == ["a", "b", "d"])
        #expect((records[1]["data"] as? [String: Any])?["y"] as? [Int] == [2], "string data is written as the object")
        #expect(records[1]["metadata"] as? [String] == ["m1", "m2"])
        #expect((records[0]["received_at"] as? String)?.hasSuffix("Z") == true)
    }

    @Test func everyBodyForm_IsAccepted() throws {
        let sluice = try SluiceProcess(arguments: ["--sink", "discard"])
        let object = try sluice.request(Self.post(#"{"items":[{"id":"a","data":{}}],"other":1}"#))
        #expect(object.bodyText == #"{"accepted":1,"rejected":0,"errors":[]}"#)
        let ndjson = try sluice.request(Self.post("{\"id\":\"a\",\"data\":{}}\n\n{\"id\":\"b\",\"data\":{}}\n", contentType: "application/x-ndjson"))
        #expect(ndjson.bodyText == #"{"accepted":2,"rejected":0,"errors":[]}"#)
        let untyped = try sluice.request(Self.post(#"[{"id":"a","data":{}}]"#, contentType: nil))
        #expect(untyped.status == 200)
        let withCharset = try sluice.request(Self.post(#"[]"#, contentType: "application/json; charset=utf-8"))
        #expect(withCharset.bodyText == #"{"accepted":0,"rejected":0,"errors":[]}"#)
    }

    @Test func gzipBodies_AreDecoded_AndTheDecodedSizeIsCapped() throws {
        let sluice = try SluiceProcess(arguments: ["--sink", "discard", "--max-body", "4KiB"])
        let items = "[" + (0..<10).map { #"{"id":"item-\#($0)","data":{"v":\#($0)}}"# }.joined(separator: ",") + "]"
        let client = try sluice.client()
        let gzipped = try Gzip.compress(Data(items.utf8))
        try client.send(Array("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: \(gzipped.count)\r\n\r\n".utf8) + gzipped)
        #expect(try client.readResponse().bodyText == #"{"accepted":10,"rejected":0,"errors":[]}"#)

        let bomb = try Gzip.compress(Data(repeating: 0x20, count: 100_000))  // 100 KB of spaces, ~100 bytes compressed
        try client.send(Array("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n".utf8) + bomb)
        let tooLarge = try client.readResponse()
        #expect(tooLarge.status == 413)
        #expect(tooLarge.bodyText == #"{"error":"decoded request body exceeds 4096 bytes"}"#)

        let corrupt = [UInt8]([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03])
        try client.send(Array("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(corrupt.count)\r\n\r\n".utf8) + corrupt)
        #expect(try client.readResponse().status == 400)
        #expect(try sluice.healthStatus() == 200)
    }

    static let statusCases: [(request: String, status: Int, body: String)] = [
        (post("[1,]"), 400, #"{"error":"invalid JSON at byte 3: expected a value"}"#),
        (post(""), 400, #"{"error":"request body is empty or blank"}"#),
        (post(#"{"foo":[]}"#), 400, #"{"error":"missing field \"items\""}"#),
        (post("42"), 400, #"{"error":"body must be a JSON array of items or an object with an \"items\" array"}"#),
        (post("[]", contentType: "text/plain"), 415, #"{"error":"Content-Type must be application/json or application/x-ndjson"}"#),
        (post("[]", extraHeaders: "Content-Encoding: br\r\n"), 415, #"{"error":"Content-Encoding must be gzip or identity"}"#),
        ("GET /batch HTTP/1.1\r\nHost: t\r\n\r\n", 405, #"{"error":"method not allowed"}"#),
        ("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n", 404, #"{"error":"not found"}"#),
        (post(String(repeating: " ", count: 2000)), 413, #"{"error":"request body exceeds 1024 bytes"}"#),
    ]

    @Test func contractStatuses_HaveExactBodies() throws {
        let sluice = try SluiceProcess(arguments: ["--sink", "discard", "--max-body", "1KiB"])
        for (request, status, body) in Self.statusCases {
            let response = try sluice.request(request)
            #expect(response.status == status, "\(request.prefix(40))")
            #expect(response.bodyText == body, "\(request.prefix(40))")
            #expect(response.header("content-type") == "application/json")
        }
        let notAllowed = try sluice.request("GET /batch HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(notAllowed.header("allow") == "POST")
        #expect(try sluice.healthStatus() == 200)
    }

    @Test func fullBuffer_Is503WithRetryAfter_AndKeepsNothingOfTheBatch() throws {
        let data = try SegmentFiles.temporaryDirectory()
        // A flush interval far beyond the test keeps the buffer from draining on its own.
        let sluice = try SluiceProcess(arguments: ["--data-dir", data.path, "--buffer-capacity", "5",
                                                   "--flush-max-items", "1000", "--flush-interval", "1h"])
        let three = #"[{"id":"a1","data":{}},{"id":"a2","data":{}},{"id":"a3","data":{}}]"#
        #expect(try sluice.request(Self.post(three)).status == 200)
        let refused = try sluice.request(Self.post(#"[{"id":"b1","data":{}},{"id":"b2","data":{}},{"id":"b3","data":{}}]"#))
        #expect(refused.status == 503)
        #expect(refused.bodyText == #"{"error":"batch buffer is full; retry later"}"#)
        #expect(Int(refused.header("retry-after") ?? "") ?? 0 >= 1)
        let tooBig = try sluice.request(Self.post("[" + (0..<6).map { #"{"id":"c\#($0)","data":{}}"# }.joined(separator: ",") + "]"))
        #expect(tooBig.status == 413)
        #expect(try sluice.request(Self.post(#"[{"id":"a4","data":{}},{"id":"a5","data":{}}]"#)).status == 200)
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 10) == 0)
        #expect(try SegmentFiles.ids(in: data).sorted() == ["a1", "a2", "a3", "a4", "a5"])
    }

    @Test func naiveProcessor_AnswersTheSameContract() throws {
        let data = try SegmentFiles.temporaryDirectory()
        let sluice = try SluiceProcess(arguments: ["--processor", "naive", "--data-dir", data.path])
        let body = #"[{"id":"a","data":{"x":1}},{"id":"b","data":"{\"y\":2}"},{"id":"","data":{}}]"#
        let response = try sluice.request(Self.post(body))
        #expect(response.bodyText == #"{"accepted":2,"rejected":1,"errors":[{"index":2,"id":"","error":"id must be 1..256 bytes, got 0"}]}"#)
        #expect(try sluice.request(Self.post("[1,]")).status == 400)
        sluice.signal(SIGTERM)
        #expect(sluice.waitForExit(seconds: 10) == 0)
        #expect(try SegmentFiles.ids(in: data) == ["a", "b"])
    }
}

/// gzip via zlib's command-line-free path: Foundation has no gzip, so shell out to `gzip`.
enum Gzip {
    static func compress(_ data: Data) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-n"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](result)
    }
}
