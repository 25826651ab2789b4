/*
 * pacegc.h - the public interface of pacegc, a concurrent, paced garbage
 * collector for C programs and for language runtimes written in C.
 *
 * This is the only public header. Every name here is part of the contract in
 * shared/api.md: names may be added, never renamed.
 *
 * Rules a program must follow (see README.md for the whole list):
 *  - every thread that holds GC pointers on its stack or allocates is
 *    attached (pgc_init attaches the calling thread; threads that allocate
 *    are attached automatically on their first allocation; or use
 *    pgc_thread_attach / pgc_pthread_create);
 *  - every store of a pointer into a GC heap object goes through pgc_store /
 *    PGC_STORE (or pgc_copy), except a store over a slot that holds NULL;
 *  - GC pointers kept in memory the collector does not scan (malloc'd memory,
 *    mmap'd memory) must be registered with pgc_add_roots.
 */
#ifndef PACEGC_H
#define PACEGC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PGC_API __attribute__((visibility("default")))
#else
#define PGC_API
#endif

/* ---- Lifecycle and threads ------------------------------------------- */

/* Idempotent. Reads PGC_GOGC, PGC_MEMLIMIT, PGC_SIGNAL and PGCDEBUG and
 * attaches the calling thread. */
PGC_API void pgc_init(void);
PGC_API void pgc_thread_attach(void);
PGC_API void pgc_thread_detach(void);
/* Like pthread_create; the new thread is attached for its whole life.
 * thread and start must not be NULL (a fatal error). */
PGC_API int pgc_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                               void *(*start)(void *), void *arg);

/* ---- Allocation -------------------------------------------------------- */

/* Zeroed, 16-byte aligned, scanned conservatively; interior pointers keep the
 * object alive. Size 0 gives a smallest (16-byte) object. A size larger than
 * the heap reservation (SIZE_MAX, say) is a fatal error naming the request,
 * unless an OOM handler is set. */
PGC_API void *pgc_alloc(size_t size);
/* Never scanned (must hold no GC pointers); contents unspecified. */
PGC_API void *pgc_alloc_atomic(size_t size);
/* p must be NULL or the start of a live pacegc object (anything else is a
 * fatal error). The new object has the kind of the old one (any kind:
 * scanned, atomic, bitmap, traced, uncollectable). An uncollectable p is
 * released (pgc_free) once copied, unless it is returned unchanged; other
 * objects are left to the collector. Size 0 gives a smallest object, like
 * pgc_alloc(0); a size the heap cannot hold is a fatal error, like
 * pgc_alloc's. */
PGC_API void *pgc_realloc(void *p, size_t size);

/* Called when the heap cannot grow (or would pass PGC_MEMLIMIT's hard cap):
 * whatever it returns is returned to the allocating caller. Without a
 * handler, pacegc prints the request and the heap state and aborts. */
typedef void *(*pgc_oom_handler)(size_t request);
PGC_API pgc_oom_handler pgc_set_oom_handler(pgc_oom_handler handler);

/* Size in bytes that the object containing p may hold (its size class), or 0
 * if p does not point into a live pacegc object (NULL, malloc, stack, static
 * or freed memory). */
PGC_API size_t pgc_size(const void *p);
/* Start of the live object p points into (interior pointers allowed), or
 * NULL. */
PGC_API void *pgc_base(const void *p);

