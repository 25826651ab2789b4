/*
 * sweep.c - turning mark bits into alloc bits, span by span, after marking.
 *
 * Pause #2 flips the sweep generation (G.sweepgen += 2): every in-use span
 * is then unswept. Spans are swept lazily by allocating threads (a cache
 * refill sweeps spans of its own class; a large allocation sweeps large
 * spans; any thread about to grow the heap sweeps first) and by the
 * coordinator in the background. A cycle never starts before every span is
 * swept (INV-SWEPT-BEFORE-MARK).
 *
 * Sweeping a small span: alloc bits := mark bits, mark bits := 0. Objects
 * that were allocated but not marked become free slots; an empty span goes
 * back to the page heap, or, a bounded number of them, stays on its class's
 * swept list for a refill (INV-SWEEP-KEEP). A large span is freed if
 * unmarked.
 */
#include "internal.h"
#include "kinds.h"
#include "heap.h"
#include "alloc.h"
#include "sweep.h"

#include <sched.h>

static _Atomic uint32_t sweep_cursor; /* round-robin start for sweep_one */

static uint32_t popcount_words(_Atomic uint64_t *bits, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t w = 0; w < n; w++)
        c += (uint32_t)__builtin_popcountll(load_relaxed(&bits[w]));
    return c;
}

/* Time in sweep_bits (the bitmap sweep of a span, on every path),
 * estimated: every SWEEP_SAMPLEth span a thread sweeps is timed (wall, two
 * now_ns reads, ~40 ns each here, where a thread CPU
 * clock read costs ~290 ns; a span sweeps in ~0.2-2 us) and counted
 * SWEEP_SAMPLE times. A sample over SWEEP_SAMPLE_MAX_NS is dropped: the
 * thread was preempted, or waited for a lock whose holder was (under load
 * those few samples were over half the total). Relaxed atomics added by
 * the sweeping thread, lazy by attached threads, bg by the coordinator
 * (pgc_self NULL); read by stats.c. sweep_nth: the thread's own. */
#define SWEEP_SAMPLE 8
#define SWEEP_SAMPLE_MAX_NS 64000u
_Atomic uint64_t sweep_lazy_ns, sweep_bg_ns;
static __thread uint32_t sweep_nth;

/*
 * Sweep the bitmaps of s, which the caller has taken off an unswept list
 * and claimed (sweepgen sg - 2 -> sg - 1). Returns the objects left
 * allocated (*before_out: those allocated before); s is marked swept
 * (sweepgen sg) but not yet filed or freed.
 */
static uint32_t sweep_bits(pgc_span *s, uint32_t sg, uint32_t *before_out)
{
    uint64_t t0 = ++sweep_nth % SWEEP_SAMPLE == 0 ? now_ns() : 0;
    uint32_t nw = (s->nelems + 63) / 64;
    uint64_t size = s->sclass ? s->elem_size : (uint64_t)s->npages << PAGE_SHIFT;
    uint32_t before = popcount_words(s->alloc_bits, nw);
    *before_out = before;
    uint32_t after = 0, freed_marked = 0;
    bool collectable = kind_get(s->kind)->collectable;
    for (uint32_t w = 0; w < nw; w++) {
        /* alloc & mark: a free slot a cache blackened in bulk while
         * marking (alloc.c, INV-BLACK-WORD) stays free. Uncollectable
         * objects stay whether marked or not. */
        uint64_t a = load_relaxed(&s->alloc_bits[w]);
        uint64_t mk = load_relaxed(&s->mark_bits[w]) & a;
        uint64_t m = collectable ? mk : a;
        /* pgc_free requests (INV-FREE-AT-SWEEP): taken once, so a request
         * arriving after the exchange stays for the next sweep */
        /* acquire: pairs with the release in pgc_free */
        uint64_t f = load_relaxed(&s->free_req[w]) ? exchange_acquire(&s->free_req[w], 0) : 0;
        freed_marked += (uint32_t)__builtin_popcountll(mk & f);
        m &= ~f;
        store_relaxed(&s->alloc_bits[w], m);
        store_relaxed(&s->mark_bits[w], 0);
        s->check_bits[w] = 0;
        store_relaxed(&s->eph_keys[w], 0);
        store_relaxed(&s->dead_bits[w], 0);
        s->check_eph[w] = 0;
        after += (uint32_t)__builtin_popcountll(m);
    }
    if (before > after)
        fetch_sub_relaxed(&alloc_st.heap_alloc, (before - after) * size);
    if (freed_marked) /* marked, so counted in heap_live at pause #2 */
        sub_saturating_relaxed(&alloc_st.heap_live, freed_marked * size);
    if (after < before)
        s->needzero = 1;
    /* release: the bitmaps above are complete before anyone sees it swept */
    store_release(&s->sweepgen, sg);
    uint64_t dt = t0 ? now_ns() - t0 : 0;
    if (dt && dt < SWEEP_SAMPLE_MAX_NS)
        fetch_add_relaxed(pgc_self ? &sweep_lazy_ns : &sweep_bg_ns, dt * SWEEP_SAMPLE);
    return after;
}

