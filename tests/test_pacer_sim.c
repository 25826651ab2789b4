/* test_pacer_sim.c - the 19 TestGcPacer scenarios of Go's mgcpacer_test.go
 * (gc-notes Part 2, 6.1), run against pacer.c.
 *
 * No heap: each cycle starts at the pacer's trigger, then steps in 500 us
 * periods. In each period the assist ratio A, the allocation rate a and the
 * scan rate s (KiB per CPU-ms) fix the GC CPU share u = A·a / (A·a + s),
 * at least the 25% of the background workers; the GC scans s·u and the
 * mutator allocates a·(1-u), and the pacer is revised with the new totals.
 * The cycle ends when globals, stacks and the heap that the next cycle will
 * find live have been scanned (a partial last period is scaled in time).
 * Inputs, tolerances and cycle windows are Go's; the random streams use
 * splitmix64 with fixed seeds instead of Go's math/rand, so the jitter is
 * different but bounded by the same amplitudes.
 *
 * Usage: test_pacer_sim [-v]   (-v prints one line per cycle)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pacer.h"

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define MAX_CYCLES 100
#define MAX_TERMS 4
#define INITIAL_HEAP_BYTES (256 * KIB)   /* live heap of the first cycle */
#define REVISE_PERIOD_NS INT64_C(500000) /* 500 us between revisions */
#define RATE_CONV 512.0                  /* KiB/CPU-ms over 500 us -> bytes */
#define MIN_RATE 0.0001                  /* floor of every rate stream */
#define STACK_QUANTUM 2048.0             /* stack sizes are multiples of this */
#define BG_UTIL 0.25                     /* Go's gcBackgroundUtilization */
#define GOAL_UTIL 0.25                   /* Go's gcGoalUtilization */
#define HEAP_MINIMUM (4 * MIB)           /* Go's defaultHeapMinimum */
#define LIMIT_512M ((int64_t)512 << 20)
#define PI 3.14159265358979323846

static int verbose;

/* ---- Input streams (Go's float64Stream combinators) -------------------- */

enum term_kind { T_NONE, T_CONST, T_RAMP, T_UNIT, T_OSC, T_RANDOM };

/* One summand of a stream, with its state. delay leading zeros come first
 * and do not advance the term. */
typedef struct term {
    enum term_kind kind;
    double amp;      /* constant value, ramp height or amplitude */
    double phase;    /* oscillation phase, radians */
    int len;         /* ramp length or oscillation period, in cycles */
    int delay;       /* leading zero outputs */
    uint64_t seed;   /* random: splitmix64 seed */
    int step;        /* state: steps taken (ramp, oscillation) */
    int zeros;       /* state: zeros emitted so far */
    int fired;       /* state: unit impulse emitted */
    uint64_t rng;    /* state: splitmix64 state */
} term;

typedef struct stream {
    term t[MAX_TERMS]; /* summed in order; T_NONE ends the list */
} stream;

#define CONST(c) {.kind = T_CONST, .amp = (c)}
#define RAMP(h, n) {.kind = T_RAMP, .amp = (h), .len = (n)}
#define RAMP_DELAY(h, n, d) {.kind = T_RAMP, .amp = (h), .len = (n), .delay = (d)}
#define UNIT_DELAY(a, d) {.kind = T_UNIT, .amp = (a), .delay = (d)}
#define OSC(a, ph, per) {.kind = T_OSC, .amp = (a), .phase = (ph), .len = (per)}
#define RANDOM(a, s) {.kind = T_RANDOM, .amp = (a), .seed = (s)}
#define S1(a) {{a}}
#define S2(a, b) {{a, b}}
#define S4(a, b, c, d) {{a, b, c, d}}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double term_next(term *t)
{
    double v = 0.0;

    if (t->zeros < t->delay) {
        t->zeros++;
        return 0.0;
    }
    switch (t->kind) {
    case T_CONST:
        v = t->amp;
        break;
    case T_RAMP: /* 0 -> height over len steps, then height */
        v = t->amp * (double)t->step / (double)t->len;
        if (t->step < t->len)
            t->step++;
        break;
    case T_UNIT: /* amp once, then zeros */
        v = t->fired ? 0.0 : t->amp;
        t->fired = 1;
        break;
    case T_OSC:
        v = sin((double)t->step / (double)t->len * 2 * PI + t->phase) * t->amp;
        t->step = (t->step + 1) % t->len;
        break;
    case T_RANDOM: /* uniform in [-amp, amp) */
        v = ((double)(splitmix64(&t->rng) >> 11) * 0x1p-53 - 0.5) * 2 * t->amp;
        break;
    case T_NONE:
        break;
    }
    return v;
}

