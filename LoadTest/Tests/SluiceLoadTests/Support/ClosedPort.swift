import Glibc

/// A port on 127.0.0.1 that this process has bound but does not listen on: connecting to it is
/// refused, and no other socket (another test's server) can take the port while it is held.
final class ClosedPort: Sendable {
    let number: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestServerError.setup("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestServerError.setup("bind", code)
        }
        self.fd = fd
        number = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Gives the port back.
    func close() {
        Glibc.close(fd)
    }
}
