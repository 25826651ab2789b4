/*
 * cycle.c - the collection cycle: one coordinator thread owns every phase
 * transition (the phases are described in internal.h, enum pgc_phase).
 *
 *  OFF --trigger or pgc_collect--> finish sweeping (INV-SWEPT-BEFORE-MARK)
 *  SWEEP_TERM  pause #1: roots greyed, barrier and allocate-black on, the
 *              pacer starts the cycle, assists enabled.
 *  MARK        workers and assists mark. Exit when INV-QUIESCENT holds, a
 *              round of per-thread handshakes moved no barrier buffer into
 *              work, and pause #2 confirms it.
 *  MARK_TERM   pause #2: barrier buffers shaded, no stack re-scanned
 *              (INV-NO-RESCAN, below); if that greys anything the world
 *              restarts and MARK goes on (pause #2 never marks more).
 *              Otherwise barrier off, caches released, sweep generation
 *              flipped, pacer ends the cycle.
 *  SWEEP       background sweep here, lazy sweep in allocators; then OFF.
 *
 * INV-NO-RESCAN: stacks are roots in pause #1 only; pause #2 shades the
 * barrier buffers and nothing else. A word that appears on a stack after
 * pause #1 and points to an unmarked object is not a pointer the program
 * can follow: every object reachable at the snapshot is marked by the end
 * (INV-SATB) and every object allocated since is black, so an unmarked one
 * was garbage at the snapshot. (Such words exist: stale slots, computed
 * addresses one past an object; the old INV-STACK-RESCAN re-scanned the
 * stacks here because gccheckmark reported them. checkmark.c now tells
 * them apart: CHECK-STACK-RULE, DESIGN.md "Checkmark".)
 */
#include "internal.h"
#include "postmark.h"
#include "lifetimes.h"
#include "testhooks.h"
#include "roots.h"
#include "heap.h"
#include "assist.h"
#include "mark.h"
#include "stop.h"
#include "stats.h"
#include "cycle.h"
#include "alloc.h"
#include "sweep.h"
#include "workers.h"

#include <link.h>
#include <stdio.h>
#include <string.h>

PGC_STATE cycle_state cycle_st;

#define REVISE_EVERY ((uint64_t)256 << 10) /* revise the assist ratio per 256 KiB allocated */

/* A trigger request is pending for the cycle numbered trigger_pending
 * (0: none). It names the cycle it asks for, cycles_started + 1 when it is
 * made, so a request made just before a pause #1 that a reader of the old
 * phase did not see cannot survive into the next cycle and suppress that
 * cycle's trigger (the pause does not need to clear it). Written with
 * relaxed stores by requesters and the coordinator: a stale value only
 * costs a redundant request or is ignored. */
static _Atomic uint64_t trigger_pending;
/* cycles_started, mirrored for lock-free readers (coordinator writes it in
 * stw1, relaxed). */
static _Atomic uint64_t started_mirror;

static uint64_t next_cycle(void) { return load_relaxed(&started_mirror) + 1; }
static bool trigger_is_pending(void) { return load_relaxed(&trigger_pending) == next_cycle(); }
static void set_trigger_pending(void) { store_relaxed(&trigger_pending, next_cycle()); }
static _Atomic uint64_t last_revise_live; /* relaxed */


/* ---- Pacer glue (pacer lock) ------------------------------------------------ */

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* Refresh the pacer's memory inputs and publish its outputs for lock-free
 * readers. Pacer lock held. */
void pacer_publish_locked(void)
{
    uint64_t sys = load_relaxed(&heap_st.heap_sys), rel = load_relaxed(&heap_st.heap_released);
    uint64_t free_bytes = load_relaxed(&heap_st.heap_free);
    pgc_pacer_set_mem_stats(&G.pacer, sys - rel, free_bytes - rel, sys - free_bytes);
    uint64_t goal;
    uint64_t trig = pgc_pacer_trigger_goal(&G.pacer, &goal);
    store_relaxed(&G.trigger, trig);
    store_relaxed(&G.goal, goal);
    store_relaxed(&G.mem_limited, pgc_pacer_memory_limit_goal(&G.pacer) < G.pacer.gc_percent_goal);
    store_relaxed(&G.assist_work_per_byte_x1024, dbits(pgc_pacer_assist_work_per_byte(&G.pacer)));
    store_relaxed(&G.assist_bytes_per_work_x1024, dbits(pgc_pacer_assist_bytes_per_work(&G.pacer)));
}

static void pacer_revise_now(void)
{
    pthread_mutex_lock(&G.pacer_lock);
    if (pgc_pacer_marking(&G.pacer)) {
        pgc_pacer_revise(&G.pacer, load_relaxed(&alloc_st.heap_live), load_relaxed(&alloc_st.heap_scan),
                         load_relaxed(&mark_st.heap_scan_work), mark_st.stack_scan_work, mark_st.globals_scan_work);
        pacer_publish_locked();
    }
    pthread_mutex_unlock(&G.pacer_lock);
}

