/*
 * stats.c - statistics (pgc_read_stats, pgc_read_cycle), the one-line-per-
 * cycle trace (PGCDEBUG=gctrace=1), the pacer trace (pacertrace=1) and the
 * per-event CSV log (gclog=FILE) that tools/plot-gclog.sh draws.
 *
 * Nothing here runs with the world stopped except stats_defer_line, which
 * only copies into a static buffer; printing happens after the restart.
 */
#include "internal.h"
#include "heap.h"
#include "stop.h"
#include "assist.h"
#include "stats.h"
#include "cycle.h"
#include "alloc.h"
#include "sweep.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

PGC_STATE stats_state stats_st;

#define DEFERRED_LINES 4
static PGC_STATE char deferred[DEFERRED_LINES][512]; /* coordinator only */
static int ndeferred;
static _Atomic uint64_t last_sample_ns;

void note_heap_alloc(uint64_t alloc)
{
    max_relaxed_u64(&alloc_st.heap_alloc_peak, alloc);
    max_relaxed_u64(&alloc_st.cycle_alloc_peak, alloc);
    if (G.gclog_fd >= 0)
        stats_gclog_sample();
}

void stats_defer_line(const char *line)
{
    if (ndeferred < DEFERRED_LINES)
        snprintf(deferred[ndeferred++], sizeof deferred[0], "%s", line);
}

void stats_flush_deferred(void)
{
    for (int i = 0; i < ndeferred; i++)
        fprintf(stderr, "%s\n", deferred[i]);
    ndeferred = 0;
}

static double mb(uint64_t b) { return (double)b / (1 << 20); }
static double ms(uint64_t ns) { return (double)ns / 1e6; }

static double cpu_fraction(void)
{
    uint64_t wall = now_ns() - G.init_ns;
    if (!wall)
        return 0;
    uint64_t gc = load_relaxed(&assist_st.assist_ns) + load_relaxed(&stats_st.bg_ns) + load_relaxed(&stats_st.stw_cpu_ns);
    return (double)gc / ((double)wall * G.procs);
}

/* The coordinator's CPU outside pauses (cycle.c adds its CPU per cycle at
 * the cycle's end, and its pause CPU as each pause ends: between the two a
 * read may see the pauses first, hence the clamp). */
static uint64_t coordinator_ns(void)
{
    uint64_t all = load_relaxed(&stats_st.coord_cpu_ns), in_pauses = load_relaxed(&stats_st.coord_pause_cpu_ns);
    return all > in_pauses ? all - in_pauses : 0;
}

/* Go's fmtNSAsMS: whole ms from 10 ms, else two significant digits. */
static void fmt_ms(char *buf, size_t n, uint64_t ns)
{
    if (ns >= 10000000)
        snprintf(buf, n, "%llu", (unsigned long long)(ns / 1000000));
    else if (ns >= 1000000)
        snprintf(buf, n, "%.1f", ms(ns));
    else if (ns >= 100000)
        snprintf(buf, n, "%.2f", ms(ns));
    else
        snprintf(buf, n, "%.3f", ms(ns));
}