/* ---- Inline allocation fast path (not part of the API) ----------------
 *
 * pgc_alloc and pgc_alloc_atomic of up to PGC__INLINE_MAX bytes are inlined
 * (GCC and Clang, optimising or not): a thread-local load, a pop of the
 * lowest free slot of the thread's cache for the size class (one branch),
 * the slot's alloc bit, and for pgc_alloc the zeroing; anything else (an
 * empty cache, an unattached thread, a larger object) calls the library,
 * which does exactly what it did before (for a constant size, pgc_alloc's
 * requested bytes are zeroed after either path: INV-ZERO-VISIBLE). The library also defines both
 * functions out of line (their address, PGC_NO_INLINE, other compilers).
 * docs/DESIGN.md, "The path of an allocation", has the invariants.
 *
 * Define PGC_NO_INLINE before including this header to call the library
 * for every allocation.
 *
 * Everything named pgc__ below is private to pacegc: programs must not use
 * it. The layout is part of the ABI of libpacegc.so.0 (compiled into the
 * programs that use the inline path), fixed by static assertions in the
 * library (src/internal.h): changing it changes the SONAME.
 */
#define PGC__INLINE_MAX 256 /* the classes 16, 32, ..., 256 bytes */
#define PGC__NCLASSES 80    /* size-class slots per kind in a thread */

/* A thread's cache of one kind and size class (owner only; the collector
 * reads and rewrites it only while the owner is stopped outside a critical
 * section). */
struct pgc__cache {
    uint64_t free_bits;    /* free slots of the current bitmap word not yet handed out */
    uintptr_t base;        /* address of slot 0 of that word */
    uint64_t *alloc_word;  /* the span's alloc-bit word for it (relaxed atomics) */
    void *span;            /* private */
    uint32_t word, size;   /* private */
};

/* The head of the collector's per-thread descriptor. */
struct pgc__thread {
    /* Critical-section depth and the deferred-stop flag: a stop signal
     * that arrives while in_lib > 0 only sets stop_deferred, and the
     * thread stops itself (pgc__stop_deferred) when it leaves. */
    volatile int in_lib;
    volatile int stop_deferred;
    struct pgc__cache cache[2][PGC__NCLASSES]; /* [0] pgc_alloc, [1] pgc_alloc_atomic */
};

/* The calling thread's descriptor while the inline path may use it: set by
 * the library's allocation slow path, NULL before and after (detach) and
 * always NULL under PGCDEBUG=gccheckmark=1 (whose spare byte per object the
 * inline path does not add). initial-exec: one %fs-relative load; the
 * variable is defined in libpacegc (the executable, or libpacegc.so in the
 * static TLS block, also when it is dlopened: 8 bytes of the surplus). */
extern PGC_API __thread struct pgc__thread *pgc__tl __attribute__((tls_model("initial-exec")));
/* Out-of-line parts: the whole allocation (kind 0 scanned, 1 atomic), and
 * a deferred stop. */
PGC_API void *pgc__alloc_slow(size_t size, int kind);
PGC_API void pgc__stop_deferred(void);

#if defined(__GNUC__) && !defined(PGC_NO_INLINE)
/* The inline path, as the body of pgc_alloc and pgc_alloc_atomic (a macro:
 * an inline definition with external linkage may not call a static
 * function). kind 0 is pgc_alloc (zeroed), 1 pgc_alloc_atomic. */
/* pgc_alloc zeroes the requested bytes after the paths join (a constant
 * size only: INV-ZERO-VISIBLE, below). */
