/* test_bdwgc_control.c - bdwgc's control, events and statistics through
 * build/bdwgc/libgc.so.1 (gc.h):
 *  - GC_gcollect runs a collection (GC_get_gc_no and GC_gc_no grow);
 *  - GC_disable nests and stops collections, GC_gcollect included;
 *    GC_enable restores them;
 *  - GC_try_to_collect returns 0 without collecting when its stop function
 *    says stop, 1 after a collection otherwise;
 *  - GC_set_on_collection_event: bdwgc's event numbers, in bdwgc's order
 *    within one collection (stop/start pairs, mark and reclaim start with
 *    the world stopped);
 *  - GC_get_prof_stats: the struct layout (12 words), a short size fills a
 *    prefix, fields agree with GC_get_heap_size and GC_get_gc_no;
 *  - GC_get_heap_usage_safe agrees with the single getters;
 *  - GC_set_oom_fn: an impossible request calls it, and GC_malloc returns
 *    what it returns (NULL). */
#include <gc.h>
#include "../check.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static int events[4096];
static _Atomic int nevents;

static void on_event(GC_EventType e)
{
    int i = nevents++;
    if (i < 4096)
        events[i] = (int)e;
}

static int stop_now(void) { return 1; }
static int go_on(void) { return 0; }

static size_t oom_request;
static void *my_oom(size_t n)
{
    oom_request = n;
    return NULL; /* bdwgc: NULL, or a fresh object */
}

static int first_index(int ev, int from, int to)
{
    for (int i = from; i < to; i++)
        if (events[i] == ev)
            return i;
    return -1;
}

