/*
 * internal.h - the collector's shared data structures and the functions one
 * subsystem calls in another, grouped by the file that defines them.
 *
 * Not part of the API: include/pacegc.h is. Every shared field says who
 * writes it, who reads it and under what synchronization. Invariants have
 * names (INV-...) and are stated once, here, next to the data; other places
 * refer to them by name. docs/DESIGN.md is the map.
 */
#ifndef PGC_INTERNAL_H
#define PGC_INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <sys/types.h>

/* The library calls itself out of line: its own code sees pgc_thread, not
 * the header's view of it (struct pgc__thread), so no access mixes the two. */
#ifndef PGC_NO_INLINE
#define PGC_NO_INLINE
#endif
#include "pacegc.h"
#include "atomics.h"
#include "pacer.h"
#include "limiter.h"

#define PGC_INTERNAL_API __attribute__((visibility("hidden")))

/* Functions that read memory conservatively: stacks below their frames,
 * other threads' objects while those threads write them, globals with
 * sanitizer redzones. The reads are racy by design and benign: under the
 * snapshot-at-the-beginning barrier any pointer a mutator overwrites while
 * it is being scanned was recorded by the barrier, so whichever value the
 * scanner reads, the snapshot is marked (INV-SATB). Sanitizers are told not
 * to instrument these functions; this is the only suppression pacegc uses. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define PGC_NO_SANITIZE __attribute__((no_sanitize("address", "thread")))
#else
#define PGC_NO_SANITIZE
#endif

/* ---- Geometry ---------------------------------------------------------- */

#define PAGE_SHIFT 13
#define PAGE_SIZE ((uintptr_t)1 << PAGE_SHIFT) /* 8 KiB heap page */
#define GRANULE 16                              /* object alignment */
#define MAX_SMALL 32768                         /* largest small-object class */
#define MAX_SPAN_OBJECTS 512                    /* bitmap capacity of a span */
#define MIN_SPAN_BYTES ((size_t)32 << 10)       /* small-class spans aim at this size */
#define BITMAP_WORDS (MAX_SPAN_OBJECTS / 64)
#define MAX_CLASSES 80
#define CHUNK_BYTES ((size_t)4 << 20)        /* heap grows in 4 MiB steps */
#define MAX_OBLET ((size_t)128 << 10)        /* large objects scanned 128 KiB at a time */
#define WB_BUF_ENTRIES 256                   /* per-thread barrier buffer */

_Static_assert(MAX_SPAN_OBJECTS % 64 == 0, "bitmaps are whole words");
_Static_assert((1u << PAGE_SHIFT) % GRANULE == 0, "pages hold whole granules");

/* ---- Debug assertions (PGC_DEBUG builds; never allocate) ---------------- */

PGC_INTERNAL_API void pgc_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
PGC_INTERNAL_API void pgc_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
PGC_INTERNAL_API void pgc_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
#ifdef PGC_DEBUG
#define PGC_ASSERT(c) ((c) ? (void)0 : pgc_assert_fail(#c, __FILE__, __LINE__))
#else
#define PGC_ASSERT(c) ((void)0)
#endif

/* ---- Spans (heap.c) ------------------------------------------------------
 *
 * A span is a run of pages. In-use spans hold either objects of one small
 * size class or one large object. Free spans live in the page heap.
 */
enum span_state { SPAN_FREE = 0, SPAN_IN_USE = 1 };
/* Object kinds (kinds.c, kinds.h): a span holds objects of one kind. The
 * built-in kinds have fixed indices; program kinds (pgc_kind_bitmap,
 * pgc_kind_traced) take the next ones. */
enum { KIND_SCAN = 0, KIND_ATOMIC = 1, KIND_UNCOLLECTABLE = 2, KIND_BUILTIN = 3 };
#define MAX_KINDS 256 /* span->kind is a uint8_t */
/* How a kind's objects are traced (trace.h). */
enum trace_policy { TRACE_CONSERVATIVE = 0, TRACE_NONE = 1, TRACE_BITMAP = 2, TRACE_PROGRAM = 3 };

