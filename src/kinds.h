/*
 * kinds.h - the kinds table: what the collector knows about each kind of
 * object (how to trace it, whether it is collectable), and the per-kind
 * central span lists. Adding a kind touches kinds.c only.
 *
 * A kind is created once and never freed (pgc_kind_bitmap, pgc_kind_traced,
 * or one of the built-in kinds made at first use). Its descriptor lives in
 * collector metadata (never scanned as a root) and is immutable after it is
 * published in the table, except its central lists (their locks).
 */
#ifndef PGC_KINDS_H
#define PGC_KINDS_H

#include "internal.h"
#include "alloc.h"

/* Span lists of one class and kind. Index swept_index() holds spans swept
 * this cycle; the other index holds spans not yet swept. Pause #2 adds 2 to
 * G.sweepgen, which flips the index: the swept lists become the unswept
 * ones in O(1) (INV-SWEPT-BEFORE-MARK guarantees the old unswept lists are
 * empty by then). The lock is taken by mutators only inside critical
 * sections and by the coordinator (INV-STW-LOCKS). */
typedef struct pgc_central {
    pthread_mutex_t lock;
    pgc_span *partial[2]; /* has free objects */
    pgc_span *full[2];    /* no free objects */
    /* Spans on partial[i] and full[i]: written under the lock, read relaxed
     * without it by sweep_one to skip empty unswept lists (during a sweep
     * an unswept list only shrinks, so a stale count is never too low). */
    _Atomic uint32_t count[2];
} pgc_central;

/* Central lock held: add s to list pair idx / take one off it. */
static inline void central_add(pgc_central *c, int idx, bool partial, pgc_span *s)
{
    central_push(partial ? &c->partial[idx] : &c->full[idx], s);
    store_relaxed(&c->count[idx], load_relaxed(&c->count[idx]) + 1);
}
static inline pgc_span *central_remove(pgc_central *c, int idx, bool partial)
{
    pgc_span *s = central_pop(partial ? &c->partial[idx] : &c->full[idx]);
    if (s)
        store_relaxed(&c->count[idx], load_relaxed(&c->count[idx]) - 1);
    return s;
}

struct pgc_kind {
    uint32_t index;      /* in the table; the spans' `kind` */
    uint8_t trace;       /* enum trace_policy */
    bool collectable;    /* false: a root while allocated, freed only by pgc_free */
    bool zeroed;         /* objects are zeroed on allocation (all but atomic) */
    bool finalizable;    /* reserved; always false (finalizers are per object, lifetimes.c) */
    bool ephemeron;      /* the ephemeron kind: traced by trace_object's eph callback */
    size_t min_size;     /* smallest object the kind accepts (bitmap: nwords words) */
    pgc_trace_fn fn;     /* TRACE_PROGRAM */
    uint32_t nwords;     /* TRACE_BITMAP: the bitmap's period in words, 1..4096 */
    uint64_t rep64;      /* TRACE_BITMAP: bit i = bit (i % nwords), i < 64: the mask of
                            an object's first 64 words, next to nwords for the tracer */
    uint64_t *bits;      /* TRACE_BITMAP: copied, bits past nwords clear */
    /* Written by allocators (the locks): kept off the cache line of the
     * read-only fields above, which every allocation of the kind reads. */
    _Alignas(64) pgc_central central[MAX_CLASSES];
};

#define KIND_MAX_BITMAP_WORDS 4096

/* The table. Entries are written once (release, by the creator under the
 * kinds lock) and read with acquire anywhere; kinds_count likewise. */
extern PGC_INTERNAL_API _Atomic(pgc_kind *) pgc__kind_table[MAX_KINDS];
extern PGC_INTERNAL_API _Atomic uint32_t pgc__kind_count;

static inline pgc_kind *kind_get(unsigned k)
{
    /* acquire: pairs with the release store in kind_publish */
    return load_acquire(&pgc__kind_table[k]);
}
static inline unsigned kinds_count(void) { return load_acquire(&pgc__kind_count); }

static inline pgc_central *kind_central(unsigned k, int sclass) { return &kind_get(k)->central[sclass]; }

/* Scannable kinds count in heap_scan (the pacer's scan-work estimate). */
static inline bool kind_scans(unsigned k) { return kind_get(k)->trace != TRACE_NONE; }

/* The caches of kind k of thread t (MAX_CLASSES of them), or NULL if t has
 * never allocated a program kind k. Owner, or t stopped. */
static inline pgc_cache *kind_caches_peek(pgc_thread *t, unsigned k)
{
    return k < KIND_BUILTIN ? t->alloc.cache[k] : t->kcache[k];
}
/* Owner only: as kind_caches_peek, allocating the array on first use. */
PGC_INTERNAL_API pgc_cache *kind_caches(pgc_thread *t, unsigned k);

/* The trace policy of a span of kind k holding objects of elem_size bytes:
 * the kind's, except that a bitmap marking every word of such an object
 * traces as conservative (the same words, without the bitmap walk). */
PGC_INTERNAL_API int kind_span_trace(unsigned k, size_t elem_size);

/* The ephemeron kind (lifetimes.c), made on first use. */
PGC_INTERNAL_API const pgc_kind *kind_ephemeron(void);
/* Make the built-in kinds (idempotent, any thread). */
PGC_INTERNAL_API void kinds_init(void);
PGC_INTERNAL_API void kinds_fork_child(void);
/* Validate a kind handle from the program (fatal on NULL or a foreign pointer). */
PGC_INTERNAL_API void kind_bad(const pgc_kind *kind, const char *who) __attribute__((noreturn));
static inline const pgc_kind *kind_check(const pgc_kind *kind, const char *who)
{
    if (__builtin_expect(kind == NULL || kind->index >= MAX_KINDS || kind_get(kind->index) != kind, 0))
        kind_bad(kind, who);
    return kind;
}

/* The list of spans of uncollectable kinds: a span joins when it is made
 * (inside a critical section) and leaves when sweep frees it. */
PGC_INTERNAL_API void kinds_span_born(pgc_span *s);
PGC_INTERNAL_API void kinds_span_dies(pgc_span *s);
/* Call fn(ctx, base, base + size, ROOT_OBJECT) for every allocated object of
 * an uncollectable kind that pgc_free has not released. World stopped (the
 * list lock obeys INV-STW-LOCKS). */
PGC_INTERNAL_API void kinds_for_each_uncollectable(range_fn fn, void *ctx);

#endif