int main(void)
{
    GC_INIT();
    CHECK(GC_EVENT_START == 0 && GC_EVENT_END == 5 && GC_EVENT_PRE_STOP_WORLD == 6 &&
          GC_EVENT_POST_START_WORLD == 9 && GC_EVENT_THREAD_UNSUSPENDED == 11, "event numbers");
    CHECK(sizeof(struct GC_prof_stats_s) == 12 * sizeof(GC_word), "prof stats size");

    GC_word n0 = GC_get_gc_no();
    GC_gcollect();
    CHECK(GC_get_gc_no() == n0 + 1 && GC_gc_no == n0 + 1, "GC_gcollect: %lu -> %lu (var %lu)",
          (unsigned long)n0, (unsigned long)GC_get_gc_no(), (unsigned long)GC_gc_no);

    GC_disable();
    GC_disable();
    CHECK(GC_is_disabled(), "GC_disable");
    GC_word n1 = GC_get_gc_no();
    for (int i = 0; i < 20000; i++)
        GC_malloc(1000); /* 20 MB: past any trigger */
    GC_gcollect();
    CHECK(GC_get_gc_no() == n1, "collected while disabled");
    GC_enable();
    CHECK(GC_is_disabled(), "GC_disable nests");
    GC_enable();
    CHECK(!GC_is_disabled(), "GC_enable");

    n1 = GC_get_gc_no();
    CHECK(GC_try_to_collect(stop_now) == 0 && GC_get_gc_no() == n1, "GC_try_to_collect(stop)");
    CHECK(GC_try_to_collect(go_on) == 1 && GC_get_gc_no() > n1, "GC_try_to_collect(go on)");

    GC_set_on_collection_event(on_event);
    CHECK(GC_get_on_collection_event() == on_event, "getter");
    GC_gcollect();
    GC_set_on_collection_event(NULL);
    int n = nevents < 4096 ? nevents : 4096;
    /* the last collection's events: from its last START */
    int s = -1;
    for (int i = 0; i < n; i++)
        if (events[i] == GC_EVENT_START)
            s = i;
    CHECK(s >= 0, "no START event (%d events)", n);
    /* bdwgc's order, with pacegc's concurrent mark possibly restarting the
     * world between MARK_START and MARK_END: world-stop events come in
     * PRE_STOP, POST_STOP, PRE_START, POST_START groups; MARK_START,
     * MARK_END and RECLAIM_START happen with the world stopped; then
     * RECLAIM_END, then END, last. */
    int e = first_index(GC_EVENT_END, s, n);
    CHECK(e > s, "no END after START");
    int expect_stop = GC_EVENT_PRE_STOP_WORLD, stopped = 0, stage = 0;
    for (int i = s + 1; i < e; i++) {
        int ev = events[i];
        if (ev >= GC_EVENT_PRE_STOP_WORLD && ev <= GC_EVENT_POST_START_WORLD) {
            CHECK(ev == expect_stop, "event %d at %d, expected %d", ev, i, expect_stop);
            expect_stop = ev == GC_EVENT_POST_START_WORLD ? GC_EVENT_PRE_STOP_WORLD : ev + 1;
            stopped = ev == GC_EVENT_POST_STOP_WORLD || ev == GC_EVENT_PRE_START_WORLD;
            continue;
        }
        CHECK(ev == stage + 1, "event %d at %d after stage %d", ev, i, stage);
        stage = ev;
        if (ev != GC_EVENT_RECLAIM_END)
            CHECK(stopped, "event %d at %d with the world running", ev, i);
        else
            CHECK(!stopped && expect_stop == GC_EVENT_PRE_STOP_WORLD, "RECLAIM_END while stopped");
    }
    CHECK(stage == GC_EVENT_RECLAIM_END, "collection events incomplete (stage %d)", stage);
    CHECK(e == n - 1, "events after END");

    struct GC_prof_stats_s ps_full;
    memset(&ps_full, 0, sizeof ps_full);
    CHECK(GC_get_prof_stats(&ps_full, sizeof ps_full) == sizeof ps_full, "prof stats size returned");
    CHECK(ps_full.gc_no == GC_get_gc_no(), "gc_no");
    CHECK(ps_full.heapsize_full > 0 && ps_full.heapsize_full >= ps_full.unmapped_bytes && ps_full.free_bytes_full <= ps_full.heapsize_full,
          "heapsize %lu obtained %lu", (unsigned long)ps_full.heapsize_full, (unsigned long)ps_full.obtained_from_os_bytes);
    CHECK(ps_full.bytes_reclaimed_since_gc == ~(GC_word)0, "unknown field not all ones");
    GC_word buf[13];
    memset(buf, 0, sizeof buf);
    CHECK(GC_get_prof_stats((struct GC_prof_stats_s *)buf, 3 * sizeof(GC_word)) == 3 * sizeof(GC_word),
          "short prof stats");
    CHECK(buf[0] > 0 && buf[3] == 0, "short prof stats wrote past its size");

    /* The collector's thread may grow the heap or return pages between two
     * reads: compare the snapshot with getters read before and after it,
     * and retry while those two disagree. */
    GC_word hs, fb, ub, bs, tb;
    bool quiet = false;
    for (int tries = 0; tries < 100 && !quiet; tries++) {
        GC_word hs0 = GC_get_heap_size(), ub0 = GC_get_unmapped_bytes();
        GC_get_heap_usage_safe(&hs, &fb, &ub, &bs, &tb);
        quiet = hs0 == GC_get_heap_size() && ub0 == GC_get_unmapped_bytes();
        if (quiet)
            CHECK(hs == hs0 && ub == ub0, "heap usage %lu / unmapped %lu, getters %lu / %lu", (unsigned long)hs,
                  (unsigned long)ub, (unsigned long)hs0, (unsigned long)ub0);
    }
    CHECK(quiet, "the heap size changed during each of 100 reads");
    CHECK(tb <= GC_get_total_bytes() && fb <= hs && tb > 20000 * 1000, "heap usage: %lu %lu %lu %lu %lu",
          (unsigned long)hs, (unsigned long)fb, (unsigned long)ub, (unsigned long)bs, (unsigned long)tb);

    GC_set_oom_fn(my_oom);
    CHECK(GC_get_oom_fn() == my_oom, "oom getter");
    void *big = GC_malloc(SIZE_MAX / 4);
    CHECK(big == NULL && oom_request >= SIZE_MAX / 4, "oom fn not used (%p, %zu)", big, oom_request);
    printf("ok\n");
    return 0;
}
