import Foundation

/// Runs `promtool check metrics` (the binary named by `$PROMTOOL`) on an exposition.
public enum Promtool {
    /// Whether `$PROMTOOL` is set (tests that need it are enabled on this).
    public static var isAvailable: Bool { ProcessInfo.processInfo.environment["PROMTOOL"] != nil }

    /// promtool's exit status and what it printed, for `exposition`.
    public static func checkMetrics(_ exposition: [UInt8]) throws -> (status: Int32, report: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["PROMTOOL"]!)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(exposition))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, report)
    }
}
