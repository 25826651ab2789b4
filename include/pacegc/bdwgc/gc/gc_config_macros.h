/* gc_config_macros.h - the calling-convention and attribute macros of the
 * bdwgc interface, for Linux with GCC or Clang (pacegc's only target). */
#ifndef PACEGC_BDWGC_CONFIG_MACROS_H
#define PACEGC_BDWGC_CONFIG_MACROS_H
#include <stddef.h>

#ifndef GC_API
#define GC_API extern __attribute__((visibility("default")))
#endif
#define GC_CALL
#define GC_CALLBACK
#define GC_ATTR_MALLOC __attribute__((__malloc__))
#define GC_ATTR_ALLOC_SIZE(n) __attribute__((__alloc_size__(n)))
#define GC_ATTR_NONNULL(n) __attribute__((__nonnull__(n)))
#define GC_ATTR_CONST __attribute__((__const__))
#define GC_ATTR_DEPRECATED __attribute__((__deprecated__))
#define GC_ATTR_NO_SANITIZE_THREAD
#define GC_ATTR_NORETURN __attribute__((__noreturn__))
#define GC_ATTR_UNUSED __attribute__((__unused__))

/* Threads are always supported: GC_THREADS (or the older
 * GC_LINUX_THREADS / GC_PTHREADS) only turns on the pthread redirects. */
#if defined(GC_LINUX_THREADS) && !defined(GC_THREADS)
#define GC_THREADS 1
#endif
#if defined(GC_THREADS) && !defined(GC_PTHREADS)
#define GC_PTHREADS 1
#endif
#endif
