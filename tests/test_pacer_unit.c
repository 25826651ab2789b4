/* test_pacer_unit.c - unit tests of pacer.c against the worked numbers of
 * gc-notes Part 2: the GOGC=100 examples of 2.4.6 (goal 203 MiB, trigger
 * bounds 172.4 and 199 MiB, trigger 185 MiB and assist ratio 60/18 at
 * cons/mark 0.1), the worker rounding table of 2.4.5, the memory-limit goal
 * of 2.5, heap-minimum scaling, GOGC off, the 64 KiB minimum runway, and the
 * parts of revise/endCycle the simulation does not reach (sweep distance,
 * 1.1x overshoot, goal extrapolation, cons/mark window).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pacer.h"

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define SEC INT64_C(1000000000)
#define NO_LIMIT INT64_MAX

static int tests_run;

#define EXPECT_EQ_U64(got, want, what)                                     \
    CHECK((uint64_t)(got) == (uint64_t)(want), "%s: got %llu, want %llu", \
          what, (unsigned long long)(got), (unsigned long long)(want))
#define EXPECT_NEAR(got, want, eps, what)                                   \
    CHECK_NEAR(got, want, eps, "%s: got %.9g, want %.9g +- %g", what, \
               (double)(got), (double)(want), (double)(eps))

static void pass(const char *name)
{
    tests_run++;
    printf("ok %s\n", name);
}

/* Drive one whole cycle whose measurement is cons/mark cm (no assists, no
 * idle: cm = allocated x 0.25 / (work x 0.75)), ending with marked bytes
 * live and the given heap and stack scan work as "last cycle". */
static void cycle_with(pgc_pacer *p, double cm, uint64_t marked, uint64_t heap_scan,
                       uint64_t stack_scan)
{
    uint64_t start = pgc_pacer_trigger(p);
    uint64_t work = heap_scan + stack_scan + p->globals_scan;
    uint64_t alloc = (uint64_t)(3 * cm * (double)work);

    pgc_pacer_start_cycle(p, start, heap_scan, 8);
    pgc_pacer_revise(p, start + alloc, heap_scan, heap_scan, stack_scan, p->globals_scan);
    pgc_pacer_end_cycle(p, start + alloc, 0, 0, SEC, 8);
    pgc_pacer_reset_live(p, marked, heap_scan, stack_scan, p->globals_scan);
    pgc_pacer_commit(p, true, marked);
}

/* gc-notes 2.4.6: live 100 MiB, stacks 2 MiB, globals 1 MiB, last scan
 * work 60 MiB (57 heap + 2 stack + 1 globals), GOGC 100. */
static void worked_example(pgc_pacer *p, double cm)
{
    pgc_pacer_init(p, 100, NO_LIMIT);
    pgc_pacer_set_globals(p, 1 * MIB);
    cycle_with(p, cm, 100 * MIB, 57 * MIB, 2 * MIB);
}

static void test_worked_example_low_cons_mark(void)
{
    pgc_pacer p;
    uint64_t goal, trigger;

    worked_example(&p, 0.1);
    EXPECT_NEAR(pgc_pacer_cons_mark(&p), 0.1, 1e-12, "cons/mark");
    trigger = pgc_pacer_trigger_goal(&p, &goal);
    EXPECT_EQ_U64(goal, 203 * MIB, "goal = 100 + (100 + 2 + 1) MiB");
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 203 * MIB, "heap_goal()");
    EXPECT_NEAR((double)p.runway, 18.0 * MIB, 1, "runway = 3 x 0.1 x 60 MiB");
    EXPECT_NEAR((double)trigger, 185.0 * MIB, 1, "trigger = 203 - 18 MiB");
    CHECK(!pgc_pacer_should_trigger(&p, trigger - 1), "triggers below the trigger");
    CHECK(pgc_pacer_should_trigger(&p, trigger), "does not trigger at the trigger");
    /* Initial assist ratio: 60 MiB of work over 18 MiB of runway. */
    pgc_pacer_start_cycle(&p, trigger, 57 * MIB, 8);
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p), 60.0 / 18.0, 1e-6, "assist ratio");
    EXPECT_NEAR(pgc_pacer_assist_bytes_per_work(&p), 18.0 / 60.0, 1e-6, "bytes per work");
    /* Design point: 25% GC CPU scans 0.25 s while the mutator allocates
     * 0.75 x 0.1 s, the same ratio, so no assists are needed. */
    EXPECT_NEAR(0.25 / (0.75 * 0.1), pgc_pacer_assist_work_per_byte(&p), 1e-6,
                "background rate = assist ratio");
    pass("worked example, cons/mark 0.1: goal 203 MiB, trigger 185 MiB, ratio 60/18");
}