#define PGC__ZERO_AT_JOIN(size) (__builtin_constant_p(size) && (size) <= PGC__INLINE_MAX)
#define PGC__ALLOC_BODY(size, kind)                                                                    \
    void *pgc__r;                                                                                      \
    struct pgc__thread *pgc__t = pgc__tl;                                                              \
    if (__builtin_expect(pgc__t != NULL && (size) <= PGC__INLINE_MAX, 1)) {                            \
        size_t pgc__cls = (((size) ? (size) : 1) + 15) >> 4;                                           \
        size_t pgc__csize = pgc__cls << 4; /* the class's size */                                      \
        struct pgc__cache *pgc__c = &pgc__t->cache[kind][pgc__cls];                                    \
        int pgc__depth = pgc__t->in_lib;                                                               \
        pgc__t->in_lib = pgc__depth + 1; /* enter the critical section */                              \
        __atomic_signal_fence(__ATOMIC_SEQ_CST);                                                       \
        uint64_t pgc__fb = pgc__c->free_bits;                                                          \
        if (__builtin_expect(pgc__fb != 0, 1)) {                                                       \
            unsigned pgc__bit = (unsigned)__builtin_ctzll(pgc__fb);                                    \
            pgc__c->free_bits = pgc__fb & (pgc__fb - 1);                                               \
            uint64_t *pgc__aw = pgc__c->alloc_word; /* only the owner writes it */                     \
            __atomic_store_n(pgc__aw, __atomic_load_n(pgc__aw, __ATOMIC_RELAXED) | (1ull << pgc__bit), \
                             __ATOMIC_RELAXED);                                                        \
            void *pgc__p = (void *)(pgc__c->base + pgc__bit * pgc__csize);                             \
            /* INV-NEW-HELD: the object is in a register before the thread may stop. */                \
            __asm__ __volatile__("" : "+r"(pgc__p), "+m"(pgc__t->in_lib));                             \
            __atomic_signal_fence(__ATOMIC_SEQ_CST);                                                   \
            pgc__t->in_lib = pgc__depth; /* leave */                                                   \
            if (__builtin_expect(pgc__t->stop_deferred, 0) && pgc__depth == 0)                         \
                pgc__stop_deferred();                                                                  \
            if ((kind) == 0 && !PGC__ZERO_AT_JOIN(size)) /* INV-ZERO-OUTSIDE */                        \
                __builtin_memset(pgc__p, 0, pgc__csize);                                               \
            else if ((kind) == 0) /* the tail here, the requested bytes below */                       \
                __builtin_memset((char *)pgc__p + (size), 0, pgc__csize - (size));                     \
            pgc__r = pgc__p;                                                                           \
            goto pgc__done;                                                                            \
        }                                                                                              \
        __atomic_signal_fence(__ATOMIC_SEQ_CST);                                                       \
        pgc__t->in_lib = pgc__depth;                                                                   \
        if (__builtin_expect(pgc__t->stop_deferred, 0) && pgc__depth == 0)                             \
            pgc__stop_deferred();                                                                      \
    }                                                                                                  \
    pgc__r = pgc__alloc_slow((size), (kind));                                                          \
pgc__done:                                                                                             \
    /* INV-ZERO-VISIBLE: with a constant size, the requested bytes are                                \
     * zeroed once after both paths join (again, on the rare slow path), so                           \
     * the compiler sees the fresh object read as zero on every path and                              \
     * pgc_store over its fields is a plain store. */                                                 \
    if ((kind) == 0 && PGC__ZERO_AT_JOIN(size) && pgc__r != NULL)                                      \
        __builtin_memset(pgc__r, 0, (size));                                                           \
    return pgc__r;

/* GNU inline semantics: these definitions are only ever inlined, never
 * emitted, so a program may redeclare the functions, take their address
 * (the library's definitions) or link them statically without a clash. */
extern __inline__ __attribute__((__gnu_inline__, __always_inline__)) void *pgc_alloc(size_t size)
{
    PGC__ALLOC_BODY(size, 0)
}
extern __inline__ __attribute__((__gnu_inline__, __always_inline__)) void *pgc_alloc_atomic(size_t size)
{
    PGC__ALLOC_BODY(size, 1)
}
#endif

/* ---- Kinds: precise layouts, uncollectable objects, explicit free ------ */

/* A kind says how the collector traces objects. Opaque; never freed; may be
 * made at any time (before or after pgc_init) from any thread. Asking again
 * for the same bitmap or trace function returns the same kind. */
typedef struct pgc_kind pgc_kind;

/* Word i of an object of this kind may hold a GC pointer iff bit (i % nwords)
 * of bits is set (bit j is bits[j / 64] >> (j % 64) & 1): one kind also
 * describes an array of a struct. Words whose bit is clear are never read.
 * nwords is 1 to 4096; the bitmap is copied. An object of this kind must be
 * at least nwords words (nwords * 8 bytes) long. */
