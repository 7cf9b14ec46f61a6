import CCurl
import Glibc

/// One curl multi handle driven by epoll through `curl_multi_socket_action`: curl only touches
/// the sockets that are ready, instead of polling every transfer on each call as
/// `curl_multi_perform` does. A timerfd in the same epoll set wakes the open model's schedule.
///
/// Thread-confined to its worker.
final class MultiEventLoop {
    let multi: UnsafeMutableRawPointer
    private let events: UnsafeMutablePointer<sluice_multi_events>
    private let pacingTimerFD: Int32
    private var armedPacingNanoseconds: Int64 = 0
    private var ready = [sluice_ready_event](repeating: sluice_ready_event(), count: 64)

    /// A multi handle allowed at most `connections` connections, all to the one target.
    init(connections: Int) throws(LoadError) {
        guard let multi = curl_multi_init() else { throw .curl(call: "curl_multi_init", message: "out of memory") }
        events = .allocate(capacity: 1)
        events.initialize(to: sluice_multi_events())
        // Safe: `events` lives until `close()`, after curl_multi_cleanup.
        guard sluice_multi_events_open(events, multi) == 0 else {
            let reason = LoadError.describe(errno: errno)
            curl_multi_cleanup(multi)
            events.deallocate()
            throw .system(call: "epoll_create1", reason: reason)
        }
        let timerFD = sluice_timerfd_create()
        guard timerFD >= 0, sluice_epoll_watch_readable(events.pointee.epollFD, timerFD) == 0 else {
            let reason = LoadError.describe(errno: errno)
            if timerFD >= 0 { Glibc.close(timerFD) }
            curl_multi_cleanup(multi)
            sluice_multi_events_close(events)
            events.deallocate()
            throw .system(call: "timerfd_create", reason: reason)
        }
        self.multi = multi
        self.pacingTimerFD = timerFD
        // Never more connections than requests in flight, and no HTTP/1.1 pipelining.
        sluice_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections)
        sluice_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections)
        sluice_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, connections)
        sluice_multi_setopt_long(multi, CURLMOPT_PIPELINING, 0)
    }

    /// The epoll set curl's sockets and the pacing timer live in: readable when `runOnce`
    /// has work. The wire engine nests it in its own set.
    var epollDescriptor: Int32 { events.pointee.epollFD }

    /// Lets the epoll bookkeeping see when `easy` closes a socket (required for every handle).
    func adopt(_ easy: UnsafeMutableRawPointer) {
        sluice_easy_report_socket_close(easy, events)
    }

    func add(_ easy: UnsafeMutableRawPointer) {
        curl_multi_add_handle(multi, easy)
    }

    func remove(_ easy: UnsafeMutableRawPointer) {
        curl_multi_remove_handle(multi, easy)
    }

    /// When curl next needs a timeout action, or nil.
    var curlTimerNanoseconds: Int64? {
        let expiry = events.pointee.timerExpiryNanoseconds
        return expiry >= 0 ? expiry : nil
    }

    /// Makes the pacing timer fire at `nanoseconds` (CLOCK_MONOTONIC); re-arming for the same
    /// time is skipped.
    func armPacingTimer(at nanoseconds: Int64) {
        guard nanoseconds != armedPacingNanoseconds else { return }
        armedPacingNanoseconds = nanoseconds
        sluice_timerfd_arm_at(pacingTimerFD, nanoseconds)
    }

    /// Waits until a socket is ready, the pacing timer fires, or `wakeNanoseconds` passes, and
    /// lets curl act on whatever is ready (including its own timer).
    func runOnce(wakeNanoseconds: Int64) {
        var wake = wakeNanoseconds
        if let curlTimer = curlTimerNanoseconds { wake = min(wake, curlTimer) }
        // Read the clock now: curl's timer may have been set (often to "now") after the caller
        // last looked, and rounding that up to a whole millisecond would stall every request.
        let now = sluice_monotonic_nanoseconds()
        // Round up: waking before curl's timer expires would spin until it does.
        let timeoutMilliseconds = wake <= now ? 0 : Int32(min((wake - now + 999_999) / 1_000_000, 1_000))
        let count = ready.withUnsafeMutableBufferPointer { buffer in
            // Safe: at most `buffer.count` events are written.
            sluice_multi_events_wait(events, buffer.baseAddress, Int32(buffer.count), timeoutMilliseconds)
        }
        var running: Int32 = 0
        for index in 0..<Int(max(count, 0)) {
            let event = ready[index]
            if event.fd == pacingTimerFD {
                sluice_timerfd_drain(pacingTimerFD)
                armedPacingNanoseconds = 0
            } else {
                curl_multi_socket_action(multi, event.fd, event.curlSelectBits, &running)
            }
        }
        // A wait that ended with nothing ready also gives curl its timeout action: it costs
        // little and guarantees transfer timeouts fire even if a timer update were missed.
        let isCurlTimerDue = curlTimerNanoseconds.map { $0 <= sluice_monotonic_nanoseconds() } ?? false
        if isCurlTimerDue || count == 0 {
            // One-shot, like the timers in curl's own examples: curl sets a new one if needed.
            events.pointee.timerExpiryNanoseconds = -1
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running)
        }
    }

    /// The next finished transfer: its handle and curl's result code.
    func nextCompletion() -> (easy: UnsafeMutableRawPointer, result: CURLcode)? {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            return (easy, sluice_message_result(message))
        }
        return nil
    }

    /// Cleans up the multi handle (closing its cached connections), then the descriptors.
    /// Every easy handle must have been removed first.
    func close() {
        curl_multi_cleanup(multi)
        sluice_multi_events_close(events)
        Glibc.close(pacingTimerFD)
        events.deinitialize(count: 1)
        events.deallocate()
    }
}

@available(*, unavailable)
extension MultiEventLoop: Sendable {}
