// A plain epoll set addressed by 64-bit tags, for the wire engine's own connections. The
// epoll_event layout (packed on x86_64) stays in C; Swift sees tags and SLUICE_READY_* bits.
#include "CCurl.h"
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

int sluice_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

static uint32_t sluice_epoll_bits(int interest) {
    return ((interest & SLUICE_READY_READABLE) ? EPOLLIN : 0) | ((interest & SLUICE_READY_WRITABLE) ? EPOLLOUT : 0);
}

int sluice_epoll_add(int epollFD, int fd, int interest, uint64_t tag) {
    struct epoll_event event = {0};
    event.events = sluice_epoll_bits(interest);
    event.data.u64 = tag;
    return epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event);
}

int sluice_epoll_modify(int epollFD, int fd, int interest, uint64_t tag) {
    struct epoll_event event = {0};
    event.events = sluice_epoll_bits(interest);
    event.data.u64 = tag;
    return epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event);
}

int sluice_epoll_remove(int epollFD, int fd) {
    return epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, NULL);
}

int sluice_epoll_wait_tagged(int epollFD, sluice_tagged_event *ready, int capacity, int timeoutMilliseconds) {
    struct epoll_event raised[256];
    int limit = capacity < 256 ? capacity : 256;
    int count = epoll_wait(epollFD, raised, limit, timeoutMilliseconds);
    if (count < 0) {
        return errno == EINTR ? 0 : -1;
    }
    for (int index = 0; index < count; index++) {
        uint32_t bits = raised[index].events;
        ready[index].tag = raised[index].data.u64;
        ready[index].bits = ((bits & EPOLLIN) ? SLUICE_READY_READABLE : 0)
            | ((bits & EPOLLOUT) ? SLUICE_READY_WRITABLE : 0)
            | ((bits & (EPOLLERR | EPOLLHUP)) ? SLUICE_READY_BROKEN : 0);
    }
    return count;
}