/* Claim s for sweeping: false if it was not in need of sweeping. */
static bool sweep_claim(pgc_span *s, uint32_t sg)
{
    uint32_t expect = sg - 2;
    return atomic_compare_exchange_strong(&s->sweepgen, &expect, sg - 1);
}

/*
 * INV-SWEEP-KEEP: a small span a sweep empties is kept on its class's
 * swept partial list instead of going back to the page heap, so a refill
 * of the class takes it there (central lock) without the page heap (heap
 * lock, heap_free, page map, span set-up), if
 *  - it held objects before this sweep (`before` > 0): a kept span that no
 *    refill used is empty at the next sweep too and is freed then, so a
 *    class no longer allocated keeps nothing past one cycle;
 *  - the memory limit does not set the goal (G.mem_limited clear): then the
 *    page heap, the scavenger and the limiter see every empty span, as
 *    before;
 *  - the bytes kept since the last pause #2 (sweep_kept_bytes) stay within
 *    a quarter of the heap goal. Spans kept in a cycle are swept in the
 *    next one, so at most two cycles' worth, half the goal, sits in kept
 *    empty spans at any time.
 * A kept span stays in use (nspans, page map): heap_free still counts
 * exactly the free spans, heap_alloc exactly the allocated objects.
 * sweep_kept_bytes: relaxed, added by sweepers (a race may overshoot the
 * cap by a span per sweeping thread), reset in pause #2.
 */
static _Atomic uint64_t sweep_kept_bytes;

static bool sweep_keep_empty(pgc_span *s, uint32_t before)
{
    if (!s->sclass || before == 0 || load_relaxed(&G.mem_limited))
        return false;
    uint64_t bytes = (uint64_t)s->npages << PAGE_SHIFT;
    if (load_relaxed(&sweep_kept_bytes) + bytes > load_relaxed(&G.goal) / 4)
        return false;
    fetch_add_relaxed(&sweep_kept_bytes, bytes);
    return true;
}

/* File a swept span with `after` objects allocated (`before` before the
 * sweep) on the swept list of its class (or the large list), or free it if
 * it holds none (*freed), unless it is kept (INV-SWEEP-KEEP). */
static void sweep_file(pgc_span *s, uint32_t sg, uint32_t before, uint32_t after, bool *freed)
{
    if (after == 0 && !sweep_keep_empty(s, before)) {
        kinds_span_dies(s);
        heap_free_span(s);
        *freed = true;
    } else {
        int si = swept_index(sg);
        if (s->sclass) {
            pgc_central *c = kind_central(s->kind, s->sclass);
            pthread_mutex_lock(&c->lock);
            central_add(c, si, after < s->nelems, s);
            pthread_mutex_unlock(&c->lock);
        } else {
            pthread_mutex_lock(&alloc_st.large_lock);
            central_push(&alloc_st.large[si], s);
            pthread_mutex_unlock(&alloc_st.large_lock);
        }
    }
}

/*
 * Sweep s, which the caller has taken off an unswept list. Files it on the
 * swept list of its class, or frees it (*freed). Returns false if s was not
 * in need of sweeping.
 */
bool sweep_span(pgc_span *s, bool *freed)
{
    uint32_t sg = load_relaxed(&G.sweepgen);
    *freed = false;
    if (!sweep_claim(s, sg))
        return false;
    uint32_t before, after = sweep_bits(s, sg, &before);
    sweep_file(s, sg, before, after, freed);
    fetch_sub_relaxed(&alloc_st.unswept, 1);
    return true;
}

/*
 * For a cache refill of s's kind and class (in a critical section): sweep
 * s, taken off an unswept list, and return it if it has a free slot, empty
 * or not, for the cache to take at once: neither filed on a swept list
 * only to be taken off it again, nor (empty) given back to the page heap
 * only for the refill to carve a span out of it again (INV-SWEEP-TAKE in
 * docs/DESIGN.md). A full span is filed and NULL returned.
 */
