/* pacer.c - pacegc's GC pacer: heap goal, trigger, assist ratio, background
 * worker sizing and the cons/mark estimate, as a pure module.
 *
 * MODEL
 *
 * This is Go's current pacer: the redesign of Go 1.18 (golang/proposal
 * design/44167-gc-pacer-redesign.md), with the memory-limit goal of Go 1.19
 * (design/48409-soft-memory-limit.md) and the cons/mark smoothing of Go 1.21
 * (the maximum of the current and the last four measurements; Go issues
 * #56966 and #57069). gc-notes Part 2, 2.4 and 2.5 give the formulas; this
 * file follows them step by step.
 *
 * Units. Heap sizes, goals, triggers and runways are bytes (uint64_t). Scan
 * work is bytes scanned: for a heap object the bytes up to its last pointer
 * slot, for a stack the bytes scanned, for globals the bytes of the range.
 * Times are nanoseconds (int64_t). Utilisation is a fraction of procs x wall
 * time. cons/mark is dimensionless: (bytes allocated per mutator CPU-second)
 * divided by (bytes scanned per GC CPU-second).
 *
 * Goal. With GOGC = g percent, the cycle that starts next must end by
 *     goal = marked + (marked + stack scan + globals scan) x g/100,
 * at least heap_minimum (4 MiB x g/100), and at most the memory-limit goal
 * (limit minus non-heap memory minus any overage, minus 3% or 1 MiB of
 * headroom). Roots count because they are scan work like the heap.
 *
 * Debt model. A cycle has W units of scan work to do (expected: what the
 * last cycle scanned plus the globals). Between the trigger and the goal the
 * mutator may allocate the runway R. Every byte allocated while marking puts
 * the allocating thread assist_work_per_byte units of scan work in debt; the
 * debt is paid by stealing background credit or by assisting (assist.c).
 * The ratio is remaining work / remaining heap distance, recomputed by every
 * revise, so the work and the distance run out together. If background
 * marking takes u = 25% of the CPU and c is cons/mark, the mutator allocates
 * c x (1-u)/u bytes per unit scanned, so the runway
 *     R = c x (1-u)/u x W = 3cW
 * lets background marking alone finish exactly at the goal: in steady state
 * nobody assists. The trigger is goal - R, clamped to between 45/64 and
 * 61/64 of the way from marked to goal (the upper bound is also goal - 4 MiB
 * for large heaps); when cons/mark asks for more runway than that, assists
 * make up the difference. While marking, scan work beyond the expected
 * amount means the heap grew: the goal is extrapolated in proportion to the
 * worst-case work (everything scannable is live), capped at (1 + g/100) x
 * goal, so the assist ratio stays flat; past the goal it moves out by 10%.
 * At mark termination the measured cons/mark is
 *     (allocated since trigger) x (u + u_idle) / (scan work x (1 - u)),
 * u = 0.25 + assist share, and the estimate used for the next trigger is the
 * maximum of it and the four before it.
 *
 * WHERE PACEGC DEPARTS FROM GO
 *  - No atomics and no locks: the caller serialises all calls (heap lock or
 *    world stopped). revise takes totals, not deltas, and commit takes the
 *    current heap_live instead of loading a shared counter.
 *  - end_cycle takes the mark phase's duration instead of a start time and
 *    "now"; its scan work is the totals of the last revise.
 *  - Degenerate arithmetic that Go leaves to amd64's float-to-int
 *    conversion (infinite or out-of-range values) saturates here, because C
 *    leaves it undefined. When the expected scan work is zero (no history
 *    and no globals) the extrapolated goal is the hard goal. A cons/mark
 *    measurement that is not finite and positive (no scan work, or assists
 *    reported at 75% of the CPU or more, so the mutator had none) is dropped.
 *  - GOGC off sets heap_minimum to 0; Go stores a wrapped, unused value.
 *  - pgc_pacer_init treats a negative limit as "no limit"; the setters
 *    recommit with the sweep state of the previous commit.
 *  - Inconsistent memory statistics (free + allocated > mapped) count as no
 *    non-heap overhead; Go re-reads its counters until they agree.
 *  - The GC CPU limiter is a separate module (limiter.c).
 */
#include "pacer.h"

#include <math.h>
#include <stdio.h> /* snprintf only, for the trace formatters */

