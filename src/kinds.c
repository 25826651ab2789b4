/*
 * kinds.c - the kinds table (kinds.h): the built-in kinds, the program's
 * kinds (pgc_kind_bitmap, pgc_kind_traced), per-thread caches of program
 * kinds, and the list of spans of uncollectable kinds (their objects are
 * roots).
 *
 * Built-in kinds:
 *   KIND_SCAN          pgc_alloc: zeroed, scanned conservatively, collectable
 *   KIND_ATOMIC        pgc_alloc_atomic: not zeroed, never scanned, collectable
 *   KIND_UNCOLLECTABLE pgc_alloc_uncollectable: zeroed, scanned
 *                      conservatively, a root while allocated, never collected
 *
 * Kinds may be made at any time, before or after pgc_init, from any thread;
 * they are never freed. Asking twice for the same bitmap (or the same trace
 * function) returns the same kind, so the table (MAX_KINDS) fills only with
 * distinct layouts.
 */
#include "kinds.h"
#include "stop.h"

#include <string.h>

_Atomic(pgc_kind *) pgc__kind_table[MAX_KINDS];
_Atomic uint32_t pgc__kind_count;

/* Serialises kind creation. Taken only by threads making a kind, never by
 * the coordinator, never inside a critical section. */
static pthread_mutex_t kinds_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

/* Kinds lock held: allocate descriptor k with room for nbits bitmap words. */
static pgc_kind *kind_new(int trace, bool collectable, bool zeroed, size_t nbits)
{
    uint32_t k = load_relaxed(&pgc__kind_count); /* only writer: kinds lock */
    if (k >= MAX_KINDS)
        pgc_fatal("pacegc: too many object kinds: the table holds %d (pgc_kind_bitmap and "
                  "pgc_kind_traced return the same kind for the same layout; make each kind once)\n",
                  MAX_KINDS);
    pgc_kind *kd = os_alloc_meta(sizeof *kd + nbits * sizeof(uint64_t));
    kd->index = k;
    kd->trace = (uint8_t)trace;
    kd->collectable = collectable;
    kd->zeroed = zeroed;
    kd->finalizable = false;
    kd->bits = nbits ? (uint64_t *)(kd + 1) : NULL;
    for (int c = 0; c < MAX_CLASSES; c++)
        pthread_mutex_init(&kd->central[c].lock, NULL);
    return kd;
}

/* Kinds lock held: make kd visible. */
static void kind_publish(pgc_kind *kd)
{
    /* release: pairs with the acquire loads in kind_get and kinds_count */
    store_release(&pgc__kind_table[kd->index], kd);
    store_release(&pgc__kind_count, kd->index + 1);
}

static void make_builtin(void)
{
    pthread_mutex_lock(&kinds_lock);
    kind_publish(kind_new(TRACE_CONSERVATIVE, true, true, 0));  /* KIND_SCAN */
    kind_publish(kind_new(TRACE_NONE, true, false, 0));         /* KIND_ATOMIC */
    kind_publish(kind_new(TRACE_CONSERVATIVE, false, true, 0)); /* KIND_UNCOLLECTABLE */
    pthread_mutex_unlock(&kinds_lock);
}

void kinds_init(void)
{
    pthread_once(&builtin_once, make_builtin);
}

/* The kinds lock is taken outside critical sections: stoppably by an
 * attached thread (lock_stoppable), plainly by any other. */
static void take_kinds_lock(void)
{
    if (pgc_self)
        lock_stoppable(&kinds_lock);
    else
        pthread_mutex_lock(&kinds_lock);
}

