import Glibc

/// A joinable POSIX thread running one closure; the load workers need real threads, each
/// blocked in its own epoll_wait, not tasks on the cooperative pool.
package struct POSIXThread {
    private let handle: pthread_t

    /// Starts `body` on a new thread.
    package init(_ body: @escaping @Sendable () -> Void) throws(LoadError) {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var handle = pthread_t()
        let code = pthread_create(&handle, nil, { context in
            // Safe: `context` is the retained ThreadBody passed below; released exactly once here.
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        guard code == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            throw .system(call: "pthread_create", reason: LoadError.describe(errno: code))
        }
        self.handle = handle
    }

    /// Waits for the thread to return.
    package func join() {
        pthread_join(handle, nil)
    }

    /// Lets the thread's resources go when it returns, without anyone joining it.
    package func detach() {
        pthread_detach(handle)
    }
}

private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