typedef struct pgc_span {
    /* Fixed while the span is SPAN_IN_USE; written by the page heap (heap
     * lock) before `state` is published. Read by anyone who has seen
     * state == SPAN_IN_USE with an acquire load (INV-SPAN-PUBLISH). */
    uintptr_t start;
    uint32_t npages;
    uint32_t elem_size;   /* object size; the whole span for a large object */
    uint32_t nelems;      /* objects in the span (1 if large) */
    uint32_t div_mul;     /* ceil(2^32 / elem_size): index = (off * div_mul) >> 32 */
    uint8_t sclass;       /* size class, 0 = large object */
    uint8_t kind;         /* index in the kinds table (kinds.h) */
    uint8_t trace;        /* the kind's enum trace_policy, copied for the marker */
    uint8_t needzero;     /* memory may be dirty: zero objects on allocation */
    uint8_t released;     /* free span: pages returned to the OS (heap lock) */

    /* SPAN_FREE / SPAN_IN_USE. Written by the page heap under the heap lock
     * with release; read with acquire by conservative lookups.
     * INV-NO-FREE-DURING-MARK: no span goes IN_USE -> FREE while a cycle is
     * marking (only sweeping frees spans, and sweep never overlaps mark). */
    _Atomic uint32_t state;

    /* Sweep generation, like Go's mspan.sweepgen, with G.sweepgen = sg:
     *   sg - 2: needs sweeping; sg - 1: being swept; sg: swept.
     * Claimed with a CAS by whoever sweeps it. INV-SWEPT-BEFORE-MARK: every
     * in-use span has sweepgen == sg when a cycle starts. */
    _Atomic uint32_t sweepgen;

    /* List links: the list's lock protects them (central class lock, large
     * lock, or heap lock for free bins). */
    struct pgc_span *next, *prev;

    /* Mark bits: set with relaxed fetch_or by any marker or by allocate-
     * black; cleared by the sweeper of this span (world running, no marker
     * active: INV-SWEPT-BEFORE-MARK). */
    _Atomic uint64_t mark_bits[BITMAP_WORDS];
    /* Alloc bits: bit i set iff object i is allocated (INV-ALLOC-EXACT).
     * Written by the span's owner: the thread cache holding it (relaxed
     * load + relaxed store: only the owner writes), or its sweeper
     * (alloc = mark). Read relaxed by conservative lookups. */
    _Atomic uint64_t alloc_bits[BITMAP_WORDS];
    /* Checkmark bits: only touched with the world stopped (checkmark.c) and
     * by the span's sweeper. */
    uint64_t check_bits[BITMAP_WORDS];
    /* pgc_free requests: bit i set by pgc_free (relaxed fetch_or, by any
     * thread) for an allocated object i the program released; applied and
     * cleared by the span's sweeper, which frees those objects even if
     * marked (INV-FREE-AT-SWEEP, alloc.c). */
    _Atomic uint64_t free_req[BITMAP_WORDS];
    /* Lifetimes (lifetimes.c), one bit per object, cleared by the span's
     * sweeper (and at span init):
     * eph_keys: object i is the key of an ephemeron pending this cycle; set
     *   (seq_cst fetch_or) by a marker that found the key unmarked, read by
     *   a marker that newly marks object i (INV-EPH-DEKKER, lifetimes.c).
     * dead_bits: object i was judged unreachable by this cycle's lifetimes
     *   decision (INV-LIFE-DECIDED); set by the coordinator (relaxed, then a
     *   release store of the decision flag), read by weak loads.
     * check_eph: checkmark's pending keys (world stopped only). */
    _Atomic uint64_t eph_keys[BITMAP_WORDS];
    _Atomic uint64_t dead_bits[BITMAP_WORDS];
    uint64_t check_eph[BITMAP_WORDS];
    /* Links of the list of spans of uncollectable kinds (kinds.c, its lock). */
    struct pgc_span *unext, *uprev;
} pgc_span;

/* ---- Thread cache (alloc.c) --------------------------------------------- */

/* The first fields are what the inline allocation path in include/pacegc.h
 * reads and writes (struct pgc__cache: same layout, asserted below).
 * INV-INLINE-CACHE: while free_bits != 0, base is the address of slot 0 of
 * word `word` of span and alloc_word is &span->alloc_bits[word], so the
 * inline path needs nothing else (cache_seek sets all three together). */
typedef struct pgc_cache {
    uint64_t free_bits; /* free slots of word `word` not yet handed out */
    uintptr_t base;     /* span->start + word * 64 * size */
    _Atomic uint64_t *alloc_word; /* &span->alloc_bits[word] */
    pgc_span *span;     /* span being allocated from, or NULL */
    uint32_t word;      /* current bitmap word index */
    uint32_t size;      /* object size of this class */
} pgc_cache;
_Static_assert(sizeof(pgc_cache) == sizeof(struct pgc__cache), "inline cache layout");
_Static_assert(offsetof(pgc_cache, free_bits) == offsetof(struct pgc__cache, free_bits), "inline cache layout");
_Static_assert(offsetof(pgc_cache, base) == offsetof(struct pgc__cache, base), "inline cache layout");
_Static_assert(offsetof(pgc_cache, alloc_word) == offsetof(struct pgc__cache, alloc_word), "inline cache layout");

/* ---- Mark work (mark.c) ---------------------------------------------------- */

#define PACKET_ENTRIES 253
typedef struct pgc_work {
    uintptr_t addr;
    uintptr_t len;
} pgc_work;

typedef struct pgc_packet {
    struct pgc_packet *next; /* pool lock */
    uint32_t n;
    pgc_work e[PACKET_ENTRIES];
} pgc_packet;

/* One marking agent: a background worker, an assist, or the coordinator.
 * Owned by one thread at a time; never shared. */
typedef struct pgc_marker {
    pgc_packet *cur;      /* local work being drained */
    pgc_packet *spare;    /* second local packet, for balancing */
    uint64_t scan_work;   /* bytes scanned since the last flush */
    uint64_t marked;      /* bytes newly marked since the last flush */
    uint64_t total_work;  /* bytes scanned by this agent this session */
} pgc_marker;

/* ---- Threads (threads.c) --------------------------------------------------- */

#define MAX_TLS_RANGES 16

