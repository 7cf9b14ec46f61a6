import ArgumentParser
import Glibc
import SluiceLoad

/// The process entry: runs ``LoadCommand`` and turns every failure into one line on stderr,
/// `sluice-load: error: <reason>`, with a non-zero exit (64 for usage errors, 1 otherwise).
/// `--help` prints the full help and exits 0.
public enum CommandLineEntry {
    public static func main(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        do {
            var command = try LoadCommand.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let error as LoadError {
            fail(error.description, code: isUsage(error) ? 64 : 1)
        } catch {
            let code = LoadCommand.exitCode(for: error)
            guard code != .success else { LoadCommand.exit(withError: error) }
            let message = LoadCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            fail(message, code: code.rawValue)
        }
    }

    private static func fail(_ message: String, code: Int32) -> Never {
        Console.error("sluice-load: error: \(message)\n")
        exit(code == 0 ? 1 : code)
    }

    /// Errors in what was typed, as opposed to the environment (network, files).
    private static func isUsage(_ error: LoadError) -> Bool {
        switch error {
        case .invalidURL, .invalidRate, .invalidConnections, .invalidThreads, .fewerConnectionsThanThreads,
             .invalidDuration, .durationOverLimit, .invalidRequestCount, .invalidItemCount, .invalidTimeout, .invalidToken:
            true
        default:
            false
        }
    }
}