/* Wake the coordinator (lock-free: callable inside a critical section). */
void cycle_wake_coordinator(void)
{
    /* release: pairs with the acquire in coordinator_main */
    fetch_add_acq_rel(&cycle_st.cycle_wake, 1);
    futex_wake_all(&cycle_st.cycle_wake);
}

static void request_cycle(void)
{
    store_relaxed(&cycle_st.start_requested, 1);
    cycle_wake_coordinator();
}

/* The heap reached the trigger: ask for a cycle unless one is asked for. */
static void request_trigger_once(void)
{
    if (trigger_is_pending())
        return;
    set_trigger_pending();
    request_cycle();
}

/* Allocators go on past the trigger for a quarter of the runway to the
 * goal while the coordinator starts the cycle, and wait for marking to
 * start only beyond (INV-TRIGGER-WAIT): most cycles then start without
 * stalling anyone, and a runaway allocator still cannot use up the runway
 * before assists begin. */
static uint64_t wait_point(uint64_t trigger)
{
    uint64_t goal = load_relaxed(&G.goal);
    return goal > trigger ? trigger + (goal - trigger) / 4 : trigger;
}

/* After the heap grew (a span refill or a large object): start a cycle at
 * the trigger, or revise the assist ratio while marking. */
void cycle_maybe_trigger(void)
{
    uint64_t live = load_relaxed(&alloc_st.heap_live);
    int phase = load_relaxed(&G.phase);
    if (phase == PHASE_MARK) {
        uint64_t last = load_relaxed(&last_revise_live);
        if (live - last >= REVISE_EVERY && cas_relaxed(&last_revise_live, &last, live))
            pacer_revise_now();
        return;
    }
    if (live >= load_relaxed(&G.trigger))
        request_trigger_once();
}

/* pending: bytes about to be allocated (a large object), else 0. */
static bool past_wait_point_unmarked(uint64_t pending)
{
    int phase = load_relaxed(&G.phase);
    return phase != PHASE_MARK && phase != PHASE_MARK_TERM &&
           load_relaxed(&alloc_st.heap_live) + pending >= wait_point(load_relaxed(&G.trigger));
}

/*
 * An allocator crossed the trigger (outside any critical section). Like
 * Go's gcStart on the allocating goroutine, it does not go on allocating
 * until the cycle is marking (when assists take over the pacing): it helps
 * finish sweeping, then waits for pause #1. Without this, a thread
 * allocating large objects could run far past the goal while the
 * coordinator is still being scheduled or sweeping.
 */
static int start_waiters; /* threads in wait_start_blocked (cycle lock; a test hook reads it) */

static void wait_start_blocked(void *arg)
{
    uint64_t pending = *(const uint64_t *)arg;
    pthread_mutex_lock(&cycle_st.cycle_lock);
    /* Ask again after every wake-up: a cycle may have ended without
     * starting the one this thread needs. */
    while (past_wait_point_unmarked(pending)) {
        store_relaxed(&cycle_st.start_requested, 1);
        cycle_wake_coordinator();
        start_waiters++;
        pthread_cond_wait(&cycle_st.start_cv, &cycle_st.cycle_lock);
        start_waiters--;
    }
    pthread_mutex_unlock(&cycle_st.cycle_lock);
}

/* A counter the cycle lock protects, read for a test hook. */
static int read_cycle_locked(const int *counter)
{
    ensure_init();
    lock_stoppable(&cycle_st.cycle_lock);
    int n = *counter;
    pthread_mutex_unlock(&cycle_st.cycle_lock);
    return n;
}


int cycle_start_waiters(void) { return read_cycle_locked(&start_waiters); }

static void cycle_wait_start(uint64_t pending)
{
    pgc_thread *t = pgc_self;
    while (past_wait_point_unmarked(pending) && load_relaxed(&alloc_st.unswept) > 0) {
        lib_enter(t);
        bool more = sweep_one();
        lib_leave(t);
        if (!more)
            break;
    }
    uint64_t b0 = now_ns();
    thread_blocking(t, wait_start_blocked, &pending);
    fetch_add_relaxed(&assist_st.assist_blocked_ns, now_ns() - b0);
}

/*
 * INV-ADMIT: the one admission point of allocation pacing. Every
 * allocation that may grow the heap, a cache refill (pending 0: the refill
 * takes at most a span) or a large object (pending: its bytes, since one
 * allocation can jump past the trigger and the wait point at once), passes
 * here first, outside any critical section. Past the trigger it asks for a
 * cycle; past the wait point (INV-TRIGGER-WAIT) it helps sweep and waits
 * until the cycle marks, when assists take over the pacing.
 */
