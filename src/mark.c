/*
 * mark.c - marking: mark bits, the grey work pool, the drain (objects are
 * traced by kind through trace.h, the code checkmark.c shares).
 *
 * Colours: an object is white (mark bit clear), grey (mark bit set, queued
 * in some marker's packet or in the pool, not yet scanned) or black (mark
 * bit set, scanned, or allocated during marking and never scanned).
 *
 * INV-SATB: every object reachable when pause #1 snapshotted the roots is
 * marked by the end of marking. The roots are greyed in pause #1; the
 * barrier records every pointer overwritten during marking; objects
 * allocated during marking are black.
 *
 * INV-QUIESCENT: if the pool holds no packet and active_markers == 0 (both
 * read under the pool lock), no grey object exists outside the mutators'
 * barrier buffers. Every agent counts itself active before it takes work
 * and stays active until it has handed back what it holds.
 *
 * Work is counted in bytes scanned (scan work, what trace_object returns):
 * whole objects, or 128 KiB oblets of large objects (not of program-traced
 * ones, whose trace function takes the whole object), so no single item
 * holds a marker for long.
 */
#include "internal.h"
#include "trace.h"
#include "heap.h"
#include "mark.h"

#include <string.h>
#include <time.h>

PGC_STATE mark_state mark_st;
_Atomic int pgc__eph_active;

/* The layers above (mark_set_*_hook, internal.h): written once inside
 * ensure_init, read-only after. */
static void (*publish_hook)(bool may_block);
static void (*eph_newly_marked)(pgc_marker *m, pgc_span *s, uint32_t idx);
static uint64_t (*eph_trace)(pgc_marker *m, uintptr_t e);

void mark_set_publish_hook(void (*publish)(bool may_block)) { publish_hook = publish; }

void mark_set_ephemeron_hooks(void (*newly_marked)(pgc_marker *m, pgc_span *s, uint32_t idx),
                              uint64_t (*ephemeron)(pgc_marker *m, uintptr_t e))
{
    eph_newly_marked = newly_marked;
    eph_trace = ephemeron;
}

#define PACKETS_PER_CHUNK 256
#define CREDIT_SLACK 2000           /* flush counters, balance: every ~2000 bytes (gc-notes 2.7) */
#define TIME_CHECK_BYTES (16 << 10) /* read the clock every 16 KiB of scan */
#ifndef PREFETCH_DEPTH
#define PREFETCH_DEPTH 16           /* items between prefetch and scan */
#endif

/* ---- The pool (pool lock) ---------------------------------------------------- */

static pgc_packet *get_empty(void)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    pgc_packet *p = mark_st.empty_packets;
    if (!p) {
        pthread_mutex_unlock(&mark_st.pool_lock);
        pgc_packet *chunk = os_alloc_meta(PACKETS_PER_CHUNK * sizeof(pgc_packet));
        pthread_mutex_lock(&mark_st.pool_lock);
        for (int i = 1; i < PACKETS_PER_CHUNK; i++) {
            chunk[i].next = mark_st.empty_packets;
            mark_st.empty_packets = &chunk[i];
        }
        p = &chunk[0];
    } else {
        mark_st.empty_packets = p->next;
    }
    pthread_mutex_unlock(&mark_st.pool_lock);
    p->n = 0;
    p->next = NULL;
    return p;
}

static void put_empty(pgc_packet *p)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    p->next = mark_st.empty_packets;
    mark_st.empty_packets = p;
    pthread_mutex_unlock(&mark_st.pool_lock);
}

__thread bool pgc__mark_worker;

/* Pool lock held: push p. */
static void publish_locked(pgc_packet *p)
{
    p->next = mark_st.full_packets;
    mark_st.full_packets = p;
    mark_st.nfull++;
    fetch_add_relaxed(&mark_st.push_epoch, 1);
    if (load_relaxed(&mark_st.pool_waiters))
        pthread_cond_broadcast(&mark_st.pool_cv);
}

/*
 * INV-IDLE-WORK: no marker, worker or assist waits while another holds more
 * than one packet's worth of grey work. Three parts: (1) balance() hands a
 * packet to the pool whenever someone waits (a worker on pool_cv or a debtor
 * parked on the assist queue) and the pool is empty; (2) every push to the
 * pool wakes one parked debtor that may mark (aq_wants_work), so a debtor
 * waits for credit only while there is no work it could do instead; (3) a
 * debtor re-reads push_epoch after parking (INV-AQ-WORK, assist.c).
 */