typedef struct pgc_thread {
    /* Owner-only: the critical-section depth. The owner and its own signal
     * handler touch it, ordered by compiler_fence() (no CPU fence needed). */
    volatile int in_lib;
    /* Set by the signal handler when it arrives inside a critical section;
     * the owner stops itself when it leaves the section. */
    volatile int stop_deferred;

    /* Owner-only while running; read and rewritten by the coordinator only
     * while this thread is stopped outside a critical section. */
    pgc_cache cache[KIND_BUILTIN][MAX_CLASSES]; /* built-in kinds, [kind][class] */
    void *wb_buf[WB_BUF_ENTRIES]; /* barrier buffer of overwritten pointers */
    uint32_t wb_n;
    /* Assist balance in bytes: positive = credit, negative = debt, valid
     * for the cycle assist_cycle only. Written by the owner (and, while it
     * is parked on the assist queue, by credit flushes under the assist
     * lock). INV-ASSIST-STAMP: nobody else resets it: the owner finds a
     * stale stamp and starts from zero (assist_sync), so a pause #1 that
     * falls inside the owner's read-modify-write cannot be undone by it. */
    int64_t assist_bytes;
    uint64_t assist_cycle;
    uint64_t black_bytes; /* bytes allocated black this cycle (owner; read stopped) */

    /* Stop protocol (threads.c). stop_req: written by the coordinator
     * (release) before it signals, read by the handler (acquire).
     * stop_ack: written by the handler (release) when registers are saved,
     * read by the coordinator (acquire). resume: written by the coordinator
     * (release), waited on by the handler (acquire). All are epochs.
     * INV-EPOCH-FRESH: epochs are 64 bits and start at 1, so a stop's epoch
     * is never one a thread acknowledged before (at a million stops a
     * second they wrap after 500,000 years; 32 bits wrapped within days,
     * and epoch 0 looked acknowledged by every thread never stopped). */
    _Atomic uint64_t stop_req;
    _Atomic uint64_t stop_ack;
    _Atomic uint64_t resume;
    /* Bumped (release) by the owner after it acknowledges a stop, and when
     * it enters a blocked region with a stop pending; the stopper
     * futex-waits on it, so neither event can be missed. */
    _Atomic uint32_t stop_evt;
    /* Blocked regions (thread_blocking): T_RUNNING; T_BLOCKED, the owner
     * waits inside the library touching neither the heap nor its own
     * caches and buffers, with its registers spilled and stop_sp set;
     * T_CLAIMED, the coordinator holds a blocked thread as stopped.
     * INV-BLOCKED-CLAIM: only the owner moves RUNNING<->BLOCKED and only
     * the coordinator moves BLOCKED<->CLAIMED, every move a seq_cst CAS or
     * store, so that the owner's "state = BLOCKED; read stop_req" and the
     * stopper's "stop_req = e; try to claim" cannot both miss each other. */
    _Atomic uint32_t state;
    /* Stack pointer saved by the handler; valid while stop_ack == stop_req
     * and resume != stop_req. */
    uintptr_t stop_sp;
    uintptr_t intr_sp;  /* interrupted stack pointer (handler stops), else 0 */
    uintptr_t intr_regs[2]; /* the interrupted general registers in the signal
                               frame [lo, hi) (handler stops), else 0 */

    /* Fixed at attach. */
    pthread_t self;
    pid_t tid;
    uintptr_t stack_hi; /* base (highest address) of the stack */
    uintptr_t stack_lo; /* lowest usable address (the checkmark-mode assist wipe stops above it) */
    int ntls;
    uintptr_t tls[MAX_TLS_RANGES][2];
    bool auto_attached;

    /* Thread list (threads lock). */
    struct pgc_thread *next, *prev;
    /* Assist queue link (assist lock). */
    struct pgc_thread *aq_next;
    bool aq_queued;   /* on the assist queue (assist lock) */
    bool aq_woken;    /* woken (assist lock) */
    bool aq_wants_work; /* parked with marking allowed: a publish to the mark
                           pool wakes it to mark (assist lock; INV-IDLE-WORK) */
    uint64_t aq_since; /* when it parked; the waker accounts the wait (assist lock) */
    pthread_cond_t aq_cv;

    /* Caches of program kinds (index >= KIND_BUILTIN), [kind][class]: an
     * array of MAX_CLASSES allocated by the owner on its first allocation
     * of that kind (kinds.c, kind_caches). Same rules as `cache`. Last in
     * the struct: a recycled descriptor keeps its arrays (threads.c clears
     * only what comes before; a detached thread released every cache). */
    pgc_cache *kcache[MAX_KINDS];
} pgc_thread;
/* The inline allocation path sees a pgc_thread as a struct pgc__thread
 * (include/pacegc.h): the critical-section fields and the caches of
 * KIND_SCAN and KIND_ATOMIC, at the same offsets. */
_Static_assert(offsetof(pgc_thread, in_lib) == offsetof(struct pgc__thread, in_lib), "inline thread layout");
_Static_assert(offsetof(pgc_thread, stop_deferred) == offsetof(struct pgc__thread, stop_deferred),
               "inline thread layout");
_Static_assert(offsetof(pgc_thread, cache) == offsetof(struct pgc__thread, cache), "inline thread layout");
_Static_assert(MAX_CLASSES == PGC__NCLASSES && KIND_SCAN == 0 && KIND_ATOMIC == 1, "inline thread layout");
_Static_assert(PGC__INLINE_MAX <= 256, "the inline path computes classes of multiples of 16 only");