pgc_span *sweep_span_take(pgc_span *s)
{
    uint32_t sg = load_relaxed(&G.sweepgen);
    if (!sweep_claim(s, sg))
        return NULL;
    uint32_t before, after = sweep_bits(s, sg, &before);
    pgc_span *got = NULL;
    if (after < s->nelems) {
        got = s;
    } else {
        bool freed;
        sweep_file(s, sg, before, after, &freed);
    }
    fetch_sub_relaxed(&alloc_st.unswept, 1);
    return got;
}

static pgc_span *pop_unswept_large(void)
{
    pthread_mutex_lock(&alloc_st.large_lock);
    pgc_span *s = central_pop(&alloc_st.large[1 - swept_index(load_relaxed(&G.sweepgen))]);
    pthread_mutex_unlock(&alloc_st.large_lock);
    return s;
}

static pgc_span *pop_unswept_class(unsigned kind, int sclass)
{
    pgc_central *c = kind_central(kind, sclass);
    pthread_mutex_lock(&c->lock);
    int ui = 1 - swept_index(load_relaxed(&G.sweepgen));
    pgc_span *s = central_remove(c, ui, true);
    if (!s)
        s = central_remove(c, ui, false);
    pthread_mutex_unlock(&c->lock);
    return s;
}

/*
 * Sweep one unswept span of any class. False if none is left to take.
 *
 * The lists are visited from sweep_cursor, the list the last call found a
 * span on (most lists are empty; the one that was not is likely to hold
 * more), one kind at a time so that a kind's table entry is read once. A
 * hint only: read and written relaxed by every sweeper; a stale one costs
 * a longer scan.
 */
bool sweep_one(void)
{
    if (load_relaxed(&alloc_st.unswept) == 0)
        return false;
    /* every [kind][class] list, then the large list (index n - 1) */
    uint32_t nc = (uint32_t)heap_st.nclasses, nk = kinds_count(), n = nk * nc + 1;
    int ui = 1 - swept_index(load_relaxed(&G.sweepgen));
    uint32_t i = load_relaxed(&sweep_cursor);
    if (i >= n)
        i = 0;
    for (uint32_t left = n; left > 0;) {
        if (i == n - 1) {
            left--;
            pgc_span *s = pop_unswept_large();
            if (s) {
                store_relaxed(&sweep_cursor, i);
                bool freed;
                sweep_span(s, &freed);
                return true;
            }
            i = 0;
            continue;
        }
        uint32_t k = i / nc, c = i % nc;
        pgc_kind *kd = kind_get(k);
        for (; c < nc && left > 0; c++, i++, left--) {
            pgc_central *pc = &kd->central[c];
            if (load_relaxed(&pc->count[ui]) == 0)
                continue; /* nothing to sweep there: skip the lock */
            pgc_span *s = pop_unswept_class(k, (int)c);
            if (s) {
                store_relaxed(&sweep_cursor, i);
                bool freed;
                sweep_span(s, &freed);
                return true;
            }
        }
    }
    return false;
}

/* Sweep large spans until npages pages were freed or none is left. */
size_t sweep_large_until(size_t npages)
{
    size_t got = 0;
    pgc_span *s;
    while (got < npages && load_relaxed(&alloc_st.unswept) && (s = pop_unswept_large())) {
        bool freed;
        size_t np = s->npages;
        sweep_span(s, &freed);
        if (freed)
            got += np;
    }
    return got;
}

/* Sweep until no span is unswept, including those other threads are
 * sweeping right now (a short wait: one span each). */
void sweep_finish(void)
{
    while (load_relaxed(&alloc_st.unswept) > 0)
        if (!sweep_one())
            sched_yield();
}

/* Pause #2, world stopped, caches released: every in-use span is unswept. */
void sweep_start_cycle(void)
{
    PGC_ASSERT(load_relaxed(&alloc_st.unswept) == 0);
    store_relaxed(&sweep_kept_bytes, 0); /* INV-SWEEP-KEEP: a new cycle's budget */
    store_relaxed(&alloc_st.unswept, load_relaxed(&heap_st.nspans));
    store_release(&G.sweepgen, load_relaxed(&G.sweepgen) + 2);
}

void sweep_init(void)
{
    store_relaxed(&G.sweepgen, 2);
}
