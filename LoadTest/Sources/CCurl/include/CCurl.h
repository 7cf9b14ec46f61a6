// libcurl, epoll and zlib for Swift.
//
// Swift cannot call C variadic functions, so curl_easy_setopt, curl_multi_setopt and
// curl_easy_getinfo get one non-variadic wrapper per argument type. The epoll glue and the
// response sink are callbacks curl calls many times per request; they are plain C so that
// no Swift closure context or retain/release sits on that path.
#ifndef SLUICE_CCURL_H
#define SLUICE_CCURL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

// MARK: setopt / getinfo wrappers

CURLcode sluice_easy_setopt_long(CURL *easy, CURLoption option, long value);
CURLcode sluice_easy_setopt_off(CURL *easy, CURLoption option, curl_off_t value);
CURLcode sluice_easy_setopt_pointer(CURL *easy, CURLoption option, const void *value);
CURLMcode sluice_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLcode sluice_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);

/// Sets CURLOPT_WRITEFUNCTION and CURLOPT_WRITEDATA together.
CURLcode sluice_easy_set_write_callback(CURL *easy, curl_write_callback callback, void *context);

/// Stores `index` in CURLOPT_PRIVATE; `sluice_easy_private_index` reads it back (-1 on failure).
CURLcode sluice_easy_set_private_index(CURL *easy, intptr_t index);
intptr_t sluice_easy_private_index(CURL *easy);

/// CURLINFO_ACTIVESOCKET: the socket of a CURLOPT_CONNECT_ONLY connection, or -1.
int sluice_easy_active_socket(CURL *easy);

/// The result code of a CURLMSG_DONE message (the `data` union read as `result`).
CURLcode sluice_message_result(const CURLMsg *message);

// MARK: response sink

/// The first bytes of a response body, kept for parsing `"accepted"`; the rest is only counted.
typedef struct sluice_response_sink {
    char bytes[1024];
    size_t length;      // bytes kept, at most sizeof(bytes)
    size_t totalLength; // bytes received
} sluice_response_sink;

/// Points CURLOPT_WRITEFUNCTION/WRITEDATA of `easy` at `sink`.
CURLcode sluice_easy_capture_body(CURL *easy, sluice_response_sink *sink);

// MARK: epoll glue for curl_multi_socket_action

/// Socket interest and timer state of one multi handle driven by one epoll instance.
///
/// Sockets stay in the epoll set while their connection idles in curl's cache ("parked"): a
/// keep-alive request then costs no epoll_ctl at all. A parked socket that becomes ready is
/// removed then; curl's close-socket callback forgets a socket before closing it.
typedef struct sluice_multi_events {
    CURLM *multi;
    int epollFD;
    /// CLOCK_MONOTONIC nanoseconds at which curl wants CURL_SOCKET_TIMEOUT, or -1 for none.
    int64_t timerExpiryNanoseconds;
    /// Per descriptor: SLUICE_WATCH_* bits of what the epoll set holds for it.
    uint8_t *watch;
    int watchCapacity;
} sluice_multi_events;

/// One ready descriptor, with curl's CURL_CSELECT_* bits already computed.
typedef struct sluice_ready_event {
    int fd;
    int curlSelectBits;
} sluice_ready_event;

/// Creates the epoll set and points CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION of `multi` at it.
/// Returns 0, or -1 with errno.
int sluice_multi_events_open(sluice_multi_events *events, CURLM *multi);
/// Closes the epoll set and frees the table; call after curl_multi_cleanup.
void sluice_multi_events_close(sluice_multi_events *events);

/// Sets CURLOPT_CLOSESOCKETFUNCTION so `events` forgets a socket before curl closes it.
CURLcode sluice_easy_report_socket_close(CURL *easy, sluice_multi_events *events);

/// Watches `fd` (not a curl socket, e.g. a timerfd) for input; 0 or -1 with errno.
int sluice_epoll_watch_readable(int epollFD, int fd);
/// Waits on the epoll set; returns the number of events for curl or other descriptors
/// (parked curl sockets are dropped from the set and not reported), 0 on timeout or EINTR,
/// -1 with errno otherwise.
int sluice_multi_events_wait(sluice_multi_events *events, sluice_ready_event *ready, int capacity,
                             int timeoutMilliseconds);

/// A non-blocking CLOCK_MONOTONIC timerfd; -1 with errno on failure.
int sluice_timerfd_create(void);
/// Arms `fd` to fire once at the absolute CLOCK_MONOTONIC time `nanoseconds` (0 disarms).
int sluice_timerfd_arm_at(int fd, int64_t nanoseconds);
/// Reads and discards the expiry count so the timerfd stops being readable.
void sluice_timerfd_drain(int fd);

/// CLOCK_MONOTONIC in nanoseconds.
int64_t sluice_monotonic_nanoseconds(void);

// MARK: tagged epoll set (wire engine)

enum {
    SLUICE_READY_READABLE = 1,
    SLUICE_READY_WRITABLE = 2,
    /// Error or hang-up: the next send or receive reports what happened.
    SLUICE_READY_BROKEN = 4,
};

/// One ready descriptor of a tagged epoll set: the tag it was added with and SLUICE_READY_* bits.
typedef struct sluice_tagged_event {
    uint64_t tag;
    int bits;
} sluice_tagged_event;

/// epoll_create1(EPOLL_CLOEXEC).
int sluice_epoll_create(void);
/// Adds `fd`, level-triggered, for SLUICE_READY_READABLE/WRITABLE `interest`; 0 or -1 with errno.
int sluice_epoll_add(int epollFD, int fd, int interest, uint64_t tag);
/// Changes the interest of `fd`; 0 or -1 with errno.
int sluice_epoll_modify(int epollFD, int fd, int interest, uint64_t tag);
/// Removes `fd`; 0 or -1 with errno.
int sluice_epoll_remove(int epollFD, int fd);
/// Waits; returns the number of events written (at most `capacity`, at most 256), 0 on timeout
/// or EINTR, -1 with errno otherwise.
int sluice_epoll_wait_tagged(int epollFD, sluice_tagged_event *ready, int capacity, int timeoutMilliseconds);

// MARK: gzip

/// An upper bound for the gzip-compressed size of `length` bytes.
size_t sluice_gzip_bound(size_t length);
/// Compresses `source` into `destination` as a gzip member (RFC 1952) at zlib level 6.
/// Returns 0 and sets `*written`, or a zlib error code.
int sluice_gzip_compress(const uint8_t *source, size_t sourceLength,
                         uint8_t *destination, size_t capacity, size_t *written);
/// Inflates a gzip or zlib stream into `destination`. Returns 0 and sets `*written`, a zlib error
/// code, or Z_BUF_ERROR (-5) when `capacity` is too small.
int sluice_gzip_decompress(const uint8_t *source, size_t sourceLength,
                           uint8_t *destination, size_t capacity, size_t *written);

#endif