void cycle_admit(uint64_t pending)
{
    int phase = load_relaxed(&G.phase);
    if (phase == PHASE_MARK || phase == PHASE_MARK_TERM)
        return;
    uint64_t after = load_relaxed(&alloc_st.heap_live) + pending;
    uint64_t trigger = load_relaxed(&G.trigger);
    if (after < trigger)
        return;
    if (after < wait_point(trigger)) {
        request_trigger_once();
        return;
    }
    fetch_add_relaxed(&cycle_st.admit_pending, pending); /* the coordinator counts it */
    set_trigger_pending();
    cycle_wait_start(pending);
    fetch_sub_relaxed(&cycle_st.admit_pending, pending);
}

void cycle_broadcast_start(void)
{
    lock_stoppable(&cycle_st.cycle_lock);
    pthread_cond_broadcast(&cycle_st.start_cv);
    pthread_mutex_unlock(&cycle_st.cycle_lock);
}


/* ---- Pauses ---------------------------------------------------------------------------- */

typedef struct cycle_ctx {
    uint64_t n;             /* cycle number */
    bool forced;
    uint64_t t_start;       /* pause #1 requested */
    uint64_t t_mark;        /* pause #1 over */
    uint64_t t_term;        /* final pause #2 requested */
    uint64_t t_end;         /* pause #2 over */
    uint64_t pause_ns;      /* all pauses of this cycle */
    uint64_t stw1_ns, stw2_ns;
    uint64_t heap0, heap1, marked;
    uint64_t black;         /* of marked, allocated black */
    uint64_t heap_scan0;    /* alloc_st.heap_scan at pause #1 */
    uint64_t peak;          /* largest heap_alloc from the trigger to pause #2 */
    uint64_t assist0, bg0, idle0, blocked0;
    uint64_t cpu0;          /* the coordinator's thread CPU at the cycle's start */
    uint64_t heap_scan;     /* heap bytes scanned (mark_st.heap_scan_work at pause #2) */
    pgc_marker m;           /* the coordinator's marker */
} cycle_ctx;

static void note_pause(cycle_ctx *c, uint64_t ns)
{
    c->pause_ns += ns;
    fetch_add_relaxed(&stats_st.pause_total_ns, ns);
    max_relaxed_u64(&stats_st.pause_max_ns, ns);
    fetch_add_relaxed(&stats_st.stw_cpu_ns, ns * (uint64_t)G.procs);
}

static uint64_t pause_cpu0; /* coordinator only: its thread CPU when this pause began */

/* The roots lock held: stop the world (end_pause restarts it). */
static void begin_pause_roots_locked(void)
{
    pause_cpu0 = thread_cpu_ns();
    pthread_mutex_lock(&stop_st.threads_lock);
    cycle_event(CYCLE_EV_PRE_STOP_WORLD);
    stop_world();
    cycle_event(CYCLE_EV_POST_STOP_WORLD);
}

static void begin_pause(void)
{
    pthread_mutex_lock(&roots_st.roots_lock);
    begin_pause_roots_locked();
}

/* Pauses are timed from the stop request to the release of the world,
 * taken before the wake-up: a woken thread may preempt the coordinator,
 * and that delay is the scheduler's, not the pause's. */
static uint64_t end_pause(void)
{
    cycle_event(CYCLE_EV_PRE_START_WORLD);
    uint64_t released = start_world();
    cycle_event(CYCLE_EV_POST_START_WORLD);
    pthread_mutex_unlock(&stop_st.threads_lock);
    pthread_mutex_unlock(&roots_st.roots_lock);
    fetch_add_relaxed(&stats_st.coord_pause_cpu_ns, thread_cpu_ns() - pause_cpu0);
    return released;
}

