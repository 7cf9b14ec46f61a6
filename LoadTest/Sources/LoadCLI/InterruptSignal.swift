import Glibc
import Synchronization

/// SIGINT during a run: the first Ctrl-C ends the run early (the report is still printed),
/// a second one kills the process as usual.
enum InterruptSignal {
    private static let isRaised = Atomic<Bool>(false)

    /// Installs the handler.
    static func install() {
        signal(SIGINT) { _ in
            // Only async-signal-safe work here: an atomic store and resetting the disposition.
            InterruptSignal.isRaised.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
    }

    /// Whether Ctrl-C was pressed since `install()`.
    static var wasRaised: Bool { isRaised.load(ordering: .relaxed) }
}
