/* test_limiter.c - the GC CPU limiter (limiter.c) against Go's
 * TestGCCPULimiter sequence (mgclimit_test.go: mock clock, 14 procs, two
 * iterations, exact fill and overflow values), then the further properties
 * of gc-notes 2.6 and 6.2: idle time leaves the total, the ~50% balance
 * point, a full bucket clips instead of going past capacity, stale
 * timestamps and misuse are ignored, and last_enabled_cycle.
 */
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "limiter.h"

#define PROCS 14
#define NS INT64_C(1)
#define US (1000 * NS)
#define MS (1000 * US)
#define SEC (1000 * MS)
#define HOUR (3600 * SEC)
#define BG_UTIL 0.25 /* Go's gcBackgroundUtilization */
#define CAP_PER_PROC PGC_LIMITER_CAPACITY_PER_PROC

static int64_t ticks; /* the mock clock, ns */

static int64_t advance(int64_t d)
{
    ticks += d;
    return ticks;
}

/* CPU time of assists running on frac of the procs for wall time d. */
static int64_t assist_time(int64_t d, double frac)
{
    return (int64_t)(frac * (double)d * PROCS);
}

#define EXPECT_FILL(l, want, what)                                              \
    CHECK(pgc_limiter_fill(l) == (uint64_t)(want), "%s: fill %llu, want %llu", \
          what, (unsigned long long)pgc_limiter_fill(l), (unsigned long long)(want))
#define EXPECT_OVERFLOW(l, want, what)                                         \
    CHECK(pgc_limiter_overflow(l) == (uint64_t)(want),                         \
          "%s: overflow %llu, want %llu", what,                                \
          (unsigned long long)pgc_limiter_overflow(l), (unsigned long long)(want))
#define EXPECT_LIMITING(l, want, what)                                        \
    CHECK(pgc_limiter_limiting(l) == (want), "%s: limiting is %d, want %d", \
          what, (int)pgc_limiter_limiting(l), (int)(want))

/* Mutator-only time never fills; need_update after 1.5 periods; a STW
 * transition counts procs x its length; draining at (1 - 2 x 0.25). */
static void go_sequence_start(pgc_limiter *l)
{
    int64_t stw = 2 * MS + 1 * US, fill, window;
    double factor = 1 / (1 - 2 * BG_UTIL);

    CHECK(pgc_limiter_capacity(l) == (uint64_t)(PROCS * CAP_PER_PROC), "capacity %llu",
          (unsigned long long)pgc_limiter_capacity(l));
    EXPECT_FILL(l, 0, "start");
    pgc_limiter_update(l, advance(10 * MS));
    pgc_limiter_update(l, advance(1 * SEC));
    pgc_limiter_update(l, advance(1 * HOUR));
    EXPECT_FILL(l, 0, "mutator time only");
    CHECK(!pgc_limiter_need_update(l, advance(PGC_LIMITER_UPDATE_PERIOD / 2)),
          "needs an update half a period after one");
    CHECK(pgc_limiter_need_update(l, advance(PGC_LIMITER_UPDATE_PERIOD)),
          "needs no update 1.5 periods after one");
    pgc_limiter_update(l, advance(0));
    CHECK(!pgc_limiter_need_update(l, advance(0)), "needs an update right after one");

    pgc_limiter_start_gc_transition(l, true, advance(109 * MS));
    pgc_limiter_finish_gc_transition(l, advance(stw));
    EXPECT_FILL(l, stw * PROCS, "STW transition into marking");

    /* Drain to exactly PROCS ns: window = (fill - n) / (procs x (1 - 2u)). */
    fill = stw * PROCS;
    window = (int64_t)(factor * (double)(fill - PROCS) / PROCS);
    pgc_limiter_update(l, advance(window));
    EXPECT_FILL(l, PROCS, "draining with background marking only");
    pgc_limiter_update(l, advance(2 * PROCS * CAP_PER_PROC));
    EXPECT_FILL(l, 0, "drained");
}

/* 50% GC holds; 100% GC fills; exactly full limits without overflow. */
static void go_sequence_fill(pgc_limiter *l, uint64_t base_overflow)
{
    pgc_limiter_add_assist_time(l, assist_time(10 * MS, 0.5 - BG_UTIL));
    pgc_limiter_update(l, advance(10 * MS));
    EXPECT_FILL(l, 0, "50% GC from empty");

    pgc_limiter_add_assist_time(l, assist_time(1 * MS, 1.0 - BG_UTIL));
    pgc_limiter_update(l, advance(1 * MS));
    EXPECT_FILL(l, PROCS * MS, "100% GC for 1 ms");
    EXPECT_LIMITING(l, false, "100% GC for 1 ms");

    pgc_limiter_add_assist_time(l, assist_time(CAP_PER_PROC - 1 * MS, 1.0 - BG_UTIL));
    pgc_limiter_update(l, advance(CAP_PER_PROC - 1 * MS));
    EXPECT_FILL(l, pgc_limiter_capacity(l), "filled exactly");
    EXPECT_LIMITING(l, true, "filled exactly");
    EXPECT_OVERFLOW(l, base_overflow, "filled exactly");

    pgc_limiter_add_assist_time(l, assist_time(1 * SEC, 0.5 - BG_UTIL));
    pgc_limiter_update(l, advance(1 * SEC));
    EXPECT_FILL(l, pgc_limiter_capacity(l), "exactly 50% while full");
    EXPECT_LIMITING(l, true, "exactly 50% while full");
    EXPECT_OVERFLOW(l, base_overflow, "exactly 50% while full");
}