PGC_API const pgc_kind *pgc_kind_bitmap(const uint64_t *bits, size_t nwords);

/* The program traces: trace calls visit(&field, ctx) for each field that may
 * hold a GC pointer. size is the object's capacity (pgc_size). It runs on
 * collector threads and on allocating threads that assist, concurrently with
 * the program: it may read the object, must not allocate, store through the
 * barrier, or take locks the program may hold. A field the program may be
 * writing meanwhile (a length set after allocation) is best read with a
 * relaxed atomic load, and written with a relaxed atomic store. */
typedef void (*pgc_visit_fn)(void **field, void *ctx);
typedef void (*pgc_trace_fn)(void *obj, size_t size, pgc_visit_fn visit, void *ctx);
PGC_API const pgc_kind *pgc_kind_traced(pgc_trace_fn trace);

/* Zeroed, of the given kind. */
PGC_API void *pgc_alloc_kind(const pgc_kind *kind, size_t size);
/* Zeroed, scanned conservatively, a root for as long as it lives; never
 * collected; released only by pgc_free. */
PGC_API void *pgc_alloc_uncollectable(size_t size);
/* Releases an uncollectable object, or any object the program knows to be
 * unreachable. NULL is a no-op. A pointer that is not the start of a live
 * pacegc object is a fatal error. The memory is reused after the collector's
 * next sweep of it (the end of the next cycle at the latest). */
PGC_API void pgc_free(void *p);

/* ---- Finalizers, weak links, ephemerons (docs/DESIGN.md "Lifetimes") --- */

typedef void (*pgc_finalizer_fn)(void *obj, void *data);
/* Ordered: when obj becomes unreachable, fn(obj, data) runs once, on
 * pacegc's finalizer thread (or on demand). Objects reachable from obj stay
 * alive until it has run; if finalizable A is reachable from finalizable B,
 * B runs first; a cycle of ordered finalizable objects is never finalized
 * (PGCDEBUG=finalizers=1 reports such cycles). data is kept alive while the
 * registration lasts. obj must be the start of a pacegc object; fn NULL
 * removes a registration; registering again replaces it. */
PGC_API void pgc_register_finalizer(void *obj, pgc_finalizer_fn fn, void *data);
/* The same without ordering (Java-like): finalizable objects reachable only
 * from each other are all finalized in the same cycle, in any order. */
PGC_API void pgc_register_finalizer_unordered(void *obj, pgc_finalizer_fn fn, void *data);
/* On-demand mode (also PGC_FINALIZE=demand): finalizers run only in
 * pgc_run_finalizers; returns the previous setting. */
PGC_API int pgc_set_finalize_on_demand(int on);
/* Called (on pacegc's finalizer thread, attached, may call anything) when a
 * cycle has queued finalizers; in either mode. */
PGC_API void pgc_set_finalizer_notifier(void (*fn)(void));
/* Runs the queued finalizers on the calling thread; returns how many ran. */
PGC_API size_t pgc_run_finalizers(void);

/* *link becomes a weak reference to obj (stored hidden: no scan sees it);
 * written NULL once obj is unreachable, before its finalizer is queued.
 * Read it only with pgc_weak_load. Registering again re-targets; obj NULL
 * clears. A link inside a collected pacegc object is dropped with it; a link
 * in memory the program frees must be unregistered first. */
PGC_API void pgc_register_weak_link(void **link, const void *obj);
PGC_API void pgc_unregister_weak_link(void **link);
/* obj, or NULL once collected; while a cycle marks, the value returned is
 * kept alive for this cycle. */
PGC_API void *pgc_weak_load(void **link);

typedef struct pgc_ephemeron pgc_ephemeron;
/* A pacegc object: keeps value alive only while key is reachable other than
 * through an ephemeron's value. Once the key is unreachable, both read NULL.
 * key must not be NULL. */
