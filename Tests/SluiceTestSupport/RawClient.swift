import Glibc

/// A blocking loopback TCP client that speaks raw bytes, for driving the server exactly.
public final class RawClient {
    public let fd: Int32
    private var pending: [UInt8] = []

    /// Connects to 127.0.0.1:`port`, with a receive timeout so a test can never hang.
    public init(port: Int, receiveTimeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.system("socket", errno) }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(fd)
            throw ClientError.system("connect", error)
        }
    }

    deinit { Glibc.close(fd) }

    public enum ClientError: Error, CustomStringConvertible {
        case system(String, Int32)
        case closed
        case malformed(String)
        public var description: String {
            switch self {
            case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
            case .closed: "connection closed by the server"
            case .malformed(let what): "malformed response: \(what)"
            }
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw ClientError.system("send", errno)
            }
            offset += sent
        }
    }

    /// Sends one byte at a time (each its own segment, thanks to TCP_NODELAY).
    public func sendByteByByte(_ text: String) throws {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        for byte in text.utf8 { try send([byte]) }
    }

    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with RST instead of FIN (SO_LINGER 0).
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Reads more bytes into `pending`; false on EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                pending.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 { return false }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return false }
            throw ClientError.system("recv", errno)
        }
    }

    /// Reads one response; `forHead` skips the body (HEAD responses declare a length they don't send).
    public func readResponse(forHead: Bool = false) throws -> RawResponse {
        while true {
            if let end = findHeadEnd() {
                let head = String(decoding: pending[0..<end], as: UTF8.self)
                var response = try RawResponse(head: head)
                let bodyLength = forHead || response.status < 200 || response.status == 204 || response.status == 304
                    ? 0 : (Int(response.header("content-length") ?? "0") ?? 0)
                while pending.count < end + 4 + bodyLength {
                    guard try fill() else { throw ClientError.closed }
                }
                response.body = Array(pending[(end + 4)..<(end + 4 + bodyLength)])
                pending.removeFirst(end + 4 + bodyLength)
                return response
            }
            guard try fill() else { throw ClientError.closed }
        }
    }

    /// Waits up to `milliseconds` for the server to send something or close the connection;
    /// false when nothing happened in that time. Bounded: a test paces with it, never hangs.
    public func waitUntilReadable(milliseconds: Int32) -> Bool {
        if !pending.isEmpty { return true }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        return ready > 0
    }

    /// True when the server closed the connection (EOF or reset) with no further bytes.
    public func readsEOF() throws -> Bool {
        if !pending.isEmpty { return false }
        return try !fill()
    }

    private func findHeadEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for index in 0...(pending.count - 4)
        where pending[index] == 13 && pending[index + 1] == 10 && pending[index + 2] == 13 && pending[index + 3] == 10 {
            return index
        }
        return nil
    }
}

/// A parsed response: status, lower-cased header names, body bytes.
public struct RawResponse {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public var body: [UInt8] = []

    public init(head: String) throws {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let code = Int(statusParts[1]) else {
            throw RawClient.ClientError.malformed(String(lines[0]))
        }
        status = code
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: " "))
        }
    }

    public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
    public var closes: Bool { header("connection")?.lowercased() == "close" }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = self
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
