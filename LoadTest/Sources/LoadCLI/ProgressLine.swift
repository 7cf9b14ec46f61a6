import Glibc
import SluiceLoad

/// The live progress line on a terminal, redrawn in place once a second:
/// `  3.0 s   12,345 responses   4,115 req/s   in flight 50   errors 0`.
struct ProgressLine {
    private var lastCompleted = 0
    private var lastSeconds = 0.0

    /// Whether stdout is a terminal.
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    mutating func draw(_ progress: RunProgress) {
        let seconds = progress.elapsedSeconds - lastSeconds
        let rate = seconds > 0 ? Double(progress.completed - lastCompleted) / seconds : 0
        lastCompleted = progress.completed
        lastSeconds = progress.elapsedSeconds
        let line = "  \(NumberFormat.fixed(progress.elapsedSeconds, 1)) s   \(NumberFormat.grouped(progress.completed)) responses   "
            + "\(NumberFormat.grouped(Int(rate.rounded()))) req/s   in flight \(progress.inFlight)   errors \(NumberFormat.grouped(progress.failed))"
        Console.out("\r\u{1B}[K" + line)
    }

    /// Erases the line before the report is printed.
    func clear() {
        Console.out("\r\u{1B}[K")
    }
}