static double stream_next(stream *s)
{
    double sum = term_next(&s->t[0]);
    int i;

    for (i = 1; i < MAX_TERMS && s->t[i].kind != T_NONE; i++)
        sum += term_next(&s->t[i]);
    return sum;
}

static void stream_reset(stream *s)
{
    int i;

    for (i = 0; i < MAX_TERMS; i++) {
        s->t[i].step = s->t[i].zeros = s->t[i].fired = 0;
        s->t[i].rng = s->t[i].seed;
    }
}

/* ---- Scenarios ------------------------------------------------------------ */

/* What the simulation reports for one cycle (Go's gcCycleResult). */
typedef struct result {
    int cycle;              /* 1-based */
    uint64_t heap_live;     /* heap_marked at cycle start, bytes */
    uint64_t heap_trigger;  /* triggered, bytes */
    uint64_t heap_goal;     /* goal at the end of marking, bytes */
    uint64_t heap_peak;     /* heap_live at the end of marking, bytes */
    int64_t heap_scannable; /* scannable part of the marked heap, bytes */
    double util;            /* GC CPU share during marking */
} result;

typedef struct scenario scenario;
typedef void (*checker_fn)(const scenario *e, const result *c, int n);

struct scenario {
    const char *name;
    int gc_percent;       /* GOGC */
    int64_t memory_limit; /* bytes */
    uint64_t globals;     /* bytes of globals */
    int cores;
    stream alloc_rate;    /* KiB per CPU-ms */
    stream scan_rate;     /* KiB per CPU-ms */
    stream growth_rate;   /* live heap factor per cycle */
    stream scannable;     /* scannable fraction of the heap */
    stream stack_bytes;   /* bytes of stacks */
    int length;           /* cycles */
    checker_fn check;
};

static double goal_ratio(const result *r) { return (double)r->heap_peak / (double)r->heap_goal; }
static double runway(const result *r) { return (double)(r->heap_goal - r->heap_trigger); }
static double trigger_ratio(const result *r)
{
    return (double)(r->heap_trigger - r->heap_live) / (double)(r->heap_goal - r->heap_live);
}

/* Go's applyMemoryLimitHeapGoalHeadroom(512 MiB), computed independently. */
static uint64_t limit_goal_512m(void)
{
    uint64_t goal = (uint64_t)LIMIT_512M, headroom = goal / 100 * 3;

    if (headroom < MIB)
        headroom = MIB;
    return goal < 2 * headroom ? headroom : goal - headroom;
}

#define IN_RANGE(what, v, lo, hi)                                                 \
    CHECK_RANGE(v, lo, hi, "%s cycle %d: %s = %.6f not in [%.6f, %.6f]", e->name, \
                n, what, (double)(v), (double)(lo), (double)(hi))
#define NEAR(what, v, want, eps)                                                  \
    CHECK_NEAR(v, want, eps, "%s cycle %d: %s = %.6f not within %.4f of %.6f",    \
               e->name, n, what, (double)(v), (double)(eps), (double)(want))
#define CUR (&c[n - 1])
#define PREV (&c[n - 2])

