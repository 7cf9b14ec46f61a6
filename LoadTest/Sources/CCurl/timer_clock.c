// CLOCK_MONOTONIC and the timerfd that paces the open model.
#include "CCurl.h"
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int64_t sluice_monotonic_nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int sluice_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int sluice_timerfd_arm_at(int fd, int64_t nanoseconds) {
    struct itimerspec when = {0};
    when.it_value.tv_sec = nanoseconds / 1000000000;
    when.it_value.tv_nsec = nanoseconds % 1000000000;
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &when, NULL);
}

void sluice_timerfd_drain(int fd) {
    uint64_t expirations;
    // Non-blocking: EAGAIN just means it was already drained.
    ssize_t ignored = read(fd, &expirations, sizeof(expirations));
    (void)ignored;
}
