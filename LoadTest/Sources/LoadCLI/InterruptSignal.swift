import Glibc
import Synchronization

/// SIGINT during a run: the first Ctrl-C ends the run early (the report is still printed),
/// a second one kills the process as usual.
enum InterruptSignal {
    private static let isRaised = Atomic<Bool>(false)

    /// Installs the handler and unblocks SIGINT. Call it on the main thread before the worker
    /// threads start: they inherit its signal mask.
    static func install() {
        signal(SIGINT) { _ in
            // Only async-signal-safe work here: an atomic store and resetting the disposition.
            InterruptSignal.isRaised.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
        // A process inherits the signal mask of the thread that started it: one started from a
        // Dispatch or Swift concurrency thread (Foundation's Process, a test runner) has SIGINT
        // blocked, and Ctrl-C sent with kill would stay pending for the whole run.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
    }

    /// Whether Ctrl-C was pressed since `install()`.
    static var wasRaised: Bool { isRaised.load(ordering: .relaxed) }
}