/* ---- Phases (cycle.c) --------------------------------------------------------
 * OFF        no cycle; allocation is white; barrier off. Entered when sweep
 *            finishes. Left when a trigger or pgc_collect starts a cycle.
 * SWEEP_TERM pause #1 (world stopped): sweep finished, roots snapshot,
 *            barrier and allocate-black turned on.
 * MARK       world running; workers and assists mark; barrier on.
 * MARK_TERM  pause #2 (world stopped): confirm no work, barrier off,
 *            caches released, sweep set up.
 * SWEEP      world running; spans swept lazily and by the sweeper thread.
 */
enum pgc_phase { PHASE_OFF, PHASE_SWEEP_TERM, PHASE_MARK, PHASE_MARK_TERM, PHASE_SWEEP };

/* ---- The collector's global state -------------------------------------------
 * One struct, so roots.c can exclude it from the data-segment scan (the
 * collector's own pointers into the heap are not roots).
 */
/* Which of a central list pair (kinds.h) holds the spans swept this cycle. */
static inline int swept_index(uint32_t sweepgen) { return (sweepgen >> 1) & 1; }

#define NUM_FREE_BINS 128

typedef struct pgc_globals {
    /* Immutable after init. */
    uintptr_t heap_base;   /* reservation start (PAGE_SIZE aligned) */
    uintptr_t heap_size;   /* reservation size */
    _Atomic(pgc_span *) *pagemap; /* page index -> span (INV-PAGEMAP) */
    int nclasses;
    uint32_t class_size[MAX_CLASSES];
    uint32_t class_npages[MAX_CLASSES];
    uint8_t size_to_class16[MAX_SMALL / 16 + 1];
    int procs;
    int stop_signal;
    bool gctrace, pacertrace, checkmark;
    bool stoptrace; /* PGCDEBUG=stoptrace=1: slow stops reported (threads.c) */
    bool black_once; /* PGCDEBUG=blackonce=1: PACE-BLACK-ONCE (default: Go's goal rule); set at init */
    int gclog_fd;
    uint64_t init_ns;

    /* Page heap (heap.c), heap lock. INV-PAGEMAP: a page map entry is NULL,
     * or the in-use span containing the page, or (first and last page of a
     * free span only) that free span. */
    pthread_mutex_t heap_lock;
    uintptr_t heap_end;          /* committed prefix of the reservation */
    pgc_span *free_bins[NUM_FREE_BINS]; /* free spans of exactly n pages; [0] = larger */
    pgc_span *spare_spans;       /* recycled descriptors */
    _Atomic uint64_t heap_sys;   /* committed bytes (heap lock writes, relaxed reads) */
    _Atomic uint64_t heap_released;
    _Atomic uint64_t heap_free;  /* bytes in free spans, released or not */

    /* Central lists: per kind and class, in the kinds table (kinds.h). */
    pthread_mutex_t large_lock;
    pgc_span *large[2];          /* large objects, indexed like pgc_central (large lock) */
    _Atomic uint64_t nspans;     /* in-use spans (relaxed; exact with the world stopped) */
    _Atomic uint64_t unswept;    /* spans left to sweep this cycle */

    /* Accounting, relaxed atomics (statistics and pacing inputs). */
    _Atomic uint64_t heap_live;  /* pacer's heapLive */
    _Atomic uint64_t heap_alloc; /* stats heap_alloc */
    _Atomic uint64_t heap_alloc_peak;
    _Atomic uint64_t cycle_alloc_peak; /* peak heap_alloc since the last trigger */
    _Atomic uint64_t total_alloc;
    _Atomic uint64_t heap_scan;  /* scannable bytes allocated (heapScan) */
    /* Bytes of large allocations waiting in cycle_admit for the cycle
     * they trigger (added and removed by the waiters, read by the
     * coordinator's stale-trigger check; relaxed). */
    _Atomic uint64_t admit_pending;

    /* Threads (threads.c). threads_lock protects the list and is held by
     * the coordinator for a whole stop-the-world. */
    pthread_mutex_t threads_lock;
    pgc_thread *threads;
    int nthreads;
    _Atomic uint64_t stop_epoch; /* last epoch handed out (INV-EPOCH-FRESH) */
    /* Bumped after every resume; parked threads futex-wait on it, so one
     * wake-all restarts the whole world at once (threads lock held by the
     * writer; read by parked threads with acquire). */
    _Atomic uint32_t wake_seq;
    /* Stops by signal and stops by claiming a blocked thread (written by
     * the coordinator, relaxed: statistics). */
    _Atomic uint64_t stops_signalled, stops_claimed;
    pthread_key_t thread_key;
    uint64_t stack_bytes;        /* sum of attached stack sizes (threads lock) */

    /* Cycle state (cycle.c). phase: written by the coordinator (release),
     * read anywhere (acquire or relaxed where noted). */
    _Atomic int phase;
    _Atomic uint32_t sweepgen;
    pthread_mutex_t cycle_lock;  /* protects the fields below; never taken
                                    while the world is stopped (waiters
                                    hold it outside critical sections) */
    /* The coordinator sleeps on this futex word; anyone asking for a cycle
     * bumps it and wakes it. No lock: request_cycle runs inside critical
     * sections, where taking the cycle lock could wait on a stopped thread. */
    _Atomic uint32_t cycle_wake;
    pthread_cond_t done_cv;      /* pgc_collect waits for cycles */
    pthread_cond_t start_cv;     /* allocators past the trigger wait for marking */
    uint64_t cycles_started, cycles_done, cycles_swept;
    uint64_t forced_target;      /* run cycles until cycles_swept reaches it */
    _Atomic int start_requested; /* a trigger asked for a cycle (any thread, relaxed;
                                    ordered by the cycle_wake bump) */
    /* The coordinator is running a cycle (set when it decides to start
     * one, cleared when the cycle has swept; cycle lock). */
    bool coordinator_busy;
    /* Fork-prepare handlers in progress: the coordinator starts no cycle
     * while it is nonzero (cycle lock). */
    int fork_hold;
    pthread_t coordinator;

    /* Mark work pool (mark.c), pool lock. */
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cv;      /* workers wait for work or the mark phase */
    pthread_cond_t term_cv;      /* coordinator waits for quiescence */
    pgc_packet *full_packets;
    pgc_packet *empty_packets;
    uint64_t nfull;
    _Atomic int pool_waiters;    /* workers waiting: changed under the pool lock,
                                    read relaxed as a hint by balance() */
    _Atomic int active_markers;  /* markers holding local work (INV-QUIESCENT) */
    _Atomic uint64_t push_epoch; /* bumped on every push to the pool (under the
                                    pool lock); read by a parking debtor after
                                    the INV-AQ-WORK fence */
    _Atomic uint64_t marked_bytes;     /* this cycle */
    _Atomic uint64_t black_exited;     /* black bytes of threads detached this cycle */
    _Atomic uint64_t heap_scan_work;   /* this cycle */
    uint64_t stack_scan_work;          /* this cycle (coordinator) */
    uint64_t globals_scan_work;        /* this cycle (coordinator) */
    _Atomic int mark_hold;       /* test hook: markers take no work */
    _Atomic int worker_slowdown_us; /* test hook: workers sleep per slice */

    /* Pacing (pacer.c is pure; cycle.c/assist.c hold it). pacer_lock
     * protects pacer and limiter; the coordinator takes it with the world
     * stopped, so mutators take it only inside a critical section
     * (INV-STW-LOCKS: a lock the coordinator takes while the world is
     * stopped is never held by a stoppable thread). The atomics below mirror pacer outputs
     * for lock-free reads on allocation paths. */
    pthread_mutex_t pacer_lock;
    pgc_pacer pacer;
    pgc_limiter limiter;
    _Atomic uint64_t trigger;
    _Atomic uint64_t goal;
    _Atomic uint64_t assist_bytes_per_work_x1024; /* fixed-point */
    _Atomic uint64_t assist_work_per_byte_x1024;
    _Atomic int limiter_on;
    _Atomic int mem_limited;     /* the memory limit sets the goal (pacer lock
                                    writes, relaxed reads: LIMIT-BLOCKED, LIMIT-CAP) */

    /* Assists (assist.c). */
    pthread_mutex_t assist_lock;
    pgc_thread *aq_head, *aq_tail; /* FIFO of parked debtors (assist lock) */
    _Atomic int64_t bg_credit;     /* scan work earned by workers, not yet spent */
    _Atomic int assists_enabled;   /* 1 from the end of pause #1 to pause #2 */
    _Atomic uint64_t assist_epoch; /* cycle number, set in pause #1 (INV-ASSIST-STAMP) */
    _Atomic int aq_head_hint;      /* queue non-empty: written under the assist
                                      lock, read relaxed by credit flushes (a
                                      stale 0 only sends credit to bg_credit,
                                      which debtors re-check after enqueueing) */
    _Atomic int aq_want_work;      /* parked debtors with aq_wants_work: written
                                      under the assist lock, read relaxed by
                                      balance() and publishers (INV-AQ-WORK) */

    /* Statistics (stats.c), relaxed atomics unless noted. */
    _Atomic uint64_t num_gc, num_forced_gc;
    _Atomic uint64_t pause_total_ns, pause_max_ns;
    uint64_t pause_ring[PGC_PAUSE_RING]; /* coordinator writes, stats lock */
    _Atomic uint64_t heap_marked;
    _Atomic uint64_t assist_ns, assist_blocked_ns, bg_ns, idle_ns, stw_cpu_ns;
    _Atomic uint64_t last_stack_scan, last_globals_scan;
    pthread_mutex_t stats_lock;
    pgc_cycle_info cycle_ring[256]; /* stats lock */

    /* Roots (roots.c): registered ranges and cached data segments. */
    pthread_mutex_t roots_lock;
    uintptr_t (*root_ranges)[2];
    size_t nroots, roots_cap;
    uintptr_t (*seg_ranges)[2];
    size_t nsegs, segs_cap;

    pgc_oom_handler oom_handler; /* relaxed: set rarely */
    _Atomic uint32_t wakeup_word; /* futex word workers may sleep on */
} pgc_globals;