static void print_gctrace(const pgc_cycle_info *ci, uint64_t heap0, uint64_t heap1, uint64_t stw1,
                          uint64_t mark, uint64_t stw2)
{
    char a[16], b[16], c[16], ca[16], cas[16], cbg[16], cid[16], cc[16];
    fmt_ms(a, sizeof a, stw1);
    fmt_ms(b, sizeof b, mark);
    fmt_ms(c, sizeof c, stw2);
    fmt_ms(ca, sizeof ca, stw1 * (uint64_t)G.procs);
    fmt_ms(cas, sizeof cas, ci->assist_ns);
    fmt_ms(cbg, sizeof cbg, ci->bg_ns);
    fmt_ms(cid, sizeof cid, ci->idle_ns);
    fmt_ms(cc, sizeof cc, stw2 * (uint64_t)G.procs);
    fprintf(stderr,
            "gc %llu @%.3fs %.0f%%: %s+%s+%s ms clock, %s+%s/%s/%s+%s ms cpu, "
            "%.0f->%.0f->%.0f MB, %.0f MB goal, %.0f MB stacks, %.0f MB globals, %d P, mode %s%s%s\n",
            (unsigned long long)ci->cycle, (double)ci->start_ns / 1e9, cpu_fraction() * 100, a, b, c,
            ca, cas, cbg, cid, cc, mb(heap0), mb(heap1), mb(ci->heap_marked), mb(ci->heap_goal),
            mb(load_relaxed(&stats_st.last_stack_scan)), mb(load_relaxed(&stats_st.last_globals_scan)), G.procs,
            pgc_barrier_mode_name(pgc__barrier_mode), ci->forced ? " (forced)" : "",
            load_relaxed(&G.limiter_on) ? " (CPU limiter on)" : "");
    char mc[16];
    fmt_ms(mc, sizeof mc, ci->mark_cpu_ns);
    fprintf(stderr, "gc %llu: mark %s ms cpu, scanned %.1f MB heap + %.1f MB roots\n",
            (unsigned long long)ci->cycle, mc, mb(ci->heap_scan_bytes), mb(ci->root_scan_bytes));
    /* The split of marked bytes and background CPU of this cycle; sweeping
     * and the coordinator since the last line, so mostly the previous
     * cycle's sweep (this cycle's runs after its line). */
    static uint64_t last_ded, last_frac, last_lazy, last_bg, last_coord; /* coordinator only */
    uint64_t ded = load_relaxed(&stats_st.dedicated_ns), frac = load_relaxed(&stats_st.fractional_ns);
    uint64_t lazy = load_relaxed(&sweep_lazy_ns), bgs = load_relaxed(&sweep_bg_ns), coord = coordinator_ns();
    fprintf(stderr,
            "gc %llu: marked %.1f MB traced + %.1f MB black; workers %.3f ms dedicated + %.3f ms fractional cpu; "
            "since the last line: sweep %.3f ms lazy + %.3f ms background, coordinator %.3f ms cpu outside pauses\n",
            (unsigned long long)ci->cycle, mb(ci->heap_traced), mb(ci->heap_black), ms(ded - last_ded),
            ms(frac - last_frac), ms(lazy - last_lazy), ms(bgs - last_bg),
            ms(coord > last_coord ? coord - last_coord : 0));
    last_ded = ded, last_frac = frac, last_lazy = lazy, last_bg = bgs, last_coord = coord;
    if (ci->blocked_ns >= 1000)
        fprintf(stderr, "gc %llu: assists blocked %.3f ms waiting for credit\n",
                (unsigned long long)ci->cycle, ms(ci->blocked_ns));
}

void stats_record_cycle(const pgc_cycle_info *ci, uint64_t heap0, uint64_t heap1, uint64_t stw1,
                        uint64_t mark, uint64_t stw2)
{
    pthread_mutex_lock(&stats_st.stats_lock);
    stats_st.cycle_ring[(ci->cycle - 1) % 256] = *ci;
    stats_st.pause_ring[(ci->cycle - 1) % PGC_PAUSE_RING] = ci->pause_ns;
    store_relaxed(&stats_st.num_gc, ci->cycle);
    pthread_mutex_unlock(&stats_st.stats_lock);
    if (G.gctrace)
        print_gctrace(ci, heap0, heap1, stw1, mark, stw2);
}

int pgc_read_cycle(uint64_t n, pgc_cycle_info *out)
{
    if (!out)
        pgc_fatal("pacegc: pgc_read_cycle(%llu, NULL): out is NULL: pass a pointer to a "
                  "pgc_cycle_info to fill\n", (unsigned long long)n);
    ensure_init();
    int rc = -1;
    pthread_mutex_lock(&stats_st.stats_lock);
    uint64_t done = load_relaxed(&stats_st.num_gc);
    if (n >= 1 && n <= done && done - n < 256) {
        *out = stats_st.cycle_ring[(n - 1) % 256];
        rc = 0;
    }
    pthread_mutex_unlock(&stats_st.stats_lock);
    return rc;
}

static double dbits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