const pgc_kind *pgc_kind_bitmap(const uint64_t *bits, size_t nwords)
{
    if (bits == NULL)
        pgc_fatal("pacegc: pgc_kind_bitmap: the bitmap is NULL (pass an array of (nwords + 63) / 64 "
                  "uint64_t words)\n");
    if (nwords < 1 || nwords > KIND_MAX_BITMAP_WORDS)
        pgc_fatal("pacegc: pgc_kind_bitmap: nwords is %zu; it must be 1 to %d\n", nwords,
                  KIND_MAX_BITMAP_WORDS);
    kinds_init();
    size_t nb = (nwords + 63) / 64;
    uint64_t copy[KIND_MAX_BITMAP_WORDS / 64];
    bool any = false;
    for (size_t i = 0; i < nb; i++) {
        copy[i] = bits[i];
        if (i == nb - 1 && nwords % 64)
            copy[i] &= (1ull << (nwords % 64)) - 1;
        any |= copy[i] != 0;
    }
    /* A bitmap with no bit set reads nothing: trace it as atomic (but zeroed). */
    int trace = any ? TRACE_BITMAP : TRACE_NONE;
    take_kinds_lock();
    pgc_kind *found = NULL;
    unsigned n = load_relaxed(&pgc__kind_count);
    for (unsigned k = KIND_BUILTIN; k < n && !found; k++) {
        pgc_kind *kd = load_relaxed(&pgc__kind_table[k]);
        if (kd->trace == trace && kd->nwords == nwords && kd->bits &&
            memcmp(kd->bits, copy, nb * sizeof(uint64_t)) == 0)
            found = kd;
    }
    if (!found) {
        found = kind_new(trace, true, true, nb);
        found->nwords = (uint32_t)nwords;
        found->min_size = nwords * sizeof(uintptr_t);
        memcpy(found->bits, copy, nb * sizeof(uint64_t));
        for (unsigned i = 0; i < 64; i++)
            found->rep64 |= ((copy[(i % nwords) / 64] >> ((i % nwords) % 64)) & 1) << i;
        kind_publish(found);
    }
    pthread_mutex_unlock(&kinds_lock);
    return found;
}

const pgc_kind *pgc_kind_traced(pgc_trace_fn trace)
{
    if (trace == NULL)
        pgc_fatal("pacegc: pgc_kind_traced: the trace function is NULL\n");
    kinds_init();
    take_kinds_lock();
    pgc_kind *found = NULL;
    unsigned n = load_relaxed(&pgc__kind_count);
    for (unsigned k = KIND_BUILTIN; k < n && !found; k++) {
        pgc_kind *kd = load_relaxed(&pgc__kind_table[k]);
        if (kd->trace == TRACE_PROGRAM && kd->fn == trace)
            found = kd;
    }
    if (!found) {
        found = kind_new(TRACE_PROGRAM, true, true, 0);
        found->fn = trace;
        kind_publish(found);
    }
    pthread_mutex_unlock(&kinds_lock);
    return found;
}

/* The ephemeron kind: TRACE_PROGRAM with the ephemeron flag, so
 * trace_object hands its objects to the caller's ephemeron callback; the
 * function is never called. */
static void eph_trace_unused(void *obj, size_t size, pgc_visit_fn visit, void *ctx)
{
    (void)obj, (void)size, (void)visit, (void)ctx;
}
static _Atomic(pgc_kind *) eph_kind;

const pgc_kind *kind_ephemeron(void)
{
    pgc_kind *kd = load_acquire(&eph_kind); /* pairs with the release below */
    if (kd)
        return kd;
    kinds_init();
    take_kinds_lock();
    kd = load_relaxed(&eph_kind);
    if (!kd) {
        kd = kind_new(TRACE_PROGRAM, true, true, 0);
        kd->fn = eph_trace_unused;
        kd->ephemeron = true;
        kd->min_size = 2 * sizeof(uintptr_t);
        kind_publish(kd);
        store_release(&eph_kind, kd); /* pairs with the acquire above */
    }
    pthread_mutex_unlock(&kinds_lock);
    return kd;
}