extern PGC_INTERNAL_API pgc_globals G;
extern PGC_INTERNAL_API __thread pgc_thread *pgc_self;

/* ---- os.c ----------------------------------------------------------------- */
PGC_INTERNAL_API void *os_reserve(size_t size);
PGC_INTERNAL_API bool os_commit(void *p, size_t size);
PGC_INTERNAL_API void os_release(void *p, size_t size);
PGC_INTERNAL_API void *os_alloc_meta(size_t size); /* zeroed, never freed */
PGC_INTERNAL_API uint64_t now_ns(void);
PGC_INTERNAL_API uint64_t thread_cpu_ns(void);
PGC_INTERNAL_API uint64_t process_cpu_ns(void);
PGC_INTERNAL_API void futex_wait(_Atomic uint32_t *addr, uint32_t val);
PGC_INTERNAL_API void futex_wake_all(_Atomic uint32_t *addr);
PGC_INTERNAL_API int os_procs(void);
PGC_INTERNAL_API void sleep_ns(uint64_t ns);
#include <signal.h>
PGC_INTERNAL_API void os_internal_sigset(sigset_t *set);
PGC_INTERNAL_API bool os_start_internal_thread(pthread_t *out, void *(*fn)(void *), void *arg);

/* ---- testhooks.c (base) ------------------------------------------------------- */
/* Hold here if a test asked to (testhooks.h). Mutators call it only inside
 * a blocked region. */
