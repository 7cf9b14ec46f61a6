import Foundation

/// Runs the built `sluice-load` executable (next to the test bundle in the build folder) and
/// collects its exit status and output. Every run is bounded by `timeoutSeconds`.
enum ExecutableRunner {
    struct Outcome {
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
        let process: Process
        fileprivate let collected: ReadBack

        /// Waits for the exit (at most `timeoutSeconds`, then terminates it) and returns the outcome.
        func wait(timeoutSeconds: Double) -> Outcome {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            let (standardOutput, standardError) = collected.finish()
            return Outcome(status: process.terminationStatus, standardOutput: standardOutput, standardError: standardError)
        }
    }

    /// Starts the executable and returns at once.
    static func start(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = executableURL
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a full pipe cannot block the child.
        return Running(process: process, collected: ReadBack(output: output, error: error))
    }

    static func run(_ arguments: [String], timeoutSeconds: Double = 60) throws -> Outcome {
        try start(arguments).wait(timeoutSeconds: timeoutSeconds)
    }
}

/// Drains a process's stdout and stderr on background threads.
private final class ReadBack: @unchecked Sendable {
    // @unchecked: each buffer is written by one reader thread, and read only after `group` is done.
    private var output = Data()
    private var error = Data()
    private let group = DispatchGroup()

    init(output: Pipe, error: Pipe) {
        group.enter()
        DispatchQueue.global().async { [self] in
            self.output = output.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async { [self] in
            self.error = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }

    func finish() -> (String, String) {
        _ = group.wait(timeout: .now() + 30)
        return (String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }
}
