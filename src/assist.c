/*
 * assist.c - mutator assists: allocation during marking is paid for with
 * scan work (gc-notes Part 1 item 7, Part 2 section 3).
 *
 * The debt model. Each attached thread has a balance t->assist.assist_bytes, in
 * bytes of allocation: positive is credit, negative is debt. While assists
 * are enabled (from the end of pause #1 to pause #2), a thread is charged
 * before it allocates: a whole span at a cache refill (the excess refunded
 * once the span's free bytes are known), the object's pages for a large
 * object. A thread in debt pays, in this order:
 *   1. steals scan work from the background credit pool (bg_credit);
 *   2. marks, converting its debt to scan work with the pacer's
 *      assist_work_per_byte, at least 64 KiB of it (over-assist);
 *   3. if still in debt (nothing to mark right now), parks on a FIFO queue;
 *      background workers' credit flushes pay queued debtors in order
 *      (a partial payment sends the debtor to the back). The debtor
 *      re-checks bg_credit after enqueueing. When marking ends every debtor
 *      is woken and its debt forgiven.
 * It never returns to allocate while in debt because no work happened to
 * be queued (the bug Go's commit 8f34b253 fixed), never sleeps on a timer,
 * and never allocates on this path, with one exception, as in Go: while
 * the GC CPU limiter is limiting (a memory limit is driving the collector
 * past half the CPU), a debtor under the hard cap keeps its debt and
 * allocates without marking, so that the collector never takes more than
 * its CPU limit; past the hard cap (goal + 5%; goal + 25% while the memory
 * limit sets the goal, LIMIT-CAP) even then it waits for the cycle to end.
 * The README says the same.
 *
 * t->assist.assist_bytes is written by its owner, except while the thread is on
 * the assist queue, when credit flushes write it under the assist lock;
 * balances of an earlier cycle are dropped by their owner
 * (INV-ASSIST-STAMP, internal.h).
 */
#include "internal.h"
#include "assist.h"
#include "mark.h"
#include "stop.h"
#include "alloc.h"

#include <string.h>

PGC_STATE assist_state assist_st;

#define OVER_ASSIST_WORK (64 << 10) /* gcOverAssistWork, gc-notes 2.7 */

static uint64_t assist_mark_chunk(pgc_thread *t, uint64_t work);
static void credit_flush(uint64_t work, bool mutator);

