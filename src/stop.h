/*
 * stop.h - stopping the attached threads, blocked regions, critical sections (stop layer).
 */
#ifndef PGC_STOP_H
#define PGC_STOP_H

#include "internal.h"

typedef struct stop_state {
    /* The attached threads: the list the stoppers walk. threads_lock
     * protects the list, nthreads and stack_bytes: taken by attach and
     * detach (threads.c, outside critical sections) and held by the
     * coordinator (or a forking thread) for a whole stop-the-world. */
    pthread_mutex_t threads_lock;
    pgc_thread *threads;
    int nthreads;
    uint64_t stack_bytes;        /* sum of attached stack sizes (threads lock; the pacer reads it) */
    _Atomic uint64_t stop_epoch; /* last epoch handed out (INV-EPOCH-FRESH; threads lock) */
    /* Bumped after every resume; parked threads futex-wait on it, so one
     * wake-all restarts the whole world at once (threads lock held by the
     * writer; read by parked threads with acquire). */
    _Atomic uint32_t wake_seq;
    /* Stops by signal and stops by claiming a blocked thread (written by
     * the coordinator, relaxed: statistics). */
    _Atomic uint64_t stops_signalled, stops_claimed;
} stop_state;

extern PGC_INTERNAL_API stop_state stop_st;

static inline uintptr_t current_sp(void)
{
    uintptr_t sp;
#if defined(__x86_64__)
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#else
    volatile char here;
    sp = (uintptr_t)&here;
#endif
    return sp;
}

PGC_INTERNAL_API void stop_init(void); /* installs the stop signal's handler */
PGC_INTERNAL_API void stop_world(void);
/* Returns the time the world was released (just before the wake-up). */
PGC_INTERNAL_API uint64_t start_world(void);
PGC_INTERNAL_API void stop_thread(pgc_thread *t);
PGC_INTERNAL_API void resume_thread(pgc_thread *t);
PGC_INTERNAL_API void thread_stop_self(pgc_thread *t);

enum { T_RUNNING = 0, T_BLOCKED = 1, T_CLAIMED = 2 };
/* Run fn(arg) as a blocked region of the calling thread (t may be NULL for
 * an unattached thread): fn may wait on locks and condition variables of
 * the library for as long as it likes, and the world stops around it
 * without a signal. fn must not touch the heap, the thread's caches or
 * barrier buffer, nor enter a critical section. Called outside any
 * critical section. */
PGC_INTERNAL_API void thread_blocking(pgc_thread *t, void (*fn)(void *), void *arg);

/* Enter/leave the library's critical section: a stop request that arrives
 * inside is deferred until the matching leave. Owner thread only. */
static inline void lib_enter(pgc_thread *t)
{
    t->cs.in_lib++;
    compiler_fence();
}
static inline void lib_leave(pgc_thread *t)
{
    compiler_fence();
    if (--t->cs.in_lib == 0 && t->cs.stop_deferred)
        thread_stop_self(t);
}

/* For API entry points that take collector locks the coordinator also takes
 * with the world stopped (the pacer lock): enter a critical section if the
 * caller is attached (an unattached thread is never stopped). */
static inline pgc_thread *lib_enter_self(void)
{
    pgc_thread *t = pgc_self;
    if (t)
        lib_enter(t);
    return t;
}
static inline void lib_leave_self(pgc_thread *t)
{
    if (t)
        lib_leave(t);
}

/* Take a lock that a stopped thread may hold, from outside any critical
 * section. A thread blocked in pthread_mutex_lock is stopped by the kernel
 * delivering the signal into the wait, but ThreadSanitizer defers signals
 * until its next interceptor call, so a blocked thread would never answer;
 * trying and yielding keeps calling into interceptors. Used only on slow
 * paths (attach, detach, roots, cycle waits, assist parking). */
static inline void lock_stoppable(pthread_mutex_t *m)
{
    while (pthread_mutex_trylock(m) != 0)
        sched_yield();
}

/* A point inside a long critical section where the thread's state is
 * consistent: honour a deferred stop now rather than at the end. Only
 * valid at nesting depth 1. */
static inline void lib_preempt(pgc_thread *t)
{
    if (t && t->cs.stop_deferred && t->cs.in_lib == 1) {
        lib_leave(t);
        lib_enter(t);
    }
}


#endif
