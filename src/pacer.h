/* pacer.h - pacegc's GC pacer: when to start a cycle, how much the mutator
 * must assist, and how many background workers to run.
 *
 * A pure module (numbers in, numbers out): no threads, clocks, globals, I/O
 * or allocation. The runtime owns one pgc_pacer, serialises every call on it
 * (heap lock or world stopped) and feeds it measured numbers; the simulation
 * tests drive the same functions. The model, the units and where pacegc
 * departs from Go are described at the top of pacer.c.
 *
 * Call sequence of one cycle (see gc-notes Part 2, 2.4):
 *   set_stack_size / set_globals / set_mem_stats as those numbers change;
 *   commit whenever a pacing input changes (GOGC, limit, end of a cycle);
 *   heap_live >= trigger()  ->  start_cycle;
 *   during mark: revise with new totals, read assist_work_per_byte;
 *   mark termination: revise with the final totals, end_cycle, reset_live,
 *   then commit.
 */
#ifndef PGC_PACER_H
#define PGC_PACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Window of past cons/mark measurements kept for the Go 1.21 max-of-5
 * smoothing (the current measurement plus these). */
#define PGC_PACER_CONS_MARK_HISTORY 4

/* Value of pgc_pacer.triggered while no cycle is marking. */
#define PGC_PACER_NOT_MARKING UINT64_MAX

typedef struct pgc_pacer {
    /* -- Configuration ----------------------------------------------- */
    int gc_percent;               /* GOGC in percent; -1 = collection off */
    int64_t memory_limit;         /* soft limit in bytes; INT64_MAX = none */
    uint64_t heap_minimum;        /* bytes: smallest GOGC goal, 4 MiB x GOGC/100 */

    /* -- Memory statistics (memory-limit goal) ----------------------- */
    uint64_t mapped_ready;        /* bytes mapped for the heap, not released */
    uint64_t heap_free;           /* bytes free in the heap, not released */
    uint64_t heap_alloc;          /* bytes in allocated objects (spans in use) */

    /* -- Roots ------------------------------------------------------- */
    uint64_t max_stack_scan;      /* bytes of allocated thread stacks (worst case) */
    uint64_t globals_scan;        /* bytes of scannable globals and registered roots */

    /* -- Heap ---------------------------------------------------------- */
    uint64_t heap_live;           /* bytes: marked last cycle + allocated since */
    uint64_t heap_scan;           /* bytes: scannable part of heap_live (fixed while marking) */
    uint64_t heap_marked;         /* bytes marked by the last cycle */
    uint64_t heap_black;          /* of heap_marked, bytes allocated black during
                                     the last cycle's mark (note_black) */
    uint64_t last_heap_scan;      /* scan work (bytes) of the heap last cycle */
    uint64_t last_stack_scan;     /* scan work (bytes) of stacks last cycle */

    /* -- Results of commit -------------------------------------------- */
    bool sweep_done;              /* sweep state passed to the last commit */
    uint64_t gc_percent_goal;     /* bytes: GOGC goal; UINT64_MAX when GOGC off */
    uint64_t sweep_dist_min_trigger; /* bytes: heap_live + 1 MiB if sweeping, else 0 */
    uint64_t runway;              /* bytes of allocation wanted between trigger and goal */

    /* -- Estimates ----------------------------------------------------- */
    double cons_mark;             /* (alloc bytes/mutator CPU-s) / (scan bytes/GC CPU-s) */
    double last_cons_mark[PGC_PACER_CONS_MARK_HISTORY]; /* past measurements, oldest first */

    /* -- Current cycle ------------------------------------------------- */
    uint64_t triggered;           /* heap_live bytes at cycle start; NOT_MARKING otherwise */
    uint64_t last_heap_goal;      /* goal (bytes) when the last cycle ended */
    uint64_t heap_scan_work;      /* heap scan work (bytes) done this cycle */
    uint64_t stack_scan_work;     /* stack scan work (bytes) done this cycle */
    uint64_t globals_scan_work;   /* globals scan work (bytes) done this cycle */
    double assist_work_per_byte;  /* scan work owed per byte allocated */
    double assist_bytes_per_work; /* bytes allocatable per unit of scan work */
    int dedicated_workers;        /* background workers that mark full time */
    double fractional_goal;       /* fraction of each proc's wall time for fractional marking */

    /* -- Trace snapshot of the last end_cycle (format_end) ------------ */
    double end_utilization;       /* GC CPU share measured: 0.25 + assists */
    double end_prev_cons_mark;    /* cons/mark before the update */
    uint64_t end_expected_work;   /* scan work (bytes) the cycle expected */
    uint64_t end_triggered;       /* heap_live bytes at cycle start */
    uint64_t end_heap_live;       /* heap_live bytes at mark termination */
} pgc_pacer;

/* Initialise with GOGC (negative = off) and a memory limit (bytes; negative
 * or INT64_MAX = none), then commit as if sweeping were done. */
void pgc_pacer_init(pgc_pacer *p, int gc_percent, int64_t memory_limit);

/* Set GOGC (negative = off, stored as -1), rescale heap_minimum and commit.
 * Returns the previous value. */
int pgc_pacer_set_gc_percent(pgc_pacer *p, int percent);

/* Set the memory limit in bytes and commit; a negative limit only reads it,
 * INT64_MAX means none. Returns the previous value. */
int64_t pgc_pacer_set_memory_limit(pgc_pacer *p, int64_t limit);

/* Memory statistics the memory-limit goal needs (bytes): mapped_ready =
 * heap mapped and not released; heap_free = free but unreleased heap;
 * heap_alloc = bytes in allocated objects. Read on every goal query. */