/* Background-only drains to half; 100% GC overflows by half; ending the
 * cycle and the 5 ms STW add to overflow. */
static void go_sequence_overflow(pgc_limiter *l, uint64_t base_overflow)
{
    uint64_t cap = pgc_limiter_capacity(l);

    pgc_limiter_add_assist_time(l, assist_time(CAP_PER_PROC, 0));
    pgc_limiter_update(l, advance(CAP_PER_PROC));
    EXPECT_FILL(l, cap / 2, "1 s of background marking only");
    EXPECT_LIMITING(l, false, "1 s of background marking only");

    pgc_limiter_add_assist_time(l, assist_time(CAP_PER_PROC, 1.0 - BG_UTIL));
    pgc_limiter_update(l, advance(CAP_PER_PROC));
    EXPECT_FILL(l, cap, "1 s of 100% GC");
    EXPECT_LIMITING(l, true, "1 s of 100% GC");
    EXPECT_OVERFLOW(l, base_overflow + (uint64_t)(CAP_PER_PROC * PROCS / 2), "1 s of 100% GC");

    pgc_limiter_add_assist_time(l, assist_time(1 * MS, 1.0 - BG_UTIL));
    pgc_limiter_start_gc_transition(l, false, advance(1 * MS));
    EXPECT_FILL(l, cap, "end of cycle with assists left");
    EXPECT_LIMITING(l, true, "end of cycle with assists left");
    EXPECT_OVERFLOW(l, base_overflow + (uint64_t)((CAP_PER_PROC / 2 + 1 * MS) * PROCS),
                    "end of cycle with assists left");

    pgc_limiter_finish_gc_transition(l, advance(5 * MS));
    EXPECT_FILL(l, cap, "5 ms STW");
    EXPECT_LIMITING(l, true, "5 ms STW");
    EXPECT_OVERFLOW(l, base_overflow + (uint64_t)((CAP_PER_PROC / 2 + 6 * MS) * PROCS),
                    "5 ms STW");
}

/* More procs stop limiting, fewer restart it; neither touches overflow. */
static void go_sequence_resize(pgc_limiter *l, uint64_t base_overflow)
{
    uint64_t old_cap = pgc_limiter_capacity(l);
    uint64_t want = base_overflow + (uint64_t)((CAP_PER_PROC / 2 + 6 * MS) * PROCS);

    pgc_limiter_reset_capacity(l, advance(0), PROCS + 10);
    EXPECT_FILL(l, old_cap, "procs raised");
    EXPECT_LIMITING(l, false, "procs raised");
    EXPECT_OVERFLOW(l, want, "procs raised");

    pgc_limiter_reset_capacity(l, advance(0), PROCS - 10);
    EXPECT_FILL(l, pgc_limiter_capacity(l), "procs lowered");
    EXPECT_LIMITING(l, true, "procs lowered");
    EXPECT_OVERFLOW(l, want, "procs lowered");

    pgc_limiter_reset_capacity(l, advance(CAP_PER_PROC * PROCS), PROCS);
}

static void test_go_sequence(void)
{
    pgc_limiter l;
    uint64_t base_overflow = 0;
    int i;

    ticks = 0;
    pgc_limiter_init(&l, ticks, PROCS);
    for (i = 0; i < 2; i++) { /* twice: no state may leak across */
        go_sequence_start(&l);
        go_sequence_fill(&l, base_overflow);
        go_sequence_overflow(&l, base_overflow);
        go_sequence_resize(&l, base_overflow);
        base_overflow += (uint64_t)((CAP_PER_PROC / 2 + 6 * MS) * PROCS);
    }
    printf("ok TestGCCPULimiter (2 iterations)\n");
}

/* Idle time leaves the total but not the 25% background share: a program
 * idle on 3/4 of its procs while marking is GC-bound. */
