#ifndef SLUICE_C_ALLOC_COUNTER_H
#define SLUICE_C_ALLOC_COUNTER_H

#include <stdint.h>

/// Totals of the allocator calls made by the whole process since start, counted by the
/// malloc/calloc/realloc/free (and aligned variants) this target defines, which interpose
/// glibc's for every library in the process once the executable exports them.
typedef struct {
    uint64_t allocations;      ///< successful malloc, calloc, realloc(NULL, n), a realloc that moved, aligned allocs, valloc, pvalloc
    uint64_t frees;            ///< free of a non-NULL pointer, realloc(p, 0)
    uint64_t allocated_bytes;  ///< bytes requested by those allocations (a realloc that moves counts its new size)
} sluice_alloc_totals;

/// Sums the per-shard counters. Relaxed: a snapshot for metrics, not a synchronisation point.
sluice_alloc_totals sluice_alloc_read(void);

/// 1 when every library's malloc calls go through the counter (the executable exported the
/// symbols, so the dynamic linker binds `malloc` to them), 0 otherwise.
int sluice_alloc_is_active(void);

#endif
