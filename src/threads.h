/*
 * threads.h - attaching and detaching threads (mutator layer). The thread
 * list itself is the stop layer's (stop.h: stop_st), which stops what is
 * attached; threads.c's own state is static in threads.c.
 */
#ifndef PGC_THREADS_H
#define PGC_THREADS_H

#include "internal.h"

PGC_INTERNAL_API void threads_init(void);
PGC_INTERNAL_API pgc_thread *thread_attach_auto(void);
PGC_INTERNAL_API void threads_fork_prepare(void);
PGC_INTERNAL_API void threads_fork_parent(void);
PGC_INTERNAL_API void threads_fork_child(void);
/* A detaching thread's pacing debt and credit (assist_thread_exit),
 * registered by api.c's init: the pacing layer sits above this one. Set
 * once inside ensure_init, before any thread can detach. */
PGC_INTERNAL_API void threads_set_exit_hook(void (*fn)(pgc_thread *t));

#endif
