/*
 * compat.h - shared by the files of the libgc.so.1 layer (src/bdwgc/),
 * which is built only into build/bdwgc/libgc.so.1, never into libpacegc.
 */
#ifndef PGC_BDWGC_COMPAT_H
#define PGC_BDWGC_COMPAT_H

#include "../internal.h"

/* Initialise on first use (mmv calls GC_malloc without GC_init): the
 * barrier-free mode, then pgc_init. Cheap after the first call. */
PGC_INTERNAL_API void gcx_ensure(void);
PGC_INTERNAL_API void gcx_not_yet(const char *fn, const char *needs) __attribute__((noreturn));
PGC_INTERNAL_API void gcx_unsupported(const char *fn) __attribute__((noreturn));
/* Stops the program if called inside GC_call_with_alloc_lock's callback. */
PGC_INTERNAL_API void gcx_alloc_lock_check(const char *fn);

#endif