/* gcBackgroundUtilization: CPU share of background marking (mgcpacer.go,
 * gc-notes 2.7). */
#define BACKGROUND_UTILIZATION 0.25
/* gcGoalUtilization: pacing target; equal to the background share since Go
 * 1.18, so no assists are expected in steady state (gc-notes 2.7). */
#define GOAL_UTILIZATION 0.25
/* startCycle: relative rounding error of the dedicated worker count above
 * which fractional workers make up the rest (gc-notes 2.4.5). */
#define MAX_UTIL_ERROR 0.3
/* defaultHeapMinimum: smallest goal in bytes at GOGC=100 (gc-notes 2.7). */
#define DEFAULT_HEAP_MINIMUM ((uint64_t)4 << 20)
/* minRunway in heapGoalInternal: goal >= triggered + 64 KiB while marking,
 * unless the memory limit sets the goal (gc-notes 2.4.1). */
#define MIN_RUNWAY ((uint64_t)64 << 10)
/* sweepMinHeapDistance: bytes of runway the sweeper gets when commit is
 * called before the sweep is done (gc-notes 2.7). */
#define SWEEP_MIN_HEAP_DISTANCE ((uint64_t)1 << 20)
/* triggerRatioDen / minTriggerRatioNum / maxTriggerRatioNum: the trigger
 * lies between 45/64 (~0.70) and 61/64 (~0.95) of goal - marked
 * (gc-notes 2.4.2). */
#define TRIGGER_RATIO_DEN 64
#define MIN_TRIGGER_RATIO_NUM 45
#define MAX_TRIGGER_RATIO_NUM 61
/* memoryLimitHeapGoalHeadroomPercent and memoryLimitMinHeapGoalHeadroom:
 * headroom taken off the memory-limit goal (gc-notes 2.5). */
#define MEMORY_LIMIT_HEADROOM_PERCENT 3
#define MEMORY_LIMIT_MIN_HEADROOM ((uint64_t)1 << 20)
/* maxOvershoot in revise: last-resort goal extension once heap_live has
 * passed the (extrapolated) goal (gc-notes 2.4.4). */
#define MAX_OVERSHOOT 1.1
/* revise treats GOGC off as this percent (a forced cycle with GC off). */
#define OFF_PERCENT 100000.0
/* Floors in revise against division by zero and negative ratios: scan work
 * remaining (units) and heap remaining (bytes) (gc-notes 2.4.4). */
#define MIN_SCAN_WORK_REMAINING 1000
#define MIN_HEAP_REMAINING 1