/* Settled at 25% utilisation with the goal met (Steady and friends). */
static void expect_settled(const scenario *e, const result *c, int n)
{
    NEAR("GC utilization", CUR->util, GOAL_UTIL, 0.005);
    NEAR("GC utilization vs previous", CUR->util, PREV->util, 0.005);
    IN_RANGE("goal ratio", goal_ratio(CUR), 0.95, 1.05);
}

static void check_steady(const scenario *e, const result *c, int n)
{
    if (n >= 25)
        expect_settled(e, c, n);
}

static void check_step(const scenario *e, const result *c, int n)
{
    if ((n >= 25 && n < 50) || n >= 75) {
        NEAR("GC utilization vs previous", CUR->util, PREV->util, 0.005);
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.95, 1.05);
    }
}

static void check_high_gogc(const scenario *e, const result *c, int n)
{
    if (n <= 12)
        return;
    /* Cycle 26 sees the live heap grow 15x: overshoot, but by less than
     * GOGC of the next cycle. */
    if (n == 26)
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.90, 15);
    else
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.90, 1.05);
    NEAR("GC utilization", CUR->util, GOAL_UTIL, GOAL_UTIL + 0.03);
    NEAR("GC utilization vs previous", CUR->util, PREV->util, 0.03);
}

static void check_osc(const scenario *e, const result *c, int n)
{
    if (n > 12) {
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.95, 1.05);
        IN_RANGE("GC utilization", CUR->util, 0.25, 0.3);
    }
}

static void check_jitter(const scenario *e, const result *c, int n)
{
    if (n > 12) {
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.95, 1.025);
        IN_RANGE("GC utilization", CUR->util, 0.25, 0.275);
    }
}

static void check_heavy_jitter(const scenario *e, const result *c, int n)
{
    if (n > 13) {
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.95, 1.05);
        NEAR("GC utilization vs previous", CUR->util, PREV->util, 0.05);
        NEAR("GC utilization vs cycle 12", CUR->util, c[11].util, 0.05);
    }
}

/* Utilisation checks shared by the slow-allocation scenarios, n > 25. */
static void expect_slow_util(const scenario *e, const result *c, int n)
{
    NEAR("GC utilization", CUR->util, GOAL_UTIL, 0.005);
    NEAR("GC utilization vs previous", CUR->util, PREV->util, 0.05);
    NEAR("GC utilization vs cycle 12", CUR->util, c[11].util, 0.05);
}

/* Small and medium heaps: the heap stops growing after `settle` cycles. */
static void check_slow_heap(const scenario *e, const result *c, int n, int settle)
{
    if (n > settle) {
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.925, 1.025);
        IN_RANGE("trigger ratio", trigger_ratio(CUR), 0.925, 0.975);
    }
    if (n > 25)
        expect_slow_util(e, c, n);
}

static void check_small_heap(const scenario *e, const result *c, int n)
{
    check_slow_heap(e, c, n, 4);
}

static void check_medium_heap(const scenario *e, const result *c, int n)
{
    check_slow_heap(e, c, n, 9);
}

static void check_large_heap(const scenario *e, const result *c, int n)
{
    if (n > 13) {
        IN_RANGE("goal ratio", goal_ratio(CUR), 0.95, 1.05);
        /* Runway is the goal - heap_minimum trigger cap. */
        IN_RANGE("runway", runway(CUR), HEAP_MINIMUM - 64 * KIB, HEAP_MINIMUM + 64 * KIB);
    }
    if (n > 25)
        expect_slow_util(e, c, n);
}

static void check_steady_limit(const scenario *e, const result *c, int n)
{
    CHECK(CUR->heap_peak < limit_goal_512m(), "%s cycle %d: peak %llu reaches the limit goal",
          e->name, n, (unsigned long long)CUR->heap_peak);
    check_steady(e, c, n);
}