PGC_API pgc_ephemeron *pgc_ephemeron_new(void *key, void *value);
PGC_API void *pgc_ephemeron_key(pgc_ephemeron *e);
PGC_API void *pgc_ephemeron_value(pgc_ephemeron *e);

/* ---- Write barrier ----------------------------------------------------- */

/* Nonzero while a cycle is marking. Written only by the collector, with the
 * world stopped (pause #1 sets it, pause #2 clears it); read by the inline
 * barrier with a relaxed load (PGC__MARKING).
 *
 * C++ before C++23 has no _Atomic, so C++ sees the same object as a plain
 * int and reads it with the GCC/Clang atomic builtin. The ABI is the same:
 * on the supported targets _Atomic int and int have the same size and
 * alignment, and the builtin compiles to the same single load. */
#ifdef __cplusplus
extern PGC_API int pgc__marking;
#define PGC__MARKING() __atomic_load_n(&pgc__marking, __ATOMIC_RELAXED)
#else
extern PGC_API _Atomic int pgc__marking;
#define PGC__MARKING() atomic_load_explicit(&pgc__marking, memory_order_relaxed)
#endif
/* Out-of-line part of the barrier: records old (the overwritten pointer). */
PGC_API void pgc__store_slow(void *old);

/*
 * Store a pointer into a GC heap object: *slot = value.
 *
 * Snapshot-at-the-beginning (deletion) barrier: while a cycle marks, the
 * value being overwritten is recorded. The flag is read twice, with compiler
 * fences, and the thread can be stopped anywhere in between:
 *  - marking at the first read: `old` is recorded before the store, so the
 *    end of marking can never fall between the store and the record;
 *  - not marking at the first read but marking at the second: a cycle
 *    started in between, and its root snapshot found `old` live in this
 *    thread's registers or stack (it is used below), so recording it after
 *    the store is in time.
 * When no cycle is marking the cost is a load of the old value (the line is
 * about to be written anyway), two relaxed loads of the flag and two
 * predictable branches.
 *
 * A store over a slot that holds NULL needs no barrier, so a fresh object
 * (zeroed by pgc_alloc) may be initialised with plain stores; and where the
 * compiler can prove that the slot holds NULL, pgc_store is a plain store.
 */