PGC_INTERNAL_API void pgc_hook_point(int point);
PGC_INTERNAL_API bool pgc_hook_armed(int point);

/* ---- heap.c ----------------------------------------------------------------- */
PGC_INTERNAL_API void heap_init(void);
PGC_INTERNAL_API void heap_fork_child(void);
PGC_INTERNAL_API pgc_span *heap_alloc_span(size_t npages, bool may_grow, bool *fresh);
PGC_INTERNAL_API void heap_free_span(pgc_span *s);
PGC_INTERNAL_API void heap_scavenge(uint64_t retain);
PGC_INTERNAL_API void span_init_objects(pgc_span *s, int sclass, int kind, int trace);
PGC_INTERNAL_API void span_publish(pgc_span *s);
PGC_INTERNAL_API int size_to_class(size_t size);

/* Find the span holding addr, or NULL: a few loads (INV-PAGEMAP). */
static inline pgc_span *span_of(uintptr_t addr)
{
    uintptr_t off = addr - G.heap_base;
    if (off >= G.heap_size)
        return NULL;
    /* acquire: pairs with the release store in span_publish */
    pgc_span *s = load_acquire(&G.pagemap[off >> PAGE_SHIFT]);
    if (s == NULL || load_acquire(&s->state) != SPAN_IN_USE)
        return NULL;
    if (addr - s->start >= ((uintptr_t)s->npages << PAGE_SHIFT))
        return NULL;
    return s;
}

static inline uint32_t span_index(const pgc_span *s, uintptr_t addr)
{
    uint64_t off = addr - s->start;
    return s->sclass ? (uint32_t)((off * s->div_mul) >> 32) : 0;
}

static inline bool bit_test(_Atomic uint64_t *bits, uint32_t i)
{
    return (load_relaxed(&bits[i >> 6]) >> (i & 63)) & 1;
}

/* ---- alloc.c ------------------------------------------------------------------ */
PGC_INTERNAL_API void alloc_init(void);
PGC_INTERNAL_API void alloc_fork_child(void);
PGC_INTERNAL_API void cache_release_all(pgc_thread *t);
PGC_INTERNAL_API void cache_blacken_all(pgc_thread *t);
PGC_INTERNAL_API uint64_t cache_black_allocated(pgc_thread *t);
PGC_INTERNAL_API void *object_base(const void *p, pgc_span **span_out, uint32_t *idx_out);
PGC_INTERNAL_API void central_push(pgc_span **list, pgc_span *s);
PGC_INTERNAL_API pgc_span *central_pop(pgc_span **list);

/* ---- threads.c ---------------------------------------------------------------- */
PGC_INTERNAL_API void threads_init(void);
PGC_INTERNAL_API pgc_thread *thread_attach_auto(void);
PGC_INTERNAL_API void stop_world(void);
/* Returns the time the world was released (just before the wake-up). */
PGC_INTERNAL_API uint64_t start_world(void);
PGC_INTERNAL_API void stop_thread(pgc_thread *t);
PGC_INTERNAL_API void resume_thread(pgc_thread *t);
PGC_INTERNAL_API void thread_stop_self(pgc_thread *t);
PGC_INTERNAL_API void threads_fork_prepare(void);
PGC_INTERNAL_API void threads_fork_parent(void);
PGC_INTERNAL_API void threads_fork_child(void);

enum { T_RUNNING = 0, T_BLOCKED = 1, T_CLAIMED = 2 };
/* Run fn(arg) as a blocked region of the calling thread (t may be NULL for
 * an unattached thread): fn may wait on locks and condition variables of
 * the library for as long as it likes, and the world stops around it
 * without a signal. fn must not touch the heap, the thread's caches or
 * barrier buffer, nor enter a critical section. Called outside any
 * critical section. */
PGC_INTERNAL_API void thread_blocking(pgc_thread *t, void (*fn)(void *), void *arg);

