#ifndef SLUICE_C_TSAN_MUTEX_ANNOTATIONS_H
#define SLUICE_C_TSAN_MUTEX_ANNOTATIONS_H

/// No API: linking this target into an executable built with `--sanitize=thread` makes the
/// contended paths of Synchronization's `Mutex` visible to ThreadSanitizer (see the .c file).
/// In any other build it compiles to nothing.

/// 1 when the annotations are compiled in (a ThreadSanitizer build), 0 otherwise.
int sluice_tsan_mutex_annotations_built(void);

#endif