static void test_worked_example_trigger_bounds(void)
{
    pgc_pacer p;
    uint64_t min_trigger = 100 * MIB + 103 * MIB / 64 * 45; /* 172.42 MiB */

    /* cons/mark 0.5 wants 90 MiB of runway: clamped to the 45/64 bound. */
    worked_example(&p, 0.5);
    EXPECT_EQ_U64(pgc_pacer_trigger(&p), min_trigger, "trigger at 45/64 (172.4 MiB)");
    EXPECT_NEAR((double)min_trigger / MIB, 172.42, 0.01, "min trigger in MiB");
    pgc_pacer_start_cycle(&p, min_trigger, 57 * MIB, 8);
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p),
                (double)(60 * MIB) / (double)(203 * MIB - min_trigger), 1e-9,
                "assist ratio 60/30.6");
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p), 1.96, 0.005, "assist ratio ~1.96");
    /* Background alone supplies 0.25 / (0.75 x 0.5) = 0.67 work/byte, so
     * assists make up the rest. */
    CHECK(0.25 / (0.75 * 0.5) < pgc_pacer_assist_work_per_byte(&p), "assists needed");

    /* A tiny cons/mark wants almost no runway: clamped to max(61/64,
     * goal - 4 MiB) = 199 MiB. */
    worked_example(&p, 0.001);
    EXPECT_EQ_U64(pgc_pacer_trigger(&p), 199 * MIB, "max trigger = goal - 4 MiB");
    CHECK(100 * MIB + 103 * MIB / 64 * 61 < 199 * MIB, "61/64 bound is the lower one here");
    pass("worked example bounds: min trigger 172.4 MiB, max trigger 199 MiB");
}

static void test_workers(void)
{
    static const int dedicated[9] = {0, 0, 0, 0, 1, 1, 1, 2, 2};
    static const double fractional[9] = {0, 0.25, 0.25, 0.25, 0, 0, 1.0 / 12, 0, 0};
    static const double util[9] = {0, 0.25, 0.25, 0.25, 0.25, 0.20, 0.25, 2.0 / 7, 0.25};
    pgc_pacer p;
    char what[64];
    int procs;

    pgc_pacer_init(&p, 100, NO_LIMIT);
    for (procs = 1; procs <= 8; procs++) {
        pgc_pacer_start_cycle(&p, 4 * MIB, 0, procs);
        snprintf(what, sizeof what, "procs %d", procs);
        CHECK(pgc_pacer_dedicated_workers(&p) == dedicated[procs], "%s: dedicated %d, want %d",
              what, pgc_pacer_dedicated_workers(&p), dedicated[procs]);
        EXPECT_NEAR(pgc_pacer_fractional_goal(&p), fractional[procs], 1e-12, what);
        EXPECT_NEAR((pgc_pacer_dedicated_workers(&p) +
                     pgc_pacer_fractional_goal(&p) * procs) / procs,
                    util[procs], 1e-12, what);
        pgc_pacer_reset_live(&p, 0, 0, 0, 0);
    }
    pass("worker rounding table, procs 1..8");
}

/* Go's memoryLimitHeapGoal headroom rule, restated for the expectations. */
static uint64_t with_headroom(uint64_t goal)
{
    uint64_t headroom = goal / 100 * 3;

    if (headroom < MIB)
        headroom = MIB;
    return goal < 2 * headroom ? headroom : goal - headroom;
}

