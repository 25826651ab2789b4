/* limiter.c - pacegc's GC CPU limiter (Go's mgclimit.go, gc-notes 2.6).
 *
 * The bucket fills with GC CPU time and drains with mutator CPU time, one
 * nanosecond for one nanosecond, so it only fills while the GC takes more
 * than half of the CPU; its capacity (procs x 1 CPU-second) is the burst the
 * GC may take before the limiter engages. It never goes below empty, so a
 * long quiet period earns the GC no extra credit. Over a window of about
 * 2 x procs CPU-seconds this caps GC CPU at about 50%.
 *
 * In one update window of wall time w:
 *     total = w x procs - idle
 *     gc    = assists (+ 25% of w x procs while marking)
 *     fill += gc - (total - gc), clipped to [0, capacity]
 * The 25% background share is taken from the whole window, idle included;
 * idle time is then removed from the total, so a mostly idle program that
 * collects continuously still counts as GC-bound. A stop-the-world
 * transition counts procs x its duration as GC time.
 *
 * Departures from Go: no lock (the caller serialises calls), so Go's
 * "throw" on misuse becomes "ignore the call"; in-flight per-proc events
 * are the caller's to flush with add_assist_time/add_idle_time before an
 * update; the limiter counts ended mark phases itself for
 * last_enabled_cycle instead of reading the runtime's cycle counter.
 */
#include "limiter.h"

/* gcBackgroundUtilization: share of every window counted as GC time while
 * marking (mgcpacer.go, gc-notes 2.7). */
#define BACKGROUND_UTILIZATION 0.25

/* Move the bucket by gc_ns - mutator_ns; a fill past capacity goes to
 * overflow and turns limiting on, any other change turns it off. */
static void accumulate(pgc_limiter *l, int64_t mutator_ns, int64_t gc_ns)
{
    uint64_t headroom = l->capacity - l->fill;
    bool was_full = headroom == 0;
    int64_t change = gc_ns - mutator_ns;

    if (change > 0 && headroom <= (uint64_t)change) {
        l->overflow += (uint64_t)change - headroom;
        l->fill = l->capacity;
        if (!was_full) {
            l->enabled = true;
            l->last_enabled_cycle = l->cycles + 1;
        }
        return;
    }
    if (change < 0 && l->fill <= (uint64_t)0 - (uint64_t)change)
        l->fill = 0; /* drained empty */
    else
        l->fill += (uint64_t)change; /* wraps to a subtraction if negative */
    if (change != 0 && was_full)
        l->enabled = false;
}

/* Account for the wall time since the last update. */
static void update_window(pgc_limiter *l, int64_t now_ns)
{
    int64_t total, gc, assist, idle;

    if (now_ns < l->last_update)
        return; /* stale timestamp: a newer update already covered it */
    total = (now_ns - l->last_update) * (int64_t)l->procs;
    l->last_update = now_ns;
    assist = l->assist_time_pool;
    idle = l->idle_time_pool;
    l->assist_time_pool = 0;
    l->idle_time_pool = 0;
    gc = assist;
    if (l->gc_enabled)
        gc += (int64_t)((double)total * BACKGROUND_UTILIZATION);
    /* Background share comes from the real total; idle leaves it after. */
    total -= idle;
    accumulate(l, total - gc, gc);
}

void pgc_limiter_init(pgc_limiter *l, int64_t now_ns, int procs)
{
    *l = (pgc_limiter){0};
    l->last_update = now_ns;
    pgc_limiter_reset_capacity(l, now_ns, procs);
}

void pgc_limiter_start_gc_transition(pgc_limiter *l, bool enable_gc, int64_t now_ns)
{
    if (l->transitioning || l->gc_enabled == enable_gc)
        return;
    update_window(l, now_ns); /* flush under the old state */
    if (!enable_gc)
        l->cycles++;
    l->gc_enabled = enable_gc;
    l->transitioning = true;
}

void pgc_limiter_finish_gc_transition(pgc_limiter *l, int64_t now_ns)
{
    if (!l->transitioning)
        return;
    /* The world was stopped: the GC kept every proc from the mutator. */
    if (now_ns >= l->last_update)
        accumulate(l, 0, (now_ns - l->last_update) * (int64_t)l->procs);
    l->last_update = now_ns;
    l->transitioning = false;
}

void pgc_limiter_add_assist_time(pgc_limiter *l, int64_t ns)
{
    l->assist_time_pool += ns;
}

void pgc_limiter_add_idle_time(pgc_limiter *l, int64_t ns)
{
    l->idle_time_pool += ns;
}

void pgc_limiter_update(pgc_limiter *l, int64_t now_ns)
{
    if (l->transitioning)
        return;
    update_window(l, now_ns);
}

bool pgc_limiter_need_update(const pgc_limiter *l, int64_t now_ns)
{
    return now_ns - l->last_update > PGC_LIMITER_UPDATE_PERIOD;
}

void pgc_limiter_reset_capacity(pgc_limiter *l, int64_t now_ns, int procs)
{
    update_window(l, now_ns); /* flush the rest of the window at the old size */
    l->procs = procs < 1 ? 1 : procs;
    l->capacity = (uint64_t)l->procs * (uint64_t)PGC_LIMITER_CAPACITY_PER_PROC;
    if (l->fill > l->capacity) {
        l->fill = l->capacity; /* fewer CPUs, not extra GC work: no overflow */
        l->enabled = true;
        l->last_enabled_cycle = l->cycles + 1;
    } else if (l->fill < l->capacity) {
        l->enabled = false;
    }
}

bool pgc_limiter_limiting(const pgc_limiter *l) { return l->enabled; }
uint64_t pgc_limiter_fill(const pgc_limiter *l) { return l->fill; }
uint64_t pgc_limiter_capacity(const pgc_limiter *l) { return l->capacity; }
uint64_t pgc_limiter_overflow(const pgc_limiter *l) { return l->overflow; }
uint32_t pgc_limiter_last_enabled_cycle(const pgc_limiter *l) { return l->last_enabled_cycle; }