/* Enter/leave the library's critical section: a stop request that arrives
 * inside is deferred until the matching leave. Owner thread only. */
static inline void lib_enter(pgc_thread *t)
{
    t->in_lib++;
    compiler_fence();
}
static inline void lib_leave(pgc_thread *t)
{
    compiler_fence();
    if (--t->in_lib == 0 && t->stop_deferred)
        thread_stop_self(t);
}

/* For API entry points that take collector locks the coordinator also takes
 * with the world stopped (the pacer lock): enter a critical section if the
 * caller is attached (an unattached thread is never stopped). */
static inline pgc_thread *lib_enter_self(void)
{
    pgc_thread *t = pgc_self;
    if (t)
        lib_enter(t);
    return t;
}
static inline void lib_leave_self(pgc_thread *t)
{
    if (t)
        lib_leave(t);
}

/* Take a lock that a stopped thread may hold, from outside any critical
 * section. A thread blocked in pthread_mutex_lock is stopped by the kernel
 * delivering the signal into the wait, but ThreadSanitizer defers signals
 * until its next interceptor call, so a blocked thread would never answer;
 * trying and yielding keeps calling into interceptors. Used only on slow
 * paths (attach, detach, roots, cycle waits, assist parking). */
static inline void lock_stoppable(pthread_mutex_t *m)
{
    while (pthread_mutex_trylock(m) != 0)
        sched_yield();
}

/* A point inside a long critical section where the thread's state is
 * consistent: honour a deferred stop now rather than at the end. Only
 * valid at nesting depth 1. */
static inline void lib_preempt(pgc_thread *t)
{
    if (t && t->stop_deferred && t->in_lib == 1) {
        lib_leave(t);
        lib_enter(t);
    }
}

/* ---- roots.c ------------------------------------------------------------------ */
PGC_INTERNAL_API void roots_refresh_segments(void);
PGC_INTERNAL_API void roots_record_tls(pgc_thread *t);
PGC_INTERNAL_API void roots_mark_all(pgc_marker *m);
typedef void (*range_fn)(void *ctx, uintptr_t lo, uintptr_t hi, int what);
/* ROOT_OBJECT: [lo, hi) is one live object that is a root (an
 * uncollectable object): grey it, as its kind says, do not scan it as a range. */
enum { ROOT_STACK, ROOT_GLOBAL, ROOT_OBJECT };
PGC_INTERNAL_API void roots_for_each(range_fn fn, void *ctx);
PGC_INTERNAL_API void roots_for_each_verify(range_fn fn, void *ctx);

/* ---- mark.c ------------------------------------------------------------------- */
PGC_INTERNAL_API void mark_init(void);
PGC_INTERNAL_API void mark_fork_child(void);
PGC_INTERNAL_API void marker_init(pgc_marker *m);
PGC_INTERNAL_API void marker_flush(pgc_marker *m);
PGC_INTERNAL_API void marker_flush_counters(pgc_marker *m);
PGC_INTERNAL_API void mark_candidate(pgc_marker *m, uintptr_t word);
PGC_INTERNAL_API void mark_push_rescan(pgc_marker *m, uintptr_t addr, uintptr_t len);
PGC_INTERNAL_API void mark_scan_range(pgc_marker *m, uintptr_t lo, uintptr_t hi);
PGC_INTERNAL_API uint64_t mark_drain(pgc_marker *m, uint64_t budget, uint64_t deadline_ns, bool flush_credit);
PGC_INTERNAL_API bool marker_begin_with_work(pgc_marker *m);
PGC_INTERNAL_API void marker_begin(void);
PGC_INTERNAL_API void marker_end(pgc_marker *m);
PGC_INTERNAL_API bool mark_pool_empty(void);
PGC_INTERNAL_API void mark_shade_buffer(pgc_marker *m, void **buf, uint32_t n);
PGC_INTERNAL_API void mark_wake_workers(void);
/* Set on background mark worker threads (never stopped, never in a critical
 * section): they may block on the assist lock when they publish work. */
extern PGC_INTERNAL_API __thread bool pgc__mark_worker;

/* ---- barrier.c ---------------------------------------------------------------- */
PGC_INTERNAL_API void barrier_flush_thread(pgc_thread *t, pgc_marker *m);

/* ---- sweep.c ------------------------------------------------------------------ */
PGC_INTERNAL_API void sweep_init(void);
PGC_INTERNAL_API bool sweep_span(pgc_span *s, bool *freed);
PGC_INTERNAL_API bool sweep_one(void);
PGC_INTERNAL_API void sweep_finish(void);
PGC_INTERNAL_API void sweep_start_cycle(void);
PGC_INTERNAL_API size_t sweep_large_until(size_t npages);

/* ---- cycle.c ------------------------------------------------------------------ */
PGC_INTERNAL_API void cycle_init(void);
PGC_INTERNAL_API void cycle_maybe_trigger(void);
PGC_INTERNAL_API void cycle_wait_start(uint64_t pending);
PGC_INTERNAL_API void cycle_admit(uint64_t pending);
PGC_INTERNAL_API void pacer_publish_locked(void);
PGC_INTERNAL_API void cycle_fork_prepare(void);
PGC_INTERNAL_API void cycle_fork_parent(void);
PGC_INTERNAL_API void cycle_fork_child(void);