static void test_memory_limit_goal(void)
{
    pgc_pacer p;

    pgc_pacer_init(&p, 100, (int64_t)512 << 20);
    EXPECT_EQ_U64(pgc_pacer_memory_limit_goal(&p), 520764785, "512 MiB - 3%");
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 4 * MIB, "GOGC goal is the smaller");
    pgc_pacer_set_memory_limit(&p, 20 * MIB);
    EXPECT_EQ_U64(pgc_pacer_memory_limit_goal(&p), 19 * MIB, "3% < 1 MiB: 1 MiB headroom");
    pgc_pacer_set_memory_limit(&p, 3 * MIB / 2);
    EXPECT_EQ_U64(pgc_pacer_memory_limit_goal(&p), 1 * MIB, "under 2x headroom: headroom");
    /* Non-heap memory (200 - 20 - 100 = 80 MiB) comes off the limit. */
    pgc_pacer_set_memory_limit(&p, 256 * MIB);
    pgc_pacer_set_mem_stats(&p, 200 * MIB, 20 * MIB, 100 * MIB);
    EXPECT_EQ_U64(pgc_pacer_memory_limit_goal(&p), with_headroom(176 * MIB), "non-heap");
    /* So does the overage: mapped 300 MiB over a 250 MiB limit. */
    pgc_pacer_set_memory_limit(&p, 250 * MIB);
    pgc_pacer_set_mem_stats(&p, 300 * MIB, 0, 280 * MIB);
    EXPECT_EQ_U64(pgc_pacer_memory_limit_goal(&p), with_headroom(180 * MIB), "overage");
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 4 * MIB, "GOGC goal still smaller");
    /* Hopeless (overheads >= limit) and below-live goals give heap_marked. */
    pgc_pacer_reset_live(&p, 8 * MIB, 0, 0, 0);
    pgc_pacer_set_mem_stats(&p, 600 * MIB, 0, 300 * MIB);
    EXPECT_EQ_U64(pgc_pacer_memory_limit_goal(&p), 8 * MIB, "hopeless: heap_marked");
    pgc_pacer_set_mem_stats(&p, 0, 0, 0);
    pgc_pacer_reset_live(&p, 300 * MIB, 0, 0, 0);
    pgc_pacer_commit(&p, true, 300 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 300 * MIB, "never below heap_marked");
    EXPECT_EQ_U64(pgc_pacer_trigger(&p), 300 * MIB, "goal <= marked: trigger = goal");
    /* Setter results: previous value; negative only reads. */
    CHECK(pgc_pacer_set_memory_limit(&p, -1) == 250 * (int64_t)MIB, "read");
    CHECK(pgc_pacer_memory_limit(&p) == 250 * (int64_t)MIB, "negative changed the limit");
    CHECK(pgc_pacer_set_memory_limit(&p, NO_LIMIT) == 250 * (int64_t)MIB, "previous");
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 600 * MIB, "no limit: GOGC goal");
    pgc_pacer_init(&p, 100, -5);
    CHECK(pgc_pacer_memory_limit(&p) == NO_LIMIT, "init with a negative limit: none");
    pass("memory-limit goal: 3% / 1 MiB headroom, non-heap, overage, floors, setter");
}

static void test_heap_minimum(void)
{
    static const int percents[] = {25, 50, 100, 200, 400};
    pgc_pacer p;
    unsigned i;

    for (i = 0; i < sizeof percents / sizeof percents[0]; i++) {
        uint64_t want = 4 * MIB * (uint64_t)percents[i] / 100;

        pgc_pacer_init(&p, percents[i], NO_LIMIT);
        EXPECT_EQ_U64(pgc_pacer_heap_minimum(&p), want, "heap minimum = 4 MiB x GOGC/100");
        EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), want, "empty heap: goal = heap minimum");
        pgc_pacer_reset_live(&p, 64 * MIB, 0, 0, 0);
        pgc_pacer_commit(&p, true, 64 * MIB);
        EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 64 * MIB + 64 * MIB * (uint64_t)percents[i] / 100,
                      "large heap: GOGC goal");
    }
    pgc_pacer_set_gc_percent(&p, 0);
    EXPECT_EQ_U64(pgc_pacer_heap_minimum(&p), 0, "GOGC 0: no minimum");
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 64 * MIB, "GOGC 0: goal = marked");
    EXPECT_EQ_U64(pgc_pacer_trigger(&p), 64 * MIB, "GOGC 0: continuous collection");
    pass("heap minimum scales with GOGC");
}

