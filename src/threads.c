/*
 * threads.c - attaching threads, and stopping them without their help.
 *
 * Stopping (gc-notes Part 1 item 5): the coordinator sends each attached
 * thread a real-time signal (SIGRTMIN+4 unless PGC_SIGNAL names another).
 * The handler saves the registers on the thread's stack, publishes its stack
 * pointer, acknowledges, and waits on a futex until it is resumed. A thread
 * inside the library's own critical sections (in_lib > 0) does not stop in
 * the handler: it notes the request and stops itself in lib_leave. So a
 * thread is never stopped holding a collector lock or halfway through an
 * allocation, and the handler never calls malloc, stdio or any libc lock.
 *
 * The protocol, per stop (e = a fresh epoch):
 *
 *   coordinator                         target thread (handler)
 *   stop_req = e (release) ---------->  e = stop_req (acquire)
 *   pthread_kill                        if in_lib: stop_deferred = 1; return
 *                                       save registers; stop_sp = sp
 *   wait stop_ack == e (acquire) <----  stop_ack = e (release); wake
 *   ... scan stack, flush buffers ...
 *   resume = e (release); wake ------>  wait resume == e (acquire); return
 *
 * The release/acquire pairs make every store the thread made before it
 * stopped visible to the coordinator, and every store the coordinator made
 * (barrier flag, cache changes) visible to the thread when it resumes.
 *
 * A thread waiting inside the library is not signalled at all: it sits in
 * a blocked region and the coordinator claims it (see "Blocked regions"
 * below).
 *
 * Blocking system calls: the handler runs (the call is interrupted) and the
 * thread stops; with SA_RESTART most calls (read, write, ...) are restarted
 * afterwards; calls that never restart (nanosleep, select, poll, epoll_wait)
 * return EINTR, as they do under bdwgc.
 */
#include "internal.h"
#include "testhooks.h"

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

__thread pgc_thread *pgc_self;

static pgc_thread *spare_threads; /* threads lock */

/* Lowest address of the main thread's [stack] mapping (read at init). */
static uintptr_t main_stack_lo;

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

/* Park this thread for the coordinator. Registers are spilled into this
 * frame (setjmp and __builtin_unwind_init); when called from the handler,
 * the interrupted context sits in the signal frame above. Everything from
 * stop_sp up to the stack base is scanned. */
static __attribute__((noinline)) void park(pgc_thread *t, uint64_t e)
{
    jmp_buf regs;
    __builtin_unwind_init();
    setjmp(regs);
    t->stop_sp = current_sp();
    /* release: pairs with the acquire in wait_stopped */
    store_release(&t->stop_ack, e);
    fetch_add_acq_rel(&t->stop_evt, 1); /* pairs with the load in wait_stopped */
    futex_wake_all(&t->stop_evt);
    for (;;) {
        uint32_t seq = load_acquire(&G.wake_seq);
        /* acquire: pairs with the release in resume_thread / start_world */
        if (load_acquire(&t->resume) == e)
            break;
        futex_wait(&G.wake_seq, seq);
    }
    compiler_fence();
    (void)regs;
}

static uintptr_t interrupted_sp(void *ucv)
{
    ucontext_t *uc = ucv;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.sp;
#else
    (void)uc;
    return 0;
#endif
}

static void stop_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    int saved_errno = errno;
    pgc_thread *t = pgc_self;
    /* A thread in a blocked region is stopped by claiming it, never here:
     * the signal was sent before it blocked and only interrupts the wait
     * (acquire: pairs with the coordinator's CAS; only BLOCKED<->CLAIMED
     * can change under us, and both mean "not here"). */
    if (t && load_acquire(&t->state) == T_RUNNING) {
        t->intr_sp = interrupted_sp(uc);
        ucontext_t *u = uc;
        t->intr_regs[0] = (uintptr_t)&u->uc_mcontext;
        t->intr_regs[1] = (uintptr_t)(&u->uc_mcontext + 1);
        /* acquire: pairs with the release in stop_thread */
        uint64_t e = load_acquire(&t->stop_req);
        if (e != load_relaxed(&t->stop_ack)) {
            if (t->in_lib > 0)
                t->stop_deferred = 1;
            else
                park(t, e);
        }
    }
    errno = saved_errno;
}