static inline void pgc_store(void **slot, void *value)
{
    if (__builtin_constant_p(*slot == NULL) && *slot == NULL) {
        *slot = value; /* over NULL: no barrier */
        return;
    }
    void *old = *slot;
    int was_marking = PGC__MARKING();
    if (__builtin_expect(was_marking != 0, 0) && old != NULL)
        pgc__store_slow(old);
    /* Compiler-only fences (no instruction): same in C and C++. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    *slot = value;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (__builtin_expect(!was_marking, 1) &&
        __builtin_expect(PGC__MARKING() != 0, 0) &&
        old != NULL)
        pgc__store_slow(old);
}

#define PGC_STORE(lvalue, value) pgc_store((void **)&(lvalue), (void *)(value))

/* memcpy into GC memory that may overwrite pointers, with the barrier applied
 * to every overwritten word. dst and src may not overlap, and may not be NULL
 * unless size is 0 (fatal errors); size 0 copies nothing. */
PGC_API void pgc_copy(void *dst, const void *src, size_t size);

/* ---- Roots ------------------------------------------------------------- */

/* Scan [start, start+size) as a root. start may not be NULL and the range may
 * not wrap past the end of the address space (fatal errors); size 0 adds
 * nothing. */
PGC_API void pgc_add_roots(void *start, size_t size);
/* Removes every registered range inside [start, start+size); a range never
 * added removes nothing. A wrapping range is a fatal error. */
PGC_API void pgc_remove_roots(void *start, size_t size);

/* ---- Control ----------------------------------------------------------- */

/* Runs one full cycle (mark and sweep) to completion, then returns. If a
 * cycle is running, it finishes that one and runs one more. */
PGC_API void pgc_collect(void);
/* Returns the previous value; negative = off (every negative value, read
 * back as -1). 0 collects continuously; large values (up to INT_MAX) only
 * push the goal out. */
PGC_API int pgc_set_gc_percent(int percent);
/* Returns the previous; a negative argument only reads it; INT64_MAX = no
 * limit. A limit below the live heap (0, say) is allowed: cycles run back to
 * back, and the CPU limiter keeps the program running. */
PGC_API int64_t pgc_set_memory_limit(int64_t bytes);

/* ---- Introspection ----------------------------------------------------- */

#define PGC_PAUSE_RING 256

typedef struct pgc_stats {
    uint64_t heap_alloc;       /* bytes in allocated objects not yet swept free
                                  (counted a whole span at a time when a
                                  thread cache takes it) */
    uint64_t heap_alloc_peak;  /* largest heap_alloc ever seen */
    uint64_t heap_marked;      /* bytes marked live by the last finished cycle */
    uint64_t heap_goal;        /* heap size at which marking should end */
    uint64_t heap_sys;         /* bytes mapped from the OS for the heap */
    uint64_t heap_released;    /* of heap_sys, bytes returned to the OS */
    uint64_t total_alloc;      /* cumulative bytes allocated */
    uint64_t num_gc;           /* completed cycles */
    uint64_t pause_total_ns;
    uint64_t pause_max_ns;     /* longest single stop-the-world pause */
    /* Total stop-the-world time of each recent cycle (all its pauses), newest
     * at (num_gc - 1) % PGC_PAUSE_RING. */
    uint64_t pause_ns[PGC_PAUSE_RING];
    uint64_t assist_ns_total;         /* time allocating threads spent marking (monotonic clock) */
    uint64_t assist_blocked_ns_total; /* time allocators spent waiting to pay debt */
    double gc_cpu_fraction;           /* GC share of available CPU since init */

    /* Additions beyond the v0 contract. */
    uint64_t heap_live;        /* the pacer's heap size (marked + allocated since) */
    uint64_t heap_trigger;     /* heap_live at which the next cycle starts */
    uint64_t num_forced_gc;    /* cycles started by pgc_collect */
    uint64_t bg_mark_ns_total; /* CPU time of dedicated and fractional workers */
    uint64_t idle_mark_ns_total; /* CPU time of the idle worker */
    uint64_t stack_scan;       /* stack bytes scanned by the last cycle */
    uint64_t globals_scan;     /* data segment and root bytes scanned by the last cycle */
    double assist_ratio;       /* scan work owed per byte allocated, last revise */
    double cons_mark;          /* pacer's cons/mark estimate */
    int limiter_enabled;       /* GC CPU limiter engaged right now */
    int gc_percent;
    int64_t memory_limit;
    int procs;                 /* CPUs the process may use */
    /* How threads were stopped (each pause and each handshake stops every
     * attached thread): by a signal, or, for a thread waiting inside the
     * library (cycle start, assist queue, pgc_collect), by claiming it
     * without a signal. */
    uint64_t stops_signalled;
    uint64_t stops_claimed;
    /* How marking stays correct (PGC_BARRIER_*, fixed at init). */
    int barrier_mode;
    /* Where the collector's time goes, beyond assist / bg / idle (appended
     * in session 5). Sweeping is estimated from the wall time of every 8th
     * span swept, less samples over 64 us (a preempted thread); the span
     * sweeps are too short and many for a thread CPU clock read each. */
    uint64_t sweep_ns_total;        /* time spent sweeping spans, all threads */
    uint64_t sweep_lazy_ns_total;   /* of it, by allocating threads (the rest:
                                       the coordinator, inside coord_ns_total) */
    uint64_t coord_ns_total;        /* CPU of the collector's coordinator thread
                                       outside pauses: handshakes, termination
                                       checks, its sweeping, bookkeeping */
    uint64_t dedicated_mark_ns_total;  /* of bg_mark_ns_total: dedicated workers */
    uint64_t fractional_mark_ns_total; /* of bg_mark_ns_total: the fractional worker */
} pgc_stats;

/* out may not be NULL (a fatal error). */
/* Barrier modes, chosen once per process when it initialises: pgc_init
 * uses the barrier (SATB, concurrent marking); PGC_BARRIER=none, and
 * bdwgc's GC_init through libgc.so.1, take a barrier-free mode, for
 * programs that store pointers with plain stores:
 *  - NONE_UFFD: mostly-concurrent marking; the kernel tracks the heap pages
 *    written meanwhile (userfaultfd write-protection, asynchronous, read
 *    with PAGEMAP_SCAN; Linux 6.7+), which are re-scanned concurrently and
 *    in a final pause that also re-scans the roots;
 *  - NONE_STW, when the kernel cannot track writes (or PGC_BARRIER=none-stw):
 *    the world stays stopped from the root snapshot until marking is
 *    complete (all procs mark). */
#define PGC_BARRIER_SATB 0
#define PGC_BARRIER_NONE_STW 1
#define PGC_BARRIER_NONE_UFFD 2
/* NONE_MPROTECT: as NONE_UFFD, but the written pages are found by
 * write-protecting the heap's pointer-holding pages (mprotect) and catching
 * the first write to each with a SIGSEGV handler (chained to the program's
 * handler for other faults); when userfaultfd is unavailable, or
 * PGC_BARRIER=none-mprotect. System calls that write into a protected page
 * fail with EFAULT (pgc_alloc_atomic memory is never protected). */
#define PGC_BARRIER_NONE_MPROTECT 3
/* "barrier", "none-stw", "none-uffd", "none-mprotect", or "unknown". */
PGC_API const char *pgc_barrier_mode_name(int mode);

PGC_API void pgc_read_stats(pgc_stats *out);

/* A record of one finished cycle, for programs that watch pacing. */
typedef struct pgc_cycle_info {
    uint64_t cycle;             /* 1-based cycle number */
    uint64_t start_ns;          /* since pgc_init */
    uint64_t heap_trigger;      /* heap_live when the cycle started */
    uint64_t heap_goal;         /* goal in force when marking ended */
    uint64_t heap_live_end;     /* heap_live at mark termination */
    uint64_t heap_marked;       /* bytes marked */
    uint64_t heap_alloc_peak;   /* largest heap_alloc seen from trigger to mark end */
    uint64_t pause_ns;          /* both pauses */
    uint64_t mark_ns;           /* wall time of concurrent mark */
    uint64_t assist_ns, bg_ns, idle_ns, blocked_ns;
    int forced;
    /* Added after v1 (at the end: the fields above keep their offsets). */
    uint64_t mark_cpu_ns;       /* CPU spent marking: assists, workers, and the
                                   coordinator from pause #1 to pause #2 */
    uint64_t heap_scan_bytes;   /* heap scan work, in bytes: a conservative
                                   object counts its size; a precise one a word
                                   per pointer word read plus one, at most its
                                   size */
    uint64_t root_scan_bytes;   /* stacks, registers and data segments scanned */
    /* heap_marked split (appended in session 5): heap_traced + heap_black
     * == heap_marked. */
    uint64_t heap_traced;       /* bytes marked by tracing (reached from the roots) */
    uint64_t heap_black;        /* bytes allocated black while marking (counted
                                   from the cache words blackened, less their
                                   slots still free at pause #2) */
} pgc_cycle_info;

/* Fills *out with the record of cycle n (1-based) if it is among the last
 * 256 finished cycles; returns 0 then, -1 otherwise (n 0, in the future or
 * too old). out may not be NULL (a fatal error). */
PGC_API int pgc_read_cycle(uint64_t n, pgc_cycle_info *out);

#ifdef __cplusplus
}
#endif
#endif /* PACEGC_H */
