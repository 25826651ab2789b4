/*
 * alloc.c - allocation: per-thread caches of spans for small objects, the
 * central per-class span lists, large objects, realloc, and the lookups
 * (pgc_base, pgc_size).
 *
 * Fast path (pgc_alloc of a small object): enter the critical section (a
 * thread-local increment), take the lowest set bit of the cache's free
 * mask, set the object's alloc bit in its span (the cache owns the span, so
 * a plain read-modify-write of a relaxed atomic), mark it if a cycle is
 * marking (allocate-black), zero it if the span may be dirty, leave. No
 * locks, no atomic read-modify-writes unless marking.
 *
 * Accounting is done a span at a time (gc-notes Part 1 item 9): when a cache
 * takes a span, all its free bytes count as allocated (heap_live,
 * heap_alloc, total_alloc, and the assist charge); when the cache gives the
 * span back, the bytes it did not hand out are subtracted.
 */
#include "internal.h"
#include "kinds.h"
#include "heap.h"
#include "stop.h"
#include "alloc.h"
#include "sweep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

PGC_STATE alloc_state alloc_st;

static void oom_abort(size_t request) __attribute__((noreturn));

/* The layers above (alloc_hooks, internal.h): written once by
 * alloc_set_hooks inside ensure_init, read-only after. */
static alloc_hooks hooks;

void alloc_set_hooks(const alloc_hooks *h) { hooks = *h; }

static inline uint64_t word_mask(const pgc_span *s, uint32_t w)
{
    uint32_t lo = w * 64;
    if (lo + 64 <= s->nelems)
        return ~0ull;
    return s->nelems > lo ? (1ull << (s->nelems - lo)) - 1 : 0;
}

static inline uint32_t nwords(const pgc_span *s) { return (s->nelems + 63) / 64; }

static uint32_t count_alloc(pgc_span *s)
{
    uint32_t n = 0;
    for (uint32_t w = 0; w < nwords(s); w++)
        n += (uint32_t)__builtin_popcountll(load_relaxed(&s->alloc_bits[w]));
    return n;
}

/* Point the cache at the first word at or after w with a free slot. */
static bool cache_seek(pgc_cache *cc, uint32_t w)
{
    pgc_span *s = cc->span;
    for (; w < nwords(s); w++) {
        uint64_t f = ~load_relaxed(&s->alloc_bits[w]) & word_mask(s, w);
        if (f) {
            cc->word = w;
            cc->base = s->start + (uintptr_t)w * 64 * cc->size; /* INV-INLINE-CACHE */
            cc->alloc_word = &s->alloc_bits[w];
            cc->free_bits = f;
            return true;
        }
    }
    cc->free_bits = 0;
    return false;
}

void central_push(pgc_span **list, pgc_span *s)
{
    s->prev = NULL;
    s->next = *list;
    if (*list)
        (*list)->prev = s;
    *list = s;
}

pgc_span *central_pop(pgc_span **list)
{
    pgc_span *s = *list;
    if (s) {
        *list = s->next;
        if (s->next)
            s->next->prev = NULL;
        s->next = s->prev = NULL;
    }
    return s;
}

/* Subtract from the accounts the bytes of the cache's span it never handed
 * out (they were counted when it took the span). */
static void unaccount(uint64_t unused, unsigned kind)
{
    if (!unused)
        return;
    fetch_sub_relaxed(&alloc_st.heap_live, unused);
    fetch_sub_relaxed(&alloc_st.heap_alloc, unused);
    fetch_sub_relaxed(&alloc_st.total_alloc, unused);
    if (kind_scans(kind))
        fetch_sub_relaxed(&alloc_st.heap_scan, unused);
}

/* Detach the cache's span for release: returns it (or NULL) and its count
 * of unused bytes in *unused, and whether it still has free slots. */