static void after_publish(void)
{
    /* INV-AQ-WORK: seq_cst fence between the push_epoch bump (under the
     * pool lock) and reading aq_want_work; pairs with the fence in park()
     * between enqueueing (the hint) and re-reading push_epoch. */
    fence_seq_cst();
    publish_hook(pgc__mark_worker); /* reads aq_want_work */
}

static void publish(pgc_packet *p)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    publish_locked(p);
    pthread_mutex_unlock(&mark_st.pool_lock);
    after_publish();
}

static pgc_packet *take_full(void)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    pgc_packet *p = mark_st.full_packets;
    if (p) {
        mark_st.full_packets = p->next;
        mark_st.nfull--;
    }
    pthread_mutex_unlock(&mark_st.pool_lock);
    return p;
}

bool mark_pool_empty(void)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    bool empty = mark_st.nfull == 0;
    pthread_mutex_unlock(&mark_st.pool_lock);
    return empty;
}

void mark_wake_workers(void)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    pthread_cond_broadcast(&mark_st.pool_cv);
    pthread_mutex_unlock(&mark_st.pool_lock);
}

/* ---- A marker's local work ------------------------------------------------------ */

void marker_init(pgc_marker *m)
{
    memset(m, 0, sizeof *m);
}

static void push(pgc_marker *m, uintptr_t addr, uintptr_t len)
{
    pgc_packet *p = m->cur;
    if (__builtin_expect(!p || p->n == PACKET_ENTRIES, 0)) {
        if (p && m->spare && m->spare->n == 0) {
            m->cur = m->spare;
            m->spare = p;
        } else {
            if (p) {
                if (m->spare)
                    publish(m->spare);
                m->spare = p;
            }
            m->cur = get_empty();
        }
        p = m->cur;
    }
    p->e[p->n].addr = addr;
    p->e[p->n].len = len;
    p->n++;
}

static bool pop(pgc_marker *m, pgc_work *w)
{
    pgc_packet *p = m->cur;
    if (p && p->n) {
        *w = p->e[--p->n];
        return true;
    }
    if (m->spare && m->spare->n) {
        m->cur = m->spare;
        m->spare = p;
        return pop(m, w);
    }
    pgc_packet *full = take_full();
    if (!full)
        return false;
    if (p)
        put_empty(p);
    m->cur = full;
    *w = full->e[--full->n];
    return true;
}

/* Hand back everything the marker holds; flush its counters. */
void marker_flush(pgc_marker *m)
{
    pgc_packet *ps[2] = { m->cur, m->spare };
    for (int i = 0; i < 2; i++) {
        if (!ps[i])
            continue;
        if (ps[i]->n)
            publish(ps[i]);
        else
            put_empty(ps[i]);
    }
    m->cur = m->spare = NULL;
    marker_flush_counters(m);
}

/* Flush the marker's counters, keeping its packets (a worker that stays
 * active between slices, INV-WORKER-HOLDS in workers.c). */
void marker_flush_counters(pgc_marker *m)
{
    if (m->marked)
        fetch_add_relaxed(&mark_st.marked_bytes, m->marked);
    m->marked = 0;
    if (m->scan_work)
        fetch_add_relaxed(&mark_st.heap_scan_work, m->scan_work);
    m->scan_work = 0;
}

/* ---- Marking sessions (INV-QUIESCENT) -------------------------------------------- */

/* Become active only if there is work, taking the first packet in the same
 * critical region as the count, so the coordinator never sees work vanish
 * from the pool without an active marker holding it. */
bool marker_begin_with_work(pgc_marker *m)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    pgc_packet *p = load_relaxed(&mark_st.mark_hold) ? NULL : mark_st.full_packets;
    if (p) {
        mark_st.full_packets = p->next;
        mark_st.nfull--;
        fetch_add_relaxed(&mark_st.active_markers, 1);
    }
    pthread_mutex_unlock(&mark_st.pool_lock);
    if (!p)
        return false;
    if (m->cur)
        put_empty(m->cur);
    m->cur = p;
    return true;
}

