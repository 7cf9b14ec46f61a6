// curl_multi_socket_action driven by epoll: curl tells us which sockets to watch and when its
// timer expires; the worker loop waits on epoll and hands readiness back to curl.
#include "CCurl.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

enum {
    SLUICE_WATCH_IN = 1,
    SLUICE_WATCH_OUT = 2,
    SLUICE_WATCH_REGISTERED = 4, // in the epoll set
    SLUICE_WATCH_PARKED = 8,     // registered, but curl no longer asks for it
};

// Descriptors above this are handled without the table (always one epoll_ctl per change).
#define SLUICE_WATCH_LIMIT (1 << 20)

static uint8_t *sluice_watch_slot(sluice_multi_events *events, int fd) {
    if (fd < 0 || fd >= SLUICE_WATCH_LIMIT) {
        return NULL;
    }
    if (fd >= events->watchCapacity) {
        int capacity = events->watchCapacity;
        while (capacity <= fd) {
            capacity *= 2;
        }
        uint8_t *grown = realloc(events->watch, (size_t)capacity);
        if (grown == NULL) {
            return NULL;
        }
        memset(grown + events->watchCapacity, 0, (size_t)(capacity - events->watchCapacity));
        events->watch = grown;
        events->watchCapacity = capacity;
    }
    return &events->watch[fd];
}

static int sluice_on_socket(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp) {
    (void)easy;
    (void)socketp;
    sluice_multi_events *events = userp;
    uint8_t *slot = sluice_watch_slot(events, socket);
    uint8_t state = slot ? *slot : 0;
    if (what == CURL_POLL_REMOVE) {
        // Park an idle keep-alive socket that only waits for input; one waiting for output
        // would be reported ready at once, so it leaves the set now.
        if (slot && (state & SLUICE_WATCH_REGISTERED) && !(state & SLUICE_WATCH_OUT)) {
            *slot = state | SLUICE_WATCH_PARKED;
        } else {
            epoll_ctl(events->epollFD, EPOLL_CTL_DEL, socket, NULL);
            if (slot) *slot = 0;
        }
        return 0;
    }
    uint8_t wanted = ((what & CURL_POLL_IN) ? SLUICE_WATCH_IN : 0) | ((what & CURL_POLL_OUT) ? SLUICE_WATCH_OUT : 0);
    if (slot && (state & SLUICE_WATCH_REGISTERED) && (state & 3) == wanted) {
        *slot = SLUICE_WATCH_REGISTERED | wanted; // unparked, nothing to change in the kernel
        return 0;
    }
    struct epoll_event interest = {0};
    interest.data.fd = socket;
    interest.events = ((wanted & SLUICE_WATCH_IN) ? EPOLLIN : 0) | ((wanted & SLUICE_WATCH_OUT) ? EPOLLOUT : 0);
    int operation = (state & SLUICE_WATCH_REGISTERED) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int status = epoll_ctl(events->epollFD, operation, socket, &interest);
    if (status != 0 && errno == EEXIST) {
        status = epoll_ctl(events->epollFD, EPOLL_CTL_MOD, socket, &interest);
    } else if (status != 0 && errno == ENOENT) {
        status = epoll_ctl(events->epollFD, EPOLL_CTL_ADD, socket, &interest);
    }
    if (slot) {
        *slot = status == 0 ? (uint8_t)(SLUICE_WATCH_REGISTERED | wanted) : 0;
    }
    return 0;
}

static int sluice_on_timer(CURLM *multi, long timeoutMilliseconds, void *userp) {
    (void)multi;
    sluice_multi_events *events = userp;
    events->timerExpiryNanoseconds = timeoutMilliseconds < 0
        ? -1
        : sluice_monotonic_nanoseconds() + (int64_t)timeoutMilliseconds * 1000000;
    return 0;
}

static int sluice_on_close_socket(void *userp, curl_socket_t socket) {
    sluice_multi_events *events = userp;
    // Closing drops the descriptor from the epoll set; the table must forget it too, or a new
    // socket reusing the number would be taken as already registered.
    uint8_t *slot = sluice_watch_slot(events, socket);
    if (slot) *slot = 0;
    return close(socket);
}

int sluice_multi_events_open(sluice_multi_events *events, CURLM *multi) {
    memset(events, 0, sizeof(*events));
    events->multi = multi;
    events->timerExpiryNanoseconds = -1;
    events->watchCapacity = 1024;
    events->watch = calloc((size_t)events->watchCapacity, 1);
    events->epollFD = epoll_create1(EPOLL_CLOEXEC);
    if (events->watch == NULL || events->epollFD < 0) {
        int saved = events->watch == NULL ? ENOMEM : errno;
        sluice_multi_events_close(events);
        errno = saved;
        return -1;
    }
    if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sluice_on_socket) != CURLM_OK
        || curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, events) != CURLM_OK
        || curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, sluice_on_timer) != CURLM_OK
        || curl_multi_setopt(multi, CURLMOPT_TIMERDATA, events) != CURLM_OK) {
        sluice_multi_events_close(events);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

void sluice_multi_events_close(sluice_multi_events *events) {
    if (events->epollFD >= 0) {
        close(events->epollFD);
    }
    events->epollFD = -1;
    free(events->watch);
    events->watch = NULL;
    events->watchCapacity = 0;
}

CURLcode sluice_easy_report_socket_close(CURL *easy, sluice_multi_events *events) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, sluice_on_close_socket);
    return code == CURLE_OK ? curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, events) : code;
}

int sluice_epoll_watch_readable(int epollFD, int fd) {
    struct epoll_event interest = {0};
    interest.data.fd = fd;
    interest.events = EPOLLIN;
    return epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &interest);
}

int sluice_multi_events_wait(sluice_multi_events *events, sluice_ready_event *ready, int capacity,
                             int timeoutMilliseconds) {
    // Read into the (packed on x86_64) epoll_event array here, so Swift never sees that layout.
    struct epoll_event raised[64];
    int limit = capacity < 64 ? capacity : 64;
    int count = epoll_wait(events->epollFD, raised, limit, timeoutMilliseconds);
    if (count < 0) {
        return errno == EINTR ? 0 : -1;
    }
    int reported = 0;
    for (int index = 0; index < count; index++) {
        int fd = raised[index].data.fd;
        uint8_t *slot = (fd >= 0 && fd < events->watchCapacity) ? &events->watch[fd] : NULL;
        if (slot && (*slot & SLUICE_WATCH_PARKED)) {
            // An idle connection became readable (closed by the server, most likely): stop
            // watching it; curl checks it for liveness before any reuse.
            epoll_ctl(events->epollFD, EPOLL_CTL_DEL, fd, NULL);
            *slot = 0;
            continue;
        }
        uint32_t bits = raised[index].events;
        ready[reported].fd = fd;
        ready[reported].curlSelectBits = ((bits & EPOLLIN) ? CURL_CSELECT_IN : 0)
            | ((bits & EPOLLOUT) ? CURL_CSELECT_OUT : 0)
            | ((bits & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
        reported++;
    }
    return reported;
}
