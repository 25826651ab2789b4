/* limiter.h - pacegc's GC CPU limiter: a leaky bucket that fills with GC CPU
 * time and drains with mutator CPU time, and reports "limiting" when full.
 *
 * A pure module after Go's mgclimit.go (Go 1.19, design 48409; gc-notes
 * Part 2, 2.6): the caller passes the time in ns and serialises every call
 * (Go's try-lock is the caller's business). While limiting, assists stop and
 * the heap may overshoot its goal rather than starve the program.
 */
#ifndef PGC_LIMITER_H
#define PGC_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

/* capacityPerProc: bucket capacity per proc, 1 CPU-second in ns. */
#define PGC_LIMITER_CAPACITY_PER_PROC INT64_C(1000000000)
/* gcCPULimiterUpdatePeriod: longest wall time (ns) between updates that the
 * scheduler tolerates before forcing one. */
#define PGC_LIMITER_UPDATE_PERIOD INT64_C(10000000)

typedef struct pgc_limiter {
    bool enabled;               /* limiting: the bucket is full */
    uint64_t fill;              /* CPU-ns of GC time in the bucket, <= capacity */
    uint64_t capacity;          /* CPU-ns: procs x 1 CPU-second */
    uint64_t overflow;          /* CPU-ns of GC time that did not fit, cumulative */
    bool gc_enabled;            /* a mark phase is running (25% background counts) */
    bool transitioning;         /* inside a stop-the-world GC transition */
    int64_t assist_time_pool;   /* CPU-ns of assists since the last update */
    int64_t idle_time_pool;     /* CPU-ns of idle procs and idle marking since then */
    int64_t last_update;        /* ns timestamp of the last update */
    uint32_t cycles;            /* mark phases ended (transitions to GC off) */
    uint32_t last_enabled_cycle; /* cycles + 1 when limiting last switched on; 0 never */
    int procs;                  /* CPUs the capacity and windows are sized for */
} pgc_limiter;

/* Empty bucket sized for procs, clock starting at now_ns, GC off. */
void pgc_limiter_init(pgc_limiter *l, int64_t now_ns, int procs);

/* Stop-the-world transition into (enable_gc) or out of the mark phase:
 * flushes time up to now_ns under the old state. Ignored if enable_gc is
 * the current state or a transition is already open. */
void pgc_limiter_start_gc_transition(pgc_limiter *l, bool enable_gc, int64_t now_ns);

/* End of the pause: its procs x duration counts as GC time. */
void pgc_limiter_finish_gc_transition(pgc_limiter *l, int64_t now_ns);

/* Assist CPU time (mark and scavenge assists), counted at the next update. */
void pgc_limiter_add_assist_time(pgc_limiter *l, int64_t ns);

/* Idle CPU time (procs idle, idle-priority marking), removed from the
 * total at the next update. */
void pgc_limiter_add_idle_time(pgc_limiter *l, int64_t ns);

/* Fill/drain the bucket with the time since the last update. Ignored
 * during a transition or if now_ns is older than the last update. */
void pgc_limiter_update(pgc_limiter *l, int64_t now_ns);

/* More than one update period has passed since the last update. */
bool pgc_limiter_need_update(const pgc_limiter *l, int64_t now_ns);

/* Flush time up to now_ns, then resize the bucket for procs (only outside
 * a mark phase); a fill above the new capacity is clipped, not overflow. */
void pgc_limiter_reset_capacity(pgc_limiter *l, int64_t now_ns, int procs);

bool pgc_limiter_limiting(const pgc_limiter *l);
uint64_t pgc_limiter_fill(const pgc_limiter *l);
uint64_t pgc_limiter_capacity(const pgc_limiter *l);
uint64_t pgc_limiter_overflow(const pgc_limiter *l);
uint32_t pgc_limiter_last_enabled_cycle(const pgc_limiter *l);

#endif