static pgc_span *cache_detach(pgc_cache *cc, uint64_t *unused, bool *partial)
{
    pgc_span *s = cc->span;
    *unused = 0;
    if (!s)
        return NULL;
    uint32_t used = count_alloc(s);
    *unused = (uint64_t)(s->nelems - used) * s->elem_size;
    *partial = used < s->nelems;
    cc->span = NULL;
    cc->free_bits = 0;
    cc->base = 0;
    cc->alloc_word = NULL;
    return s;
}

/* Central lock held: file a released span on this cycle's swept lists. */
static void central_file(pgc_central *c, pgc_span *s, bool partial)
{
    int si = swept_index(load_relaxed(&G.sweepgen));
    central_add(c, si, partial, s);
}

/* Give the cache's span back to its central list (swept this cycle). */
static void cache_release(pgc_cache *cc, unsigned kind, int sclass)
{
    uint64_t unused;
    bool partial;
    pgc_span *s = cache_detach(cc, &unused, &partial);
    if (!s)
        return;
    unaccount(unused, s->kind);
    pgc_central *c = kind_central(kind, sclass);
    pthread_mutex_lock(&c->lock);
    central_file(c, s, partial);
    pthread_mutex_unlock(&c->lock);
}

/* Called by the owner (detach) or by the coordinator with the owner stopped
 * outside a critical section (pause #2). */
void cache_release_all(pgc_thread *t)
{
    for (unsigned k = 0, nk = kinds_count(); k < nk; k++) {
        pgc_cache *caches = kind_caches_peek(t, k);
        for (int c = 0; caches && c < heap_st.nclasses; c++)
            cache_release(&caches[c], k, c);
    }
}

/* Pages for a new span: prefer sweeping what the last cycle freed over
 * growing the heap. */
static pgc_span *span_for(size_t npages, bool *fresh)
{
    pgc_span *s = heap_alloc_span(npages, false, fresh);
    while (!s && sweep_one()) {
        lib_preempt(pgc_self);
        s = heap_alloc_span(npages, false, fresh);
    }
    if (!s)
        s = heap_alloc_span(npages, true, fresh);
    return s;
}

/* A span of this kind and class with free objects: central partial list,
 * then sweeping unswept spans of the class, then fresh pages. If give is not
 * NULL, it is released to the central list under the same lock hold
 * (give_partial: it has free slots; it is not handed straight back). In a
 * critical section. */
