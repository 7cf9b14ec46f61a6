import Glibc
import SluiceLoad
import Synchronization

/// A process the tests start (sluice-load, sluice), with posix_spawn instead of Foundation's
/// `Process`, because the suites start processes in parallel from Swift concurrency threads:
///
/// - `Process` on Linux learns of an exit through a socket the child inherits; a sibling started at
///   the same moment can inherit it too, and then the exit is never seen (swift-corelibs-foundation
///   issue #4795): `isRunning` stays true, the child stays a zombie and `waitUntilExit()` never
///   returns. Here the exit is `waitpid`, polled.
/// - The spawning thread blocks most signals (SIGINT and SIGTERM among them) and a child inherits
///   that mask: SIGINT and SIGTERM sent to it would stay pending forever. Here the child starts with
///   no signal blocked and the default action for every signal.
/// - The child keeps only stdin (/dev/null), stdout and stderr: every other descriptor is closed in
///   it, so it cannot hold another test's connection or pipe open.
///
/// stdout and stderr are read to their end on threads of their own; stderr may be merged into stdout.
final class ChildProcess: Sendable {
    /// How the process ended.
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
    }

    let pid: pid_t
    let standardOutput: PipeReader
    /// nil when stderr goes to `standardOutput`.
    let standardError: PipeReader?
    private let termination = Mutex<Termination?>(nil)

    init(path: String, arguments: [String], environment: [String: String]? = nil, mergingStandardError: Bool = false) throws {
        let output = try Self.makePipe()
        let error = mergingStandardError ? nil : try Self.makePipe()
        let nullDevice = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if nullDevice >= 0 { close(nullDevice) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, nullDevice, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, output.write, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, error?.write ?? output.write, STDERR_FILENO)
        Self.closeEverythingElse(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environmentLines = (environment ?? Self.currentEnvironment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in environmentLines { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, path, &actions, &attributes, argv, environmentLines)
        // This process keeps only the read ends.
        close(output.write)
        if let error { close(error.write) }
        guard code == 0 else {
            close(output.read)
            if let error { close(error.read) }
            throw ChildProcessError.spawn(path, code)
        }
        self.pid = pid
        standardOutput = try PipeReader(fd: output.read)
        standardError = try error.map { try PipeReader(fd: $0.read) }
    }

    /// The environment of this process.
    static var currentEnvironment: [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let line = entry.pointee {
            let text = String(cString: line)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// Sends `signal` (unless the process was already reaped).
    func send(_ signal: Int32) {
        guard termination.withLock({ $0 }) == nil else { return }
        kill(pid, signal)
    }

    /// How it ended, if it has (reaps it).
    var hasEnded: Termination? {
        termination.withLock { ended in
            if ended == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    // WIFSIGNALED / WTERMSIG / WEXITSTATUS, which Swift does not import.
                    let signal = status & 0x7f
                    ended = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
                }
            }
            return ended
        }
    }

    var isRunning: Bool { hasEnded == nil }

    /// Waits at most `timeoutSeconds` for the exit.
    func wait(timeoutSeconds: Double) -> Termination? {
        try? Condition.wait(until: "process \(pid) exited", timeoutSeconds: timeoutSeconds) { hasEnded != nil }
        return hasEnded
    }

    /// Waits at most `timeoutSeconds`, then sends SIGKILL and waits for that (bounded too).
    func waitOrKill(timeoutSeconds: Double) -> Termination? {
        if let ended = wait(timeoutSeconds: timeoutSeconds) { return ended }
        send(SIGKILL)
        return wait(timeoutSeconds: 30)
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw ChildProcessError.pipe(errno) }
        // Close-on-exec here; the child gets its own copies through dup2.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// Closes every descriptor from 3 up in the child: glibc's posix_spawn_file_actions_addclosefrom_np
    /// (2.34+, not imported into Swift, so looked up), else one close per descriptor open now.
    private static func closeEverythingElse(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
            return
        }
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd > 2, fd != own { posix_spawn_file_actions_addclose(&actions, fd) }
        }
    }
}

/// Reads a pipe to its end on a thread of its own; the text so far is available at any time.
final class PipeReader: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    private let isAtEnd = Atomic<Bool>(false)

    fileprivate init(fd: Int32) throws {
        let started = try POSIXThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                bytes.withLock { $0.append(contentsOf: chunk[..<count]) }
            }
            close(fd)
            isAtEnd.store(true, ordering: .releasing)
        }
        // Detached: many readers are never asked for their whole text (their owner reads
        // `text` only), and a finished thread nobody joins is a leak. `isAtEnd` (release /
        // acquire) and the `bytes` lock order the reader's writes before `wholeText`'s reads.
        started.detach()
    }

    /// What arrived so far.
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Everything, once the pipe reached its end (waits at most `timeoutSeconds`), or nil.
    func wholeText(timeoutSeconds: Double) -> String? {
        guard (try? Condition.wait(until: "the pipe reached its end", timeoutSeconds: timeoutSeconds) {
            isAtEnd.load(ordering: .acquiring)
        }) != nil else { return nil }
        return text
    }
}

enum ChildProcessError: Error, CustomStringConvertible {
    case pipe(Int32)
    case spawn(String, Int32)

    var description: String {
        switch self {
        case .pipe(let code): "pipe failed: \(String(cString: strerror(code)))"
        case .spawn(let path, let code): "posix_spawn \(path) failed: \(String(cString: strerror(code)))"
        }
    }
}
