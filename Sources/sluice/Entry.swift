import Glibc

/// Blocks SIGTERM/SIGINT/SIGHUP before any thread exists (so only `SignalWaiter`'s
/// `sigwaitinfo` on the main thread takes them), merges `SLUICE_*` environment variables into
/// the arguments, and runs the command.
@main
enum Entry {
    static func main() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        sigaddset(&blocked, SIGINT)
        // SIGHUP reloads the auth file (and is logged and ignored without one).
        sigaddset(&blocked, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        // Over a file-size limit (RLIMIT_FSIZE) a write must fail with EFBIG, which the sink
        // retries, instead of killing the process with SIGXFSZ and losing the buffer.
        signal(SIGXFSZ, SIG_IGN)
        let arguments = EnvironmentArguments.merge(
            arguments: Array(CommandLine.arguments.dropFirst()),
            options: SluiceCommand.optionNames,
            environment: ProcessEnvironment.current())
        SluiceCommand.main(arguments)
    }
}

/// The process environment, read from `environ` (no Foundation).
enum ProcessEnvironment {
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