static pgc_span *central_take(unsigned kind, int sclass, pgc_span *give, bool give_partial)
{
    pgc_central *c = kind_central(kind, sclass);
    for (;;) {
        pthread_mutex_lock(&c->lock);
        int si = swept_index(load_relaxed(&G.sweepgen));
        pgc_span *s = central_remove(c, si, true);
        pgc_span *u = NULL;
        if (!s && !(u = central_remove(c, 1 - si, true)))
            u = central_remove(c, 1 - si, false);
        if (give) {
            central_file(c, give, give_partial);
            give = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        if (s)
            return s;
        if (!u)
            break;
        if ((s = sweep_span_take(u)) != NULL) /* INV-SWEEP-TAKE */
            return s;
        lib_preempt(pgc_self);
    }
    bool fresh;
    pgc_span *s = span_for(heap_st.class_npages[sclass], &fresh);
    if (!s)
        return NULL;
    span_init_objects(s, sclass, (int)kind, kind_span_trace(kind, heap_st.class_size[sclass]));
    s->needzero = !fresh;
    span_publish(s);
    kinds_span_born(s);
    return s;
}

static void account_alloc(uint64_t bytes, unsigned kind)
{
    uint64_t alloc = fetch_add_relaxed(&alloc_st.heap_alloc, bytes) + bytes;
    fetch_add_relaxed(&alloc_st.heap_live, bytes);
    fetch_add_relaxed(&alloc_st.total_alloc, bytes);
    if (kind_scans(kind))
        fetch_add_relaxed(&alloc_st.heap_scan, bytes);
    hooks.heap_grew(alloc);
}

/*
 * Allocate-black a word at a time (INV-BLACK-WORD): while marking, the
 * free slots of the 64-slot word a cache allocates from are all marked
 * when the cache takes the word (here, at a refill) or when marking starts
 * (pause #1, cache_blacken_all), with one atomic OR; so the fast path never
 * marks. A slot marked this way but never allocated keeps its alloc bit
 * clear: marking and checkmark ignore it (INV-ALLOC-EXACT) and sweep keeps
 * it free (alloc & mark). black_bytes counts the whole word; the slots
 * still free are taken off again when the cycle sums it (cache_black_allocated).
 */
static inline void cache_blacken(pgc_thread *t, pgc_cache *cc)
{
    if (cc->span && cc->free_bits && load_relaxed(&pgc__marking)) {
        fetch_or_relaxed(&cc->span->mark_bits[cc->word], cc->free_bits);
        t->alloc.black_bytes += (uint64_t)__builtin_popcountll(cc->free_bits) * cc->size;
    }
}

/* Pause #1, world stopped, marking just turned on: t is stopped outside
 * any critical section, so its caches are consistent. */
void cache_blacken_all(pgc_thread *t)
{
    for (unsigned k = 0, nk = kinds_count(); k < nk; k++) {
        pgc_cache *caches = kind_caches_peek(t, k);
        for (int c = 0; caches && c < heap_st.nclasses; c++)
            cache_blacken(t, &caches[c]);
    }
}

/* t->alloc.black_bytes less the slots its caches blackened but still hold free:
 * the bytes t really allocated black this cycle. Owner, or t stopped. */
uint64_t cache_black_allocated(pgc_thread *t)
{
    uint64_t unused = 0;
    for (unsigned k = 0, nk = kinds_count(); k < nk; k++) {
        pgc_cache *caches = kind_caches_peek(t, k);
        for (int c = 0; caches && c < heap_st.nclasses; c++) {
            pgc_cache *cc = &caches[c];
            if (cc->span && cc->free_bits)
                unused += (uint64_t)__builtin_popcountll(cc->free_bits) * cc->size;
        }
    }
    return t->alloc.black_bytes > unused ? t->alloc.black_bytes - unused : 0;
}

/* Slow path: cache cc (of this kind and class) is empty. In a critical
 * section; may leave it to assist. Returns false if the heap is exhausted. */
/* Bytes of the free slots of the first bitmap word at or after w that has
 * any (0: none). Owner only. */
static uint64_t next_word_bytes(const pgc_cache *cc, uint32_t w)
{
    const pgc_span *s = cc->span;
    for (; w < nwords(s); w++) {
        uint64_t f = ~load_relaxed(&((pgc_span *)s)->alloc_bits[w]) & word_mask(s, w);
        if (f)
            return (uint64_t)__builtin_popcountll(f) * cc->size;
    }
    return 0;
}

/*
 * Slow path: the cache is empty. In a critical section; may leave it to
 * assist. Returns false if the heap is exhausted.
 *
 * INV-CHARGE-WORD: while assists are enabled a thread is charged, before it
 * may allocate them, for the slots of each 64-slot bitmap word its cache
 * takes (the unit of allocate-black, INV-BLACK-WORD), not for a whole span:
 * a thread that allocates little owes little (a 32-byte allocation every
 * 100 us used to owe 32 KiB of scan work at each refill). The charge for a
 * new span is an upper bound of its first word (64 slots of the class),
 * refunded down to the word's real free bytes once the span is known. The
 * heap accounting (heap_live) still counts whole spans at the refill.
 */
static bool cache_refill(pgc_thread *t, pgc_cache *cc, unsigned kind, int sclass)
{
    /* INV-INLINE-TL: pgc__tl is the owner's descriptor or NULL, set here
     * (a refill always precedes the first inline allocation that can
     * succeed), cleared by pgc_thread_detach before its caches go; never
     * set under gccheckmark, whose spare byte the inline path lacks. */
    if (__builtin_expect(pgc__tl != (struct pgc__thread *)t, 0) && !G.checkmark)
        pgc__tl = (struct pgc__thread *)t;
    if (cc->span) {
        uint64_t next = load_relaxed(&G.assists_enabled) ? next_word_bytes(cc, cc->word + 1) : 0;
        if (next) {
            /* The assist runs outside the critical section so the thread can
             * be stopped while it works or waits; a pause #2 meanwhile may
             * release this cache (the cycle, and the debt, are then over). */
            lib_leave(t);
            hooks.charge(t, next);
            lib_enter(t);
        }
        if (cc->span && cache_seek(cc, cc->word + 1)) {
            cache_blacken(t, cc);
            return true;
        }
    }
    uint64_t span_bytes = (uint64_t)heap_st.class_npages[sclass] << PAGE_SHIFT;
    uint64_t word_bytes = (uint64_t)64 * heap_st.class_size[sclass];
    uint64_t charge = word_bytes < span_bytes ? word_bytes : span_bytes;
    bool charged = load_relaxed(&G.assists_enabled) != 0;
    pgc_span *give = NULL;
    bool give_partial = false;
    uint64_t unused = 0;
    if (charged) {
        /* The old span goes back before the critical section is left: a
         * stopped thread's spans are all in its cache or on central lists. */
        cache_release(cc, kind, sclass);
        lib_leave(t);
        hooks.charge(t, charge);
        lib_enter(t);
    } else {
        give = cache_detach(cc, &unused, &give_partial);
    }
    pgc_span *s = central_take(kind, sclass, give, give_partial); /* files give */
    unaccount(unused, kind);
    if (!s)
        return false;
    cc->span = s;
    cc->size = s->elem_size;
    cache_seek(cc, 0);
    cache_blacken(t, cc);
    uint64_t bytes = (uint64_t)(s->nelems - count_alloc(s)) * s->elem_size;
    t->alloc.refilled_bytes += bytes;
    if (charged) /* the first word's free bytes are at most the charge */
        hooks.refund(t, (int64_t)charge - (int64_t)__builtin_popcountll(cc->free_bits) * cc->size);
    account_alloc(bytes, s->kind);
    hooks.maybe_trigger();
    return true;
}

/* Allocate-black for a large object (its own span). */
static inline void mark_new(pgc_thread *t, pgc_span *s, uint32_t idx, uint64_t size)
{
    fetch_or_relaxed(&s->mark_bits[idx >> 6], 1ull << (idx & 63));
    t->alloc.black_bytes += size;
}

static inline pgc_thread *self_thread(void)
{
    pgc_thread *t = pgc_self;
    if (__builtin_expect(t == NULL, 0)) {
        ensure_init(); /* the hooks are set inside it */
        t = hooks.attach();
    }
    return t;
}

static void *alloc_large(pgc_thread *t, size_t size, unsigned kind);

/*
 * INV-NEW-HELD: a fresh object's address is held in a register or the
 * stack of the allocating thread across lib_leave, where the thread may
 * stop for pause #1. The object is white until marking starts, so the root
 * snapshot must see its address; the compiler, however, may compute the
 * address only after the call, from the span descriptor's start and the
 * slot index (the descriptor is not scanned: the snapshot would then hold
 * the span's first object instead, and the new object would be lost; seen
 * with atomic objects, which need no memset before lib_leave). The empty
 * asm makes the value opaque, so it can only be kept, not recomputed.
 */
__attribute__((always_inline)) static inline void hold_across_stop(void **p)
{
    __asm__ volatile("" : "+r"(*p));
}

/* Inlined with a constant kind for pgc_alloc and pgc_alloc_atomic: the
 * cache is t->alloc.cache[kind][class], the same address arithmetic as one flat
 * array, so the kinds table costs the fast path nothing. */
__attribute__((always_inline)) static inline void *alloc_small(pgc_thread *t, size_t size, unsigned kind)
{
    int sclass = size_to_class(size);
    pgc_cache *caches = kind < KIND_BUILTIN ? t->alloc.cache[kind] : t->kcache[kind];
    if (__builtin_expect(caches == NULL, 0))
        caches = kind_caches(t, kind); /* first allocation of a program kind */
    pgc_cache *cc = &caches[sclass];
    lib_enter(t);
    if (__builtin_expect(cc->free_bits == 0, 0)) {
        lib_leave(t);
        hooks.admit(0); /* INV-ADMIT, before the refill may grow the heap */
        lib_enter(t);
        if (cc->free_bits == 0 && !cache_refill(t, cc, kind, sclass)) {
            lib_leave(t);
            return NULL;
        }
    }
    /* The same steps as the inline path (include/pacegc.h). */
    uint64_t fb = cc->free_bits;
    uint32_t bit = (uint32_t)__builtin_ctzll(fb);
    cc->free_bits = fb & (fb - 1);
    _Atomic uint64_t *aw = cc->alloc_word; /* INV-INLINE-CACHE */
    store_relaxed(aw, load_relaxed(aw) | (1ull << bit)); /* owner-only writer */
    void *p = (void *)(cc->base + (uintptr_t)bit * cc->size);
    if (kind != KIND_ATOMIC && cc->span->needzero) /* every kind but atomic is zeroed */
        memset(p, 0, cc->size);
    hold_across_stop(&p);
    lib_leave(t);
    return p;
}

__attribute__((always_inline)) static inline void *alloc_any(size_t size, unsigned kind)
{
    pgc_thread *t = self_thread();
    /* gccheckmark: one spare byte, so a pointer one past the end of an
     * object stays inside it and never looks like a pointer to the next
     * object (see DESIGN.md, Checkmark). */
    if (__builtin_expect(G.checkmark, 0) && size < SIZE_MAX)
        size += 1;
    for (int attempt = 0;; attempt++) {
        void *p = size <= MAX_SMALL ? alloc_small(t, size, kind) : alloc_large(t, size, kind);
        if (__builtin_expect(p != NULL, 1))
            return p;
        if (size > heap_st.heap_size || attempt == 1) {
            pgc_oom_handler h = alloc_st.oom_handler;
            if (h)
                return h(size);
            oom_abort(size);
        }
        hooks.collect(); /* reclaim what we can, then try once more */
    }
}

void *pgc_alloc(size_t size) { return alloc_any(size, KIND_SCAN); }
void *pgc_alloc_atomic(size_t size) { return alloc_any(size, KIND_ATOMIC); }

/* The inline path's fallback (include/pacegc.h): the whole allocation. */
void *pgc__alloc_slow(size_t size, int kind)
{
    return kind == KIND_ATOMIC ? alloc_any(size, KIND_ATOMIC) : alloc_any(size, KIND_SCAN);
}

/* The inline path left its critical section with a stop deferred. */
void pgc__stop_deferred(void)
{
    pgc_thread *t = pgc_self;
    if (t && t->cs.in_lib == 0 && t->cs.stop_deferred)
        thread_stop_self(t);
}
void *pgc_alloc_uncollectable(size_t size) { return alloc_any(size, KIND_UNCOLLECTABLE); }

/* An object of kind kd (validated), for `who`. A bitmap kind describes
 * objects of at least nwords words: a smaller size is an error (it would
 * leave the layout's pointer words outside the object). */
__attribute__((always_inline)) static inline void *alloc_of_kind(const pgc_kind *kd, size_t size, const char *who)
{
    if (size < kd->min_size)
        pgc_fatal("pacegc: %s: size %zu is smaller than the kind needs: its bitmap describes %u words "
                  "(%zu bytes); allocate at least that much\n",
                  who, size, kd->nwords, kd->min_size);
    return alloc_any(size, kd->index);
}

void *pgc_alloc_kind(const pgc_kind *kind, size_t size)
{
    return alloc_of_kind(kind_check(kind, "pgc_alloc_kind"), size, "pgc_alloc_kind");
}

static void *alloc_large(pgc_thread *t, size_t size, unsigned kind)
{
    if (size > heap_st.heap_size)
        return NULL;
    size_t npages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    uint64_t bytes = (uint64_t)npages << PAGE_SHIFT;
    hooks.admit(bytes); /* INV-ADMIT */
    if (load_relaxed(&G.assists_enabled))
        hooks.charge(t, bytes);
    lib_enter(t);
    sweep_large_until(npages);
    bool fresh;
    pgc_span *s = span_for(npages, &fresh);
    lib_leave(t);
    if (!s)
        return NULL;
    /* The span is invisible until published: zero it outside the critical
     * section so a long memset never delays a stop. */
    if (!fresh && kind != KIND_ATOMIC)
        memset((void *)s->start, 0, bytes);
    lib_enter(t);
    span_init_objects(s, 0, (int)kind, kind_span_trace(kind, bytes));
    s->needzero = 1;
    store_relaxed(&s->alloc_bits[0], 1);
    if (load_relaxed(&pgc__marking))
        mark_new(t, s, 0, bytes);
    span_publish(s);
    kinds_span_born(s);
    pthread_mutex_lock(&alloc_st.large_lock);
    central_push(&alloc_st.large[swept_index(load_relaxed(&G.sweepgen))], s);
    pthread_mutex_unlock(&alloc_st.large_lock);
    account_alloc(bytes, kind);
    hooks.maybe_trigger();
    /* The object must be held in a live local across lib_leave, which may
     * stop this thread: the span descriptor is not scanned, so a pointer
     * recomputed from it afterwards would leave a fresh white object
     * unreachable from the root snapshot. */
    void *p = (void *)s->start;
    hold_across_stop(&p);
    lib_leave(t);
    return p;
}

/* Start of the allocated object containing p, or NULL. */
void *object_base(const void *p, pgc_span **span_out, uint32_t *idx_out)
{
    pgc_span *s = span_of((uintptr_t)p);
    if (!s)
        return NULL;
    uint32_t idx = span_index(s, (uintptr_t)p);
    if (idx >= s->nelems || !bit_test(s->alloc_bits, idx))
        return NULL;
    if (span_out)
        *span_out = s;
    if (idx_out)
        *idx_out = idx;
    return (void *)(s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0));
}

