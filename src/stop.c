/*
 * stop.c - stopping attached threads without their help, and blocked
 * regions (the stop layer: below allocation, which runs inside its critical
 * sections; threads.c attaches and detaches the threads it stops).
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
#include "stop.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

PGC_STATE stop_state stop_st;

/* The calling thread's descriptor, NULL while it is not attached: written
 * by the owner (attach, detach: threads.c), read by the owner. */
__thread pgc_thread *pgc_self;


/* Park this thread for the coordinator. Registers are spilled into this
 * frame (setjmp and __builtin_unwind_init); when called from the handler,
 * the interrupted context sits in the signal frame above. Everything from
 * stop_sp up to the stack base is scanned. */
static __attribute__((noinline)) void park(pgc_thread *t, uint64_t e)
{
    jmp_buf regs;
    __builtin_unwind_init();
    setjmp(regs);
    t->stop.stop_sp = current_sp();
    /* release: pairs with the acquire in wait_stopped */
    store_release(&t->stop.stop_ack, e);
    fetch_add_acq_rel(&t->stop.stop_evt, 1); /* pairs with the load in wait_stopped */
    futex_wake_all(&t->stop.stop_evt);
    for (;;) {
        uint32_t seq = load_acquire(&stop_st.wake_seq);
        /* acquire: pairs with the release in resume_thread / start_world */
        if (load_acquire(&t->stop.resume) == e)
            break;
        futex_wait(&stop_st.wake_seq, seq);
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
    if (t && load_acquire(&t->stop.state) == T_RUNNING) {
        t->stop.intr_sp = interrupted_sp(uc);
        ucontext_t *u = uc;
        t->stop.intr_regs[0] = (uintptr_t)&u->uc_mcontext;
        t->stop.intr_regs[1] = (uintptr_t)(&u->uc_mcontext + 1);
        /* acquire: pairs with the release in stop_thread */
        uint64_t e = load_acquire(&t->stop.stop_req);
        if (e != load_relaxed(&t->stop.stop_ack)) {
            if (t->cs.in_lib > 0)
                t->cs.stop_deferred = 1;
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
    t->cs.stop_deferred = 0;
    t->stop.intr_sp = 0; /* stopped inside the library, not by the handler */
    t->stop.intr_regs[0] = t->stop.intr_regs[1] = 0;
    uint64_t e = load_acquire(&t->stop.stop_req); /* pairs with stop_thread */
    if (e != load_relaxed(&t->stop.stop_ack))
        park(t, e);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Take a thread that sits in a blocked region as stopped. Its stop_sp and
 * spilled registers were published before it became BLOCKED. */
static bool try_claim(pgc_thread *t)
{
    uint32_t s = T_BLOCKED;
    /* seq_cst: INV-BLOCKED-CLAIM, after the seq_cst store of stop_req */
    if (!cas_seq_cst(&t->stop.state, &s, T_CLAIMED))
        return false;
    store_release(&t->stop.stop_ack, load_relaxed(&t->stop.stop_req)); /* acknowledged for it */
    return true;
}

/* Threads lock held. Ask t to stop; wait_stopped waits for it. */
static void request_stop(pgc_thread *t)
{
    uint64_t e = fetch_add_relaxed(&stop_st.stop_epoch, 1) + 1;
    /* seq_cst (so also release: pairs with the acquire in stop_handler and
     * thread_stop_self): INV-BLOCKED-CLAIM orders it before the claim */
    store_seq_cst(&t->stop.stop_req, e);
    if (try_claim(t)) {
        fetch_add_relaxed(&stop_st.stops_claimed, 1);
        return; /* blocked in the library: no signal needed */
    }
    fetch_add_relaxed(&stop_st.stops_signalled, 1);
    int err = pthread_kill(t->self, G.stop_signal);
    if (err)
        pgc_fatal("pacegc: cannot signal thread %d to stop (%s); did it exit without "
                  "pgc_thread_detach?\n", (int)t->tid, strerror(err));
}

static void wait_stopped(pgc_thread *t)
{
    uint64_t e = load_relaxed(&t->stop.stop_req);
    for (;;) {
        uint32_t ev = load_acquire(&t->stop.stop_evt); /* pairs with park / thread_blocking */
        if (load_acquire(&t->stop.stop_ack) == e)      /* pairs with park */
            return;
        if (try_claim(t)) { /* signalled, then blocked before answering */
            fetch_add_relaxed(&stop_st.stops_claimed, 1);
            return;
        }
        futex_wait(&t->stop.stop_evt, ev);
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
    fetch_add_acq_rel(&stop_st.wake_seq, 1);
    futex_wake_all(&stop_st.wake_seq);
}

/* Hand a claimed thread back: it may leave its blocked region. */
static void unclaim(pgc_thread *t)
{
    if (load_relaxed(&t->stop.state) == T_CLAIMED) { /* only we set CLAIMED */
        /* seq_cst (release): pairs with the CAS in thread_blocking */
        store_seq_cst(&t->stop.state, T_BLOCKED);
        futex_wake_all(&t->stop.state);
    }
}

void resume_thread(pgc_thread *t)
{
    /* release: pairs with the acquire in park */
    store_release(&t->stop.resume, load_relaxed(&t->stop.stop_req));
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
static PGC_STATE struct {
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
    bool in_lib = t->cs.in_lib > 0;
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
    for (pgc_thread *t = stop_st.threads; t; t = t->next)
        if (t != me)
            request_stop(t);
    for (pgc_thread *t = stop_st.threads; t; t = t->next)
        if (t != me) {
            if (G.stoptrace)
                wait_stopped_traced(t);
            else
                wait_stopped(t);
        }
}

/*
 * STOP-ROTATE: with the world stopped (threads lock held), the head of the
 * thread list moves to its tail, so no thread is always first or last in
 * the order of the stop requests, the releases and the handshakes. The
 * order decides which thread runs first after a pause when there are more
 * runnable threads than CPUs, and so which debtor finds the grey work at
 * pause #1 and marks most of a small heap's cycle: with a fixed order the
 * last-attached thread did 3x the others' assists and made half their
 * progress (bench/fairness.c, issue 12).
 */
static void rotate_threads(void)
{
    pgc_thread *h = stop_st.threads;
    if (h == NULL || h->next == NULL)
        return;
    pgc_thread *tail = h;
    while (tail->next)
        tail = tail->next;
    stop_st.threads = h->next;
    h->next->prev = NULL;
    h->next = NULL;
    h->prev = tail;
    tail->next = h;
}

/* Test hook (tests/test_stop_rotate.c): the tids of the attached threads in
 * list order, at most max of them; returns how many are attached. The
 * caller is outside any critical section. */
PGC_API int pgc__test_thread_order(int *tids, int max);
int pgc__test_thread_order(int *tids, int max)
{
    ensure_init();
    lock_stoppable(&stop_st.threads_lock);
    int n = 0;
    for (pgc_thread *t = stop_st.threads; t; t = t->next, n++)
        if (n < max)
            tids[n] = (int)t->tid;
    pthread_mutex_unlock(&stop_st.threads_lock);
    return n;
}

/* Every thread is released before any is woken: one wake-all, so no woken
 * thread can preempt the coordinator between two wake-ups. */
uint64_t start_world(void)
{
    pgc_thread *me = pgc_self;
    rotate_threads();
    for (pgc_thread *t = stop_st.threads; t; t = t->next)
        if (t != me)
            store_release(&t->stop.resume, load_relaxed(&t->stop.stop_req));
    uint64_t released = now_ns();
    wake_parked();
    for (pgc_thread *t = stop_st.threads; t; t = t->next)
        if (t != me)
            unclaim(t);
    if (nslow)
        report_slow_stops();
    return released;
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
    t->stop.intr_sp = 0;
    t->stop.intr_regs[0] = t->stop.intr_regs[1] = 0;
    t->stop.stop_sp = current_sp();
    /* seq_cst (release for stop_sp and the registers): INV-BLOCKED-CLAIM */
    store_seq_cst(&t->stop.state, T_BLOCKED);
    if (load_seq_cst(&t->stop.stop_req) != load_relaxed(&t->stop.stop_ack)) {
        fetch_add_acq_rel(&t->stop.stop_evt, 1); /* a stopper waits: let it claim us */
        futex_wake_all(&t->stop.stop_evt);
    }
    fn(arg);
    for (;;) {
        uint32_t st = T_BLOCKED;
        if (cas_seq_cst(&t->stop.state, &st, T_RUNNING))
            break;
        futex_wait(&t->stop.state, T_CLAIMED); /* held by a stopper */
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
        PGC_ASSERT(t->cs.in_lib == 0);
        blocking_body(t, fn, arg);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_setcancelstate(cancel_state, NULL);
}

/* ---- Attach and detach ------------------------------------------------------ */
/* Install the stop signal's handler (threads_init). */
void stop_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = stop_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    os_internal_sigset(&sa.sa_mask); /* INV-STOPPED-NO-HANDLER */
    if (sigaction(G.stop_signal, &sa, NULL) != 0)
        pgc_fatal("pacegc: cannot install the stop signal handler for signal %d\n", G.stop_signal);
}