void pgc_read_stats(pgc_stats *out)
{
    if (!out)
        pgc_fatal("pacegc: pgc_read_stats(NULL): out is NULL: pass a pointer to a pgc_stats to "
                  "fill\n");
    ensure_init();
    memset(out, 0, sizeof *out);
    out->heap_alloc = load_relaxed(&alloc_st.heap_alloc);
    out->heap_alloc_peak = load_relaxed(&alloc_st.heap_alloc_peak);
    out->heap_marked = load_relaxed(&stats_st.heap_marked);
    out->heap_goal = load_relaxed(&G.goal);
    out->heap_sys = load_relaxed(&heap_st.heap_sys);
    out->heap_released = load_relaxed(&heap_st.heap_released);
    out->total_alloc = load_relaxed(&alloc_st.total_alloc);
    out->pause_total_ns = load_relaxed(&stats_st.pause_total_ns);
    out->pause_max_ns = load_relaxed(&stats_st.pause_max_ns);
    out->assist_ns_total = load_relaxed(&assist_st.assist_ns);
    out->assist_blocked_ns_total = load_relaxed(&assist_st.assist_blocked_ns);
    out->gc_cpu_fraction = cpu_fraction();
    out->heap_live = load_relaxed(&alloc_st.heap_live);
    out->heap_trigger = load_relaxed(&G.trigger);
    out->num_forced_gc = load_relaxed(&stats_st.num_forced_gc);
    out->bg_mark_ns_total = load_relaxed(&stats_st.bg_ns);
    out->idle_mark_ns_total = load_relaxed(&stats_st.idle_ns);
    out->stack_scan = load_relaxed(&stats_st.last_stack_scan);
    out->globals_scan = load_relaxed(&stats_st.last_globals_scan);
    out->assist_ratio = dbits(load_relaxed(&G.assist_work_per_byte_x1024));
    out->limiter_enabled = load_relaxed(&G.limiter_on);
    out->procs = G.procs;
    out->stops_signalled = load_relaxed(&stop_st.stops_signalled);
    out->stops_claimed = load_relaxed(&stop_st.stops_claimed);
    out->barrier_mode = pgc__barrier_mode;
    out->sweep_lazy_ns_total = load_relaxed(&sweep_lazy_ns);
    out->sweep_ns_total = out->sweep_lazy_ns_total + load_relaxed(&sweep_bg_ns);
    out->coord_ns_total = coordinator_ns();
    out->dedicated_mark_ns_total = load_relaxed(&stats_st.dedicated_ns);
    out->fractional_mark_ns_total = load_relaxed(&stats_st.fractional_ns);
    pgc_thread *t = lib_enter_self(); /* INV-STW-LOCKS */
    pthread_mutex_lock(&G.pacer_lock);
    out->cons_mark = pgc_pacer_cons_mark(&G.pacer);
    out->gc_percent = pgc_pacer_gc_percent(&G.pacer);
    out->memory_limit = pgc_pacer_memory_limit(&G.pacer);
    pthread_mutex_unlock(&G.pacer_lock);
    lib_leave_self(t);
    pthread_mutex_lock(&stats_st.stats_lock);
    out->num_gc = load_relaxed(&stats_st.num_gc);
    memcpy(out->pause_ns, stats_st.pause_ring, sizeof out->pause_ns);
    pthread_mutex_unlock(&stats_st.stats_lock);
}

/* ---- gclog ------------------------------------------------------------------------ */

void (*_Atomic pgc__cycle_event_hook)(int ev);

void stats_gclog(const char *event)
{
    if (G.gclog_fd < 0)
        return;
    char line[384];
    uint64_t now = now_ns();
    int n = snprintf(line, sizeof line, "%.3f,%s,%llu,%llu,%llu,%llu,%llu,%.6f,%.3f,%.3f,%.3f,%.3f\n",
                     ms(now - G.init_ns), event, (unsigned long long)cycle_st.cycles_started,
                     (unsigned long long)load_relaxed(&alloc_st.heap_alloc),
                     (unsigned long long)load_relaxed(&alloc_st.heap_live),
                     (unsigned long long)load_relaxed(&G.goal),
                     (unsigned long long)load_relaxed(&G.trigger),
                     dbits(load_relaxed(&G.assist_work_per_byte_x1024)),
                     ms(load_relaxed(&assist_st.assist_ns)), ms(load_relaxed(&stats_st.bg_ns)),
                     ms(load_relaxed(&stats_st.idle_ns)), ms(load_relaxed(&assist_st.assist_blocked_ns)));
    if (n > 0 && write(G.gclog_fd, line, (size_t)n) < 0) {
        /* a log that cannot be written is not worth failing for */
    }
}

/* At most one sample row per millisecond, from allocation slow paths. */
void stats_gclog_sample(void)
{
    uint64_t now = now_ns(), last = load_relaxed(&last_sample_ns);
    if (now - last < 1000000 || !cas_relaxed(&last_sample_ns, &last, now))
        return;
    stats_gclog("sample");
}

void stats_init(void)
{
    pthread_mutex_init(&stats_st.stats_lock, NULL);
    if (G.gclog_fd >= 0) {
        static const char hdr[] = "time_ms,event,cycle,heap_alloc,heap_live,heap_goal,heap_trigger,"
                                  "assist_work_per_byte,assist_cpu_ms,bg_cpu_ms,idle_cpu_ms,blocked_ms\n";
        if (write(G.gclog_fd, hdr, sizeof hdr - 1) < 0) {
            /* as above */
        }
    }
}

void stats_fork_child(void) { pthread_mutex_init(&stats_st.stats_lock, NULL); }