/* Pause #1, world stopped. */
static void sweep_termination(cycle_ctx *c)
{
    store_relaxed(&G.phase, PHASE_SWEEP_TERM);
    pgc_hook_point(PGC_TEST_IN_PAUSE1);
    for (pgc_thread *t = stop_st.threads; t; t = t->next) {
        t->barrier.wb_n = 0;
        t->alloc.black_bytes = 0;
    }
    store_relaxed(&mark_st.marked_bytes, 0);
    store_relaxed(&mark_st.black_exited, 0);
    store_relaxed(&mark_st.heap_scan_work, 0);
    store_relaxed(&assist_st.bg_credit, 0);
    store_relaxed(&assist_st.assist_epoch, c->n); /* every balance is now stale (INV-ASSIST-STAMP) */
    uint64_t live = load_relaxed(&alloc_st.heap_live);
    c->heap0 = live;
    c->heap_scan0 = load_relaxed(&alloc_st.heap_scan);
    store_relaxed(&alloc_st.cycle_alloc_peak, load_relaxed(&alloc_st.heap_alloc));
    marker_init(&c->m);
    roots_mark_all(&c->m);
    marker_flush(&c->m);
    if (G.checkmark)
        checkmark_snapshot(); /* the garbage of this snapshot, for checkmark_verify */
    pthread_mutex_lock(&G.pacer_lock);
    pgc_pacer_set_stack_size(&G.pacer, mark_st.stack_scan_work);
    pgc_pacer_set_globals(&G.pacer, mark_st.globals_scan_work);
    pgc_pacer_start_cycle(&G.pacer, live, load_relaxed(&alloc_st.heap_scan), G.procs);
    pgc_pacer_revise(&G.pacer, live, load_relaxed(&alloc_st.heap_scan), 0, mark_st.stack_scan_work,
                     mark_st.globals_scan_work);
    pacer_publish_locked();
    pgc_limiter_start_gc_transition(&G.limiter, true, (int64_t)c->t_start);
    /* Assists pace only a cycle the pacer is pacing: with GOGC off and no
     * memory limit, a forced cycle runs on the background workers alone. */
    bool paced = pgc_pacer_gc_percent(&G.pacer) >= 0 || pgc_pacer_memory_limit(&G.pacer) != INT64_MAX;
    pthread_mutex_unlock(&G.pacer_lock);
    store_relaxed(&last_revise_live, live);
    store_relaxed(&pgc__marking, 1); /* barrier and allocate-black on */
    for (pgc_thread *t = stop_st.threads; t; t = t->next)
        cache_blacken_all(t); /* INV-BLACK-WORD: the words caches hold now */
    store_relaxed(&G.assists_enabled, paced);
    store_release(&G.phase, PHASE_MARK);
    cycle_event(CYCLE_EV_MARK_START);
}

/* ---- Barrier-free mode none-stw (nobarrier.c): the whole mark in pause #1 -------- */

static bool confirm_termination(cycle_ctx *c);
static void mark_termination(cycle_ctx *c);

/* Pause #1 of a barrier-free cycle, world stopped, roots greyed: mark to
 * the end and terminate without restarting the world (INV-STW-MARK). The
 * three clocks of the cycle are roots / mark / termination, all in the
 * pause. */
static void stw_mark_all(cycle_ctx *c)
{
    store_relaxed(&G.assists_enabled, 0); /* no mutator runs before marking ends */
    c->t_mark = now_ns();
    c->stw1_ns = c->t_mark - c->t_start;
    pthread_mutex_lock(&G.pacer_lock);
    pgc_limiter_finish_gc_transition(&G.limiter, (int64_t)c->t_mark);
    pthread_mutex_unlock(&G.pacer_lock);
    nobarrier_mark(&c->m);
    while (postmark_run(&c->m))
        nobarrier_mark(&c->m);
    c->t_term = now_ns();
    if (!confirm_termination(c))
        pgc_fatal("pacegc: internal error: grey work left after a stop-the-world mark\n");
    mark_termination(c);
    workers_end_cycle();
    c->t_end = end_pause();
    c->stw2_ns = c->t_end - c->t_term;
    note_pause(c, c->t_end - c->t_start);
    cycle_broadcast_start(); /* waiters at the trigger re-check (world running) */
    stats_gclog("start");
    stats_gclog("mark");
}

/* ---- End of the barrier-free block ------------------------------------------------ */

/*
 * INV-SEGMENTS-AT-PAUSE: pause #1 scans the data segments of exactly the
 * objects loaded at the moment of the pause. The segments are listed and
 * the world stopped inside one dl_iterate_phdr callback: the dynamic
 * loader holds its object-list lock across the callback (glibc's lock is
 * recursive, so the nested listing may take it again), so no dlopen can add
 * an object between the listing and the snapshot. Without it, a thread
 * could dlopen a library in that window, move the only pointer to an
 * object from its stack into the library's globals, and the snapshot would
 * see neither. A thread that dlopens meanwhile waits for the pause to end
 * (a stop reaches it in the loader's wait, like any blocked system call).
 * During the pause the coordinator calls nothing that takes the loader's
 * locks.
 */
typedef struct pause1_arg {
    cycle_ctx *c;
    bool done;
    bool marked_all; /* none-stw: the whole cycle's marking ran in the pause */
} pause1_arg;

static int pause1_in_loader_lock(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)info;
    (void)size;
    pause1_arg *a = arg;
    if (a->done)
        return 1;
    a->done = true;
    pthread_mutex_lock(&roots_st.roots_lock);
    roots_refresh_segments();
    pgc_hook_point(PGC_TEST_SEGMENTS_LISTED);
    a->c->t_start = now_ns();
    begin_pause_roots_locked();
    sweep_termination(a->c);
    if (pgc__barrier_mode == PGC_BARRIER_NONE_STW) {
        stw_mark_all(a->c); /* ends the pause */
        a->marked_all = true;
        return 1;
    }
    a->c->t_mark = end_pause();
    return 1;
}