static void test_gogc_off(void)
{
    pgc_pacer p;

    pgc_pacer_init(&p, 100, NO_LIMIT);
    CHECK(pgc_pacer_set_gc_percent(&p, -50) == 100, "previous GOGC");
    CHECK(pgc_pacer_gc_percent(&p) == -1, "negative GOGC is stored as -1");
    EXPECT_EQ_U64(pgc_pacer_heap_minimum(&p), 0, "no minimum when off");
    EXPECT_EQ_U64(p.gc_percent_goal, UINT64_MAX, "GOGC goal infinite");
    CHECK(pgc_pacer_trigger(&p) > ((uint64_t)1 << 62), "off: trigger %llu",
          (unsigned long long)pgc_pacer_trigger(&p));
    CHECK(!pgc_pacer_should_trigger(&p, (uint64_t)1 << 40), "off: 1 TiB triggers");
    pgc_pacer_set_memory_limit(&p, (int64_t)512 << 20);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 520764785, "off + limit: limit goal");
    /* A forced cycle with GC off: the hard goal uses GOGC 100000. */
    pgc_pacer_set_globals(&p, 1 * MIB);
    pgc_pacer_start_cycle(&p, 10 * MIB, 8 * MIB, 4);
    pgc_pacer_revise(&p, 11 * MIB, 9 * MIB, 4 * MIB, 0, 1 * MIB);
    CHECK(isfinite(pgc_pacer_assist_work_per_byte(&p)) &&
              pgc_pacer_assist_work_per_byte(&p) > 0,
          "forced cycle with GC off: ratio %g", pgc_pacer_assist_work_per_byte(&p));
    CHECK(pgc_pacer_set_gc_percent(&p, 100) == -1, "previous GOGC when off");
    pass("GOGC off (-1)");
}

static void test_min_runway(void)
{
    pgc_pacer p;

    pgc_pacer_init(&p, 100, NO_LIMIT);
    pgc_pacer_reset_live(&p, 10 * MIB, 0, 0, 0);
    pgc_pacer_commit(&p, true, 10 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 20 * MIB, "goal before the cycle");
    pgc_pacer_start_cycle(&p, 30 * MIB, 0, 4); /* started late, past the goal */
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 30 * MIB + 64 * KIB, "goal >= triggered + 64 KiB");
    EXPECT_NEAR(pgc_pacer_assist_bytes_per_work(&p), (double)(64 * KIB) / 1000, 1e-9,
                "64 KiB of heap for the 1000-unit work floor");
    pgc_pacer_reset_live(&p, 10 * MIB, 0, 0, 0);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 20 * MIB, "no minimum runway after the cycle");
    /* Memory-limited goals get no extra runway: respond hard. */
    pgc_pacer_set_memory_limit(&p, 16 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 15 * MIB, "limit goal");
    pgc_pacer_start_cycle(&p, 15 * MIB, 0, 4);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 15 * MIB, "limited: no minimum runway");
    pass("64 KiB minimum runway while marking (not when memory-limited)");
}

static void test_sweep_distance(void)
{
    pgc_pacer p;

    pgc_pacer_init(&p, 100, NO_LIMIT);
    pgc_pacer_reset_live(&p, 10 * MIB, 0, 0, 0);
    pgc_pacer_commit(&p, false, 30 * MIB); /* still sweeping at 30 MiB */
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 31 * MIB, "goal >= heap_live + 1 MiB");
    EXPECT_EQ_U64(pgc_pacer_trigger(&p), 31 * MIB, "trigger >= heap_live + 1 MiB");
    pgc_pacer_commit(&p, false, 12 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 20 * MIB, "sweep distance below the goal");
    CHECK(pgc_pacer_trigger(&p) >= 13 * MIB, "trigger %llu below heap_live + 1 MiB",
          (unsigned long long)pgc_pacer_trigger(&p));
    pgc_pacer_commit(&p, true, 30 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 20 * MIB, "sweep done: no distance");
    pass("sweep distance: 1 MiB past heap_live until the sweep is done");
}

/* marked 10 MiB, globals 1 MiB, last heap scan 4 MiB: expected work 5 MiB,
 * goal 21 MiB; a cycle started at 15 MiB with 8 MiB scannable. */
static void revise_setup(pgc_pacer *p)
{
    pgc_pacer_init(p, 100, NO_LIMIT);
    pgc_pacer_set_globals(p, 1 * MIB);
    pgc_pacer_reset_live(p, 10 * MIB, 4 * MIB, 0, 0);
    pgc_pacer_commit(p, true, 10 * MIB);
    pgc_pacer_start_cycle(p, 15 * MIB, 8 * MIB, 8);
}