static size_t object_capacity(const pgc_span *s)
{
    return s->sclass ? s->elem_size : (size_t)s->npages << PAGE_SHIFT;
}

void *pgc_base(const void *p) { return object_base(p, NULL, NULL); }

size_t pgc_size(const void *p)
{
    pgc_span *s;
    return object_base(p, &s, NULL) ? object_capacity(s) : 0;
}

void *pgc_realloc(void *p, size_t size)
{
    if (p == NULL)
        return pgc_alloc(size);
    ensure_init();
    pgc_span *s;
    void *base = object_base(p, &s, NULL);
    if (base != p)
        pgc_fatal("pacegc: pgc_realloc(%p, %zu): %p is not the start of a live pacegc object%s\n", p,
                  size, p,
                  base ? " (it points inside one: pass the pointer pgc_alloc returned)" : "");
    const pgc_kind *kd = kind_get(s->kind);
    if (size < kd->min_size)
        alloc_of_kind(kd, size, "pgc_realloc"); /* the error */
    size_t cap = object_capacity(s);
    bool same_class = s->sclass ? size <= MAX_SMALL && size_to_class(size) == s->sclass
                                : size > MAX_SMALL && size <= cap && size > cap / 2;
    if (same_class)
        return p;
    void *q = alloc_of_kind(kd, size, "pgc_realloc"); /* the same kind */
    if (q) {
        memcpy(q, p, size < cap ? size : cap); /* q is fresh: stores over NULL need no barrier */
        if (!kd->collectable)
            pgc_free(p); /* nothing else would ever release it */
    }
    return q;
}