static void stw1(cycle_ctx *c)
{
    sweep_finish();
    pthread_mutex_lock(&cycle_st.cycle_lock); /* INV-STW-LOCKS: before the pause */
    c->n = ++cycle_st.cycles_started;
    store_relaxed(&started_mirror, c->n); /* older trigger requests are now stale */
    c->forced = cycle_st.forced_target >= c->n;
    pthread_mutex_unlock(&cycle_st.cycle_lock);
    if (pgc__barrier_mode != PGC_BARRIER_SATB)
        nobarrier_prepare(); /* barrier-free mode: see stw_mark_all */
    pause1_arg a = { c, false, false };
    dl_iterate_phdr(pause1_in_loader_lock, &a);
    if (!a.done)
        pgc_fatal("pacegc: the dynamic loader listed no loaded object\n");
    if (a.marked_all)
        return;
    c->stw1_ns = c->t_mark - c->t_start;
    note_pause(c, c->stw1_ns);
    pthread_mutex_lock(&G.pacer_lock);
    pgc_limiter_finish_gc_transition(&G.limiter, (int64_t)c->t_mark);
    int dedicated = pgc_pacer_dedicated_workers(&G.pacer);
    double frac = pgc_pacer_fractional_goal(&G.pacer);
    pthread_mutex_unlock(&G.pacer_lock);
    stats_gclog("start");
    if (G.pacertrace) {
        char buf[512];
        pthread_mutex_lock(&G.pacer_lock);
        pgc_pacer_format_start(&G.pacer, buf, sizeof buf);
        pthread_mutex_unlock(&G.pacer_lock);
        fprintf(stderr, "%s\n", buf);
    }
    cycle_broadcast_start();
    workers_start_cycle(dedicated, frac);
    stats_gclog("mark");
}

/* ---- Termination --------------------------------------------------------------------- */

/* Wait until INV-QUIESCENT holds (and no test holds marking). */
static void wait_quiescent(void)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    while (mark_st.nfull != 0 || load_relaxed(&mark_st.active_markers) != 0 || load_relaxed(&mark_st.mark_hold)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&mark_st.term_cv, &mark_st.pool_lock, &ts);
    }
    pthread_mutex_unlock(&mark_st.pool_lock);
}

/* Did m collect grey work? Publishes it if so. */
static bool flush_found_work(pgc_marker *m)
{
    bool found = (m->cur && m->cur->n) || (m->spare && m->spare->n);
    marker_flush(m);
    return found;
}

/* One ragged round: each thread stopped alone, its buffer taken. */
static bool handshake_round(cycle_ctx *c)
{
    pthread_mutex_lock(&stop_st.threads_lock);
    for (pgc_thread *t = stop_st.threads; t; t = t->next) {
        stop_thread(t);
        barrier_flush_thread(t, &c->m);
        resume_thread(t);
    }
    pthread_mutex_unlock(&stop_st.threads_lock);
    return flush_found_work(&c->m);
}

/* Pause #2 attempt, world stopped: true if marking is really finished.
 * Only the barrier buffers can hold grey work here; stacks are not
 * scanned again (see the top of the file). */
static bool confirm_termination(cycle_ctx *c)
{
    for (pgc_thread *t = stop_st.threads; t; t = t->next)
        barrier_flush_thread(t, &c->m);
    bool found = flush_found_work(&c->m);
    pthread_mutex_lock(&mark_st.pool_lock);
    bool busy = mark_st.nfull != 0 || load_relaxed(&mark_st.active_markers) != 0;
    pthread_mutex_unlock(&mark_st.pool_lock);
    return !found && !busy;
}