static void test_revise(void)
{
    pgc_pacer p;
    double m = (double)MIB;

    revise_setup(&p);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 21 * MIB, "goal");
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p), 5.0 / 6.0, 1e-12, "5 MiB over 6 MiB");
    /* Past the goal without extra work: 1.1 x goal, worst-case work. */
    pgc_pacer_revise(&p, 22 * MIB, 8 * MIB, 0, 0, 1 * MIB);
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p),
                (9 * m - 1 * m) / ((double)(int64_t)(21 * m * 1.1) - 22 * m), 1e-9,
                "overshoot: 8 MiB over 1.1 MiB");
    /* More work than expected: extrapolate the runway to the worst case. */
    pgc_pacer_revise(&p, 16 * MIB, 8 * MIB, 5 * MIB, 0, 1 * MIB);
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p), 3 * m / (15 * m + 6 * m / 5 * 9 - 16 * m),
                1e-6, "extrapolated goal 25.8 MiB (truncated to bytes)");
    /* ... capped at the hard goal, (1 + GOGC/100) x goal = 42 MiB. */
    pgc_pacer_revise(&p, 16 * MIB, 100 * MIB, 5 * MIB, 0, 1 * MIB);
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p), 95 * m / (42 * m - 16 * m), 1e-9,
                "hard goal 42 MiB");
    /* Floors: at least 1000 units of work and 1 byte of heap. */
    pgc_pacer_revise(&p, 60 * MIB, 8 * MIB, 8 * MIB, 0, 1 * MIB);
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p), 1000.0, 1e-9, "both floors");
    /* Lowering GOGC while marking recommits and revises. */
    pgc_pacer_revise(&p, 16 * MIB, 8 * MIB, 0, 0, 0);
    CHECK(pgc_pacer_set_gc_percent(&p, 50) == 100, "previous GOGC");
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 10 * MIB + 11 * MIB / 2, "goal 15.5 MiB");
    /* heap_live 16 MiB is past 15.5 MiB: 1.1x goal, worst-case 9 MiB. */
    EXPECT_NEAR(pgc_pacer_assist_work_per_byte(&p),
                9 * m / ((double)(int64_t)(15.5 * m * 1.1) - 16 * m), 1e-9,
                "revised after the GOGC change");
    pass("revise: overshoot, extrapolation, hard goal, floors, recommit");
}

static void test_cons_mark_window(void)
{
    static const double measured[] = {0.5, 0.1, 0.1, 0.1, 0.1, 0.1};
    static const double expect[] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.1};
    pgc_pacer p;
    unsigned i;

    pgc_pacer_init(&p, 100, NO_LIMIT);
    pgc_pacer_set_globals(&p, 1 * MIB);
    for (i = 0; i < sizeof measured / sizeof measured[0]; i++) {
        cycle_with(&p, measured[i], 20 * MIB, 7 * MIB, 0);
        EXPECT_NEAR(pgc_pacer_cons_mark(&p), expect[i], 1e-6, "max of the last five");
    }
    /* Assists and idle marking: u = 0.25 + 0.25 = 0.5, idle 0.1. */
    pgc_pacer_start_cycle(&p, 30 * MIB, 7 * MIB, 4);
    pgc_pacer_revise(&p, 34 * MIB, 7 * MIB, 7 * MIB, 0, 1 * MIB);
    pgc_pacer_end_cycle(&p, 34 * MIB, SEC, SEC * 4 / 10, SEC, 4);
    EXPECT_NEAR(p.last_cons_mark[3], 4.0 * 0.6 / (8.0 * 0.5), 1e-12, "with assists and idle");
    EXPECT_NEAR(pgc_pacer_cons_mark(&p), 0.6, 1e-12, "new maximum");
    EXPECT_EQ_U64(pgc_pacer_last_heap_goal(&p), 41 * MIB, "last_heap_goal");
    pgc_pacer_reset_live(&p, 20 * MIB, 7 * MIB, 0, 1 * MIB);
    CHECK(!pgc_pacer_marking(&p) && pgc_pacer_triggered(&p) == PGC_PACER_NOT_MARKING,
          "reset_live ends marking");
    /* Nothing allocated during the cycle: no measurement. */
    pgc_pacer_start_cycle(&p, 30 * MIB, 7 * MIB, 4);
    pgc_pacer_revise(&p, 30 * MIB, 7 * MIB, 7 * MIB, 0, 1 * MIB);
    pgc_pacer_end_cycle(&p, 30 * MIB, 0, 0, SEC, 4);
    EXPECT_NEAR(pgc_pacer_cons_mark(&p), 0.6, 1e-12, "unchanged");
    pass("cons/mark: max of five, assists and idle, heap_live <= triggered");
}