static void expect_goal_is_limit(const scenario *e, const result *c, int n)
{
    CHECK(CUR->heap_goal == limit_goal_512m(), "%s cycle %d: goal %llu != limit goal %llu",
          e->name, n, (unsigned long long)CUR->heap_goal,
          (unsigned long long)limit_goal_512m());
}

static void check_steady_limit_off(const scenario *e, const result *c, int n)
{
    expect_goal_is_limit(e, c, n);
    check_steady(e, c, n);
}

static void check_exceed_limit(const scenario *e, const result *c, int n)
{
    if (n > 12)
        CHECK(CUR->heap_goal == CUR->heap_live, "%s cycle %d: goal %llu != live heap %llu",
              e->name, n, (unsigned long long)CUR->heap_goal,
              (unsigned long long)CUR->heap_live);
    if (n >= 25) {
        /* Memory pressure drives the GC to all of the CPU (capping that is
         * the CPU limiter's job, not the pacer's). */
        NEAR("GC utilization", CUR->util, 1.0, 0.005);
        NEAR("GC utilization vs previous", CUR->util, PREV->util, 0.005);
    }
}

static void check_exceed_limit_off(const scenario *e, const result *c, int n)
{
    if (n < 10)
        expect_goal_is_limit(e, c, n);
    check_exceed_limit(e, c, n);
}

static void check_maintain_limit(const scenario *e, const result *c, int n)
{
    if (n > 12)
        expect_goal_is_limit(e, c, n);
    check_steady(e, c, n);
}

static void check_maintain_limit_off(const scenario *e, const result *c, int n)
{
    expect_goal_is_limit(e, c, n);
    check_steady(e, c, n);
}

#define GROWTH_12 S2(CONST(2.0), RAMP(-1.0, 12))
#define FRAC_1 S1(CONST(1.0))
#define STACK_8K S1(CONST(8192))
#define SCAN_1K S1(CONST(1024.0))
#define SCAN_2K S1(CONST(2048.0))
#define NO_LIMIT INT64_MAX