/* Become active unconditionally (an assist or a buffer flush, which may
 * create work of its own). */
void marker_begin(void)
{
    fetch_add_relaxed(&mark_st.active_markers, 1);
}

/* Hand everything back and stop being active. */
void marker_end(pgc_marker *m)
{
    marker_flush(m);
    pthread_mutex_lock(&mark_st.pool_lock);
    if (fetch_sub_relaxed(&mark_st.active_markers, 1) == 1 && mark_st.nfull == 0)
        pthread_cond_broadcast(&mark_st.term_cv);
    pthread_mutex_unlock(&mark_st.pool_lock);
}

/* ---- Marking ---------------------------------------------------------------------- */

__attribute__((always_inline)) static inline void candidate(pgc_marker *m, uintptr_t word)
{
    if (word - heap_st.heap_base >= heap_st.heap_size)
        return;
    pgc_span *s = span_of(word);
    if (!s)
        return;
    uint32_t idx = span_index(s, word);
    if (idx >= s->nelems)
        return;
    uint64_t bit = 1ull << (idx & 63);
    _Atomic uint64_t *mw = &s->mark_bits[idx >> 6];
    if (load_relaxed(mw) & bit)
        return;
    if (!(load_relaxed(&s->alloc_bits[idx >> 6]) & bit))
        return; /* a free slot: stale or false pointer (INV-ALLOC-EXACT) */
    if (fetch_or_relaxed(mw, bit) & bit)
        return;
    if (__builtin_expect(load_relaxed(&pgc__eph_active), 0))
        eph_newly_marked(m, s, idx); /* the key of pending ephemerons? */
    uintptr_t size = s->sclass ? s->elem_size : (uintptr_t)s->npages << PAGE_SHIFT;
    m->marked += size;
    if (s->trace != TRACE_NONE)
        push(m, s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0), work_pack(s, size));
}

void mark_candidate(pgc_marker *m, uintptr_t word) { candidate(m, word); }

/* Queue [addr, addr+len) of a marked object for scanning again (the
 * barrier-free modes: it lies on a page written since it was scanned). A
 * program-traced object is queued whole (its trace takes whole objects). */
void mark_push_rescan(pgc_marker *m, uintptr_t addr, uintptr_t len)
{
    pgc_span *s = span_of(addr);
    if (!s)
        return;
    uintptr_t packed = work_pack(s, len);
    uintptr_t base = s->sclass ? s->start + (uintptr_t)span_index(s, addr) * s->elem_size : s->start;
    if (!work_splittable(packed)) {
        addr = base;
        packed = work_pack(s, s->elem_size);
    } else if (addr != base) {
        packed |= WORK_OBLET;
    }
    push(m, addr, packed);
}

/* The marker's visit for trace_object (trace.h): a candidate pointer. */
__attribute__((always_inline)) static inline void marker_visit(void *m, uintptr_t word) { candidate(m, word); }

static uint64_t marker_eph(void *m, uintptr_t e) { return eph_trace(m, e); }

/* One grey item, through the shared trace code. */
PGC_NO_SANITIZE static uint64_t mark_trace(pgc_marker *m, uintptr_t addr, uintptr_t packed)
{
    return trace_object(addr, packed, marker_visit, marker_eph, m);
}