static double dload(_Atomic uint64_t *p)
{
    uint64_t u = load_relaxed(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static double work_per_byte(void) { return dload(&G.assist_work_per_byte_x1024); }
static double bytes_per_work(void) { return dload(&G.assist_bytes_per_work_x1024); }

/* Owner: start from zero if the balance is from an earlier cycle. */
static void assist_sync(pgc_thread *t)
{
    uint64_t e = load_relaxed(&assist_st.assist_epoch);
    if (t->assist.assist_cycle != e) {
        t->assist.assist_cycle = e;
        t->assist.assist_bytes = 0;
    }
}

/* Take up to `want` units from the background credit. */
static int64_t steal(int64_t want)
{
    int64_t cur = load_relaxed(&assist_st.bg_credit);
    while (cur > 0) {
        int64_t take = cur < want ? cur : want;
        if (cas_relaxed(&assist_st.bg_credit, &cur, cur - take))
            return take;
    }
    return 0;
}

/* Feed the CPU limiter: assist time (assist_ns, ASSIST-WALL) and
 * idle-worker CPU (idle_ns) since the last call; update the bucket when
 * due. */
void limiter_poll(uint64_t assist_ns, uint64_t idle_ns)
{
    /* LIMIT-BLOCKED: while the memory limit sets the goal, the time
     * allocators spent blocked by the collector (parked debtors, the
     * trigger wait) counts as GC time, like assist CPU: a program whose allocating threads wait for marking is held up
     * by the collector just as much as one whose threads mark. Without it,
     * a memory limit below the live heap stalled the allocator while the
     * limiter saw an idle collector and never engaged. Counted when each
     * wait ends (assist_blocked_ns); pacer lock. */
    /* LIMIT-IDLE: while the memory limit sets the goal, CPU the process did
     * not use (procs x wall less its CPU time, less the blocked time counted
     * above) is idle, as an idle P is in Go; otherwise a single allocating
     * thread on 2 CPUs looked like 2 CPUs of mutator time and drained the
     * bucket. (Without a memory limit it made the limiter engage on
     * bench/floating and skip assists: heap 1.15 -> 1.23 x (2 x live).)
     * Pacer lock. */
    static uint64_t blocked_seen, wall_seen, cpu_seen;
    pthread_mutex_lock(&G.pacer_lock);
    uint64_t blocked = load_relaxed(&assist_st.assist_blocked_ns), blocked_d = 0;
    if (blocked > blocked_seen) {
        blocked_d = blocked - blocked_seen;
        if (load_relaxed(&G.mem_limited))
            assist_ns += blocked_d;
        blocked_seen = blocked;
    }
    if (load_relaxed(&G.mem_limited)) {
        /* the process CPU clock sums every thread's: read it only here */
        uint64_t wall = now_ns(), cpu = process_cpu_ns();
        if (wall_seen && wall > wall_seen && cpu >= cpu_seen) {
            uint64_t avail = (wall - wall_seen) * (uint64_t)G.procs, used = cpu - cpu_seen + blocked_d;
            if (avail > used)
                idle_ns += avail - used;
        }
        wall_seen = wall;
        cpu_seen = cpu;
    } else {
        wall_seen = 0; /* the next limited poll starts a new interval */
    }
    if (assist_ns)
        pgc_limiter_add_assist_time(&G.limiter, (int64_t)assist_ns);
    if (idle_ns)
        pgc_limiter_add_idle_time(&G.limiter, (int64_t)idle_ns);
    int64_t now = (int64_t)now_ns();
    if (pgc_limiter_need_update(&G.limiter, now))
        pgc_limiter_update(&G.limiter, now);
    store_relaxed(&G.limiter_on, pgc_limiter_limiting(&G.limiter));
    pthread_mutex_unlock(&G.pacer_lock);
}

#define ASSIST_CHUNK (256 << 10) /* leave the critical section this often */

/* Mark up to `work` units, in critical sections of at most ASSIST_CHUNK so
 * a stop request never waits long; returns the work done. */
static uint64_t assist_mark(pgc_thread *t, uint64_t work)
{
    uint64_t done = 0;
    while (done < work) {
        uint64_t want = work - done < ASSIST_CHUNK ? work - done : ASSIST_CHUNK;
        uint64_t got = assist_mark_chunk(t, want);
        done += got;
        if (got < want)
            break;
    }
    return done;
}

/*
 * INV-ASSIST-WIPE (gccheckmark only): an assist marks on the mutator's own
 * stack, and marking handles addresses that no mutator can hold: the scan
 * of an object reaches its last word with the next object's address in
 * reach (see scan_words, mark.c), and callees (pthread, mmap) save the
 * marker's registers in their frames; a stop signal taken inside the
 * critical section puts all registers in a signal frame below. Left there,
 * such values sit in dead stack below the mutator's frames, and a later
 * frame that does not initialise all its slots (a partly filled sigset_t,
 * padding, an unused local) makes them look live to a conservative scan:
 * gccheckmark then finds, at pause #2, a stack word pointing to an
 * unmarked object (the one after an object the assist scanned), although
 * no mutator ever held it. So before the critical section ends, and so
 * before this thread can be stopped or return to its caller, the assist
 * zeroes the stack below its frame: the marking's frames (about 3 KiB
 * measured, with the glibc calls) and a signal frame (AT_MINSIGSTKSZ, 3.3
 * KiB with AVX-512), with margin; never closer than WIPE_RESERVE to the
 * stack's end. Needed neither for soundness (INV-SATB does not depend on
 * what dead stack holds) nor for the check (checkmark.c ignores such words
 * under CHECK-STACK-RULE), so off unless gccheckmark is on; there it
 * removes most of the words that rule would otherwise have to ignore
 * (about 95% in the torture test).
 */
#define WIPE_BYTES ((uintptr_t)16 << 10)
#define WIPE_RESERVE ((uintptr_t)16 << 10)

static __attribute__((noinline)) void wipe_stack_below(pgc_thread *t)
{
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (here <= t->stack_lo + WIPE_RESERVE)
        return;
    uintptr_t n = here - t->stack_lo - WIPE_RESERVE;
    if (n > WIPE_BYTES)
        n = WIPE_BYTES;
    char *buf = __builtin_alloca(n); /* on the real stack, even under ASan */
    memset(buf, 0, n);
    __asm__ volatile("" : : "r"(buf) : "memory"); /* the stores are not dead */
}

/* ASSIST-WALL: an assist is timed with the monotonic clock, as Go times
 * its assists with nanotime: the thread CPU clock has no vDSO path, and its
 * two system calls per chunk were 2.4% of Whippet's mt-gcbench at 1 thread
 * (BENCHMARKS.md, session 8). An assist preempted mid-chunk counts the
 * preemption as assist time. */
static uint64_t assist_mark_chunk(pgc_thread *t, uint64_t work)
{
    lib_enter(t);
    uint64_t c0 = now_ns();
    pgc_marker m;
    marker_init(&m);
    marker_begin();
    barrier_flush_thread(t, &m); /* our own buffer is work too */
    uint64_t done = mark_drain(&m, work, 0);
    marker_end(&m);
    uint64_t spent = now_ns() - c0;
    fetch_add_relaxed(&assist_st.assist_ns, spent);
    limiter_poll(spent, 0); /* pacer lock: inside the critical section */
    if (G.checkmark)
        wipe_stack_below(t); /* INV-ASSIST-WIPE: before a stop can see this stack */
    lib_leave(t);
    return done;
}

static void dequeue_locked(pgc_thread *t)
{
    pgc_thread **pp = &assist_st.aq_head, *prev = NULL;
    while (*pp && *pp != t) {
        prev = *pp;
        pp = &(*pp)->assist.aq_next;
    }
    if (*pp) {
        *pp = t->assist.aq_next;
        if (assist_st.aq_tail == t)
            assist_st.aq_tail = prev;
        if (t->assist.aq_wants_work)
            store_relaxed(&mark_st.aq_want_work, load_relaxed(&mark_st.aq_want_work) - 1);
    }
    t->assist.aq_next = NULL;
    t->assist.aq_queued = false;
    store_relaxed(&assist_st.aq_head_hint, assist_st.aq_head != NULL);
}

/* Assist lock held: release a parked debtor. The waker accounts the wait,
 * so a cycle's record includes the waits that its end released. */
static void wake_locked(pgc_thread *t)
{
    dequeue_locked(t);
    t->assist.aq_woken = true;
    fetch_add_relaxed(&assist_st.assist_blocked_ns, now_ns() - t->assist.aq_since);
    pthread_cond_signal(&t->assist.aq_cv);
}

static void enqueue_locked(pgc_thread *t)
{
    t->assist.aq_next = NULL;
    if (assist_st.aq_tail)
        assist_st.aq_tail->assist.aq_next = t;
    else
        assist_st.aq_head = t;
    assist_st.aq_tail = t;
    t->assist.aq_queued = true;
    if (t->assist.aq_wants_work)
        store_relaxed(&mark_st.aq_want_work, load_relaxed(&mark_st.aq_want_work) + 1);
    store_relaxed(&assist_st.aq_head_hint, 1);
}

/* A blocked region: wait for a waker to dequeue t. aq_woken and aq_cv are
 * the assist lock's, not the thread's owner-only state. */
static void wait_woken_blocked(void *arg)
{
    pgc_thread *t = arg;
    pthread_mutex_lock(&assist_st.assist_lock);
    while (!t->assist.aq_woken)
        pthread_cond_wait(&t->assist.aq_cv, &assist_st.assist_lock);
    pthread_mutex_unlock(&assist_st.assist_lock);
}

/* Park until credit pays the debt, marking ends or (wants_work) grey work is
 * published. Outside any critical section, so the world can stop while we
 * wait. epoch0: push_epoch read before this debtor last looked for work.
 * Returns true if marking ended (stop paying), false to retry. */
static bool park(pgc_thread *t, bool credit_helps, bool wants_work, uint64_t epoch0)
{
    lock_stoppable(&assist_st.assist_lock);
    if (!load_relaxed(&G.assists_enabled)) {
        pthread_mutex_unlock(&assist_st.assist_lock);
        return true;
    }
    t->assist.aq_woken = false;
    t->assist.aq_wants_work = wants_work;
    enqueue_locked(t);
    /* INV-AQ-SB: seq_cst fence between publishing aq_head_hint and reading
     * bg_credit, paired with the fence in assist_flush_bg_credit between
     * adding to bg_credit and re-reading the hint: a parking debtor and a
     * crediting worker cannot both miss each other (store buffering).
     * INV-AQ-WORK: the same fence orders publishing aq_want_work before
     * re-reading push_epoch, paired with the fence in mark.c after_publish
     * between the push_epoch bump and reading aq_want_work: work pushed after
     * this debtor last looked is seen here, or its publisher wakes us. */
    fence_seq_cst();
    if ((credit_helps && load_relaxed(&assist_st.bg_credit) > 0) || /* credit arrived meanwhile */
        (wants_work && load_relaxed(&mark_st.push_epoch) != epoch0)) { /* so did work */
        dequeue_locked(t);
        pthread_mutex_unlock(&assist_st.assist_lock);
        return false;
    }
    t->assist.aq_since = now_ns();
    pthread_mutex_unlock(&assist_st.assist_lock);
    thread_blocking(t, wait_woken_blocked, t);
    return false;
}

/* Grey work was pushed to the pool (mark.c's publish hook, after its
 * seq_cst fence): if some parked debtor may mark, wake the first such
 * (INV-IDLE-WORK). may_block: the caller is a mark worker, which
 * may wait for the assist lock; anyone else (an assisting mutator inside a
 * critical section, the coordinator with the world stopped) must not wait
 * for a lock a stopped debtor may hold, and only tries it: if the lock is
 * busy, the holder is a debtor parking (which re-reads push_epoch after
 * enqueueing), a credit flush or a wake, and the workers, woken by the push,
 * take the work meanwhile. */
void assist_work_published(bool may_block)
{
    if (!load_relaxed(&mark_st.aq_want_work)) /* after the caller's INV-AQ-WORK fence */
        return;
    if (may_block)
        pthread_mutex_lock(&assist_st.assist_lock);
    else if (pthread_mutex_trylock(&assist_st.assist_lock) != 0)
        return;
    for (pgc_thread *t = assist_st.aq_head; t; t = t->assist.aq_next) {
        if (t->assist.aq_wants_work) {
            wake_locked(t);
            break;
        }
    }
    pthread_mutex_unlock(&assist_st.assist_lock);
}

/* Past this heap size a debtor may not allocate until the cycle ends, even
 * if work or credit would pay its debt: the goal plus 5%. pending: the
 * bytes the debtor is about to allocate, so that one large allocation
 * cannot jump the cap. */
static bool over_hard_cap(uint64_t pending)
{
    uint64_t goal = load_relaxed(&G.goal);
    /* LIMIT-CAP: while the CPU limiter limits and the memory limit sets
     * the goal, the cap is goal + 25%: a debtor parked at goal + 5% is
     * stalled by the collector, the cost the limiter exists to bound under
     * a memory limit (Go has no cap at all then). Without a memory limit
     * the GOGC goal + 5% holds. */
    uint64_t cap = load_relaxed(&G.limiter_on) && load_relaxed(&G.mem_limited)
        ? goal + goal / 4 : goal + goal / 20;
    return load_relaxed(&alloc_st.heap_live) + pending > cap;
}

/* Credit beyond the debt may not exceed what is left before the goal: when
 * the pacer's expected scan work is used up, its bytes-per-work ratio grows
 * large, and one over-assist could otherwise buy far more than the goal
 * leaves. */
static void clamp_surplus(pgc_thread *t)
{
    uint64_t goal = load_relaxed(&G.goal), live = load_relaxed(&alloc_st.heap_live);
    int64_t room = live < goal ? (int64_t)(goal - live) : 0;
    if (t->assist.assist_bytes > room)
        t->assist.assist_bytes = room;
}

/* Pay t's debt (see the top of the file). Outside any critical section. */
static void assist_pay(pgc_thread *t, uint64_t pending)
{
    for (;;) {
        if (!load_relaxed(&G.assists_enabled)) {
            t->assist.assist_bytes = 0; /* marking ended: debt forgiven */
            return;
        }
        assist_sync(t); /* a new cycle may have begun while we waited */
        uint64_t epoch = load_relaxed(&mark_st.push_epoch); /* before looking for work */
        if (over_hard_cap(pending)) {
            /* Even while the CPU limiter limits: waiting costs no CPU. */
            if (load_relaxed(&G.limiter_on)) {
                if (park(t, false, false, epoch))
                    return;
                continue;
            }
            /* Only the end of marking lets this thread allocate: mark while
             * there is work, then wait. */
            if (assist_mark(t, OVER_ASSIST_WORK) == 0 && park(t, false, true, epoch))
                return;
            continue;
        }
        if (t->assist.assist_bytes >= 0 || load_relaxed(&G.limiter_on))
            return; /* limiting: keep the debt, do not mark */
        double wpb = work_per_byte(), bpw = bytes_per_work();
        int64_t debt = -t->assist.assist_bytes;
        int64_t work = (int64_t)(wpb * (double)debt);
        if (work < OVER_ASSIST_WORK) {
            work = OVER_ASSIST_WORK;
            debt = (int64_t)(bpw * OVER_ASSIST_WORK);
        }
        int64_t stolen = steal(work);
        if (stolen == work) {
            t->assist.assist_bytes += debt;
            clamp_surplus(t);
            continue; /* the loop head decides whether that was enough */
        }
        t->assist.assist_bytes += (int64_t)(bpw * (double)stolen);
        work -= stolen;
        bool marked = false;
        if (t->assist.assist_bytes < 0) {
            uint64_t done = assist_mark(t, (uint64_t)work);
            t->assist.assist_bytes += 1 + (int64_t)(bpw * (double)done);
            marked = done > 0;
        }
        int64_t before = t->assist.assist_bytes;
        clamp_surplus(t);
        /* ASSIST-SHARE: the over-assist this thread cannot keep (past the
         * room before the goal) is scan work done all the same: it pays the
         * parked debtors, in queue order, instead of being lost. Otherwise
         * at a small heap the first debtor after pause #1 marked most of
         * the cycle's work and the others, finding none, waited for the
         * cycle's end (issue 12: the last-attached thread did 3x the
         * assists of the others and made half their progress). Every
         * debtor paid so still passes the hard cap check. */
        if (marked && before > t->assist.assist_bytes && t->assist.assist_bytes >= 0)
            credit_flush((uint64_t)(wpb * (double)(before - t->assist.assist_bytes)), true);
        if (t->assist.assist_bytes >= 0)
            continue;
        if (park(t, true, true, epoch))
            return;
    }
}

/* Give back what a charge overestimated. */
void assist_refund(pgc_thread *t, int64_t bytes)
{
    assist_sync(t);
    t->assist.assist_bytes += bytes;
}

/* Charge `bytes` before allocating them; pay any resulting debt. */
void assist_charge(pgc_thread *t, uint64_t bytes)
{
    assist_sync(t);
    t->assist.assist_bytes -= (int64_t)bytes;
    /* credit does not buy past the hard cap: several threads' credit
     * together could otherwise overshoot it */
    if (t->assist.assist_bytes < 0 || over_hard_cap(bytes))
        assist_pay(t, bytes);
}

/* Background workers: `work` units of scan work earned. Pays queued
 * debtors first, in FIFO order; the rest goes to bg_credit. */
void assist_flush_bg_credit(uint64_t work)
{
    credit_flush(work, false);
}

/* The body of assist_flush_bg_credit; mutator: the caller is an attached
 * thread outside any critical section (ASSIST-SHARE), which takes the
 * assist lock stoppably (a stopped debtor may hold it). */
static void credit_flush(uint64_t work, bool mutator)
{
    if (work == 0)
        return;
    if (load_relaxed(&assist_st.aq_head_hint) == 0) {
        fetch_add_relaxed(&assist_st.bg_credit, (int64_t)work);
        fence_seq_cst(); /* INV-AQ-SB: pairs with the fence in park */
        if (load_relaxed(&assist_st.aq_head_hint) == 0)
            return;
        /* A debtor parked meanwhile and may have read bg_credit before the
         * add: take the credit back and pay the queue with it. */
        work = (uint64_t)steal((int64_t)work);
        if (work == 0)
            return;
    }
    double bpw = bytes_per_work();
    if (mutator)
        lock_stoppable(&assist_st.assist_lock);
    else
        pthread_mutex_lock(&assist_st.assist_lock);
    int64_t bytes = (int64_t)(bpw * (double)work);
    while (bytes > 0 && assist_st.aq_head) {
        pgc_thread *t = assist_st.aq_head;
        if (t->assist.assist_bytes + bytes >= 0) {
            bytes += t->assist.assist_bytes;
            t->assist.assist_bytes = 0;
            wake_locked(t);
        } else {
            t->assist.assist_bytes += bytes;
            bytes = 0;
            if (t->assist.aq_next) { /* partial payers go to the back */
                dequeue_locked(t);
                enqueue_locked(t);
            }
        }
    }
    store_relaxed(&assist_st.aq_head_hint, assist_st.aq_head != NULL);
    pthread_mutex_unlock(&assist_st.assist_lock);
    if (bytes > 0)
        fetch_add_relaxed(&assist_st.bg_credit, (int64_t)((double)bytes * work_per_byte()));
}

/*
 * WAKE-LEAST-FIRST: at the end of marking the parked debtors are woken in
 * order of their allocation progress (alloc.refilled_bytes), least first,
 * not in the order they parked. With more allocating threads than CPUs and
 * a small heap, the threads that run first after the wake-up take the
 * runway to the next trigger, park first in the next cycle and so were
 * woken first again: one thread could stay ahead for a whole run
 * (bench/fairness.c, slowest / fastest thread 0.6 in some runs). Waking the
 * one that is behind first breaks that loop; the scheduler still decides
 * who runs, so it narrows the spread, not removes it (issue 12,
 * docs/BENCHMARKS.md "Session 7"). tests/test_wake_order.c.
 */
#define WAKE_SORT_MAX 64
#define WAKE_ORDER_KEPT 16
static int last_wake_tids[WAKE_ORDER_KEPT], last_wake_n; /* assist lock; for a test hook */

int assist_test_parked(void)
{
    int n = 0;
    lock_stoppable(&assist_st.assist_lock);
    for (pgc_thread *t = assist_st.aq_head; t; t = t->assist.aq_next)
        n++;
    pthread_mutex_unlock(&assist_st.assist_lock);
    return n;
}

int assist_test_wake_order(int *tids, int max)
{
    lock_stoppable(&assist_st.assist_lock);
    int n = last_wake_n;
    for (int i = 0; i < n && i < max; i++)
        tids[i] = last_wake_tids[i];
    pthread_mutex_unlock(&assist_st.assist_lock);
    return n;
}

/* After pause #2 (assists disabled): release every parked debtor,
 * least progress first. */
void assist_wake_all(void)
{
    pgc_thread *q[WAKE_SORT_MAX];
    int n = 0;
    pthread_mutex_lock(&assist_st.assist_lock);
    for (pgc_thread *t = assist_st.aq_head; t && n < WAKE_SORT_MAX; t = t->assist.aq_next)
        q[n++] = t;
    /* insertion sort by progress: n is the number of parked threads */
    for (int i = 1; i < n; i++) {
        pgc_thread *x = q[i];
        int j = i;
        while (j > 0 && q[j - 1]->alloc.refilled_bytes > x->alloc.refilled_bytes) {
            q[j] = q[j - 1];
            j--;
        }
        q[j] = x;
    }
    for (int i = 0; i < n; i++) {
        if (i < WAKE_ORDER_KEPT)
            last_wake_tids[i] = (int)q[i]->tid;
        wake_locked(q[i]);
    }
    last_wake_n = n < WAKE_ORDER_KEPT ? n : WAKE_ORDER_KEPT;
    while (assist_st.aq_head) /* beyond WAKE_SORT_MAX: queue order */
        wake_locked(assist_st.aq_head);
    store_relaxed(&assist_st.aq_head_hint, 0);
    pthread_mutex_unlock(&assist_st.assist_lock);
}

/* A thread detaching during marking (critical section): its credit goes to
 * the pool, and so does its debt, so short-lived threads cannot dodge
 * assists (gc-notes Part 1 item 10). */
void assist_thread_exit(pgc_thread *t)
{
    assist_sync(t);
    if (load_relaxed(&G.assists_enabled) && t->assist.assist_bytes != 0)
        fetch_add_relaxed(&assist_st.bg_credit, (int64_t)((double)t->assist.assist_bytes * work_per_byte()));
    t->assist.assist_bytes = 0;
}

/* A forked child: no cycle marks, and the threads that may have been
 * parked on the queue do not exist here. */
void assist_fork_child(void)
{
    pthread_mutex_init(&assist_st.assist_lock, NULL);
    assist_st.aq_head = assist_st.aq_tail = NULL;
    store_relaxed(&assist_st.aq_head_hint, 0);
    store_relaxed(&mark_st.aq_want_work, 0);
    store_relaxed(&assist_st.bg_credit, 0);
}
