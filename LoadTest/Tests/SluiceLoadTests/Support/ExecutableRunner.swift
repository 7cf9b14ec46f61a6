import Foundation

/// Runs the built `sluice-load` executable (next to the test bundle in the build folder) and
/// collects its exit status and output. Every run is bounded by `timeoutSeconds`.
enum ExecutableRunner {
    struct Outcome {
        /// The exit status; for a process killed by a signal, 128 + the signal, as a shell says.
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// `.build/<triple>/debug/sluice-load`, found from this test process's own path.
    static var executableURL: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // The bundle may be a directory (`….xctest/…`) on some platforms: climb out of it.
        while folder.pathExtension == "xctest" || folder.lastPathComponent == "MacOS" || folder.lastPathComponent == "Contents" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("sluice-load")
    }

    /// A run started in the background; `wait` collects it.
    struct Running {
        let process: ChildProcess

        /// Sends SIGINT, as Ctrl-C would.
        func interrupt() {
            process.send(SIGINT)
        }

        /// Waits for the exit (at most `timeoutSeconds`, then SIGTERM, then SIGKILL) and returns
        /// the outcome. Output that did not reach its end is reported in `standardError`.
        func wait(timeoutSeconds: Double) -> Outcome {
            var ended = process.wait(timeoutSeconds: timeoutSeconds)
            var note = ""
            if ended == nil {
                note = "ExecutableRunner: still running after \(timeoutSeconds) s, terminated\n"
                process.send(SIGTERM)
                ended = process.waitOrKill(timeoutSeconds: 10)
            }
            let status: Int32 = switch ended {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            case nil: -1
            }
            let missing = "(did not reach its end 30 s after the exit)"
            let standardOutput = process.standardOutput.wholeText(timeoutSeconds: 30) ?? missing
            let standardError = process.standardError?.wholeText(timeoutSeconds: 30) ?? missing
            return Outcome(status: status, standardOutput: standardOutput, standardError: note + standardError)
        }
    }

    /// Starts the executable and returns at once.
    /// Starts the executable and returns at once; `environment` is added to this process's.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let merged = environment.isEmpty ? nil : ChildProcess.currentEnvironment.merging(environment) { $1 }
        return Running(process: try ChildProcess(path: executableURL.path, arguments: arguments, environment: merged))
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], timeoutSeconds: Double = 60) throws -> Outcome {
        try start(arguments, environment: environment).wait(timeoutSeconds: timeoutSeconds)
    }
}
