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

/* A thread descriptor is made of one part per module that keeps per-thread
 * state (the module's rules are at its part) and the thread's identity. */

/* The critical-section part (stop.c owns it; the inline allocation path in
 * include/pacegc.h reads and writes it as struct pgc__thread, so it comes
 * first in pgc_thread, followed by the allocation part's caches). */
struct pgc_thread_cs {
    /* Owner-only: the critical-section depth. The owner and its own signal
     * handler touch it, ordered by compiler_fence() (no CPU fence needed). */
    volatile int in_lib;
    /* Set by the signal handler when it arrives inside a critical section;
     * the owner stops itself when it leaves the section. */
    volatile int stop_deferred;
};

/* The stop protocol's part (stop.c). */
struct pgc_thread_stop {
    /* stop_req: written by the coordinator
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
};

/* Allocation's part (alloc.c): owner-only while running; read and
 * rewritten by the coordinator only while this thread is stopped outside a
 * critical section. */
struct pgc_thread_alloc {
    pgc_cache cache[KIND_BUILTIN][MAX_CLASSES]; /* built-in kinds, [kind][class] */
    uint64_t black_bytes; /* bytes allocated black this cycle (owner; read stopped) */
    /* Bytes of free slots this thread has taken into its caches since it
     * attached: its allocation progress. Written by the owner at a refill;
     * read by assist_wake_all (WAKE-LEAST-FIRST) under the assist lock
     * while the owner is parked on the assist queue, where its last write
     * happened before it took that lock to enqueue itself. */
    uint64_t refilled_bytes;
};

/* The write barrier's part (barrier.c): same rules as the allocation part. */
struct pgc_thread_barrier {
    void *wb_buf[WB_BUF_ENTRIES]; /* barrier buffer of overwritten pointers */
    uint32_t wb_n;
};

/* The pacing part (assist.c). */
struct pgc_thread_assist {
    /* Assist balance in bytes: positive = credit, negative = debt, valid
     * for the cycle assist_cycle only. Written by the owner (and, while it
     * is parked on the assist queue, by credit flushes under the assist
     * lock). INV-ASSIST-STAMP: nobody else resets it: the owner finds a
     * stale stamp and starts from zero (assist_sync), so a pause #1 that
     * falls inside the owner's read-modify-write cannot be undone by it. */
    int64_t assist_bytes;
    uint64_t assist_cycle;
    /* Assist queue link (assist lock). */
    struct pgc_thread *aq_next;
    bool aq_queued;   /* on the assist queue (assist lock) */
    bool aq_woken;    /* woken (assist lock) */
    bool aq_wants_work; /* parked with marking allowed: a publish to the mark
                           pool wakes it to mark (assist lock; INV-IDLE-WORK) */
    uint64_t aq_since; /* when it parked; the waker accounts the wait (assist lock) */
    pthread_cond_t aq_cv;
};

typedef struct pgc_thread {
    struct pgc_thread_cs cs;      /* first: the inline path's view (INV-INLINE-CACHE) */
    struct pgc_thread_alloc alloc; /* second: its caches follow cs */
    struct pgc_thread_stop stop;
    struct pgc_thread_barrier barrier;
    struct pgc_thread_assist assist;

    /* Fixed at attach (threads.c). */
    pthread_t self;
    pid_t tid;
    uintptr_t stack_hi; /* base (highest address) of the stack */
    uintptr_t stack_lo; /* lowest usable address (the checkmark-mode assist wipe stops above it) */
    int ntls;
    uintptr_t tls[MAX_TLS_RANGES][2];
    bool auto_attached;

    /* Thread list (threads lock). */
    struct pgc_thread *next, *prev;

    /* Caches of program kinds (index >= KIND_BUILTIN), [kind][class]: an
     * array of MAX_CLASSES allocated by the owner on its first allocation
     * of that kind (kinds.c, kind_caches). Same rules as alloc.cache. Last
     * in the struct: a recycled descriptor keeps its arrays (threads.c
     * clears only what comes before; a detached thread released every
     * cache). */
    pgc_cache *kcache[MAX_KINDS];
} pgc_thread;
/* The inline allocation path sees a pgc_thread as a struct pgc__thread
 * (include/pacegc.h): the critical-section fields and the caches of
 * KIND_SCAN and KIND_ATOMIC, at the same offsets. */
_Static_assert(offsetof(pgc_thread, cs.in_lib) == offsetof(struct pgc__thread, in_lib), "inline thread layout");
_Static_assert(offsetof(pgc_thread, cs.stop_deferred) == offsetof(struct pgc__thread, stop_deferred),
               "inline thread layout");
_Static_assert(offsetof(pgc_thread, alloc.cache) == offsetof(struct pgc__thread, cache), "inline thread layout");
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

/* ---- The collector's state ---------------------------------------------------
 * Each module owns its state: one struct per module (heap.h, roots.h, ...),
 * and G below for what is not yet split. Every such object is defined
 * PGC_STATE, in the section pgc_state, so roots.c can exclude the whole
 * section from the data-segment scan (the collector's own pointers into the
 * heap are not roots). The linker's bounds of the section are hidden
 * (never exported; test_symbols.sh).
 */
/* A root range or object handed to a visitor (roots.c, lifetimes.c). */
typedef void (*range_fn)(void *ctx, uintptr_t lo, uintptr_t hi, int what);
/* ROOT_OBJECT: [lo, hi) is one live object that is a root (an
 * uncollectable object): grey it, as its kind says, do not scan it as a range. */
enum { ROOT_STACK, ROOT_GLOBAL, ROOT_OBJECT };

#define PGC_STATE __attribute__((section("pgc_state")))
extern char __start_pgc_state[] __attribute__((visibility("hidden")));
extern char __stop_pgc_state[] __attribute__((visibility("hidden")));

/* Which of a central list pair (kinds.h) holds the spans swept this cycle. */
static inline int swept_index(uint32_t sweepgen) { return (sweepgen >> 1) & 1; }

/* What no module owns alone: the options (immutable after init), the
 * phase every layer reads, and the pacer's state, which the cycle and the
 * pacing layer share. Each module's own state is in its header (heap.h,
 * alloc.h, stop.h, roots.h, mark.h, assist.h, stats.h, cycle.h). */
typedef struct pgc_globals {
    /* Immutable after init (options_init, api.c's init_all). */
    int procs;
    int stop_signal;
    bool gctrace, pacertrace, checkmark;
    bool stoptrace; /* PGCDEBUG=stoptrace=1: slow stops reported (stop.c) */
    bool black_once; /* PGCDEBUG=blackonce=1: PACE-BLACK-ONCE (default: Go's goal rule); set at init */
    bool debug_finalizers; /* PGCDEBUG=finalizers=1: report ordered finalization cycles (lifetimes.c) */
    bool no_idle_worker; /* PGCDEBUG=idleworker=0, or a barrier-free mode (nobarrier_choose_mode): workers.c starts no idle worker */
    int gclog_fd;
    uint64_t init_ns;

    /* The phase (enum pgc_phase above) and the sweep generation: written
     * by the coordinator (release, in the pauses or at sweep's end), read
     * anywhere (acquire or relaxed where noted). Here, not in cycle.h,
     * because every layer below the cycle reads them. */
    _Atomic int phase;
    _Atomic uint32_t sweepgen;

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

    /* Assists (assist.c's state is in assist.h). assists_enabled: 1 from
     * the end of pause #1 to pause #2 (coordinator writes, relaxed; read by
     * allocation, which charges only then, and by assist.c). */
    _Atomic int assists_enabled;
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
PGC_INTERNAL_API bool os_start_internal_thread(pthread_t *out, void *(*fn)(void *), void *arg, const char *name);

/* ---- testhooks.c (base) ------------------------------------------------------- */
/* Hold here if a test asked to (testhooks.h). Mutators call it only inside
 * a blocked region. */
PGC_INTERNAL_API void pgc_hook_point(int point);
PGC_INTERNAL_API bool pgc_hook_armed(int point);

static inline uint32_t span_index(const pgc_span *s, uintptr_t addr)
{
    uint64_t off = addr - s->start;
    return s->sclass ? (uint32_t)((off * s->div_mul) >> 32) : 0;
}

static inline bool bit_test(_Atomic uint64_t *bits, uint32_t i)
{
    return (load_relaxed(&bits[i >> 6]) >> (i & 63)) & 1;
}

/* ---- barrier.c ---------------------------------------------------------------- */
PGC_INTERNAL_API void barrier_flush_thread(pgc_thread *t, pgc_marker *m);

/* ---- checkmark.c -------------------------------------------------------------- */
PGC_INTERNAL_API void checkmark_snapshot(void);
PGC_INTERNAL_API void checkmark_verify(void);
/* The lifetimes layer's roots for the verifying mark (registration data,
 * queued finalizable objects), registered once by api.c inside ensure_init. */
PGC_INTERNAL_API void checkmark_set_lifetimes_hooks(void (*roots)(range_fn fn, void *ctx),
                                                    void (*finalizable)(void (*fn)(void *ctx, uintptr_t obj), void *ctx));

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
/* The process's barrier mode (PGC_BARRIER_*; defined in once.c): written by
 * nobarrier_choose_mode and nobarrier_init inside ensure_init's
 * pthread_once, read anywhere after. */
extern PGC_INTERNAL_API int pgc__barrier_mode;
PGC_INTERNAL_API void nobarrier_choose_mode(void);
PGC_INTERNAL_API void nobarrier_init(void); /* after heap_init: dirty tracking */
PGC_INTERNAL_API bool nobarrier_preclean(pgc_marker *m);
PGC_INTERNAL_API void nobarrier_final_mark(pgc_marker *m);
PGC_INTERNAL_API void nobarrier_trace(uint64_t cycle);
PGC_INTERNAL_API void nobarrier_default_none(void); /* before ensure_init */
PGC_INTERNAL_API void nobarrier_prepare(void);
PGC_INTERNAL_API void nobarrier_mark(pgc_marker *m);
PGC_INTERNAL_API void nobarrier_fork_child(void);
PGC_INTERNAL_API void nobarrier_mark_done(void); /* pause #2, marking complete */
/* none-mprotect: make the protected heap pages in [p, p+n) writable before
 * a system call writes them; true if any was protected. */
PGC_INTERNAL_API bool pgc__nobarrier_unprotect(const void *p, size_t n); /* fork.c, before the coordinator starts */

/* ---- init (once.c; the sequence is api.c's) ------------------------------------ */
PGC_INTERNAL_API void ensure_init(void);
PGC_INTERNAL_API void once_register_init(void (*fn)(void));

#endif