/*
 * pgc_free: INV-FREE-AT-SWEEP. pgc_free never releases memory itself: it
 * sets the object's bit in its span's free_req bitmap (one atomic OR, which
 * also detects a double pgc_free), and the span's next sweep releases the
 * object, marked or not, and clears the request. Why not release at once:
 *  - alloc bits have one writer, the span's owner (a thread cache, or the
 *    sweeper: INV-ALLOC-EXACT); the freeing thread is usually neither, and
 *    an owner's plain read-modify-write would lose its update;
 *  - while a cycle marks, the object may be grey in a mark packet or a
 *    barrier buffer, or a marker may be scanning it: its memory must stay
 *    as it is until no marker can see it, which is after pause #2. Sweep
 *    runs then, with no cache holding the span (pause #2 released them).
 * Until its sweep the object stays allocated: its alloc bit is set, it
 * keeps its contents, pgc_base still finds it, a conservative word may
 * still mark it (harmless), and the bytes stay in heap_live and heap_alloc
 * (they are not reusable yet; counting them keeps the next cycle, whose
 * sweep frees them, on time). Sweep subtracts them from heap_alloc as it
 * frees them, and from heap_live if the cycle had marked them. An
 * uncollectable object with a request is no longer a root
 * (kinds_for_each_uncollectable skips it).
 * A request can never outlive its object: a request made while the span
 * is being swept is for an object the program still holds, which the
 * cycle therefore marked (INV-SATB), so that sweep keeps it and the next
 * one applies the request.
 */
