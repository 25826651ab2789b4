/*
 * workers.c - background mark workers on real threads (gc-notes Part 1
 * item 8, Part 2 2.4.5).
 *
 * The pacer decides, per cycle, how many dedicated workers run flat out and
 * what fraction of each proc's wall time a fractional worker may take. With
 * procs = 2 that is no dedicated worker and one fractional worker at 50% of
 * one CPU (25% of two). The fractional worker marks in ~100 us slices and
 * sleeps whenever its CPU time (thread CPU clock) is ahead of its share of
 * the mark phase's wall time, plus what it fell short by in the last cycle
 * (INV-FRAC-CARRY).
 *
 * An idle worker runs at SCHED_IDLE, which Linux schedules only on an
 * otherwise idle CPU; its time is counted apart (idle_ns) and, like Go's
 * idle marking, not charged to the GC CPU fraction. It stands down while
 * the CPU limiter is limiting. PGCDEBUG=idleworker=0 turns it off.
 */
#include "internal.h"
#include "assist.h"
#include "mark.h"
#include "stats.h"
#include "workers.h"

#include <sched.h>
#include <sys/prctl.h>
#include <string.h>
#include <time.h>

#define SLICE_NS 100000ull            /* fractional / idle slice: 100 us */
#define DEDICATED_SLICE_NS 10000000ull /* dedicated workers re-check the phase every 10 ms */
#define MAX_WORKERS 64

enum worker_kind { W_DEDICATED, W_FRACTIONAL, W_IDLE };

typedef struct worker {
    int kind;
    int index; /* among dedicated workers */
} worker;

/* Cycle parameters: written by the coordinator before it bumps cycle_seq
 * (release); read by workers after they see the new value (acquire). They
 * are atomics (relaxed) because a worker still finishing the last cycle may
 * read them while the next cycle's values are written: either is fine. */
static _Atomic uint32_t cycle_seq;
static _Atomic int want_dedicated;
static _Atomic double fractional_share; /* CPUs: procs x per-proc fractional goal */
static _Atomic uint64_t mark_start_ns;
/*
 * INV-FRAC-CARRY: the fractional worker's budget in a cycle is its share of
 * the mark phase's wall time plus frac_carry_ns, the CPU it fell short of
 * its budget by in the cycle before (at most half that cycle's budget; none
 * carried when it was ahead). A mark phase ends with time no worker can use
 * (the pool runs dry while the last grey objects are scanned, handshakes,
 * the termination checks) and starts with the worker's wake-up; those are
 * a fixed cost per cycle, so in cycles of a few ms the worker fell short of
 * 25% of the CPUs by 3-6 points, cycle after cycle. With the carry it runs
 * ahead early in the next cycle, while grey work is plentiful, and its
 * share over the cycles meets the aim. The cap keeps an overloaded machine
 * (where no budget is met) from turning the worker into a dedicated one.
 * Written by the coordinator in workers_start_cycle before it bumps
 * cycle_seq (like the parameters above); mark_end_ns by the coordinator in
 * pause #2; frac_cpu0 coordinator only.
 */
static _Atomic int64_t frac_carry_ns;
static uint64_t mark_end_ns, frac_cpu0, frac_budget;

static PGC_STATE worker workers[MAX_WORKERS]; /* coordinator only */
static int nworkers, ndedicated;
static bool have_fractional, have_idle;

static void wait_for_work(uint64_t max_ns)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    if ((mark_st.nfull == 0 || load_relaxed(&mark_st.mark_hold)) && load_relaxed(&G.phase) == PHASE_MARK) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + max_ns;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        fetch_add_relaxed(&mark_st.pool_waiters, 1);
        pthread_cond_timedwait(&mark_st.pool_cv, &mark_st.pool_lock, &ts);
        fetch_sub_relaxed(&mark_st.pool_waiters, 1);
    }
    pthread_mutex_unlock(&mark_st.pool_lock);
}