void kind_bad(const pgc_kind *kind, const char *who)
{
    if (kind == NULL)
        pgc_fatal("pacegc: %s: the kind is NULL (make kinds with pgc_kind_bitmap or pgc_kind_traced)\n", who);
    pgc_fatal("pacegc: %s: %p is not a kind made by pgc_kind_bitmap or pgc_kind_traced\n", who,
              (const void *)kind);
}

int kind_span_trace(unsigned k, size_t elem_size)
{
    const pgc_kind *kd = kind_get(k);
    if (kd->trace != TRACE_BITMAP)
        return kd->trace;
    size_t words = elem_size / sizeof(uintptr_t), n = words < kd->nwords ? words : kd->nwords;
    for (size_t i = 0; i < n; i++)
        if (!((kd->bits[i / 64] >> (i % 64)) & 1))
            return TRACE_BITMAP;
    return TRACE_CONSERVATIVE;
}

pgc_cache *kind_caches(pgc_thread *t, unsigned k)
{
    if (k < KIND_BUILTIN)
        return t->alloc.cache[k];
    if (__builtin_expect(t->kcache[k] == NULL, 0))
        t->kcache[k] = os_alloc_meta(MAX_CLASSES * sizeof(pgc_cache)); /* zeroed: all empty */
    return t->kcache[k];
}

/* ---- Spans of uncollectable kinds ------------------------------------------------
 * INV-STW-LOCKS: the list lock is taken by mutators only inside critical
 * sections (span creation in alloc.c, sweep), and by the coordinator, which
 * walks the list with the world stopped (roots of pause #1, checkmark). */

static pthread_mutex_t ulist_lock = PTHREAD_MUTEX_INITIALIZER;
static pgc_span *ulist; /* ulist lock */

void kinds_span_born(pgc_span *s)
{
    if (kind_get(s->kind)->collectable)
        return;
    pthread_mutex_lock(&ulist_lock);
    s->uprev = NULL;
    s->unext = ulist;
    if (ulist)
        ulist->uprev = s;
    ulist = s;
    pthread_mutex_unlock(&ulist_lock);
}

void kinds_span_dies(pgc_span *s)
{
    if (kind_get(s->kind)->collectable)
        return;
    pthread_mutex_lock(&ulist_lock);
    if (s->uprev)
        s->uprev->unext = s->unext;
    else
        ulist = s->unext;
    if (s->unext)
        s->unext->uprev = s->uprev;
    s->unext = s->uprev = NULL;
    pthread_mutex_unlock(&ulist_lock);
}

void kinds_for_each_uncollectable(range_fn fn, void *ctx)
{
    pthread_mutex_lock(&ulist_lock);
    for (pgc_span *s = ulist; s; s = s->unext) {
        uintptr_t size = s->sclass ? s->elem_size : (uintptr_t)s->npages << PAGE_SHIFT;
        for (uint32_t w = 0; w < (s->nelems + 63) / 64; w++) {
            uint64_t live = load_relaxed(&s->alloc_bits[w]) & ~load_relaxed(&s->free_req[w]);
            while (live) {
                uint32_t idx = w * 64 + (uint32_t)__builtin_ctzll(live);
                live &= live - 1;
                uintptr_t base = s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0);
                fn(ctx, base, base + size, ROOT_OBJECT);
            }
        }
    }
    pthread_mutex_unlock(&ulist_lock);
}

/* A forked child (fork.c): the kinds' locks may have been held by threads
 * that do not exist here, only inside critical sections, which the
 * fork-prepare stop excluded; what they protect is consistent. */
void kinds_fork_child(void)
{
    pthread_mutex_init(&kinds_lock, NULL);
    pthread_mutex_init(&ulist_lock, NULL);
    for (unsigned k = 0; k < kinds_count(); k++) {
        pgc_kind *kd = kind_get(k);
        for (int c = 0; c < MAX_CLASSES; c++)
            pthread_mutex_init(&kd->central[c].lock, NULL);
    }
}
