/*
 * threads.c - attaching and detaching threads (the thread list, their
 * stacks and TLS); stopping them is stop.c's.
 */
#include "internal.h"
#include "testhooks.h"
#include "roots.h"
#include "mark.h"
#include "stop.h"
#include "alloc.h"
#include "threads.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>


static pgc_thread *spare_threads; /* threads lock */
static pthread_key_t thread_key; /* created by threads_init; its destructor detaches */

/* assist_thread_exit (the pacing layer's): written once by
 * threads_set_exit_hook inside ensure_init, read-only after. */
static void (*exit_hook)(pgc_thread *t);

void threads_set_exit_hook(void (*fn)(pgc_thread *t)) { exit_hook = fn; }

/* Lowest address of the main thread's [stack] mapping (read at init). */
static uintptr_t main_stack_lo;

/* ---- fork ------------------------------------------------------------------------ */

/* After cycle_fork_prepare: no cycle runs. Stop every other attached
 * thread, as a pause does, so none is inside a critical section (none holds
 * a lock taken there, INV-STW-LOCKS) or halfway through attaching: the
 * child's copy of the heap, the caches and the thread list is consistent. */
void threads_fork_prepare(void)
{
    lock_stoppable(&roots_st.roots_lock);
    lock_stoppable(&stop_st.threads_lock);
    stop_world();
}

void threads_fork_parent(void)
{
    start_world();
    pthread_mutex_unlock(&stop_st.threads_lock);
    pthread_mutex_unlock(&roots_st.roots_lock);
}

/* The child: only the forking thread exists. Every other thread's caches
 * go back to the central lists (their unused bytes off the accounts) and
 * it leaves the thread list; its stack and TLS are no longer roots. */
void threads_fork_child(void)
{
    pthread_mutex_init(&stop_st.threads_lock, NULL);
    pgc_thread *me = pgc_self;
    pgc_thread *t = stop_st.threads;
    stop_st.threads = NULL;
    stop_st.nthreads = 0;
    stop_st.stack_bytes = 0;
    while (t) {
        pgc_thread *next = t->next;
        if (t == me) {
            t->prev = NULL;
            t->next = NULL;
            stop_st.threads = t;
            stop_st.nthreads = 1;
            stop_st.stack_bytes = t->stack_hi - t->stack_lo;
            t->tid = (pid_t)syscall(SYS_gettid);
        } else {
            cache_release_all(t);
            t->alloc.black_bytes = 0;
            t->next = spare_threads;
            spare_threads = t;
        }
        t = next;
    }
}


static void record_stack(pgc_thread *t)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        pthread_attr_getstack(&attr, &addr, &size);
        pthread_attr_destroy(&attr);
    }
    uintptr_t sp = current_sp();
    if (!addr || sp < (uintptr_t)addr || sp >= (uintptr_t)addr + size)
        pgc_fatal("pacegc: cannot find the stack of thread %d\n", (int)t->tid);
    t->stack_hi = (uintptr_t)addr + size;
    t->stack_lo = (uintptr_t)addr + 4096; /* keep off a guard page */
    if (t->tid == getpid() && main_stack_lo)
        t->stack_lo = main_stack_lo; /* the main stack is mapped only from here */
}

static void destroy_key(void *p)
{
    pgc_thread *t = p;
    if (t && pgc_self == t)
        pgc_thread_detach();
}

static pgc_thread *attach_self(bool automatic)
{
    lock_stoppable(&stop_st.threads_lock);
    pgc_thread *t = spare_threads;
    if (t)
        spare_threads = t->next;
    pthread_mutex_unlock(&stop_st.threads_lock);
    if (!t)
        t = os_alloc_meta(sizeof *t);
    memset(t, 0, offsetof(pgc_thread, kcache)); /* kcache survives recycling (internal.h) */
    pthread_cond_init(&t->assist.aq_cv, NULL);
    t->self = pthread_self();
    t->tid = (pid_t)syscall(SYS_gettid);
    t->auto_attached = automatic;
    record_stack(t);
    roots_record_tls(t);
    /* Set before the thread is listed: a stop signal finds it attached. */
    pgc_self = t;
    pthread_setspecific(thread_key, t);
    lock_stoppable(&stop_st.threads_lock);
    t->next = stop_st.threads;
    if (stop_st.threads)
        stop_st.threads->prev = t;
    stop_st.threads = t;
    stop_st.nthreads++;
    stop_st.stack_bytes += t->stack_hi - t->stack_lo;
    pthread_mutex_unlock(&stop_st.threads_lock);
    return t;
}

pgc_thread *thread_attach_auto(void)
{
    ensure_init();
    return pgc_self ? pgc_self : attach_self(true);
}