/* Pause #2, world stopped, marking finished. */
static void mark_termination(cycle_ctx *c)
{
    store_relaxed(&G.phase, PHASE_MARK_TERM);
    cycle_event(CYCLE_EV_MARK_END);
    store_relaxed(&G.assists_enabled, 0);
    store_relaxed(&pgc__marking, 0);
    uint64_t black = load_relaxed(&mark_st.black_exited);
    for (pgc_thread *t = stop_st.threads; t; t = t->next) {
        black += cache_black_allocated(t);
        cache_release_all(t);
    }
    lifetimes_pause2(); /* weak links, ephemerons, finalizer queue: candidates only */
    if (G.checkmark)
        checkmark_verify();
    c->heap1 = load_relaxed(&alloc_st.heap_live);
    c->peak = load_relaxed(&alloc_st.cycle_alloc_peak); /* world stopped: the mark's peak */
    c->marked = load_relaxed(&mark_st.marked_bytes) + black;
    c->black = black;
    uint64_t hsw = load_relaxed(&mark_st.heap_scan_work);
    c->heap_scan = hsw;
    pthread_mutex_lock(&G.pacer_lock);
    pgc_limiter_start_gc_transition(&G.limiter, false, (int64_t)c->t_term);
    pgc_pacer_revise(&G.pacer, c->heap1, load_relaxed(&alloc_st.heap_scan), hsw, mark_st.stack_scan_work,
                     mark_st.globals_scan_work);
    uint64_t mark_wall = c->t_term - c->t_mark;
    pgc_pacer_end_cycle(&G.pacer, c->heap1, (int64_t)(load_relaxed(&assist_st.assist_ns) - c->assist0),
                        (int64_t)(load_relaxed(&stats_st.idle_ns) - c->idle0), (int64_t)(mark_wall ? mark_wall : 1),
                        G.procs);
    if (G.pacertrace) {
        char buf[512];
        pgc_pacer_format_end(&G.pacer, buf, sizeof buf);
        stats_defer_line(buf);
    }
    /* The goal counts all marked bytes, the objects allocated black
     * included (they are in the heap at the start of the next cycle:
     * heap_live counts them, and a goal without them could lie below the
     * heap in use). By default it grows by GOGC from all of them, as Go's
     * does; with PGCDEBUG=blackonce=1 only from the traced ones
     * (PACE-BLACK-ONCE, pacer.h), which keeps floating garbage from being
     * budgeted twice (heap 1.15x instead of 1.38x of 2 x live on
     * bench/floating.c) but runs more cycles (10-23% less allocation
     * throughput there), so it is not the default yet. */
    pgc_pacer_reset_live(&G.pacer, c->marked, hsw, mark_st.stack_scan_work, mark_st.globals_scan_work);
    if (G.black_once) /* PGCDEBUG=blackonce=1: PACE-BLACK-ONCE */
        pgc_pacer_note_black(&G.pacer, black);
    store_relaxed(&alloc_st.heap_live, c->marked);
    /* Scannable heap for the next cycle: what this cycle scanned plus the
     * scannable bytes allocated (black, unscanned) during it: together an
     * upper bound of the next cycle's heap scan work, as the pacer needs. */
    store_relaxed(&alloc_st.heap_scan, hsw + (load_relaxed(&alloc_st.heap_scan) - c->heap_scan0));
    pgc_pacer_commit(&G.pacer, false, c->marked);
    pacer_publish_locked();
    pthread_mutex_unlock(&G.pacer_lock);
    store_relaxed(&stats_st.heap_marked, c->marked);
    store_relaxed(&stats_st.last_stack_scan, mark_st.stack_scan_work);
    store_relaxed(&stats_st.last_globals_scan, mark_st.globals_scan_work);
    cycle_event(CYCLE_EV_RECLAIM_START);
    sweep_start_cycle();
    store_release(&G.phase, PHASE_SWEEP);
}

static void mark_phase(cycle_ctx *c)
{
    pgc_hook_point(PGC_TEST_AFTER_ROOTS);
    for (;;) {
        wait_quiescent();
        if (handshake_round(c))
            continue;
        /* Barrier-free, mostly concurrent: re-scan written pages meanwhile,
         * and in pause #2 those and every root (nobarrier.c, INV-BDS). */
        bool tracked = pgc__barrier_mode == PGC_BARRIER_NONE_UFFD ||
                       pgc__barrier_mode == PGC_BARRIER_NONE_MPROTECT;
        if (tracked && nobarrier_preclean(&c->m))
            continue;
        if (postmark_run(&c->m)) /* post-mark steps greyed objects: drain again */
            continue;
        pgc_hook_point(PGC_TEST_BEFORE_TERM);
        uint64_t t0 = now_ns();
        begin_pause();
        if (tracked)
            nobarrier_final_mark(&c->m);
        if (confirm_termination(c)) {
            nobarrier_mark_done(); /* none-mprotect: INV-PROT-CYCLE */
            c->t_term = t0;
            mark_termination(c);
            workers_end_cycle();
            c->t_end = end_pause();
            c->stw2_ns = c->t_end - t0;
            note_pause(c, c->stw2_ns);
            return;
        }
        note_pause(c, end_pause() - t0);
    }
}

/* ---- The coordinator ------------------------------------------------------------------- */

