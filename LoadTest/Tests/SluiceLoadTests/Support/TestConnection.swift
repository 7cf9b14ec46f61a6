import Glibc
import SluiceLoad

/// One keep-alive connection of ``TestHTTPServer``: reads a request head and a
/// Content-Length body, answers, repeats until the peer closes or the server stops.
struct TestConnection {
    let fd: Int32
    let server: TestHTTPServer

    private struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
    }

    func serve() {
        var buffer: [UInt8] = []
        var served = 0
        let limit = server.behavior.closeAfterRequests ?? 1_000_000
        while served < limit, let request = readRequest(&buffer) {
            served += 1
            let isLast = served == limit && server.behavior.closing == .announced
            switch (request.method, request.path) {
            case ("POST", "/batch"):
                var body = request.body
                if request.headers["content-encoding"] == "gzip" {
                    guard let plain = try? Gzip.decompress(body) else {
                        respond(status: "400 Bad Request", body: #"{"error":"bad gzip"}"#)
                        continue
                    }
                    body = plain
                }
                respond(status: "200 OK", body: server.acceptBatch(body), closing: isLast,
                        chunked: server.behavior.chunkedReplies)
            case ("GET", "/metrics") where server.behavior.servesMetrics:
                respond(status: "200 OK", body: server.metricsText(), contentType: "text/plain; version=0.0.4")
            default:
                respond(status: "404 Not Found", body: #"{"error":"not found"}"#)
            }
        }
        if served == limit, server.behavior.closing == .afterNextHead {
            _ = readHead(&buffer) // and close without an answer
        }
    }

    /// Receives until `buffer` holds a whole request head; returns where it ends, or nil when the
    /// connection ended first.
    private func readHead(_ buffer: inout [UInt8]) -> Int? {
        var headEnd = Self.headEnd(in: buffer)
        while headEnd == nil {
            guard buffer.count < 65_536, receive(into: &buffer) else { return nil }
            headEnd = Self.headEnd(in: buffer)
        }
        return headEnd
    }

    /// The next request, or nil when the connection ended.
    private func readRequest(_ buffer: inout [UInt8]) -> Request? {
        guard let headEnd = readHead(&buffer) else { return nil }
        let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).split(separator: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count == 3 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard length <= 64 << 20 else { return nil }
        let bodyStart = headEnd + 4
        while buffer.count < bodyStart + length {
            guard receive(into: &buffer) else { return nil }
        }
        let request = Request(method: String(parts[0]), path: String(parts[1]), headers: headers,
                              body: Array(buffer[bodyStart..<(bodyStart + length)]))
        buffer.removeSubrange(..<(bodyStart + length))
        return request
    }

    /// The offset of the blank line (`\r\n\r\n`) ending the head, if it has arrived.
    private static func headEnd(in buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func receive(into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }

    private func respond(status: String, body: String, contentType: String = "application/json", closing: Bool = false,
                         chunked: Bool = false) {
        var bodyBytes = Array(body.utf8)
        let connection = closing ? "Connection: close\r\n" : ""
        var framing = "Content-Length: \(bodyBytes.count)\r\n"
        if chunked {
            let half = bodyBytes.count / 2
            let chunks = [Array(bodyBytes[..<half]), Array(bodyBytes[half...])].filter { !$0.isEmpty }
            bodyBytes = chunks.flatMap { Array("\(String($0.count, radix: 16))\r\n".utf8) + $0 + Array("\r\n".utf8) }
                + Array("0\r\n\r\n".utf8)
            framing = "Transfer-Encoding: chunked\r\n"
        }
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\n\(framing)\(connection)\r\n"
        var bytes = Array((Array(head.utf8) + bodyBytes))[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            bytes = bytes.dropFirst(count)
        }
    }
}