static void account(int kind, uint64_t cpu)
{
    if (kind == W_IDLE) {
        fetch_add_relaxed(&stats_st.idle_ns, cpu);
    } else {
        fetch_add_relaxed(kind == W_DEDICATED ? &stats_st.dedicated_ns : &stats_st.fractional_ns, cpu);
        fetch_add_relaxed(&stats_st.bg_ns, cpu);
    }
    /* the limiter is updated at least every ~10 ms while a cycle marks */
    static _Atomic uint64_t last_poll;
    uint64_t now = now_ns(), last = load_relaxed(&last_poll);
    if (kind == W_IDLE || (now - last > 10000000 && cas_relaxed(&last_poll, &last, now)))
        limiter_poll(0, kind == W_IDLE ? cpu : 0);
}

/* Mark until the deadline or until the pool runs dry, crediting the work
 * to the debtors as it is done: the drain returns its scan work every
 * CREDIT_CHUNK bytes and the credit goes to the assist queue or bg_credit
 * (assist.c), so a debtor parked for credit waits at most a chunk's scan. */
#define CREDIT_CHUNK (8u << 10)
static void drain_crediting(pgc_marker *m, uint64_t deadline_ns)
{
    for (;;) {
        uint64_t done = mark_drain(m, CREDIT_CHUNK, 0);
        if (done)
            assist_flush_bg_credit(done);
        if (done < CREDIT_CHUNK || now_ns() >= deadline_ns)
            return;
    }
}

/* Mark until the phase ends. */
static void run_mark(worker *w)
{
    double share = load_relaxed(&fractional_share);
    uint64_t start = load_relaxed(&mark_start_ns);
    double carry = (double)load_relaxed(&frac_carry_ns);
    if (w->kind == W_DEDICATED && w->index >= load_relaxed(&want_dedicated))
        return;
    if (w->kind == W_FRACTIONAL && share <= 0)
        return;
    pgc_marker m;
    marker_init(&m);
    uint64_t my_cpu = 0;
    /* INV-WORKER-HOLDS: a dedicated or fractional worker stays active
     * (INV-QUIESCENT) with its local packets from one slice to the next
     * while it is within its budget, so that work that cannot be split (a
     * long list: one grey object at a time) is not handed to the pool, and
     * lost to a parked debtor or the idle worker, every 100 us; balance()
     * still gives others a packet when they wait (INV-IDLE-WORK). It hands
     * everything back before it sleeps, waits, stands down or leaves; after
     * a slice in which it was preempted for more than half the wall time
     * (the CPUs are oversubscribed: what it holds would sit idle); and after
     * any slice that ends while another worker waits on the pool or a
     * debtor is parked wanting work (INV-IDLE-WORK: they get the work, and
     * the debtors' time is the allocators' stall). The
     * idle worker (SCHED_IDLE, preempted by anything) never holds work
     * between slices. */
    bool active = false;
    while (load_acquire(&G.phase) == PHASE_MARK) {
        uint64_t now = now_ns();
        if (w->kind == W_FRACTIONAL) {
            double allowed = share * (double)(now - start) + carry; /* INV-FRAC-CARRY */
            if ((double)my_cpu > allowed) {
                if (active) {
                    marker_end(&m);
                    active = false;
                }
                sleep_ns((uint64_t)(((double)my_cpu - allowed) / share) + 1000);
                continue;
            }
        }
        if (w->kind == W_IDLE && load_relaxed(&G.limiter_on)) {
            wait_for_work(1000000);
            continue;
        }
        uint64_t c0 = thread_cpu_ns();
        uint64_t slice = w->kind == W_DEDICATED ? DEDICATED_SLICE_NS : SLICE_NS;
        if (!active)
            active = marker_begin_with_work(&m);
        bool got = active;
        int slow = load_relaxed(&mark_st.worker_slowdown_us);
        if (active) {
            drain_crediting(&m, now + slice);
            bool holds = (m.cur && m.cur->n) || (m.spare && m.spare->n);
            /* preempted for more than half the slice: others may have been
             * waiting for what we hold all that time */
            bool preempted = now_ns() - now > 2 * (thread_cpu_ns() - c0);
            bool wanted = load_relaxed(&mark_st.aq_want_work) || load_relaxed(&mark_st.pool_waiters);
            if (!holds || preempted || wanted || w->kind == W_IDLE || slow > 0 || load_relaxed(&mark_st.mark_hold)) {
                marker_end(&m);
                active = false;
            } else {
                marker_flush_counters(&m);
            }
        }
        uint64_t cpu = thread_cpu_ns() - c0;
        my_cpu += cpu;
        account(w->kind, cpu);
        if (got && slow > 0)
            sleep_ns((uint64_t)slow * 1000);
        if (!got)
            wait_for_work(w->kind == W_FRACTIONAL ? SLICE_NS * 10 : 5000000);
    }
    if (active)
        marker_end(&m);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pgc__mark_worker = true; /* may block on the assist lock (assist_work_published) */
    /* The fractional worker sleeps ~100 us at a time: the default 50 us
     * timer slack would add half of that to each sleep. */
    if (w->kind == W_FRACTIONAL)
        prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    if (w->kind == W_IDLE) {
        struct sched_param sp = { 0 };
        pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    }
    uint32_t seen = 0;
    for (;;) {
        /* acquire: pairs with the release in workers_start_cycle */
        uint32_t s = load_acquire(&cycle_seq);
        if (s == seen) {
            futex_wait(&cycle_seq, s);
            continue;
        }
        seen = s;
        run_mark(w);
    }
    return NULL;
}