void pgc_free(void *p)
{
    if (p == NULL)
        return;
    pgc_span *s;
    uint32_t idx;
    void *base = object_base(p, &s, &idx);
    if (base != p)
        pgc_fatal("pacegc: pgc_free: %p is not the start of a live pacegc object%s\n", p,
                  base ? " (it points inside one: pass the pointer the allocation returned)"
                       : " (never allocated by pacegc, or already freed and swept)");
    uint64_t bit = 1ull << (idx & 63);
    /* release: the lookup above (reads of the span's fields) happens before
     * the sweep that applies the request and may free the span (pairs with
     * the acquire exchange in sweep_span) */
    if (fetch_or_release(&s->free_req[idx >> 6], bit) & bit)
        pgc_fatal("pacegc: pgc_free: %p was already freed (double pgc_free)\n", p);
}

pgc_oom_handler pgc_set_oom_handler(pgc_oom_handler handler)
{
    ensure_init();
    pgc_oom_handler old = alloc_st.oom_handler;
    alloc_st.oom_handler = handler;
    return old;
}

static void oom_abort(size_t request)
{
    if (request > heap_st.heap_size)
        pgc_fatal("pacegc: allocation of %zu bytes is too large: the heap can hold at most %zu bytes "
                  "(heap_sys %llu bytes, heap goal %llu bytes)\n",
                  request, (size_t)heap_st.heap_size, (unsigned long long)load_relaxed(&heap_st.heap_sys),
                  (unsigned long long)load_relaxed(&G.goal));
    pgc_fatal("pacegc: out of memory: cannot allocate %zu bytes (heap_sys %llu bytes, heap_alloc %llu "
              "bytes, heap goal %llu bytes): %s\n",
              request, (unsigned long long)load_relaxed(&heap_st.heap_sys),
              (unsigned long long)load_relaxed(&alloc_st.heap_alloc), (unsigned long long)load_relaxed(&G.goal),
              strerror(errno ? errno : ENOMEM));
}

/* INV-INLINE-TL's descriptor pointer; see include/pacegc.h. */
__thread struct pgc__thread *pgc__tl;

void alloc_init(void)
{
    /* The inline path computes class (size + 15) / 16 of size 16 * class. */
    for (int c = 1; c * 16 <= PGC__INLINE_MAX; c++)
        if (heap_st.size_to_class16[c] != c || heap_st.class_size[c] != (uint32_t)c * 16)
            pgc_fatal("pacegc: internal error: size class %d is not %d bytes\n", c, c * 16);
    kinds_init();
    pthread_mutex_init(&alloc_st.large_lock, NULL);
}

/* A forked child: the central and large locks may have been held by
 * threads that do not exist here (only inside critical sections, which the
 * fork-prepare stop excluded, so the lists they protect are consistent). */
void alloc_fork_child(void)
{
    kinds_fork_child();
    pthread_mutex_init(&alloc_st.large_lock, NULL);
}