static void test_trace_format(void)
{
    static const char end_prefix[] =
        "pacer: 50% CPU (25 exp.) for 59768832+2097152+1048576 B work "
        "(62914560 B exp.) in 193986560 B -> 209715200 B (";
    pgc_pacer p;
    char buf[256];
    int n;

    worked_example(&p, 0.1);
    pgc_pacer_start_cycle(&p, 185 * MIB, 57 * MIB, 6);
    n = pgc_pacer_format_start(&p, buf, sizeof buf);
    CHECK(n > 0 && strcmp(buf, "pacer: assist ratio=3.33333 (scan 57 MB in 185->203 MB) "
                               "workers=1+0.0833333") == 0,
          "start line: %s", buf);
    pgc_pacer_revise(&p, 200 * MIB, 57 * MIB, 57 * MIB, 2 * MIB, 1 * MIB);
    pgc_pacer_end_cycle(&p, 200 * MIB, SEC * 3 / 2, 0, SEC, 6);
    n = pgc_pacer_format_end(&p, buf, sizeof buf);
    CHECK(n > 0 && strncmp(buf, end_prefix, strlen(end_prefix)) == 0 &&
              strstr(buf, "goal -3145728, cons/mark 0.1)") != NULL,
          "end line: %s", buf);
    CHECK(pgc_pacer_format_end(&p, buf, 8) == n && strlen(buf) == 7, "truncation");
    pass("gcpacertrace-style lines");
}

/* PACE-BLACK-ONCE: bytes allocated black count once in the goal, not scaled
 * by GOGC, and the goal never falls below the marked bytes (the heap in use
 * when the cycle ends). */
static void test_black_once(void)
{
    pgc_pacer p;

    pgc_pacer_init(&p, 100, NO_LIMIT);
    pgc_pacer_set_globals(&p, 1 * MIB);
    cycle_with(&p, 0.1, 100 * MIB, 57 * MIB, 2 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 203 * MIB, "no black: Go's goal");
    /* 300 MiB marked of which 100 MiB allocated black: the goal is
     * 300 + (200 + 2 + 1) MiB, not 300 + 303. */
    pgc_pacer_start_cycle(&p, pgc_pacer_trigger(&p), 57 * MIB, 8);
    pgc_pacer_revise(&p, 300 * MIB, 57 * MIB, 57 * MIB, 2 * MIB, 1 * MIB);
    pgc_pacer_end_cycle(&p, 300 * MIB, 0, 0, SEC, 8);
    pgc_pacer_reset_live(&p, 300 * MIB, 57 * MIB, 2 * MIB, 1 * MIB);
    pgc_pacer_note_black(&p, 100 * MIB);
    pgc_pacer_commit(&p, true, 300 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 503 * MIB, "black counted once");
    CHECK(pgc_pacer_trigger(&p) >= 300 * MIB, "trigger below the heap in use");
    /* Everything black (nothing traced): the goal is the heap in use plus
     * the roots' growth, never below it. */
    pgc_pacer_note_black(&p, 400 * MIB); /* clamped to the marked bytes */
    pgc_pacer_commit(&p, true, 300 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 303 * MIB, "all black: marked + roots");
    CHECK(pgc_pacer_heap_goal(&p) >= 300 * MIB, "goal below the heap in use");
    /* GOGC=50 scales only the traced part. */
    pgc_pacer_note_black(&p, 100 * MIB);
    pgc_pacer_set_gc_percent(&p, 50);
    pgc_pacer_commit(&p, true, 300 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 300 * MIB + 203 * MIB / 2, "GOGC=50");
    /* The next reset_live forgets it (callers that never note black get
     * Go's rule). */
    pgc_pacer_reset_live(&p, 300 * MIB, 57 * MIB, 2 * MIB, 1 * MIB);
    pgc_pacer_set_gc_percent(&p, 100);
    pgc_pacer_commit(&p, true, 300 * MIB);
    EXPECT_EQ_U64(pgc_pacer_heap_goal(&p), 603 * MIB, "reset_live clears black");
    pass("black bytes counted once in the goal, never below the heap in use");
}

int main(void)
{
    test_worked_example_low_cons_mark();
    test_worked_example_trigger_bounds();
    test_workers();
    test_memory_limit_goal();
    test_heap_minimum();
    test_gogc_off();
    test_min_runway();
    test_sweep_distance();
    test_revise();
    test_cons_mark_window();
    test_trace_format();
    test_black_once();
    printf("pacer unit: %d/%d tests ok\n", tests_run, tests_run);
    return 0;
}