static scenario scenarios[] = {
    {"Steady", 100, NO_LIMIT, 32 * KIB, 8, S1(CONST(33.0)), SCAN_1K, GROWTH_12,
     FRAC_1, STACK_8K, 50, check_steady},
    {"SteadyBigStacks", 100, NO_LIMIT, 32 * KIB, 8, S1(CONST(132.0)), SCAN_1K,
     GROWTH_12, FRAC_1, S2(CONST(2048), RAMP((double)(128 * MIB), 8)), 50, check_steady},
    {"SteadyBigGlobals", 100, NO_LIMIT, 128 * MIB, 8, S1(CONST(132.0)), SCAN_1K,
     GROWTH_12, FRAC_1, STACK_8K, 50, check_steady},
    {"StepAlloc", 100, NO_LIMIT, 32 * KIB, 8, S2(CONST(33.0), RAMP_DELAY(66.0, 1, 50)),
     SCAN_1K, GROWTH_12, FRAC_1, STACK_8K, 100, check_step},
    {"HeavyStepAlloc", 100, NO_LIMIT, 32 * KIB, 8, S2(CONST(33.0), RAMP_DELAY(330.0, 1, 50)),
     SCAN_1K, GROWTH_12, FRAC_1, STACK_8K, 100, check_step},
    {"StepScannableFrac", 100, NO_LIMIT, 32 * KIB, 8, S1(CONST(128.0)), SCAN_1K,
     GROWTH_12, S2(CONST(0.2), UNIT_DELAY(0.5, 50)), STACK_8K, 100, check_step},
    {"HighGOGC", 1500, NO_LIMIT, 32 * KIB, 8, S2(RANDOM(7.0, 0x53), CONST(165.0)), SCAN_1K,
     S4(CONST(2.0), RAMP(-1.0, 12), RANDOM(0.01, 0x1), UNIT_DELAY(14.0, 25)), FRAC_1,
     STACK_8K, 50, check_high_gogc},
    {"OscAlloc", 100, NO_LIMIT, 32 * KIB, 8, S2(OSC(13.0, 0.0, 8), CONST(67.0)), SCAN_1K,
     GROWTH_12, FRAC_1, STACK_8K, 50, check_osc},
    {"JitterAlloc", 100, NO_LIMIT, 32 * KIB, 8, S2(RANDOM(13.0, 0xf), CONST(132.0)), SCAN_1K,
     {{CONST(2.0), RAMP(-1.0, 12), RANDOM(0.01, 0xe)}}, FRAC_1, STACK_8K, 50, check_jitter},
    {"HeavyJitterAlloc", 100, NO_LIMIT, 32 * KIB, 8, S2(RANDOM(33.0, 0x0), CONST(330.0)),
     SCAN_1K, {{CONST(2.0), RAMP(-1.0, 12), RANDOM(0.01, 0x152)}}, FRAC_1, STACK_8K, 50,
     check_heavy_jitter},
    {"SmallHeapSlowAlloc", 100, NO_LIMIT, 32 * KIB, 8, S1(CONST(1.0)), SCAN_2K,
     S2(CONST(2.0), RAMP(-1.0, 3)), S1(CONST(0.01)), STACK_8K, 50, check_small_heap},
    {"MediumHeapSlowAlloc", 100, NO_LIMIT, 32 * KIB, 8, S1(CONST(1.0)), SCAN_2K,
     S2(CONST(2.0), RAMP(-1.0, 8)), S1(CONST(0.01)), STACK_8K, 50, check_medium_heap},
    {"LargeHeapSlowAlloc", 100, NO_LIMIT, 32 * KIB, 8, S1(CONST(1.0)), SCAN_2K,
     S2(CONST(4.0), RAMP(-3.0, 12)), S1(CONST(0.01)), STACK_8K, 50, check_large_heap},
    {"SteadyMemoryLimit", 100, LIMIT_512M, 32 * KIB, 8, S1(CONST(33.0)), SCAN_1K,
     GROWTH_12, FRAC_1, STACK_8K, 50, check_steady_limit},
    {"SteadyMemoryLimitNoGCPercent", -1, LIMIT_512M, 32 * KIB, 8, S1(CONST(33.0)), SCAN_1K,
     GROWTH_12, FRAC_1, STACK_8K, 50, check_steady_limit_off},
    {"ExceedMemoryLimit", 100, LIMIT_512M, 32 * KIB, 8, S1(CONST(33.0)), SCAN_1K,
     S2(CONST(3.5), RAMP(-2.5, 12)), FRAC_1, STACK_8K, 50, check_exceed_limit},
    {"ExceedMemoryLimitNoGCPercent", -1, LIMIT_512M, 32 * KIB, 8, S1(CONST(33.0)), SCAN_1K,
     S2(CONST(3.5), RAMP(-2.5, 12)), FRAC_1, STACK_8K, 50, check_exceed_limit_off},
    {"MaintainMemoryLimit", 100, LIMIT_512M, 32 * KIB, 8, S1(CONST(33.0)), SCAN_1K,
     S2(CONST(3.0), RAMP(-2.0, 12)), FRAC_1, STACK_8K, 50, check_maintain_limit},
    {"MaintainMemoryLimitNoGCPercent", -1, LIMIT_512M, 32 * KIB, 8, S1(CONST(33.0)), SCAN_1K,
     S2(CONST(3.0), RAMP(-2.0, 12)), FRAC_1, STACK_8K, 50, check_maintain_limit_off},
};

/* ---- Simulation ------------------------------------------------------------ */

/* This cycle's inputs (Go's gcCycle), clamped as Go clamps them. */
typedef struct cycle_in {
    double alloc_rate, scan_rate, growth_rate, scannable;
    uint64_t stack_bytes;
} cycle_in;