void pgc_thread_attach(void)
{
    ensure_init();
    if (pgc_self)
        pgc_fatal("pacegc: pgc_thread_attach: thread %d is already attached (attach each thread "
                  "once; pgc_init and pgc_pthread_create attach for you, and a thread that "
                  "allocates is attached automatically)\n", (int)pgc_self->tid);
    attach_self(false);
}

static void detach_hook(void *unused)
{
    (void)unused;
    pgc_hook_point(PGC_TEST_DETACH_UNLISTED);
}

void pgc_thread_detach(void)
{
    pgc_thread *t = pgc_self;
    if (!t)
        pgc_fatal("pacegc: pgc_thread_detach: thread %d is not attached (detach only a thread "
                  "that pgc_thread_attach, pgc_init or an allocation attached, and only once)\n",
                  (int)syscall(SYS_gettid));
    pgc__tl = NULL; /* INV-INLINE-TL (alloc.c): no inline allocation from here */
    lib_enter(t);
    pgc_marker m;
    marker_init(&m);
    marker_begin();
    barrier_flush_thread(t, &m);
    marker_end(&m);
    uint64_t black = cache_black_allocated(t); /* before the caches go */
    cache_release_all(t);
    if (load_relaxed(&pgc__marking))
        fetch_add_relaxed(&mark_st.black_exited, black);
    /* INV-BLACK-ONCE: a thread's black bytes are counted in exactly one
     * place, black_exited or its own black_bytes. It stays listed (and
     * counted by a pause #2) until it takes the threads lock below. */
    t->alloc.black_bytes = 0;
    exit_hook(t);
    lib_leave(t);
    if (pgc_hook_armed(PGC_TEST_DETACH_UNLISTED))
        thread_blocking(t, detach_hook, NULL);
    pthread_setspecific(thread_key, NULL);
    lock_stoppable(&stop_st.threads_lock);
    if (t->prev)
        t->prev->next = t->next;
    else
        stop_st.threads = t->next;
    if (t->next)
        t->next->prev = t->prev;
    stop_st.nthreads--;
    stop_st.stack_bytes -= t->stack_hi - t->stack_lo;
    pgc_self = NULL;
    pthread_cond_destroy(&t->assist.aq_cv);
    t->next = spare_threads;
    spare_threads = t;
    pthread_mutex_unlock(&stop_st.threads_lock);
}

/* ---- pgc_pthread_create --------------------------------------------------------- */

typedef struct start_box {
    void *(*start)(void *);
    void *arg;
    _Atomic uint32_t attached;
} start_box;

static void *trampoline(void *p)
{
    start_box *box = p;
    void *(*start)(void *) = box->start;
    void *arg = box->arg;
    pgc_thread_attach();
    /* release: the creator may now drop its copy of arg (pairs with the
     * acquire in pgc_pthread_create) */
    store_release(&box->attached, 1);
    futex_wake_all(&box->attached);
    return start(arg); /* the key destructor detaches at exit */
}

/* A blocked region of the creator: the box stays on its scanned stack. */
static void wait_attached(void *p)
{
    start_box *box = p;
    while (load_acquire(&box->attached) == 0) /* pairs with the release in trampoline */
        futex_wait(&box->attached, 0);
}

int pgc_pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                       void *arg)
{
    /* Refused in the creator: pthread_create would write through a NULL
     * thread, and a NULL start would crash the new thread after it
     * attached, far from the call. */
    if (!thread)
        pgc_fatal("pacegc: pgc_pthread_create: thread is NULL: pass a pthread_t * to receive the "
                  "new thread's id\n");
    if (!start)
        pgc_fatal("pacegc: pgc_pthread_create: start is NULL: pass the function the new thread "
                  "runs\n");
    ensure_init();
    /* The box lives on this stack, which is scanned, until the child has
     * attached: arg stays reachable through the handover. */
    start_box box = { start, arg, 0 };
    int err = pthread_create(thread, attr, trampoline, &box);
    if (err)
        return err;
    /* The child's attach takes the threads lock, which a pause holds: wait
     * as a blocked region, so the pause need not signal this thread. */
    thread_blocking(pgc_self, wait_attached, &box);
    return 0;
}

/* ---- Init --------------------------------------------------------------------------- */

static void find_main_stack(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "[stack]")) {
            unsigned long lo, hi;
            if (sscanf(line, "%lx-%lx", &lo, &hi) == 2)
                main_stack_lo = lo;
        }
    }
    fclose(f);
}

void threads_init(void)
{
    pthread_mutex_init(&stop_st.threads_lock, NULL);
    pthread_key_create(&thread_key, destroy_key);
    find_main_stack();
    stop_init();
}

void pgc__test_set_stop_epoch(uint64_t epoch)
{
    ensure_init();
    lock_stoppable(&stop_st.threads_lock);
    store_relaxed(&stop_st.stop_epoch, epoch);
    pthread_mutex_unlock(&stop_st.threads_lock);
}