/* ---- Saturating arithmetic ------------------------------------------ */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int64_t u64_to_i64(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* Truncating double -> int64 like Go's conversion, but saturating where C
 * would be undefined; NaN becomes 0. 0x1p63 is the first out-of-range value. */
static int64_t dbl_to_i64(double x)
{
    if (isnan(x))
        return 0;
    if (x >= 0x1p63)
        return INT64_MAX;
    if (x < -0x1p63)
        return INT64_MIN;
    return (int64_t)x;
}

/* Truncating double -> uint64; negative and NaN become 0. */
static uint64_t dbl_to_u64(double x)
{
    if (!(x > 0.0))
        return 0;
    if (x >= 0x1p64)
        return UINT64_MAX;
    return (uint64_t)x;
}

/* Scan work the next cycle expects: last cycle's heap and stack scan work
 * plus the current globals. */
static uint64_t expected_scan_work(const pgc_pacer *p)
{
    return sat_add(sat_add(p->last_heap_scan, p->last_stack_scan), p->globals_scan);
}

/* ---- Goal -------------------------------------------------------------- */

/* GOGC goal: marked + (marked - black + stacks + globals) x GOGC/100, at
 * least heap_minimum; UINT64_MAX when GOGC is off (PACE-BLACK-ONCE,
 * pacer.h). */
static uint64_t gc_percent_goal(const pgc_pacer *p)
{
    uint64_t base, pct, growth, goal;

    if (p->gc_percent < 0)
        return UINT64_MAX;
    base = sat_add(sat_add(p->heap_marked - p->heap_black, p->last_stack_scan), p->globals_scan);
    pct = (uint64_t)p->gc_percent;
    if (pct != 0 && base > UINT64_MAX / pct)
        growth = UINT64_MAX;
    else
        growth = base * pct / 100;
    goal = sat_add(p->heap_marked, growth);
    return goal < p->heap_minimum ? p->heap_minimum : goal;
}

uint64_t pgc_pacer_memory_limit_goal(const pgc_pacer *p)
{
    uint64_t limit = (uint64_t)p->memory_limit;
    uint64_t in_heap = sat_add(p->heap_free, p->heap_alloc);
    uint64_t non_heap = p->mapped_ready > in_heap ? p->mapped_ready - in_heap : 0;
    uint64_t overage = p->mapped_ready > limit ? p->mapped_ready - limit : 0;
    uint64_t goal, headroom;

    /* Overheads alone exceed the limit: collect continuously and leave the
     * CPU cost to the limiter. */
    if (sat_add(non_heap, overage) >= limit)
        return p->heap_marked;
    goal = limit - (non_heap + overage);
    headroom = goal / 100 * MEMORY_LIMIT_HEADROOM_PERCENT;
    if (headroom < MEMORY_LIMIT_MIN_HEADROOM)
        headroom = MEMORY_LIMIT_MIN_HEADROOM;
    if (goal < headroom || goal - headroom < headroom)
        goal = headroom;
    else
        goal -= headroom;
    return goal < p->heap_marked ? p->heap_marked : goal;
}

/* Effective goal, and in *min_trigger the sweep-distance bound on the
 * trigger (0 when the memory limit sets the goal). */
static uint64_t goal_internal(const pgc_pacer *p, uint64_t *min_trigger)
{
    uint64_t goal = p->gc_percent_goal;
    uint64_t limit_goal = pgc_pacer_memory_limit_goal(p);

    *min_trigger = 0;
    if (limit_goal < goal)
        return limit_goal; /* limited: respond hard, no extra runway */
    if (p->sweep_dist_min_trigger > goal)
        goal = p->sweep_dist_min_trigger;
    *min_trigger = p->sweep_dist_min_trigger;
    if (p->triggered != PGC_PACER_NOT_MARKING &&
        goal < sat_add(p->triggered, MIN_RUNWAY))
        goal = sat_add(p->triggered, MIN_RUNWAY);
    return goal;
}

uint64_t pgc_pacer_heap_goal(const pgc_pacer *p)
{
    uint64_t min_trigger;

    return goal_internal(p, &min_trigger);
}

/* ---- Trigger ----------------------------------------------------------- */

uint64_t pgc_pacer_trigger_goal(const pgc_pacer *p, uint64_t *goal_out)
{
    uint64_t min_trigger, goal = goal_internal(p, &min_trigger);
    uint64_t marked = p->heap_marked, step, bound, max_trigger, trigger;

    if (goal_out)
        *goal_out = goal;
    if (marked >= goal)
        return goal; /* defensive: collect continuously */
    if (min_trigger < marked)
        min_trigger = marked;
    /* Not below 45/64 of the way: a nearly always-on GC allocates black
     * and grows RSS; better to spend more CPU in assists. */
    step = (goal - marked) / TRIGGER_RATIO_DEN;
    bound = step * MIN_TRIGGER_RATIO_NUM + marked;
    if (min_trigger < bound)
        min_trigger = bound;
    /* Not above 61/64 of the way, or goal - 4 MiB for large heaps: the
     * minimum heap is the runway a cycle with no work needs. */
    max_trigger = step * MAX_TRIGGER_RATIO_NUM + marked;
    if (goal > DEFAULT_HEAP_MINIMUM && goal - DEFAULT_HEAP_MINIMUM > max_trigger)
        max_trigger = goal - DEFAULT_HEAP_MINIMUM;
    if (max_trigger < min_trigger)
        max_trigger = min_trigger;
    trigger = p->runway > goal ? min_trigger : goal - p->runway;
    if (trigger < min_trigger)
        trigger = min_trigger;
    if (trigger > max_trigger)
        trigger = max_trigger;
    return trigger > goal ? goal : trigger; /* cannot happen; Go throws */
}

uint64_t pgc_pacer_trigger(const pgc_pacer *p)
{
    return pgc_pacer_trigger_goal(p, NULL);
}

bool pgc_pacer_should_trigger(const pgc_pacer *p, uint64_t heap_live)
{
    return heap_live >= pgc_pacer_trigger(p);
}

/* ---- Assist ratio (revise) ----------------------------------------- */

/* The heap grew this cycle (more work than expected): stretch the runway
 * from the trigger in proportion to the worst-case work, capped at
 * (1 + GOGC/100) x goal. */
static int64_t extrapolated_goal(const pgc_pacer *p, int64_t goal,
                                 int64_t expected, int64_t max_work)
{
    double percent = p->gc_percent < 0 ? OFF_PERCENT : (double)p->gc_percent;
    int64_t base = u64_to_i64(pgc_pacer_marking(p) ? p->triggered : p->heap_live);
    int64_t hard = dbl_to_i64((1.0 + percent / 100.0) * (double)goal);
    int64_t ext;

    if (expected <= 0)
        return hard;
    ext = dbl_to_i64((double)(goal - base) / (double)expected * (double)max_work);
    ext = ext > INT64_MAX - base ? INT64_MAX : ext + base;
    return ext > hard ? hard : ext;
}

static void revise(pgc_pacer *p)
{
    int64_t live = u64_to_i64(p->heap_live);
    int64_t work = u64_to_i64(sat_add(sat_add(p->heap_scan_work, p->stack_scan_work),
                                      p->globals_scan_work));
    int64_t goal = u64_to_i64(pgc_pacer_heap_goal(p));
    int64_t expected = u64_to_i64(expected_scan_work(p));
    int64_t max_work = u64_to_i64(sat_add(sat_add(p->heap_scan, p->max_stack_scan),
                                          p->globals_scan));
    int64_t work_left, heap_left;

    if (work > expected) {
        goal = extrapolated_goal(p, goal, expected, max_work);
        expected = max_work;
    }
    if (live > goal) {
        /* Past even the extrapolated goal: leave some runway and assume
         * everything scannable is live. */
        goal = dbl_to_i64((double)goal * MAX_OVERSHOOT);
        expected = max_work;
    }
    work_left = expected - work;
    if (work_left < MIN_SCAN_WORK_REMAINING)
        work_left = MIN_SCAN_WORK_REMAINING;
    heap_left = goal - live;
    if (heap_left < MIN_HEAP_REMAINING)
        heap_left = MIN_HEAP_REMAINING;
    p->assist_work_per_byte = (double)work_left / (double)heap_left;
    p->assist_bytes_per_work = (double)heap_left / (double)work_left;
}

void pgc_pacer_revise(pgc_pacer *p, uint64_t heap_live, uint64_t heap_scan,
                      uint64_t heap_scan_work, uint64_t stack_scan_work,
                      uint64_t globals_scan_work)
{
    p->heap_live = heap_live;
    p->heap_scan = heap_scan;
    p->heap_scan_work = heap_scan_work;
    p->stack_scan_work = stack_scan_work;
    p->globals_scan_work = globals_scan_work;
    revise(p);
}

/* ---- Commit and configuration ---------------------------------------- */

void pgc_pacer_commit(pgc_pacer *p, bool sweep_finished, uint64_t heap_live_now)
{
    double factor;

    p->heap_live = heap_live_now;
    p->sweep_done = sweep_finished;
    /* The sweeper works between heap_live and the trigger; give it room. */
    p->sweep_dist_min_trigger =
        sweep_finished ? 0 : sat_add(heap_live_now, SWEEP_MIN_HEAP_DISTANCE);
    p->gc_percent_goal = gc_percent_goal(p);
    /* cons/mark is per CPU-second; weigh it by the mutator/GC CPU split
     * (0.75/0.25) to get bytes allocated per unit scanned. */
    factor = p->cons_mark * (1.0 - GOAL_UTILIZATION) / GOAL_UTILIZATION;
    p->runway = dbl_to_u64(factor * (double)expected_scan_work(p));
    if (pgc_pacer_marking(p))
        revise(p);
}

int pgc_pacer_set_gc_percent(pgc_pacer *p, int percent)
{
    int old = p->gc_percent;

    if (percent < 0)
        percent = -1;
    p->gc_percent = percent;
    p->heap_minimum =
        percent < 0 ? 0 : DEFAULT_HEAP_MINIMUM * (uint64_t)percent / 100;
    pgc_pacer_commit(p, p->sweep_done, p->heap_live);
    return old;
}

int64_t pgc_pacer_set_memory_limit(pgc_pacer *p, int64_t limit)
{
    int64_t old = p->memory_limit;

    if (limit < 0 || limit == old)
        return old;
    p->memory_limit = limit;
    pgc_pacer_commit(p, p->sweep_done, p->heap_live);
    return old;
}

void pgc_pacer_init(pgc_pacer *p, int gc_percent, int64_t memory_limit)
{
    *p = (pgc_pacer){0};
    p->gc_percent = 100;
    p->memory_limit = memory_limit < 0 ? INT64_MAX : memory_limit;
    p->triggered = PGC_PACER_NOT_MARKING;
    p->sweep_done = true;
    pgc_pacer_set_gc_percent(p, gc_percent);
    pgc_pacer_commit(p, true, 0); /* no sweep before the first cycle */
}

void pgc_pacer_set_mem_stats(pgc_pacer *p, uint64_t mapped_ready,
                             uint64_t heap_free, uint64_t heap_alloc)
{
    p->mapped_ready = mapped_ready;
    p->heap_free = heap_free;
    p->heap_alloc = heap_alloc;
}

void pgc_pacer_set_stack_size(pgc_pacer *p, uint64_t max_stack_scan)
{
    p->max_stack_scan = max_stack_scan;
}

void pgc_pacer_set_globals(pgc_pacer *p, uint64_t globals_scan)
{
    p->globals_scan = globals_scan;
}

/* ---- Cycle --------------------------------------------------------------- */

/* Round procs x 25% to whole dedicated workers; if that is more than 30%
 * off, round down and let fractional workers supply the rest. */
static void size_workers(pgc_pacer *p, int procs)
{
    double total = (double)procs * BACKGROUND_UTILIZATION;
    int dedicated = (int)(total + 0.5);
    double err = (double)dedicated / total - 1.0;

    if (err < -MAX_UTIL_ERROR || err > MAX_UTIL_ERROR) {
        if ((double)dedicated > total)
            dedicated--;
        p->fractional_goal = (total - (double)dedicated) / (double)procs;
    } else {
        p->fractional_goal = 0.0;
    }
    p->dedicated_workers = dedicated;
}

void pgc_pacer_start_cycle(pgc_pacer *p, uint64_t heap_live, uint64_t heap_scan,
                           int procs)
{
    p->heap_live = heap_live;
    p->heap_scan = heap_scan;
    p->heap_scan_work = 0;
    p->stack_scan_work = 0;
    p->globals_scan_work = 0;
    /* UINT64_MAX means "not marking"; a heap that large cannot exist. */
    p->triggered = heap_live == PGC_PACER_NOT_MARKING ? heap_live - 1 : heap_live;
    size_workers(p, procs < 1 ? 1 : procs);
    revise(p);
}

/* Slide the window: cons_mark = max(current, last four), then append. */
static void push_cons_mark(pgc_pacer *p, double current)
{
    int i;

    p->cons_mark = current;
    for (i = 0; i < PGC_PACER_CONS_MARK_HISTORY; i++)
        if (p->last_cons_mark[i] > p->cons_mark)
            p->cons_mark = p->last_cons_mark[i];
    for (i = 0; i + 1 < PGC_PACER_CONS_MARK_HISTORY; i++)
        p->last_cons_mark[i] = p->last_cons_mark[i + 1];
    p->last_cons_mark[PGC_PACER_CONS_MARK_HISTORY - 1] = current;
}

void pgc_pacer_end_cycle(pgc_pacer *p, uint64_t heap_live, int64_t assist_ns,
                         int64_t idle_ns, int64_t mark_duration_ns, int procs)
{
    double cpu, util = BACKGROUND_UTILIZATION, idle_util = 0.0, work, current;

    p->heap_live = heap_live;
    p->last_heap_goal = pgc_pacer_heap_goal(p);
    cpu = (double)(mark_duration_ns * (int64_t)(procs < 1 ? 1 : procs));
    if (mark_duration_ns > 0) {
        util += (double)assist_ns / cpu;
        idle_util = (double)idle_ns / cpu;
    }
    p->end_utilization = util;
    p->end_prev_cons_mark = p->cons_mark;
    p->end_expected_work = expected_scan_work(p);
    p->end_triggered = p->triggered;
    p->end_heap_live = heap_live;
    /* Nothing allocated during the cycle (or not marking): no information. */
    if (!pgc_pacer_marking(p) || heap_live <= p->triggered)
        return;
    /* Idle marking counts as GC CPU for the scan rate but is not taken from
     * the mutator: the mutator may always reclaim it. */
    work = (double)sat_add(sat_add(p->heap_scan_work, p->stack_scan_work),
                           p->globals_scan_work);
    current = ((double)(heap_live - p->triggered) * (util + idle_util)) /
              (work * (1.0 - util));
    if (!(current > 0.0) || isinf(current))
        return;
    push_cons_mark(p, current);
}

void pgc_pacer_reset_live(pgc_pacer *p, uint64_t bytes_marked,
                          uint64_t heap_scan_work, uint64_t stack_scan_work,
                          uint64_t globals_scan_work)
{
    p->heap_marked = bytes_marked;
    p->heap_black = 0;
    p->heap_live = bytes_marked;
    p->heap_scan = heap_scan_work;
    p->last_heap_scan = heap_scan_work;
    p->last_stack_scan = stack_scan_work;
    p->heap_scan_work = heap_scan_work;
    p->stack_scan_work = stack_scan_work;
    p->globals_scan_work = globals_scan_work;
    p->triggered = PGC_PACER_NOT_MARKING;
}

void pgc_pacer_note_black(pgc_pacer *p, uint64_t black)
{
    p->heap_black = black < p->heap_marked ? black : p->heap_marked;
}

/* ---- Getters -------------------------------------------------------------- */

bool pgc_pacer_marking(const pgc_pacer *p) { return p->triggered != PGC_PACER_NOT_MARKING; }
int pgc_pacer_dedicated_workers(const pgc_pacer *p) { return p->dedicated_workers; }
double pgc_pacer_fractional_goal(const pgc_pacer *p) { return p->fractional_goal; }
double pgc_pacer_assist_work_per_byte(const pgc_pacer *p) { return p->assist_work_per_byte; }
double pgc_pacer_assist_bytes_per_work(const pgc_pacer *p) { return p->assist_bytes_per_work; }
double pgc_pacer_cons_mark(const pgc_pacer *p) { return p->cons_mark; }
uint64_t pgc_pacer_heap_marked(const pgc_pacer *p) { return p->heap_marked; }
uint64_t pgc_pacer_heap_live(const pgc_pacer *p) { return p->heap_live; }
uint64_t pgc_pacer_triggered(const pgc_pacer *p) { return p->triggered; }
uint64_t pgc_pacer_last_heap_goal(const pgc_pacer *p) { return p->last_heap_goal; }
uint64_t pgc_pacer_heap_minimum(const pgc_pacer *p) { return p->heap_minimum; }
int pgc_pacer_gc_percent(const pgc_pacer *p) { return p->gc_percent; }
int64_t pgc_pacer_memory_limit(const pgc_pacer *p) { return p->memory_limit; }

/* ---- Trace lines ---------------------------------------------------------- */

int pgc_pacer_format_start(const pgc_pacer *p, char *buf, size_t n)
{
    return snprintf(buf, n,
                    "pacer: assist ratio=%g (scan %llu MB in %llu->%llu MB) workers=%d+%g",
                    p->assist_work_per_byte, (unsigned long long)(p->heap_scan >> 20),
                    (unsigned long long)(p->triggered >> 20),
                    (unsigned long long)(pgc_pacer_heap_goal(p) >> 20),
                    p->dedicated_workers, p->fractional_goal);
}

int pgc_pacer_format_end(const pgc_pacer *p, char *buf, size_t n)
{
    long long delta = (long long)p->end_heap_live - (long long)p->last_heap_goal;

    return snprintf(buf, n,
                    "pacer: %d%% CPU (%d exp.) for %llu+%llu+%llu B work (%llu B exp.) "
                    "in %llu B -> %llu B (\xe2\x88\x86goal %lld, cons/mark %g)",
                    (int)(p->end_utilization * 100), (int)(GOAL_UTILIZATION * 100),
                    (unsigned long long)p->heap_scan_work,
                    (unsigned long long)p->stack_scan_work,
                    (unsigned long long)p->globals_scan_work,
                    (unsigned long long)p->end_expected_work,
                    (unsigned long long)p->end_triggered,
                    (unsigned long long)p->end_heap_live, delta, p->end_prev_cons_mark);
}
