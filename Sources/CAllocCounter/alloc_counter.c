// Counts heap allocations by interposing the allocator entry points and forwarding them to
// glibc's own implementations (__libc_malloc & co). Counters are sharded per thread: each
// thread adds to its own cache line with a relaxed atomic, so the cost per call is a TLS
// load and an uncontended add; readers sum the shards.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "CAllocCounter.h"

// ThreadSanitizer defines malloc & co itself and must see every allocation and free: a second
// definition here takes precedence, bypasses it and crashes the process before main. Under
// TSan (`swift build --sanitize=thread`) the interposer is left out and the counters stay 0.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLUICE_ALLOC_INTERPOSE 0
#endif
#endif
#ifndef SLUICE_ALLOC_INTERPOSE
#define SLUICE_ALLOC_INTERPOSE 1
#endif

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

#define SHARDS 64

typedef struct {
    _Atomic uint64_t allocations;
    _Atomic uint64_t frees;
    _Atomic uint64_t bytes;
    char padding[64 - 3 * sizeof(uint64_t)];
} shard_t;

static shard_t shards[SHARDS] __attribute__((aligned(64)));
static _Atomic unsigned next_shard;
// initial-exec TLS: a static slot, so reading it never allocates (which would recurse into malloc).
static __thread int my_shard __attribute__((tls_model("initial-exec"))) = -1;

static inline shard_t *shard(void) {
    if (__builtin_expect(my_shard < 0, 0)) {
        my_shard = (int)(atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % SHARDS);
    }
    return &shards[my_shard];
}

static inline void count_allocation(size_t size) {
    shard_t *s = shard();
    atomic_fetch_add_explicit(&s->allocations, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->bytes, size, memory_order_relaxed);
}

static inline void count_free(void) {
    atomic_fetch_add_explicit(&shard()->frees, 1, memory_order_relaxed);
}

#if SLUICE_ALLOC_INTERPOSE

void *malloc(size_t size) {
    void *result = __libc_malloc(size);
    if (result) count_allocation(size);
    return result;
}

void *calloc(size_t count, size_t size) {
    void *result = __libc_calloc(count, size);
    if (result) count_allocation(count * size);
    return result;
}

void *realloc(void *pointer, size_t size) {
    void *result = __libc_realloc(pointer, size);
    if (pointer == NULL) {
        if (result) count_allocation(size);
    } else if (size == 0) {
        count_free();
    } else if (result) {
        // A resize is counted as one allocation and one free when it moved, as the heap sees it.
        if (result != pointer) { count_allocation(size); count_free(); }
    }
    return result;
}

void free(void *pointer) {
    if (pointer) count_free();
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
    void *result = __libc_memalign(alignment, size);
    if (result) count_allocation(size);
    return result;
}

void *aligned_alloc(size_t alignment, size_t size) {
    return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment == 0 || alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *result = __libc_memalign(alignment, size);
    if (!result) return ENOMEM;
    count_allocation(size);
    *out = result;
    return 0;
}

void *valloc(size_t size) {
    void *result = __libc_valloc(size);
    if (result) count_allocation(size);
    return result;
}

void *pvalloc(size_t size) {
    void *result = __libc_pvalloc(size);
    if (result) count_allocation(size);
    return result;
}

#endif  // SLUICE_ALLOC_INTERPOSE

sluice_alloc_totals sluice_alloc_read(void) {
    sluice_alloc_totals totals = {0, 0, 0};
    for (int i = 0; i < SHARDS; i++) {
        totals.allocations += atomic_load_explicit(&shards[i].allocations, memory_order_relaxed);
        totals.frees += atomic_load_explicit(&shards[i].frees, memory_order_relaxed);
        totals.allocated_bytes += atomic_load_explicit(&shards[i].bytes, memory_order_relaxed);
    }
    return totals;
}

int sluice_alloc_is_active(void) {
#if SLUICE_ALLOC_INTERPOSE
    // The process-wide definition of malloc is ours only when the executable exported it.
    return dlsym(RTLD_DEFAULT, "malloc") == (void *)&malloc;
#else
    return 0;
#endif
}