/* ---- workers.c ---------------------------------------------------------------- */
PGC_INTERNAL_API void workers_init(void);
PGC_INTERNAL_API void workers_start_cycle(int dedicated, double fractional_goal);
PGC_INTERNAL_API void workers_end_cycle(void);
PGC_INTERNAL_API void workers_fork_child(void);

/* ---- assist.c ----------------------------------------------------------------- */
PGC_INTERNAL_API void assist_charge(pgc_thread *t, uint64_t bytes);
PGC_INTERNAL_API void assist_refund(pgc_thread *t, int64_t bytes);
PGC_INTERNAL_API void assist_flush_bg_credit(uint64_t work);
PGC_INTERNAL_API void assist_wake_all(void);
PGC_INTERNAL_API void assist_thread_exit(pgc_thread *t);
PGC_INTERNAL_API void assist_fork_child(void);
PGC_INTERNAL_API void assist_work_published(bool may_block);
PGC_INTERNAL_API void limiter_poll(uint64_t assist_ns, uint64_t idle_ns);

/* ---- checkmark.c -------------------------------------------------------------- */
PGC_INTERNAL_API void checkmark_snapshot(void);
PGC_INTERNAL_API void checkmark_verify(void);

/* ---- stats.c ------------------------------------------------------------------ */
PGC_INTERNAL_API void stats_init(void);
PGC_INTERNAL_API void stats_fork_child(void);
PGC_INTERNAL_API void stats_record_cycle(const pgc_cycle_info *ci, uint64_t heap0, uint64_t heap1,
                                         uint64_t clock_stw1, uint64_t clock_mark, uint64_t clock_stw2);
PGC_INTERNAL_API void stats_gclog(const char *event);
PGC_INTERNAL_API void stats_gclog_sample(void);
PGC_INTERNAL_API void note_heap_alloc(uint64_t now_alloc);
PGC_INTERNAL_API void stats_defer_line(const char *line);
PGC_INTERNAL_API void stats_flush_deferred(void);
/* Cycle events for an observer (the libgc.so.1 layer's
 * GC_set_on_collection_event), numbered as bdwgc's GC_EventType. The hook
 * is called on the coordinator thread, some events with the world stopped,
 * so it must not allocate or take locks a mutator may hold. Set before
 * init (relaxed: read by the coordinator, which init creates after). */
enum { CYCLE_EV_START = 0, CYCLE_EV_MARK_START = 1, CYCLE_EV_MARK_END = 2, CYCLE_EV_RECLAIM_START = 3,
       CYCLE_EV_RECLAIM_END = 4, CYCLE_EV_END = 5, CYCLE_EV_PRE_STOP_WORLD = 6,
       CYCLE_EV_POST_STOP_WORLD = 7, CYCLE_EV_PRE_START_WORLD = 8, CYCLE_EV_POST_START_WORLD = 9 };
extern PGC_INTERNAL_API void (*_Atomic pgc__cycle_event_hook)(int ev);
static inline void cycle_event(int ev)
{
    void (*h)(int) = load_relaxed(&pgc__cycle_event_hook);
    if (h)
        h(ev);
}

/* ---- options.c ---------------------------------------------------------------- */
PGC_INTERNAL_API void options_init(int *gogc, int64_t *memlimit);
PGC_INTERNAL_API int64_t parse_bytes(const char *s, bool *ok);

/* ---- fork.c -------------------------------------------------------------------- */
PGC_INTERNAL_API void fork_init(void);
/* The fork handlers, callable by hand (GC_atfork_*); nest with the
 * pthread_atfork ones (INV-FORK-NEST). */
PGC_INTERNAL_API void pgc__fork_prepare(void);
PGC_INTERNAL_API void pgc__fork_parent(void);
PGC_INTERNAL_API void pgc__fork_child(void);

/* ---- nobarrier.c ---------------------------------------------------------------- */
/* The process's barrier mode (PGC_BARRIER_*): written once by options_init
 * inside ensure_init's pthread_once, read anywhere after. */
extern PGC_INTERNAL_API int pgc__barrier_mode;
PGC_INTERNAL_API void nobarrier_choose_mode(void);
PGC_INTERNAL_API void nobarrier_init(void); /* after heap_init: dirty tracking */
PGC_INTERNAL_API bool nobarrier_preclean(pgc_marker *m);
PGC_INTERNAL_API void nobarrier_final_mark(pgc_marker *m);
PGC_INTERNAL_API void nobarrier_default_none(void); /* before ensure_init */
PGC_INTERNAL_API void nobarrier_prepare(void);
PGC_INTERNAL_API void nobarrier_mark(pgc_marker *m);
PGC_INTERNAL_API void nobarrier_fork_child(void);
PGC_INTERNAL_API void nobarrier_mark_done(void); /* pause #2, marking complete */
/* none-mprotect: make the protected heap pages in [p, p+n) writable before
 * a system call writes them; true if any was protected. */
PGC_INTERNAL_API bool pgc__nobarrier_unprotect(const void *p, size_t n); /* fork.c, before the coordinator starts */

/* ---- init (api.c) --------------------------------------------------------------- */
PGC_INTERNAL_API void ensure_init(void);

#endif
