// Synchronization's Mutex on Linux is a priority-inheritance futex. Its uncontended lock and
// unlock are atomic compare-exchanges inlined into our code, which ThreadSanitizer sees as
// acquire and release. The contended paths (_lockSlow, _tryLockSlow, _unlockSlow) live in
// libswiftSynchronization.so, which is not instrumented: there the kernel hands the lock from
// the unlocking thread to a waiter (FUTEX_UNLOCK_PI / FUTEX_LOCK_PI) without any atomic that
// TSan sees, so it misses that edge and reports every access made under a contended Mutex as
// a race. Defined in the executable, these wrappers take precedence over the library's
// symbols, call the originals and tell TSan about the hand-off: release on the lock word
// before a slow unlock, acquire on it after a slow lock, the same address the inlined fast
// paths use. TSan builds only; ThreadSanitizerCanaryTests fails if they stop working (e.g. a
// toolchain that renames these symbols).
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLUICE_TSAN_MUTEX_ANNOTATIONS 1
#endif
#endif

#include "CTSanMutexAnnotations.h"

#ifdef SLUICE_TSAN_MUTEX_ANNOTATIONS
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// ThreadSanitizer's annotation interface (compiler-rt).
void __tsan_acquire(void *address);
void __tsan_release(void *address);

// The Swift symbols of `_MutexHandle` (Synchronization.swiftinterface): `self` is the lock
// word, passed by address in the swiftself register (swift_context in clang's swiftcall).
#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

#define SWIFTCALL __attribute__((swiftcall))
#define SWIFT_SELF __attribute__((swift_context))

typedef SWIFTCALL void (*lock_slow_t)(uint32_t self_id, SWIFT_SELF void *self);
typedef SWIFTCALL bool (*try_lock_slow_t)(SWIFT_SELF void *self);
typedef SWIFTCALL void (*unlock_slow_t)(SWIFT_SELF void *self);

// The library's definition of `name`, looked up once per symbol (a relaxed atomic: resolving
// twice is harmless, and TSan sees no race on the cache).
static void *original(_Atomic(void *) *cache, const char *name) {
    void *function = atomic_load_explicit(cache, memory_order_relaxed);
    if (function == NULL) {
        function = dlsym(RTLD_NEXT, name);
        if (function == NULL) {
            fprintf(stderr, "CTSanMutexAnnotations: %s not found in libswiftSynchronization\n", name);
            abort();
        }
        atomic_store_explicit(cache, function, memory_order_relaxed);
    }
    return function;
}

SWIFTCALL void sluice_lock_slow(uint32_t self_id, SWIFT_SELF void *self) __asm__(LOCK_SLOW);
SWIFTCALL void sluice_lock_slow(uint32_t self_id, SWIFT_SELF void *self) {
    static _Atomic(void *) cache;
    ((lock_slow_t)original(&cache, LOCK_SLOW))(self_id, self);
    __tsan_acquire(self);
}

SWIFTCALL bool sluice_try_lock_slow(SWIFT_SELF void *self) __asm__(TRY_LOCK_SLOW);
SWIFTCALL bool sluice_try_lock_slow(SWIFT_SELF void *self) {
    static _Atomic(void *) cache;
    bool locked = ((try_lock_slow_t)original(&cache, TRY_LOCK_SLOW))(self);
    if (locked) __tsan_acquire(self);
    return locked;
}

SWIFTCALL void sluice_unlock_slow(SWIFT_SELF void *self) __asm__(UNLOCK_SLOW);
SWIFTCALL void sluice_unlock_slow(SWIFT_SELF void *self) {
    static _Atomic(void *) cache;
    __tsan_release(self);
    ((unlock_slow_t)original(&cache, UNLOCK_SLOW))(self);
}

int sluice_tsan_mutex_annotations_built(void) { return 1; }
#else
int sluice_tsan_mutex_annotations_built(void) { return 0; }
#endif