/* lib_leave found a deferred stop: honour it now. */
void thread_stop_self(pgc_thread *t)
{
    /* Block the stop signal meanwhile: a handler nested inside this park
     * could otherwise answer this epoch and the next one, and this park
     * would then acknowledge a stale epoch after them. */
    /* Zeroed: glibc fills only part of a sigset_t, and stale words in the
     * rest would look like roots to a conservative scan (INV-ASSIST-WIPE). */
    /* INV-STOPPED-NO-HANDLER: no program handler while parked either. */
    sigset_t block, old;
    memset(&block, 0, sizeof block);
    memset(&old, 0, sizeof old);
    os_internal_sigset(&block);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    t->stop_deferred = 0;
    t->intr_sp = 0; /* stopped inside the library, not by the handler */
    t->intr_regs[0] = t->intr_regs[1] = 0;
    uint64_t e = load_acquire(&t->stop_req); /* pairs with stop_thread */
    if (e != load_relaxed(&t->stop_ack))
        park(t, e);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Take a thread that sits in a blocked region as stopped. Its stop_sp and
 * spilled registers were published before it became BLOCKED. */
static bool try_claim(pgc_thread *t)
{
    uint32_t s = T_BLOCKED;
    /* seq_cst: INV-BLOCKED-CLAIM, after the seq_cst store of stop_req */
    if (!cas_seq_cst(&t->state, &s, T_CLAIMED))
        return false;
    store_release(&t->stop_ack, load_relaxed(&t->stop_req)); /* acknowledged for it */
    return true;
}

/* Threads lock held. Ask t to stop; wait_stopped waits for it. */
static void request_stop(pgc_thread *t)
{
    uint64_t e = fetch_add_relaxed(&G.stop_epoch, 1) + 1;
    /* seq_cst (so also release: pairs with the acquire in stop_handler and
     * thread_stop_self): INV-BLOCKED-CLAIM orders it before the claim */
    store_seq_cst(&t->stop_req, e);
    if (try_claim(t)) {
        fetch_add_relaxed(&G.stops_claimed, 1);
        return; /* blocked in the library: no signal needed */
    }
    fetch_add_relaxed(&G.stops_signalled, 1);
    int err = pthread_kill(t->self, G.stop_signal);
    if (err)
        pgc_fatal("pacegc: cannot signal thread %d to stop (%s); did it exit without "
                  "pgc_thread_detach?\n", (int)t->tid, strerror(err));
}

static void wait_stopped(pgc_thread *t)
{
    uint64_t e = load_relaxed(&t->stop_req);
    for (;;) {
        uint32_t ev = load_acquire(&t->stop_evt); /* pairs with park / thread_blocking */
        if (load_acquire(&t->stop_ack) == e)      /* pairs with park */
            return;
        if (try_claim(t)) { /* signalled, then blocked before answering */
            fetch_add_relaxed(&G.stops_claimed, 1);
            return;
        }
        futex_wait(&t->stop_evt, ev);
    }
}

void stop_thread(pgc_thread *t)
{
    request_stop(t);
    wait_stopped(t);
}

static void wake_parked(void)
{
    /* release: a parked thread that sees the new sequence sees its resume */
    fetch_add_acq_rel(&G.wake_seq, 1);
    futex_wake_all(&G.wake_seq);
}

/* Hand a claimed thread back: it may leave its blocked region. */
static void unclaim(pgc_thread *t)
{
    if (load_relaxed(&t->state) == T_CLAIMED) { /* only we set CLAIMED */
        /* seq_cst (release): pairs with the CAS in thread_blocking */
        store_seq_cst(&t->state, T_BLOCKED);
        futex_wake_all(&t->state);
    }
}

void resume_thread(pgc_thread *t)
{
    /* release: pairs with the acquire in park */
    store_release(&t->resume, load_relaxed(&t->stop_req));
    unclaim(t);
    wake_parked();
}

/* Threads lock held by the caller (the coordinator) until start_world. */
/* Every attached thread but the caller (the coordinator is not attached;
 * a forking thread stops the others, fork.c). */
/*
 * PGCDEBUG=stoptrace=1: every thread that took more than 1 ms to answer a
 * stop, with the time it spent runnable on the run queue meanwhile (from
 * /proc/self/task/TID/schedstat). Recorded with the world stopped using
 * only open/read/close on stack buffers (a stopped thread may hold the
 * stdio or malloc lock, INV-STW-LOCKS); printed by start_world. Written and
 * read by the stopping thread only (threads lock).
 */
#define SLOW_STOP_NS 1000000
#define SLOW_MAX 8
static struct {
    int tid;
    bool in_lib;
    uint64_t wait_ns, runq_ns;
} slow[SLOW_MAX];
static int nslow;

static uint64_t run_queue_ns(pid_t tid)
{
    char path[64], buf[128];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = strchr(buf, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0; /* field 2: run-queue wait, ns */
}

static void wait_stopped_traced(pgc_thread *t)
{
    bool in_lib = t->in_lib > 0;
    uint64_t t0 = now_ns(), q0 = run_queue_ns(t->tid);
    wait_stopped(t);
    uint64_t w = now_ns() - t0;
    if (w > SLOW_STOP_NS && nslow < SLOW_MAX) {
        uint64_t q1 = run_queue_ns(t->tid);
        slow[nslow].tid = (int)t->tid;
        slow[nslow].in_lib = in_lib;
        slow[nslow].wait_ns = w;
        slow[nslow].runq_ns = q1 > q0 ? q1 - q0 : 0;
        nslow++;
    }
}

static void report_slow_stops(void)
{
    for (int i = 0; i < nslow; i++)
        fprintf(stderr, "pacegc: stop: thread %d answered after %.3f ms (%s); its last wait on the "
                        "run queue, from before the request until it ran, %.3f ms\n", slow[i].tid, (double)slow[i].wait_ns / 1e6,
                slow[i].in_lib ? "inside the library" : "outside the library", (double)slow[i].runq_ns / 1e6);
    nslow = 0;
}

void stop_world(void)
{
    pgc_thread *me = pgc_self;
    for (pgc_thread *t = G.threads; t; t = t->next)
        if (t != me)
            request_stop(t);
    for (pgc_thread *t = G.threads; t; t = t->next)
        if (t != me) {
            if (G.stoptrace)
                wait_stopped_traced(t);
            else
                wait_stopped(t);
        }
}

/* Every thread is released before any is woken: one wake-all, so no woken
 * thread can preempt the coordinator between two wake-ups. */
uint64_t start_world(void)
{
    pgc_thread *me = pgc_self;
    for (pgc_thread *t = G.threads; t; t = t->next)
        if (t != me)
            store_release(&t->resume, load_relaxed(&t->stop_req));
    uint64_t released = now_ns();
    wake_parked();
    for (pgc_thread *t = G.threads; t; t = t->next)
        if (t != me)
            unclaim(t);
    if (nslow)
        report_slow_stops();
    return released;
}

/* ---- fork ------------------------------------------------------------------------ */

/* After cycle_fork_prepare: no cycle runs. Stop every other attached
 * thread, as a pause does, so none is inside a critical section (none holds
 * a lock taken there, INV-STW-LOCKS) or halfway through attaching: the
 * child's copy of the heap, the caches and the thread list is consistent. */
void threads_fork_prepare(void)
{
    lock_stoppable(&G.roots_lock);
    lock_stoppable(&G.threads_lock);
    stop_world();
}

void threads_fork_parent(void)
{
    start_world();
    pthread_mutex_unlock(&G.threads_lock);
    pthread_mutex_unlock(&G.roots_lock);
}

/* The child: only the forking thread exists. Every other thread's caches
 * go back to the central lists (their unused bytes off the accounts) and
 * it leaves the thread list; its stack and TLS are no longer roots. */
void threads_fork_child(void)
{
    pthread_mutex_init(&G.threads_lock, NULL);
    pgc_thread *me = pgc_self;
    pgc_thread *t = G.threads;
    G.threads = NULL;
    G.nthreads = 0;
    G.stack_bytes = 0;
    while (t) {
        pgc_thread *next = t->next;
        if (t == me) {
            t->prev = NULL;
            t->next = NULL;
            G.threads = t;
            G.nthreads = 1;
            G.stack_bytes = t->stack_hi - t->stack_lo;
            t->tid = (pid_t)syscall(SYS_gettid);
        } else {
            cache_release_all(t);
            t->black_bytes = 0;
            t->next = spare_threads;
            spare_threads = t;
        }
        t = next;
    }
}

/* ---- Blocked regions ----------------------------------------------------------- */

/*
 * A thread that waits inside the library (for the cycle to start, for
 * assist credit, for pgc_collect) publishes its stack pointer and spilled
 * registers and becomes BLOCKED; a stopper claims it instead of signalling
 * it, and it cannot leave until the claim is given back. So a wait never
 * delays a pause by a signal round trip, and a waiter is never stopped
 * halfway through the C library's condition-variable code (where a
 * stopped waiter can hold up the thread that signals the variable).
 *
 *   owner                                 stopper
 *   stop_sp = sp; regs spilled            stop_req = e          (seq_cst)
 *   state = BLOCKED            (seq_cst)  CAS state BLOCKED->CLAIMED
 *   if stop_req != stop_ack: bump stop_evt, wake
 *   fn(arg)
 *   CAS state BLOCKED->RUNNING, or wait while CLAIMED
 */
static __attribute__((noinline)) void blocking_body(pgc_thread *t, void (*fn)(void *), void *arg)
{
    jmp_buf regs;
    __builtin_unwind_init();
    setjmp(regs);
    t->intr_sp = 0;
    t->intr_regs[0] = t->intr_regs[1] = 0;
    t->stop_sp = current_sp();
    /* seq_cst (release for stop_sp and the registers): INV-BLOCKED-CLAIM */
    store_seq_cst(&t->state, T_BLOCKED);
    if (load_seq_cst(&t->stop_req) != load_relaxed(&t->stop_ack)) {
        fetch_add_acq_rel(&t->stop_evt, 1); /* a stopper waits: let it claim us */
        futex_wake_all(&t->stop_evt);
    }
    fn(arg);
    for (;;) {
        uint32_t st = T_BLOCKED;
        if (cas_seq_cst(&t->state, &st, T_RUNNING))
            break;
        futex_wait(&t->state, T_CLAIMED); /* held by a stopper */
    }
    compiler_fence();
    (void)regs;
}

/*
 * Around every blocked region, attached thread or not:
 *  - INV-NO-CANCEL-INSIDE: cancellation is disabled. The waits use
 *    pthread_cond_wait, a cancellation point; a thread cancelled there
 *    would die holding the cycle or assist lock with no cleanup, and the
 *    next cycle would hang. No pacegc function is a cancellation point: a
 *    pending cancel acts at the thread's next cancellation point after it
 *    returns. (Asynchronous cancellation inside pacegc is not supported,
 *    as inside malloc.)
 *  - INV-STOPPED-NO-HANDLER: asynchronous signals are blocked, so no
 *    program handler runs on this thread while a stopper holds it as
 *    stopped (claimed) and may be scanning its stack or rewriting its
 *    caches; pending signals are delivered when the region ends. The stop
 *    handler blocks them the same way (sa_mask), and so does a deferred
 *    stop (thread_stop_self). A wait inside the library lasts at most a
 *    cycle.
 */
void thread_blocking(pgc_thread *t, void (*fn)(void *), void *arg)
{
    int cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    sigset_t all, old;
    memset(&old, 0, sizeof old); /* INV-ASSIST-WIPE: no stale words in the unused part */
    os_internal_sigset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (!t) {
        fn(arg);
    } else {
        PGC_ASSERT(t->in_lib == 0);
        blocking_body(t, fn, arg);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_setcancelstate(cancel_state, NULL);
}

/* ---- Attach and detach ------------------------------------------------------ */

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
    lock_stoppable(&G.threads_lock);
    pgc_thread *t = spare_threads;
    if (t)
        spare_threads = t->next;
    pthread_mutex_unlock(&G.threads_lock);
    if (!t)
        t = os_alloc_meta(sizeof *t);
    memset(t, 0, offsetof(pgc_thread, kcache)); /* kcache survives recycling (internal.h) */
    pthread_cond_init(&t->aq_cv, NULL);
    t->self = pthread_self();
    t->tid = (pid_t)syscall(SYS_gettid);
    t->auto_attached = automatic;
    record_stack(t);
    roots_record_tls(t);
    /* Set before the thread is listed: a stop signal finds it attached. */
    pgc_self = t;
    pthread_setspecific(G.thread_key, t);
    lock_stoppable(&G.threads_lock);
    t->next = G.threads;
    if (G.threads)
        G.threads->prev = t;
    G.threads = t;
    G.nthreads++;
    G.stack_bytes += t->stack_hi - t->stack_lo;
    pthread_mutex_unlock(&G.threads_lock);
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
        fetch_add_relaxed(&G.black_exited, black);
    /* INV-BLACK-ONCE: a thread's black bytes are counted in exactly one
     * place, black_exited or its own black_bytes. It stays listed (and
     * counted by a pause #2) until it takes the threads lock below. */
    t->black_bytes = 0;
    assist_thread_exit(t);
    lib_leave(t);
    if (pgc_hook_armed(PGC_TEST_DETACH_UNLISTED))
        thread_blocking(t, detach_hook, NULL);
    pthread_setspecific(G.thread_key, NULL);
    lock_stoppable(&G.threads_lock);
    if (t->prev)
        t->prev->next = t->next;
    else
        G.threads = t->next;
    if (t->next)
        t->next->prev = t->prev;
    G.nthreads--;
    G.stack_bytes -= t->stack_hi - t->stack_lo;
    pgc_self = NULL;
    pthread_cond_destroy(&t->aq_cv);
    t->next = spare_threads;
    spare_threads = t;
    pthread_mutex_unlock(&G.threads_lock);
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
    pthread_mutex_init(&G.threads_lock, NULL);
    pthread_key_create(&G.thread_key, destroy_key);
    find_main_stack();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = stop_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    os_internal_sigset(&sa.sa_mask); /* INV-STOPPED-NO-HANDLER */
    if (sigaction(G.stop_signal, &sa, NULL) != 0)
        pgc_fatal("pacegc: cannot install the stop signal handler for signal %d\n", G.stop_signal);
}

void pgc__test_set_stop_epoch(uint64_t epoch)
{
    ensure_init();
    lock_stoppable(&G.threads_lock);
    store_relaxed(&G.stop_epoch, epoch);
    pthread_mutex_unlock(&G.threads_lock);
}