void pgc_pacer_set_mem_stats(pgc_pacer *p, uint64_t mapped_ready,
                             uint64_t heap_free, uint64_t heap_alloc);

/* Allocated stack bytes of all attached threads (worst-case stack scan). */
void pgc_pacer_set_stack_size(pgc_pacer *p, uint64_t max_stack_scan);

/* Scannable bytes of data segments plus registered roots. */
void pgc_pacer_set_globals(pgc_pacer *p, uint64_t globals_scan);

/* Recompute the GOGC goal and the runway (Go's commit). sweep_finished says
 * whether the last sweep is complete; heap_live_now becomes heap_live. If a
 * cycle is marking, the assist ratio is revised too. */
void pgc_pacer_commit(pgc_pacer *p, bool sweep_finished, uint64_t heap_live_now);

/* Effective heap goal in bytes: min(GOGC goal, memory-limit goal); when the
 * GOGC goal wins it is raised to the sweep distance and, while marking, to
 * triggered + 64 KiB. */
uint64_t pgc_pacer_heap_goal(const pgc_pacer *p);

/* heap_live (bytes) at which the next cycle should start. */
uint64_t pgc_pacer_trigger(const pgc_pacer *p);

/* Trigger and goal from one computation; *goal may be NULL. */
uint64_t pgc_pacer_trigger_goal(const pgc_pacer *p, uint64_t *goal);

/* True if a cycle should start at this heap_live (heap_live >= trigger). */
bool pgc_pacer_should_trigger(const pgc_pacer *p, uint64_t heap_live);

/* Memory-limit goal alone, in bytes (the min against GOGC not applied). */
uint64_t pgc_pacer_memory_limit_goal(const pgc_pacer *p);

/* Start a cycle: heap_live = bytes live now (becomes triggered), heap_scan =
 * scannable bytes now, procs = CPUs usable. Zeroes the scan-work counters,
 * sizes the background workers and computes the first assist ratio. */
void pgc_pacer_start_cycle(pgc_pacer *p, uint64_t heap_live, uint64_t heap_scan,
                           int procs);

bool pgc_pacer_marking(const pgc_pacer *p);          /* between start_cycle and reset_live */
int pgc_pacer_dedicated_workers(const pgc_pacer *p); /* set by start_cycle */
double pgc_pacer_fractional_goal(const pgc_pacer *p); /* per-proc wall-time fraction */

/* During mark: new totals (bytes) of heap_live, heap_scan and the scan work
 * done so far; recomputes the assist ratio. */
void pgc_pacer_revise(pgc_pacer *p, uint64_t heap_live, uint64_t heap_scan,
                      uint64_t heap_scan_work, uint64_t stack_scan_work,
                      uint64_t globals_scan_work);
double pgc_pacer_assist_work_per_byte(const pgc_pacer *p);
double pgc_pacer_assist_bytes_per_work(const pgc_pacer *p);

/* Mark termination: heap_live in bytes, assist and idle-mark CPU time and
 * the mark phase's wall time in ns, procs as at start. Records
 * last_heap_goal and updates cons/mark from the scan work of the last
 * revise (so revise with the final totals first). */
void pgc_pacer_end_cycle(pgc_pacer *p, uint64_t heap_live, int64_t assist_ns,
                         int64_t idle_ns, int64_t mark_duration_ns, int procs);

/* After end_cycle: heap_live and heap_marked become bytes_marked, the scan
 * work of the cycle becomes last_heap_scan / last_stack_scan, and marking
 * ends. The caller commits next. */
void pgc_pacer_reset_live(pgc_pacer *p, uint64_t bytes_marked,
                          uint64_t heap_scan_work, uint64_t stack_scan_work,
                          uint64_t globals_scan_work);

/* After reset_live, before commit: of the bytes marked, `black` were
 * allocated black during the mark (never traced; much of it may already be
 * garbage). PACE-BLACK-ONCE: they count once in the GOGC goal, as heap in
 * use, and are not scaled by GOGC: goal = marked + (marked - black + stacks
 * + globals) x GOGC/100, never below marked (the heap in use when the cycle
 * ends). reset_live sets it to 0 (Go's rule: all marked bytes grow). */
void pgc_pacer_note_black(pgc_pacer *p, uint64_t black);

double pgc_pacer_cons_mark(const pgc_pacer *p);
uint64_t pgc_pacer_heap_marked(const pgc_pacer *p);
uint64_t pgc_pacer_heap_live(const pgc_pacer *p);
uint64_t pgc_pacer_triggered(const pgc_pacer *p);    /* NOT_MARKING outside a cycle */
uint64_t pgc_pacer_last_heap_goal(const pgc_pacer *p);
uint64_t pgc_pacer_heap_minimum(const pgc_pacer *p);
int pgc_pacer_gc_percent(const pgc_pacer *p);
int64_t pgc_pacer_memory_limit(const pgc_pacer *p);

/* gcpacertrace-style lines (no newline) written with snprintf into buf;
 * return what snprintf returns. format_start after start_cycle:
 *   pacer: assist ratio=R (scan S MB in L->G MB) workers=D+F
 * format_end after end_cycle, before reset_live:
 *   pacer: U% CPU (25 exp.) for H+S+G B work (E B exp.) in T B -> L B
 *   (∆goal D, cons/mark C)                                              */
int pgc_pacer_format_start(const pgc_pacer *p, char *buf, size_t n);
int pgc_pacer_format_end(const pgc_pacer *p, char *buf, size_t n);

#endif
