#ifndef SLUICE_C_MALLOC_INFO_H
#define SLUICE_C_MALLOC_INFO_H

// glibc's allocator introspection (mallinfo2, malloc_trim): declared in <malloc.h>, which
// Swift's Glibc module does not include. Declarations only; nothing here is compiled.
#include <malloc.h>

#endif
