import Dispatch
import Glibc

/// Takes the signals sluice handles (SIGTERM, SIGINT, SIGHUP) on the main thread with `sigwaitinfo`, forever, and hands each to
/// a serial queue. `Entry` blocks them before any thread exists, so no thread ever runs their
/// default action.
///
/// Why not `DispatchSource.makeSignalSource` and `dispatchMain()`: on Linux `dispatchMain()`
/// parks the main thread in `sigsuspend` with an empty mask, which unblocks every signal on that
/// thread, and libdispatch registers a signal source asynchronously. A SIGTERM that arrives in
/// between takes its default action and kills the process without a drain. Measured: 19 of 100
/// starts that got SIGTERM the moment the "listening" line appeared were killed by it, none with
/// this waiter (`ProcessTests.sigtermTheMomentItListens_StillShutsDownCleanly`). `sigwaitinfo`
/// leaves the signals blocked everywhere and takes them one at a time, pending ones included.
enum SignalWaiter {
    /// Never returns; `handle` runs on `queue` for each signal taken.
    static func run(_ signals: [Int32], queue: DispatchQueue, handle: @escaping @Sendable (Int32) -> Void) -> Never {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        // Already blocked by Entry for every thread; blocking again here is harmless and keeps
        // this correct if it is ever called from elsewhere.
        pthread_sigmask(SIG_BLOCK, &set, nil)
        while true {
            var info = siginfo_t()
            let number = sigwaitinfo(&set, &info)
            guard number > 0 else { continue }  // EINTR
            queue.async { handle(number) }
        }
    }
}