static cycle_in next_inputs(scenario *e)
{
    cycle_in in;
    double frac, r;

    in.alloc_rate = fmax(MIN_RATE, stream_next(&e->alloc_rate));
    in.scan_rate = fmax(MIN_RATE, stream_next(&e->scan_rate));
    in.growth_rate = fmax(MIN_RATE, stream_next(&e->growth_rate));
    frac = stream_next(&e->scannable);
    in.scannable = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    r = stream_next(&e->stack_bytes) / STACK_QUANTUM;
    r = (r < 0 ? ceil(r) : floor(r)) * STACK_QUANTUM;
    in.stack_bytes = (uint64_t)fmax(0, r);
    return in;
}

/* Scan work still to do, by kind, and the totals reported to the pacer. */
typedef struct mark_state {
    int64_t left[3];       /* globals, stacks, heap: work left */
    uint64_t done[3];      /* globals, stacks, heap: work done */
    uint64_t heap_live;    /* bytes */
    uint64_t heap_scan;    /* bytes */
    int64_t duration_ns;   /* wall time of marking */
    int64_t assist_ns;     /* CPU time of assists */
    int64_t alloc_black;   /* bytes allocated during marking (black) */
    int64_t next_marked;   /* bytes of the old heap found live this cycle */
} mark_state;

/* Globals first, then stacks, then heap; returns the work actually done. */
static int64_t do_work(mark_state *m, int64_t work)
{
    int64_t done = 0;
    int i;

    for (i = 0; i < 3 && work > 0; i++) {
        int64_t step = m->left[i] < work ? m->left[i] : work;

        m->left[i] -= step;
        m->done[i] += (uint64_t)step;
        work -= step;
        done += step;
    }
    return done;
}

/* One 500 us period of idealised assist pacing. */
static void step_period(pgc_pacer *p, const scenario *e, const cycle_in *in, mark_state *m)
{
    double cores = (double)e->cores, period = (double)REVISE_PERIOD_NS;
    double ratio = pgc_pacer_assist_work_per_byte(p);
    double u = ratio * in->alloc_rate / (ratio * in->alloc_rate + in->scan_rate);
    int64_t scanned, allocated, actual, elapsed = REVISE_PERIOD_NS;

    if (u < BG_UTIL)
        u = BG_UTIL; /* assists idle; the dedicated workers still run */
    scanned = (int64_t)(in->scan_rate * RATE_CONV * cores * u);
    allocated = (int64_t)(in->alloc_rate * RATE_CONV * cores * (1 - u));
    actual = do_work(m, scanned);
    if (actual < scanned) { /* marking ends inside this period */
        elapsed = (int64_t)((double)actual * period / (in->scan_rate * RATE_CONV * cores * u));
        allocated = (int64_t)(in->alloc_rate * RATE_CONV * (double)elapsed / period * cores *
                              (1 - u));
    }
    m->heap_live += (uint64_t)allocated;
    m->heap_scan += (uint64_t)(int64_t)((double)allocated * in->scannable);
    pgc_pacer_revise(p, m->heap_live, m->heap_scan, m->done[2], m->done[1], m->done[0]);
    m->assist_ns += (int64_t)((double)elapsed * cores * (u - BG_UTIL));
    m->duration_ns += elapsed;
    m->alloc_black += allocated;
}

/* Start a cycle at the trigger, as Go's GCController.StartCycle does. */
static void start_cycle(pgc_pacer *p, const scenario *e, const cycle_in *in, mark_state *m)
{
    uint64_t trigger = pgc_pacer_trigger(p), marked = pgc_pacer_heap_marked(p);

    if (marked > trigger)
        trigger = marked;
    pgc_pacer_set_stack_size(p, in->stack_bytes);
    pgc_pacer_set_globals(p, e->globals);
    m->heap_live = trigger;
    m->heap_scan = p->heap_scan + (uint64_t)(int64_t)((double)(trigger - marked) * in->scannable);
    pgc_pacer_start_cycle(p, m->heap_live, m->heap_scan, e->cores);
}