/* Roots are conservative ranges. */
PGC_NO_SANITIZE void mark_scan_range(pgc_marker *m, uintptr_t lo, uintptr_t hi)
{
    lo = (lo + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
    if (hi > lo)
        trace_words(lo, (hi - lo) / sizeof(uintptr_t), marker_visit, m);
}

void mark_shade_buffer(pgc_marker *m, void **buf, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        candidate(m, (uintptr_t)buf[i]);
}

/* Give other markers something to do when they are waiting and the pool is
 * empty (INV-IDLE-WORK): the spare packet if it holds work, else the older
 * half of the current one (the entries nearest the roots, whose subtrees are
 * likely the largest). Waiters are read relaxed, as a hint: a waiter missed
 * here is seen at the next check, ~2000 bytes of scan later. */
static void balance(pgc_marker *m)
{
    if (!load_relaxed(&mark_st.pool_waiters) && !load_relaxed(&mark_st.aq_want_work))
        return;
    pgc_packet *give = NULL;
    bool split = false;
    if (m->spare && m->spare->n)
        give = m->spare;
    else if (m->cur && m->cur->n >= 2)
        split = true;
    else
        return;
    if (split) {
        give = get_empty();
        pgc_packet *c = m->cur;
        uint32_t half = c->n / 2;
        memcpy(give->e, c->e, half * sizeof c->e[0]);
        memmove(c->e, c->e + half, (c->n - half) * sizeof c->e[0]);
        give->n = half;
        c->n -= half;
    }
    pthread_mutex_lock(&mark_st.pool_lock);
    bool empty = mark_st.nfull == 0;
    if (empty) {
        publish_locked(give);
        if (!split)
            m->spare = NULL;
    }
    pthread_mutex_unlock(&mark_st.pool_lock);
    if (empty) {
        after_publish();
    } else if (split) { /* somebody published meanwhile: keep our half */
        pgc_packet *c = m->cur;
        memcpy(c->e + c->n, give->e, give->n * sizeof c->e[0]);
        c->n += give->n;
        put_empty(give);
    }
}

/*
 * Scan grey objects until `budget` bytes are scanned, the clock passes
 * deadline_ns (0 = none), or no work is left. Counters are flushed every
 * ~2000 units; with flush_credit the scan work also goes to the background
 * credit that pays assists. Returns the scan work done.
 */
uint64_t mark_drain(pgc_marker *m, uint64_t budget, uint64_t deadline_ns)
{
    uint64_t done = 0, since_clock = 0, since_flush = 0;
    /* Prefetch ring: an item is prefetched when it leaves the stack and
     * scanned PREFETCH_DEPTH items later, so its first cache line is
     * (mostly) in cache by then; marking is bound by those misses. Items
     * in the ring are this marker's grey work (INV-QUIESCENT: it stays
     * active) and go back on its stack when the drain stops early. */
    pgc_work ring[PREFETCH_DEPTH];
    unsigned head = 0, queued = 0;
    pgc_work w;
    while (done < budget && !load_relaxed(&mark_st.mark_hold)) {
        while (queued < PREFETCH_DEPTH) {
            pgc_work *slot = &ring[(head + queued) % PREFETCH_DEPTH];
            if (!pop(m, slot))
                break;
            __builtin_prefetch((const void *)slot->addr);
            queued++;
        }
        if (queued == 0)
            break;
        w = ring[head];
        head = (head + 1) % PREFETCH_DEPTH;
        queued--;
        if (work_len(w.len) > MAX_OBLET && work_splittable(w.len)) {
            /* the rest, flagged as a later oblet (its flags are in the high bits) */
            push(m, w.addr + MAX_OBLET, (w.len - MAX_OBLET) | WORK_OBLET);
            w.len = (w.len & ~WORK_LEN_MASK) | MAX_OBLET;
        }
        uint64_t work = mark_trace(m, w.addr, w.len);
        done += work;
        m->scan_work += work;
        m->total_work += work;
        since_flush += work;
        since_clock += work_len(w.len);
        if (since_flush >= CREDIT_SLACK) {
            fetch_add_relaxed(&mark_st.heap_scan_work, m->scan_work);
            m->scan_work = 0;
            since_flush = 0;
            balance(m);
        }
        if (deadline_ns && since_clock >= TIME_CHECK_BYTES) {
            since_clock = 0;
            if (now_ns() >= deadline_ns)
                break;
        }
    }
    for (; queued; queued--, head = (head + 1) % PREFETCH_DEPTH)
        push(m, ring[head].addr, ring[head].len);
    if (m->scan_work) {
        fetch_add_relaxed(&mark_st.heap_scan_work, m->scan_work);
        m->scan_work = 0;
    }
    return done;
}

void mark_init(void)
{
    pthread_mutex_init(&mark_st.pool_lock, NULL);
    pthread_cond_init(&mark_st.pool_cv, NULL);
    pthread_cond_init(&mark_st.term_cv, NULL);
}

/* A forked child: no cycle runs (the fork waited for it) and no worker
 * exists, so the pool is idle and nobody waits on it. */
void mark_fork_child(void)
{
    mark_init();
    store_relaxed(&mark_st.pool_waiters, 0);
    store_relaxed(&mark_st.active_markers, 0);
}