static void test_idle_time(void)
{
    pgc_limiter l;

    pgc_limiter_init(&l, 0, 4);
    pgc_limiter_start_gc_transition(&l, true, 0);
    pgc_limiter_finish_gc_transition(&l, 0);
    /* window 4 x 10 ms = 40 ms; gc 10 ms; idle 20 ms; mutator 10 ms. */
    pgc_limiter_add_idle_time(&l, 20 * MS);
    pgc_limiter_update(&l, 10 * MS);
    EXPECT_FILL(&l, 0, "idle half: GC 10 ms vs mutator 10 ms");
    /* idle 25 ms: mutator 5 ms, GC 10 ms -> +5 ms. */
    pgc_limiter_add_idle_time(&l, 25 * MS);
    pgc_limiter_update(&l, 20 * MS);
    EXPECT_FILL(&l, 5 * MS, "mostly idle while marking");
    /* Pools are drained by an update: the next window has no idle time. */
    pgc_limiter_update(&l, 30 * MS);
    EXPECT_FILL(&l, 0, "idle pool drained");
    printf("ok idle time\n");
}

/* The balance point is 50%: 60% GC fills, 40% drains, never below 0 or
 * above capacity. */
static void test_balance(void)
{
    pgc_limiter l;

    pgc_limiter_init(&l, 0, 1);
    pgc_limiter_start_gc_transition(&l, true, 0);
    pgc_limiter_finish_gc_transition(&l, 0);
    pgc_limiter_add_assist_time(&l, 35 * MS); /* 25% + 35% = 60% of 100 ms */
    pgc_limiter_update(&l, 100 * MS);
    EXPECT_FILL(&l, 20 * MS, "60% GC");
    pgc_limiter_add_assist_time(&l, 15 * MS); /* 40% */
    pgc_limiter_update(&l, 200 * MS);
    EXPECT_FILL(&l, 0, "40% GC drains");
    pgc_limiter_update(&l, 10 * SEC);
    EXPECT_FILL(&l, 0, "never below empty");
    pgc_limiter_add_assist_time(&l, 30 * SEC);
    pgc_limiter_update(&l, 20 * SEC);
    EXPECT_FILL(&l, pgc_limiter_capacity(&l), "never above capacity");
    EXPECT_LIMITING(&l, true, "full");
    CHECK(pgc_limiter_overflow(&l) > 0, "overfill must overflow");
    printf("ok 50%% balance\n");
}

/* Stale timestamps, updates during a transition, and transitions to the
 * current state are ignored; last_enabled_cycle tracks the cycle. */
static void test_misuse_and_cycles(void)
{
    pgc_limiter l;

    pgc_limiter_init(&l, 100 * MS, 2);
    CHECK(pgc_limiter_last_enabled_cycle(&l) == 0, "never enabled yet");
    pgc_limiter_start_gc_transition(&l, false, 110 * MS); /* already off */
    CHECK(!l.transitioning, "transition to the current state accepted");
    pgc_limiter_start_gc_transition(&l, true, 110 * MS);
    pgc_limiter_update(&l, 120 * MS); /* during a transition */
    CHECK(l.last_update == 110 * MS, "update during a transition accepted");
    pgc_limiter_finish_gc_transition(&l, 111 * MS);
    EXPECT_FILL(&l, 2 * MS, "1 ms STW on 2 procs");
    pgc_limiter_update(&l, 50 * MS); /* older than the last update */
    EXPECT_FILL(&l, 2 * MS, "stale timestamp");
    CHECK(l.last_update == 111 * MS, "stale timestamp moved the clock");
    pgc_limiter_add_assist_time(&l, 10 * SEC);
    pgc_limiter_update(&l, 2 * SEC);
    EXPECT_LIMITING(&l, true, "heavy assists");
    CHECK(pgc_limiter_last_enabled_cycle(&l) == 1, "enabled in cycle %u, want 1",
          pgc_limiter_last_enabled_cycle(&l));
    pgc_limiter_start_gc_transition(&l, false, 2 * SEC);
    pgc_limiter_finish_gc_transition(&l, 2 * SEC);
    pgc_limiter_update(&l, 10 * SEC); /* mutator only: drains */
    EXPECT_LIMITING(&l, false, "drained after the cycle");
    pgc_limiter_start_gc_transition(&l, true, 10 * SEC);
    pgc_limiter_finish_gc_transition(&l, 10 * SEC);
    pgc_limiter_add_assist_time(&l, 10 * SEC);
    pgc_limiter_update(&l, 12 * SEC);
    CHECK(pgc_limiter_last_enabled_cycle(&l) == 2, "enabled in cycle %u, want 2",
          pgc_limiter_last_enabled_cycle(&l));
    CHECK(!pgc_limiter_need_update(&l, 12 * SEC + PGC_LIMITER_UPDATE_PERIOD),
          "exactly one period is not more than one");
    printf("ok misuse and last_enabled_cycle\n");
}

int main(void)
{
    test_go_sequence();
    test_idle_time();
    test_balance();
    test_misuse_and_cycles();
    printf("limiter: 4/4 tests ok\n");
    return 0;
}