static void print_result(const scenario *e, const result *r)
{
    printf("  %s GC %d %2.1f%% %llu->%llu->%llu (goal: %llu)\n", e->name, r->cycle,
           r->util * 100, (unsigned long long)r->heap_live,
           (unsigned long long)r->heap_trigger, (unsigned long long)r->heap_peak,
           (unsigned long long)r->heap_goal);
}

/* Checks every scenario gets (Go's gcExecTest.check). */
static void generic_checks(const scenario *e, const result *c, int n)
{
    CHECK(c[n - 1].cycle == n, "%s: cycle numbers out of order", e->name);
    IN_RANGE("GC utilization", c[n - 1].util, 0.0, 1.0);
    CHECK(c[n - 1].heap_scannable >= 0, "%s cycle %d: heap scannable %lld < 0", e->name, n,
          (long long)c[n - 1].heap_scannable);
}

/* Mark one cycle to completion and return what it looked like. */
static result run_cycle(pgc_pacer *p, const scenario *e, const cycle_in *in, int i,
                        int64_t black_last, mark_state *m)
{
    int64_t marked = (int64_t)pgc_pacer_heap_marked(p);
    result r;

    memset(m, 0, sizeof *m);
    start_cycle(p, e, in, m);
    /* The live heap grows by growth_rate, not counting last cycle's black
     * allocation (which died). */
    m->next_marked = i == 0 ? (int64_t)INITIAL_HEAP_BYTES
                            : (int64_t)((double)(marked - black_last) * in->growth_rate);
    m->left[0] = (int64_t)e->globals;
    m->left[1] = (int64_t)in->stack_bytes;
    m->left[2] = (int64_t)((double)m->next_marked * in->scannable);
    while (m->left[0] + m->left[1] + m->left[2] > 0)
        step_period(p, e, in, m);
    r.cycle = i + 1;
    r.heap_live = pgc_pacer_heap_marked(p);
    r.heap_scannable = (int64_t)((double)(marked - black_last) * in->scannable);
    r.heap_trigger = pgc_pacer_triggered(p);
    r.heap_peak = pgc_pacer_heap_live(p);
    r.heap_goal = pgc_pacer_heap_goal(p);
    r.util = (double)m->assist_ns / ((double)m->duration_ns * (double)e->cores) + BG_UTIL;
    return r;
}

static void run_scenario(scenario *e)
{
    static result results[MAX_CYCLES];
    pgc_pacer p;
    int64_t black_last = 0;
    int i;

    stream_reset(&e->alloc_rate);
    stream_reset(&e->scan_rate);
    stream_reset(&e->growth_rate);
    stream_reset(&e->scannable);
    stream_reset(&e->stack_bytes);
    pgc_pacer_init(&p, e->gc_percent, e->memory_limit);
    for (i = 0; i < e->length; i++) {
        cycle_in in = next_inputs(e);
        mark_state m;

        results[i] = run_cycle(&p, e, &in, i, black_last, &m);
        if (verbose)
            print_result(e, &results[i]);
        generic_checks(e, results, i + 1);
        e->check(e, results, i + 1);
        /* Mark termination, as Go's GCController.EndCycle: marked = the
         * live old heap plus everything allocated black. */
        pgc_pacer_end_cycle(&p, m.heap_live, m.assist_ns, 0, m.duration_ns, e->cores);
        pgc_pacer_reset_live(&p, (uint64_t)(m.next_marked + m.alloc_black), m.done[2],
                             m.done[1], m.done[0]);
        pgc_pacer_commit(&p, false, pgc_pacer_heap_live(&p));
        black_last = m.alloc_black;
    }
    printf("ok %s\n", e->name);
}

int main(int argc, char **argv)
{
    int i, n = (int)(sizeof scenarios / sizeof scenarios[0]);

    verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    for (i = 0; i < n; i++)
        run_scenario(&scenarios[i]);
    printf("pacer sim: %d/%d scenarios ok\n", n, n);
    return 0;
}