static void finish_cycle(cycle_ctx *c)
{
    pthread_mutex_lock(&G.pacer_lock);
    pgc_limiter_finish_gc_transition(&G.limiter, (int64_t)c->t_end);
    pthread_mutex_unlock(&G.pacer_lock);
    assist_wake_all();
    pgc_cycle_info ci = { 0 };
    ci.cycle = c->n;
    ci.start_ns = c->t_start - G.init_ns;
    ci.heap_trigger = c->heap0;
    pthread_mutex_lock(&G.pacer_lock);
    ci.heap_goal = pgc_pacer_last_heap_goal(&G.pacer);
    pthread_mutex_unlock(&G.pacer_lock);
    ci.heap_live_end = c->heap1;
    ci.heap_marked = c->marked;
    ci.heap_black = c->black;
    ci.heap_traced = c->marked - c->black;
    ci.heap_alloc_peak = c->peak;
    ci.pause_ns = c->pause_ns;
    ci.mark_ns = c->t_term - c->t_mark;
    ci.assist_ns = load_relaxed(&assist_st.assist_ns) - c->assist0;
    ci.bg_ns = load_relaxed(&stats_st.bg_ns) - c->bg0;
    ci.idle_ns = load_relaxed(&stats_st.idle_ns) - c->idle0;
    ci.blocked_ns = load_relaxed(&assist_st.assist_blocked_ns) - c->blocked0;
    ci.forced = c->forced;
    ci.mark_cpu_ns = ci.assist_ns + ci.bg_ns + ci.idle_ns + (thread_cpu_ns() - c->cpu0);
    ci.heap_scan_bytes = c->heap_scan;
    ci.root_scan_bytes = mark_st.stack_scan_work + mark_st.globals_scan_work;
    if (c->forced)
        fetch_add_relaxed(&stats_st.num_forced_gc, 1);
    stats_record_cycle(&ci, c->heap0, c->heap1, c->stw1_ns, c->t_term - c->t_mark, c->stw2_ns);
    nobarrier_trace(c->n);
    stats_gclog("markterm");
}

/*
 * SWEEP-YIELD: the coordinator's background sweep after a cycle gives up
 * its CPU every SWEEP_YIELD_NS of sweeping (sched_yield: a no-op unless
 * another thread is runnable on this CPU). The coordinator wakes from a
 * sleep for pause #2 and the scheduler favours it over a thread that was
 * running all along; sweeping a large heap then held a mutator off its CPU
 * for a whole slice or more (tens of ms at 256 MiB live: bench/latency's
 * probe, issue 12). Allocators sweep lazily what it has not reached, and
 * the next cycle's sweep_finish (INV-SWEPT-BEFORE-MARK) still finishes it.
 */
#define SWEEP_YIELD_NS 200000ull

static void background_sweep(void)
{
    uint64_t t0 = now_ns();
    while (sweep_one()) {
        uint64_t now = now_ns();
        if (now - t0 >= SWEEP_YIELD_NS) {
            sched_yield();
            t0 = now_ns();
        }
    }
    sweep_finish(); /* spans taken by lazy sweepers: wait for them */
}

static void run_cycle(void)
{
    cycle_ctx c;
    memset(&c, 0, sizeof c);
    c.assist0 = load_relaxed(&assist_st.assist_ns);
    c.bg0 = load_relaxed(&stats_st.bg_ns);
    c.idle0 = load_relaxed(&stats_st.idle_ns);
    c.blocked0 = load_relaxed(&assist_st.assist_blocked_ns);
    uint64_t cpu0 = thread_cpu_ns();
    c.cpu0 = cpu0;
    cycle_event(CYCLE_EV_START);
    stw1(&c);
    if (pgc__barrier_mode != PGC_BARRIER_NONE_STW)
        mark_phase(&c); /* else stw1 marked it all (stw_mark_all) */
    finish_cycle(&c);
    lifetimes_after_cycle();
    background_sweep();
    cycle_event(CYCLE_EV_RECLAIM_END);
    /* LIMIT-FIXED-COST: the coordinator's own CPU outside the pauses (which
     * count procs x their length already): sweeping, handshakes, the
     * bookkeeping of a cycle. Back-to-back cycles under a memory limit are
     * mostly such fixed costs, and the CPU limiter must see them. */
    uint64_t coord = thread_cpu_ns() - cpu0;
    fetch_add_relaxed(&stats_st.coord_cpu_ns, coord);
    pthread_mutex_lock(&G.pacer_lock);
    if (coord > c.pause_ns)
        pgc_limiter_add_assist_time(&G.limiter, (int64_t)(coord - c.pause_ns));
    pgc_pacer_commit(&G.pacer, true, load_relaxed(&alloc_st.heap_live));
    pacer_publish_locked();
    pthread_mutex_unlock(&G.pacer_lock);
    /* Return free pages beyond what the next cycle should need. */
    uint64_t retain = load_relaxed(&G.goal) + load_relaxed(&G.goal) / 10 + CHUNK_BYTES;
    pthread_mutex_lock(&G.pacer_lock);
    int64_t limit = pgc_pacer_memory_limit(&G.pacer);
    pthread_mutex_unlock(&G.pacer_lock);
    if (limit != INT64_MAX && (uint64_t)limit / 100 * 95 < retain)
        retain = (uint64_t)limit / 100 * 95;
    cycle_event(CYCLE_EV_END); /* before pgc_collect's waiters return */
    pthread_mutex_lock(&cycle_st.cycle_lock);
    cycle_st.cycles_swept = c.n;
    cycle_st.coordinator_busy = false;
    store_release(&G.phase, PHASE_OFF);
    pthread_cond_broadcast(&cycle_st.done_cv);
    pthread_cond_broadcast(&cycle_st.start_cv);
    pthread_mutex_unlock(&cycle_st.cycle_lock);
    if (!trigger_is_pending())
        heap_scavenge(retain);
    stats_gclog("sweepdone");
    stats_flush_deferred();
}

