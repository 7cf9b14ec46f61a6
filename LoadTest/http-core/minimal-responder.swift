// minimal-responder: the floor a Dispatch HTTP server can reach on this machine, for
// LoadTest/http-core/bench.sh. One read source and one serial queue per connection (on the
// global concurrent queue), no parsing beyond finding the end of the head and its
// Content-Length, no validation, no timeouts, a fixed reply. Not a server: a yardstick.
//
//     swiftc -O minimal-responder.swift -o minimal-responder && ./minimal-responder 0
import Dispatch
import Glibc

let replyBody = "{\"accepted\":100,\"rejected\":0,\"errors\":[]}"
let reply = Array(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(replyBody.utf8.count)\r\n\r\n"
    + replyBody).utf8)

/// One connection: its bytes so far, and the requests framed from them.
final class MinimalConnection: @unchecked Sendable {  // confined to `queue`
    static let capacity = 256 * 1024
    let fd: Int32
    let queue = DispatchQueue(label: "minimal.connection", target: .global())
    let input = UnsafeMutablePointer<UInt8>.allocate(capacity: MinimalConnection.capacity)
    var filled = 0
    var output: [UInt8] = []
    var source: DispatchSourceRead?

    init(fd: Int32) {
        self.fd = fd
        output.reserveCapacity(16 * 1024)
    }

    deinit { input.deallocate() }

    func start() {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        self.source = source
        source.setEventHandler { [self] in readable() }  // the source keeps the connection alive
        source.setCancelHandler { [fd] in close(fd) }
        source.resume()
    }

    private func stop() {
        source?.cancel()
        source = nil
    }

    func readable() {
        let received = recv(fd, input + filled, Self.capacity - filled, Int32(MSG_DONTWAIT))
        if received <= 0 {
            if received == 0 || (errno != EAGAIN && errno != EINTR) { stop() }
            return
        }
        filled += received
        var start = 0
        while let (headEnd, bodyLength) = frame(from: start), filled - headEnd >= bodyLength {
            start = headEnd + bodyLength
            output.append(contentsOf: reply)
        }
        if start > 0 {
            (input).update(from: input + start, count: filled - start)
            filled -= start
        }
        if filled == Self.capacity { stop(); return }  // a head or body larger than the buffer
        var sent = 0
        while sent < output.count {
            let n = output.withUnsafeBytes { send(fd, $0.baseAddress! + sent, output.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 {
                if n < 0, errno == EINTR || errno == EAGAIN { continue }
                stop()
                return
            }
            sent += n
        }
        output.removeAll(keepingCapacity: true)
    }

    /// The end of the head starting at `start` and its Content-Length, or nil if incomplete.
    func frame(from start: Int) -> (headEnd: Int, bodyLength: Int)? {
        let name: StaticString = "content-length:"
        var i = start
        var length = 0
        while i + 3 < filled {
            if input[i] == 13, input[i + 1] == 10 {
                if input[i + 2] == 13, input[i + 3] == 10 { return (i + 4, length) }
                // A new line: is it Content-Length? (ASCII case-insensitive, digits only)
                var j = i + 2, k = 0
                while k < name.utf8CodeUnitCount, j < filled, input[j] | 0x20 == name.utf8Start[k] | 0x20 { j += 1; k += 1 }
                if k == name.utf8CodeUnitCount {
                    while j < filled, input[j] == 32 { j += 1 }
                    length = 0
                    while j < filled, input[j] >= 48, input[j] <= 57 { length = length * 10 + Int(input[j] - 48); j += 1 }
                }
            }
            i += 1
        }
        return nil
    }
}

let port = CommandLine.arguments.count > 1 ? UInt16(CommandLine.arguments[1]) ?? 8091 : 8091
signal(SIGPIPE, SIG_IGN)
let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
var one: Int32 = 1
setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
address.sin_addr.s_addr = inet_addr("127.0.0.1")
var length = socklen_t(MemoryLayout<sockaddr_in>.size)
let bound = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
}
_ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
guard bound, listen(listener, 1024) == 0 else { print("minimal-responder: cannot listen"); exit(1) }
print("listening on \(UInt16(bigEndian: address.sin_port))")
fflush(nil)

let acceptQueue = DispatchQueue(label: "minimal.accept")
let acceptSource = DispatchSource.makeReadSource(fileDescriptor: listener, queue: acceptQueue)
acceptSource.setEventHandler {
    while true {
        let client = accept(listener, nil, nil)
        if client < 0 { return }
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        MinimalConnection(fd: client).start()
    }
}
acceptSource.resume()
dispatchMain()
