import Glibc

/// A minimal joinable thread for tests (no Foundation).
public final class TestThread: @unchecked Sendable {
    private var handle: pthread_t?
    private let body: () -> Void

    public init(_ body: @escaping () -> Void) { self.body = body }

    public func start() {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let me = Unmanaged<TestThread>.fromOpaque(raw!).takeRetainedValue()
            me.body()
            return nil
        }, box.toOpaque())
        handle = thread
    }

    public func join() {
        if let handle { pthread_join(handle, nil) }
    }
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