static void *coordinator_main(void *arg)
{
    (void)arg;
    for (;;) {
        /* acquire: pairs with the release in wake_coordinator */
        uint32_t seq = load_acquire(&cycle_st.cycle_wake);
        pthread_mutex_lock(&cycle_st.cycle_lock);
        bool work = (load_relaxed(&cycle_st.start_requested) || cycle_st.forced_target > cycle_st.cycles_started) &&
                    cycle_st.fork_hold == 0;
        pthread_mutex_unlock(&cycle_st.cycle_lock);
        if (!work) {
            futex_wait(&cycle_st.cycle_wake, seq);
            continue;
        }
        store_relaxed(&cycle_st.start_requested, 0);
        pgc_hook_point(PGC_TEST_TRIGGER_CHECK);
        /* A trigger may be stale (GOGC raised meanwhile): re-check it. */
        bool forced;
        pthread_mutex_lock(&cycle_st.cycle_lock);
        forced = cycle_st.forced_target > cycle_st.cycles_started;
        pthread_mutex_unlock(&cycle_st.cycle_lock);
        uint64_t live = load_relaxed(&alloc_st.heap_live) + load_relaxed(&cycle_st.admit_pending);
        if (!forced && live < load_relaxed(&G.trigger)) {
            /* INV-START-ANSWER: whatever the coordinator decides, every
             * thread waiting at the wait point gets an answer. Here the
             * answer is "no cycle": the heap shrank (a thread exited and
             * gave back its caches, GOGC was raised), so each waiter
             * re-checks its wait point and asks again if still past it. */
            pthread_mutex_lock(&cycle_st.cycle_lock);
            store_relaxed(&trigger_pending, 0);
            pthread_cond_broadcast(&cycle_st.start_cv);
            pthread_mutex_unlock(&cycle_st.cycle_lock);
            continue;
        }
        pthread_mutex_lock(&cycle_st.cycle_lock);
        bool hold = cycle_st.fork_hold > 0;
        if (hold)
            store_relaxed(&cycle_st.start_requested, 1); /* keep the request for after the fork */
        else
            cycle_st.coordinator_busy = true;
        pthread_mutex_unlock(&cycle_st.cycle_lock);
        if (!hold)
            run_cycle();
    }
    return NULL;
}

/* ---- fork (fork.c drives these) --------------------------------------------------- */

static int fork_waiters; /* cycle lock; read by a test hook */

/* A blocked region of the forking thread: hold the coordinator off and wait
 * for the cycle in progress, if any, to finish sweeping. Returns with the
 * cycle lock held (released by cycle_fork_parent / reset by the child). */
static void fork_wait_idle(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&cycle_st.cycle_lock);
    cycle_st.fork_hold++;
    fork_waiters++;
    while (cycle_st.coordinator_busy)
        pthread_cond_wait(&cycle_st.done_cv, &cycle_st.cycle_lock);
    fork_waiters--;
}

int cycle_fork_waiters(void) { return read_cycle_locked(&fork_waiters); }

void cycle_fork_prepare(void)
{
    thread_blocking(pgc_self, fork_wait_idle, NULL);
}

void cycle_fork_parent(void)
{
    cycle_st.fork_hold--;
    pthread_mutex_unlock(&cycle_st.cycle_lock);
    cycle_wake_coordinator(); /* a request may have waited for the fork */
}

/* The child: one thread, no coordinator. Fresh locks, a new coordinator. */
void cycle_fork_child(void)
{
    pthread_mutex_init(&cycle_st.cycle_lock, NULL);
    pthread_cond_init(&cycle_st.done_cv, NULL);
    pthread_cond_init(&cycle_st.start_cv, NULL);
    pthread_mutex_init(&roots_st.roots_lock, NULL);
    pthread_mutex_init(&G.pacer_lock, NULL);
    cycle_st.fork_hold = 0;
    fork_waiters = 0;
    start_waiters = 0;
    cycle_st.coordinator_busy = false;
    pthread_t coordinator;
    if (!os_start_internal_thread(&coordinator, coordinator_main, NULL, "pacegc-coord"))
        pgc_fatal("pacegc: cannot start the collector thread in a forked child\n");
    cycle_wake_coordinator();
}



void cycle_init(void)
{
    pthread_mutex_init(&cycle_st.cycle_lock, NULL);
    pthread_cond_init(&cycle_st.done_cv, NULL);
    pthread_cond_init(&cycle_st.start_cv, NULL);
    pthread_mutex_init(&roots_st.roots_lock, NULL);
    pthread_t coordinator; /* detached; never joined */
    if (!os_start_internal_thread(&coordinator, coordinator_main, NULL, "pacegc-coord"))
        pgc_fatal("pacegc: cannot start the collector thread\n");
}