static void spawn(int kind, int index)
{
    if (nworkers == MAX_WORKERS)
        return;
    worker *w = &workers[nworkers++];
    w->kind = kind;
    w->index = index;
    if (!os_start_internal_thread(NULL, worker_main, w, "pacegc-mark"))
        pgc_fatal("pacegc: cannot start a mark worker thread\n");
}

/* Coordinator, after pause #1. */
void workers_start_cycle(int dedicated, double fractional_goal)
{
    while (ndedicated < dedicated && ndedicated < MAX_WORKERS - 2)
        spawn(W_DEDICATED, ndedicated++);
    if (!have_fractional && fractional_goal > 0) {
        spawn(W_FRACTIONAL, 0);
        have_fractional = true;
    }
    if (!have_idle && !G.no_idle_worker) {
        spawn(W_IDLE, 0);
        have_idle = true;
    }
    /* INV-FRAC-CARRY: the last cycle's shortfall. The worker accounts a
     * slice before it looks at the phase again, so its last slice is
     * usually in fractional_ns by now; one still being accounted (cycles
     * back to back) makes the carry at most a slice too large. */
    uint64_t frac_cpu = load_relaxed(&stats_st.fractional_ns);
    double last_share = load_relaxed(&fractional_share);
    uint64_t last_start = load_relaxed(&mark_start_ns);
    int64_t carry = 0;
    if (last_share > 0 && mark_end_ns > last_start) {
        double budget = last_share * (double)(mark_end_ns - last_start) + (double)frac_budget;
        double short_by = budget - (double)(frac_cpu - frac_cpu0);
        double cap = last_share * (double)(mark_end_ns - last_start) / 2;
        carry = short_by <= 0 ? 0 : (int64_t)(short_by < cap ? short_by : cap);
    }
    frac_cpu0 = frac_cpu;
    frac_budget = (uint64_t)carry;
    store_relaxed(&frac_carry_ns, carry);
    store_relaxed(&want_dedicated, dedicated);
    store_relaxed(&fractional_share, fractional_goal * G.procs);
    store_relaxed(&mark_start_ns, now_ns());
    /* release: pairs with the acquire in worker_main */
    store_release(&cycle_seq, load_relaxed(&cycle_seq) + 1);
    futex_wake_all(&cycle_seq);
}

/* Pause #2: the phase change stops the workers' loops; wake any sleeper. */
void workers_end_cycle(void)
{
    mark_end_ns = now_ns(); /* INV-FRAC-CARRY */
    pthread_mutex_lock(&mark_st.pool_lock);
    pthread_cond_broadcast(&mark_st.pool_cv);
    pthread_mutex_unlock(&mark_st.pool_lock);
}

void workers_init(void)
{
}

/* A forked child has none of the parent's workers: spawn them anew at its
 * first cycle. */
void workers_fork_child(void)
{
    nworkers = 0;
    ndedicated = 0;
    have_fractional = have_idle = false;
    mark_end_ns = 0; /* no carry from the parent's cycles (INV-FRAC-CARRY) */
}
