/*
 * nobarrier.c - the barrier mode of the process, and marking for programs
 * that make plain pointer stores (no pgc_store): bdwgc's clients through
 * libgc.so.1, and native programs run with PGC_BARRIER=none.
 *
 * The mode is chosen once, in pgc_init (options_init), and never changes:
 *   PGC_BARRIER_SATB      the snapshot-at-the-beginning barrier; concurrent
 *                         marking (cycle.c). The default for pgc_init.
 *   PGC_BARRIER_NONE_STW  no barrier; the world stays stopped from the root
 *                         snapshot until marking is complete. The default
 *                         for GC_init (the compat layer asks for it before
 *                         it initialises), and PGC_BARRIER=none.
 *
 * Why stop the world: with plain stores a mutator can move the only
 * pointer to a white object into an already scanned object and erase the
 * original, and no barrier records it, so INV-SATB does not hold while the
 * world runs. With every mutator stopped the heap is a fixed graph and
 * marking it from the roots of the pause marks exactly what is reachable
 * (INV-STW-MARK, below). This is the last-resort method of issue 11; a
 * mostly-concurrent mode with dirty-page tracking would add modes here.
 *
 * INV-STW-MARK: in PGC_BARRIER_NONE_STW, phase MARK begins and ends inside
 * one stop-the-world pause (cycle.c stw_mark_all), so no attached mutator
 * runs while any mark bit of the cycle is set by a marker, and pgc__marking
 * (hence the barrier and the assists) is never seen set by a running
 * mutator. The collector's own worker threads are not mutators: they keep
 * running and mark in parallel with the coordinator.
 *
 * Locks while the world is stopped: the coordinator and the workers take
 * only the pool lock and the pacer lock (INV-STW-LOCKS) and never the
 * assist lock (no debtor is queued: assists are never enabled while a
 * mutator runs, so aq_head_hint stays 0). Threads are created before the
 * pause (nobarrier_prepare): pthread_create takes libc locks a stopped
 * thread may hold.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern bool pgc_idle_worker_enabled; /* workers.c */

/* Written once by options_init (pthread_once in ensure_init, which orders
 * it before every later reader), read anywhere after. */
int pgc__barrier_mode = PGC_BARRIER_SATB;
/* Set by the compat layer before it initialises (its own pthread_once). */
static bool default_none;

void nobarrier_default_none(void) { default_none = true; }

const char *pgc_barrier_mode_name(int mode)
{
    switch (mode) {
    case PGC_BARRIER_SATB: return "barrier";
    case PGC_BARRIER_NONE_STW: return "none-stw";
    default: return "unknown";
    }
}

void nobarrier_choose_mode(void)
{
    int mode = default_none ? PGC_BARRIER_NONE_STW : PGC_BARRIER_SATB;
    const char *s = getenv("PGC_BARRIER");
    if (s && *s) {
        if (strcmp(s, "none") == 0)
            mode = PGC_BARRIER_NONE_STW;
        else if (strcmp(s, "barrier") == 0) {
            if (default_none)
                fprintf(stderr, "pacegc: PGC_BARRIER=barrier ignored: this program makes plain "
                                "pointer stores (libgc.so.1); marking stops the world\n");
            else
                mode = PGC_BARRIER_SATB;
        } else
            fprintf(stderr, "pacegc: PGC_BARRIER=%s is not 'barrier' or 'none'; using %s\n", s,
                    pgc_barrier_mode_name(mode));
    }
    pgc__barrier_mode = mode;
    /* Every proc marks in the pause (a dedicated worker per proc but the
     * coordinator's): an idle-priority worker would add nothing, and a
     * packet it held while starved would hold the world stopped. */
    if (mode != PGC_BARRIER_SATB)
        pgc_idle_worker_enabled = false;
}

/* Before pause #1 (world running): create the worker threads the pause
 * will use. workers_start_cycle spawns what is missing and starts a round;
 * the phase is not MARK yet, so the workers return at once and wait for
 * the round started inside the pause, which spawns nothing. */
static int stw_workers(void) { return G.procs > 1 ? G.procs - 1 : 0; }

void nobarrier_prepare(void) { workers_start_cycle(stw_workers(), 0.0); }

/* True when the pool is empty and no marker holds work (INV-QUIESCENT);
 * false when there is work to take. Waits briefly otherwise. */
static bool quiescent_or_work(void)
{
    pthread_mutex_lock(&G.pool_lock);
    bool done = G.nfull == 0 && load_relaxed(&G.active_markers) == 0 && !load_relaxed(&G.mark_hold);
    if (!done && G.nfull == 0) {
        /* Workers hold work: wait for them to publish some or finish.
         * marker_end signals term_cv; publish signals only pool_cv, hence
         * the short timeout. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&G.term_cv, &G.pool_lock, &ts);
    }
    pthread_mutex_unlock(&G.pool_lock);
    return done;
}

/* World stopped, roots greyed and published (pause #1, phase MARK):
 * mark everything reachable, on this thread and the workers, and return
 * when INV-QUIESCENT holds. No barrier buffer can hold work (no mutator
 * has run since sweep_termination emptied them). */
void nobarrier_mark(pgc_marker *m)
{
    workers_start_cycle(stw_workers(), 0.0);
    do {
        while (marker_begin_with_work(m)) {
            mark_drain(m, UINT64_MAX, 0, false);
            marker_end(m);
        }
    } while (!quiescent_or_work());
}
