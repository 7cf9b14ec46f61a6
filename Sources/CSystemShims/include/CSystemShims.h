#ifndef SLUICE_C_SYSTEM_SHIMS_H
#define SLUICE_C_SYSTEM_SHIMS_H

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC: glibc declares it only under _GNU_SOURCE,
/// which Swift's Glibc module does not define.
int sluice_accept_nonblocking(int listen_fd);

#endif
