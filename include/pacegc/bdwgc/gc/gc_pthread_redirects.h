/* gc_pthread_redirects.h - with GC_THREADS, the thread functions of the
 * program go through the collector's versions (as bdwgc's header does).
 * pacegc does not need this: threads that allocate attach themselves, and
 * GC_pthread_create only attaches the new thread at once. Define
 * GC_NO_THREAD_REDIRECTS to keep the plain functions. */
#ifndef PACEGC_BDWGC_PTHREAD_REDIRECTS_H
#define PACEGC_BDWGC_PTHREAD_REDIRECTS_H
#include <pthread.h>
#include <signal.h>
#ifdef __cplusplus
extern "C" {
#endif
GC_API int GC_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
GC_API int GC_pthread_join(pthread_t, void **);
GC_API int GC_pthread_detach(pthread_t);
GC_API int GC_pthread_cancel(pthread_t);
GC_API void GC_pthread_exit(void *) GC_ATTR_NORETURN;
/* sigset_t exists only with POSIX visible (not in strict ISO C modes). */
#if defined(__sigset_t_defined) || defined(_POSIX_C_SOURCE)
#define PACEGC_HAVE_SIGSET 1
GC_API int GC_pthread_sigmask(int, const sigset_t *, sigset_t *);
#endif
GC_API void *GC_dlopen(const char *, int);
#ifdef __cplusplus
}
#endif
#if !defined(GC_NO_THREAD_REDIRECTS) && !defined(GC_BUILD)
#undef pthread_create
#undef pthread_join
#undef pthread_detach
#undef pthread_cancel
#undef pthread_exit
#undef pthread_sigmask
#undef dlopen
#define pthread_create GC_pthread_create
#define pthread_join GC_pthread_join
#define pthread_detach GC_pthread_detach
#define pthread_cancel GC_pthread_cancel
#define pthread_exit GC_pthread_exit
#ifdef PACEGC_HAVE_SIGSET
#define pthread_sigmask GC_pthread_sigmask
#endif
#define dlopen GC_dlopen
#endif
#endif
