/*
 * lifetimes.c - finalizers (ordered and unordered), weak links and
 * ephemerons, decided while the world runs (docs/DESIGN.md "Lifetimes").
 *
 * The cycle. Marking runs as usual; an ephemeron whose key is unmarked
 * when traced waits in the pending table (keyed by the key's address) and
 * the key gets a bit in its span's eph_keys; a marker that newly marks an
 * object with that bit pushes the values waiting on it (chains resolve in
 * O(n), no rounds over all ephemerons). At mark termination the post-mark
 * step (life_step, world running, marking quiescent) first marks the
 * registrations' data and the queued finalizable objects (the table is a
 * root traced late: its values never change behind the step's back) and
 * re-checks the pending ephemerons; once a round greys nothing and marking
 * is quiescent it closes the reads (`decided` DEC_DECIDING: from then on a
 * weak load or ephemeron read waits, in a blocked region, until the
 * decision is published) and asks for one more drain and handshake round,
 * which also waits out every read that saw DEC_NONE and shaded (a reader
 * shades inside a critical section; the round stops each thread, so each
 * left it). After that round it re-checks and takes the decision:
 *
 * INV-LIFE-DECIDED: once marking is quiescent after a handshake round and
 * the step's own marking greyed nothing, an unmarked object is unreachable
 * (INV-SATB: everything reachable at the snapshot is marked, except through
 * overwritten pointers in barrier buffers, and every buffer was shaded in
 * the handshake round; a record made after a thread's handshake holds an
 * old value of an object scanned before quiescence, so a marked one). The
 * only later marks come from weak loads, ephemeron reads and the
 * finalizers' marking. So the step then gives every unmarked weak target
 * and every unmarked pending key a dead bit (span dead_bits) and publishes
 * `decided` DEC_DONE (release); a weak load or ephemeron read that sees it
 * and a dead bit returns NULL, so every link to one object reads NULL from
 * that moment (all cleared in pause #2). Then it marks from the fields of each
 * unmarked ordered-finalizable object (never the object itself) and marks
 * each unmarked unordered one (all of them are queued). Pause #2 (world
 * stopped, termination confirmed) walks only the candidate lists: writes
 * NULL into the dead links and clears the dead ephemerons, queues the
 * ordered candidates still unmarked (and marks them: resurrected for their
 * finalizer) and the unordered ones.
 *
 * INV-LIFE-READS: no read shades an object after the step read its mark bit
 * for the decision (reads are closed first, and the round waits out the
 * ones already past the check), so an object a read returned is never
 * given a dead bit: a key read back from a weak-keyed table keeps its
 * entry, and a link never reads NULL while its object lives on. (Without
 * it, a read racing with the decision kept its object alive but the object's
 * ephemerons and links were cleared: found by test_torture_lifetimes.)
 *
 * Locks. life_lock guards the finalizer and weak tables; mutators take it
 * only inside critical sections (INV-STW-LOCKS), the coordinator takes it
 * in the step and in pause #2. Tables live in mmap'd memory (never
 * scanned; grown inside critical sections by mmap, never malloc). The
 * pending ephemeron table has shard locks taken by markers (assists inside
 * critical sections, workers) and by the coordinator.
 */
#include "lifetimes.h"
#include "kinds.h"
#include "postmark.h"
#include "trace.h"
#include "testhooks.h"
#include "mark.h"
#include "stop.h"
#include "alloc.h"
#include "threads.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>


/* ---- mmap'd arrays and an address map ---------------------------------------- */

static void *meta_map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        pgc_fatal("pacegc: out of memory for finalizer/weak tables (%zu bytes)\n", bytes);
    return p;
}

/* Grow *arr of *cap elements of size es to at least need. */
static void arr_reserve(void **arr, size_t *cap, size_t es, size_t need)
{
    if (need <= *cap)
        return;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    void *n = meta_map(nc * es);
    if (*arr) {
        memcpy(n, *arr, *cap * es);
        munmap(*arr, *cap * es);
    }
    *arr = n;
    *cap = nc;
}

/* Open addressing, linear probing: address -> uint32 value. Key 0 empty, 1
 * deleted. The owner's lock protects it. */
typedef struct amap {
    uintptr_t *keys;
    uint32_t *vals;
    size_t cap, used, tomb;
} amap;

#define AM_NONE UINT32_MAX

static inline size_t am_hash(uintptr_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k;
}

static uint32_t am_get(const amap *m, uintptr_t k)
{
    if (!m->cap)
        return AM_NONE;
    for (size_t i = am_hash(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k)
            return m->vals[i];
        if (m->keys[i] == 0)
            return AM_NONE;
    }
}

static void am_put(amap *m, uintptr_t k, uint32_t v);

static void am_grow(amap *m)
{
    amap o = *m;
    size_t nc = o.cap ? o.cap : 1024;
    while ((o.used + 1) * 2 > nc)
        nc *= 2;
    m->cap = nc;
    m->used = m->tomb = 0;
    m->keys = meta_map(nc * sizeof(uintptr_t));
    m->vals = meta_map(nc * sizeof(uint32_t));
    for (size_t i = 0; i < o.cap; i++)
        if (o.keys[i] > 1)
            am_put(m, o.keys[i], o.vals[i]);
    if (o.cap) {
        munmap(o.keys, o.cap * sizeof(uintptr_t));
        munmap(o.vals, o.cap * sizeof(uint32_t));
    }
}

static void am_put(amap *m, uintptr_t k, uint32_t v)
{
    if ((m->used + m->tomb + 1) * 4 > m->cap * 3)
        am_grow(m);
    size_t del = SIZE_MAX;
    for (size_t i = am_hash(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k) {
            m->vals[i] = v;
            return;
        }
        if (m->keys[i] == 1 && del == SIZE_MAX)
            del = i;
        if (m->keys[i] == 0) {
            if (del != SIZE_MAX) {
                i = del;
                m->tomb--;
            }
            m->keys[i] = k;
            m->vals[i] = v;
            m->used++;
            return;
        }
    }
}

/* No allocation: callable with the world stopped. Backward-shift
 * deletion: the entries after the hole that may move into it do, so no
 * tombstone is left (a million deletions would otherwise leave probe chains
 * through a million tombstones until the next grow). */
static void am_del(amap *m, uintptr_t k)
{
    if (!m->cap)
        return;
    size_t mask = m->cap - 1, i = am_hash(k) & mask;
    for (;; i = (i + 1) & mask) {
        if (m->keys[i] == k)
            break;
        if (m->keys[i] == 0)
            return;
    }
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (m->keys[j] == 0)
            break;
        size_t h = am_hash(m->keys[j]) & mask;
        /* the entry at j stays if its home h lies cyclically in (i, j] */
        bool stays = i < j ? (h > i && h <= j) : (h > i || h <= j);
        if (!stays) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->used--;
}

static void am_clear(amap *m)
{
    if (m->cap && (m->used || m->tomb))
        memset(m->keys, 0, m->cap * sizeof(uintptr_t));
    m->used = m->tomb = 0;
}

/* ---- Object helpers ------------------------------------------------------------ */

static inline uintptr_t hide(uintptr_t p) { return p ? ~p : 0; }
static inline uintptr_t unhide(uintptr_t h) { return h ? ~h : 0; }

static inline bool obj_lookup(uintptr_t p, pgc_span **s, uint32_t *idx)
{
    return object_base((const void *)p, s, idx) != NULL;
}
static inline bool obj_marked(uintptr_t p)
{
    pgc_span *s;
    uint32_t i;
    return obj_lookup(p, &s, &i) && bit_test(s->mark_bits, i);
}
static inline bool obj_dead(uintptr_t p)
{
    pgc_span *s;
    uint32_t i;
    return obj_lookup(p, &s, &i) && bit_test(s->dead_bits, i);
}
static inline void set_dead(uintptr_t p)
{
    pgc_span *s;
    uint32_t i;
    if (obj_lookup(p, &s, &i))
        fetch_or_relaxed(&s->dead_bits[i >> 6], 1ull << (i & 63));
}
static inline uintptr_t obj_size(const pgc_span *s)
{
    return s->sclass ? s->elem_size : (uintptr_t)s->npages << PAGE_SHIFT;
}

/* Where this cycle's decision is (INV-LIFE-DECIDED, INV-LIFE-READS); a
 * futex word. Written by the coordinator: DEC_DECIDING (seq_cst: a read
 * that saw DEC_NONE is inside a critical section the next handshake round
 * waits out), DEC_DONE with release after the dead bits, DEC_NONE in pause
 * #2 (world stopped). Read with acquire by weak loads and ephemeron reads. */
enum { DEC_NONE = 0, DEC_DECIDING = 1, DEC_DONE = 2 };
static _Atomic uint32_t decided;

static bool marking_now(void) { return load_relaxed(&pgc__marking) != 0; }

static void wait_decided(void *arg)
{
    (void)arg;
    futex_wait(&decided, DEC_DECIDING);
}

/* Enter the critical section of a weak load or ephemeron read: while the
 * decision is being taken, wait for it outside (INV-LIFE-READS). The
 * acquire pairs with the release of DEC_DONE in decide. */
static _Atomic int read_waiters; /* statistics for a test hook */
static void read_enter(pgc_thread *t)
{
    lib_enter(t);
    while (marking_now() && load_acquire(&decided) == DEC_DECIDING && t->cs.in_lib == 1) {
        lib_leave(t);
        fetch_add_relaxed(&read_waiters, 1);
        thread_blocking(t, wait_decided, NULL);
        fetch_sub_relaxed(&read_waiters, 1);
        lib_enter(t);
    }
}

int pgc__test_read_waiters(void) { return load_relaxed(&read_waiters); }

/* ---- GC_call_with_alloc_lock (the libgc.so.1 layer) ----------------------------------
 *
 * bdwgc programs read their disappearing links (raw links, which the
 * collector clears by writing NULL) with a plain load inside
 * GC_call_with_alloc_lock, and bdwgc promises the object read is not freed
 * meanwhile. Here the callback runs under call_lock, and the coordinator
 * holds call_lock from before it closes the reads (DEC_DECIDING, so before
 * the decision reads any mark bit) until the decision is applied
 * (reopen_reads, pause #2 or no decision):
 *
 * INV-LIFE-CALL: no callback runs between the decision's first mark-bit
 * read and the moment every link it decided dead reads NULL. A callback
 * that ran before the decision left what it read in a root or the heap,
 * which the cycle still marks from (the barrier-free modes re-scan every
 * root and written page in pause #2 and re-check the mark bits there; the
 * barrier mode's links hold a hidden form read only by pgc_weak_load); one
 * that runs after reads NULL or a live object.
 *
 * none-stw takes its decision with the world stopped (INV-STW-MARK), so a
 * callback is never running then and a stopped one's registers are roots:
 * the coordinator does not take call_lock there (a stopped callback holds
 * it: INV-STW-LOCKS). The callback must not allocate (bdwgc forbids it; the
 * layer stops the program if it does): an allocation could wait for the
 * cycle, which waits for call_lock. Callers wait for call_lock in a
 * blocked region, so a pause does not wait for them. call_lock also makes
 * the callbacks mutually exclusive, as bdwgc's allocation lock does. */
static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;
static bool call_locked;                 /* the coordinator holds call_lock (coordinator only) */
static _Atomic int call_waiters;         /* callers waiting for call_lock (test hook, relaxed) */
static _Atomic int coord_call_waiting;   /* the coordinator waits for it (test hook, relaxed) */

static void lock_call(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&call_lock);
}

void *pgc__call_with_decision_blocked(void *(*fn)(void *), void *cd)
{
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    if (pthread_mutex_trylock(&call_lock) != 0) {
        fetch_add_relaxed(&call_waiters, 1);
        thread_blocking(t, lock_call, NULL);
        fetch_sub_relaxed(&call_waiters, 1);
    }
    void *r = fn(cd);
    pthread_mutex_unlock(&call_lock);
    return r;
}

/* The coordinator, world running, before it closes the reads. */
static void coord_lock_call(void)
{
    if (pgc__barrier_mode == PGC_BARRIER_NONE_STW || call_locked)
        return;
    if (pthread_mutex_trylock(&call_lock) != 0) {
        store_relaxed(&coord_call_waiting, 1);
        pthread_mutex_lock(&call_lock);
        store_relaxed(&coord_call_waiting, 0);
    }
    call_locked = true;
}

static void coord_unlock_call(void)
{
    if (call_locked) {
        call_locked = false;
        pthread_mutex_unlock(&call_lock);
    }
}

int pgc__test_call_waiters(void) { return load_relaxed(&call_waiters); }
int pgc__test_coordinator_call_waiting(void) { return load_relaxed(&coord_call_waiting); }

/* Shade p (in a critical section, marking): it is kept alive this cycle.
 * The grey item reaches the pool before the section ends, so pause #2's
 * termination check sees it. */
static void shade(uintptr_t p)
{
    pgc_span *s;
    uint32_t i;
    if (!obj_lookup(p, &s, &i) || bit_test(s->mark_bits, i))
        return;
    pgc_marker m;
    marker_init(&m);
    marker_begin();
    mark_candidate(&m, p);
    marker_end(&m);
}

/* ---- Tables ------------------------------------------------------------------------ */

static pthread_mutex_t life_lock = PTHREAD_MUTEX_INITIALIZER;

enum { FIN_FREE = 0, FIN_REG = 1, FIN_QUEUED = 2 };

typedef struct fin_entry {
    uintptr_t obj; /* metadata is never scanned: not a root */
    pgc_finalizer_fn fn;
    void *data;    /* kept alive: the step marks it */
    uint32_t next; /* free list or queue link */
    uint8_t state;
    uint8_t ordered; /* FIN_UNORDERED, FIN_ORDERED, FIN_IGNORE_SELF */
} fin_entry;
enum { FIN_UNORDERED = 0, FIN_ORDERED = 1, FIN_IGNORE_SELF = 2 };

typedef struct fin_cand {
    uint32_t idx;
    uint8_t ordered;
    uint8_t dead; /* unordered, tracked modes: unmarked after the final pause's mark (INV-LIFE-UNORDERED) */
    uintptr_t obj;
} fin_cand;

typedef struct weak_entry {
    uintptr_t link;
    uintptr_t target; /* 0: free slot */
    uint32_t next_free;
    uint8_t raw;      /* bdwgc link: *link is the program's, only ever cleared */
    uint8_t long_link; /* bdwgc long link: cleared only once the target is freed */
} weak_entry;

typedef struct weak_cand {
    uint32_t idx;
    uintptr_t link, target;
    bool container_dead, long_link;
} weak_cand;

/* All under life_lock. */
static fin_entry *fins;
static size_t fins_cap, fins_n;
static uint32_t fin_free = AM_NONE;
static amap fin_map;                                /* obj -> index of a FIN_REG entry */
static uint32_t q_head = AM_NONE, q_tail = AM_NONE; /* FIFO of FIN_QUEUED entries */
static size_t q_len, nreg;
static weak_entry *weaks;
static size_t weaks_cap, weaks_n;
static uint32_t weak_free = AM_NONE;
static amap weak_map; /* link -> index */

/* Slot pools of the two tables (life lock held): a freed slot goes on its
 * table's free list, a new one comes from it or from the end of the array. */
static uint32_t weak_slot_new(uintptr_t link)
{
    uint32_t i;
    if (weak_free != AM_NONE) {
        i = weak_free;
        weak_free = weaks[i].next_free;
    } else {
        arr_reserve((void **)&weaks, &weaks_cap, sizeof(weak_entry), weaks_n + 1);
        i = (uint32_t)weaks_n++;
    }
    am_put(&weak_map, link, i);
    return i;
}

static void weak_free_entry(uint32_t idx, uintptr_t link)
{
    am_del(&weak_map, link);
    weaks[idx].target = 0;
    weaks[idx].next_free = weak_free;
    weak_free = idx;
}

static uint32_t fin_slot_new(uintptr_t obj)
{
    uint32_t i;
    if (fin_free != AM_NONE) {
        i = fin_free;
        fin_free = fins[i].next;
    } else {
        arr_reserve((void **)&fins, &fins_cap, sizeof(fin_entry), fins_n + 1);
        i = (uint32_t)fins_n++;
    }
    am_put(&fin_map, obj, i);
    return i;
}

static void fin_slot_release(uint32_t i)
{
    fins[i] = (fin_entry){ 0 };
    fins[i].next = fin_free;
    fin_free = i;
}

/* Coordinator only (step and pause #2). */
static fin_cand *fcand;
static size_t fcand_cap, fcand_n;
static weak_cand *wcand;
static size_t wcand_cap, wcand_n;

/* Finalizer thread and demand mode. */
static _Atomic int on_demand;
static void (*_Atomic notifier)(void);
static _Atomic uint32_t fin_wake; /* futex word: bumped when the queue grew */
static _Atomic int fin_thread_started;
static _Atomic uint64_t queued_total; /* statistics */
static _Atomic int notify_pending;

static void start_finalizer_thread(void);

/* ---- Ephemerons ------------------------------------------------------------------ */

struct pgc_ephemeron {
    uintptr_t key;   /* hidden (no scan sees it); 0 once cleared */
    void *value;     /* traced only through the key (the ephemeron kind) */
};

#define EPH_SHARDS 64

typedef struct eph_rec {
    uintptr_t eph, key;
    uint32_t next; /* chain of records of the same key */
    uint32_t done; /* resolved or taken as a candidate */
} eph_rec;

typedef struct eph_shard {
    pthread_mutex_t lock;
    amap heads;   /* key -> first record */
    eph_rec *recs;
    size_t cap, n;
    size_t n_at_decision; /* records after it were added after the decision */
    char pad[64];
} eph_shard;

static PGC_STATE eph_shard shards[EPH_SHARDS];

/* Dead-keyed ephemerons found by the decision (coordinator). */
static uintptr_t *ecand;
static size_t ecand_cap, ecand_n;

static inline eph_shard *shard_of(uintptr_t key) { return &shards[(am_hash(key) >> 20) % EPH_SHARDS]; }

static inline uintptr_t eph_key_base(const pgc_ephemeron *e, pgc_span **s, uint32_t *idx)
{
    uintptr_t k = unhide(__atomic_load_n(&e->key, __ATOMIC_RELAXED));
    if (!k)
        return 0;
    return (uintptr_t)object_base((const void *)k, s, idx);
}

/* Record e as waiting for key (base kb of object idx of span ks).
 * INV-EPH-DEKKER: the recorder adds the record and sets the key's bit
 * (seq_cst), then re-reads the key's mark bit; a marker that newly marks the
 * key (fetch_or) issues a seq_cst fence and then reads the bit. One of the
 * two sees the other: the value is pushed by the recorder, the marker, or
 * both (harmless). */
static void eph_record(uintptr_t e, uintptr_t kb, pgc_span *ks, uint32_t idx)
{
    eph_shard *sh = shard_of(kb);
    pthread_mutex_lock(&sh->lock);
    arr_reserve((void **)&sh->recs, &sh->cap, sizeof(eph_rec), sh->n + 1);
    uint32_t r = (uint32_t)sh->n++;
    uint32_t head = am_get(&sh->heads, kb);
    sh->recs[r] = (eph_rec){ e, kb, head, 0 };
    am_put(&sh->heads, kb, r);
    pthread_mutex_unlock(&sh->lock);
    fetch_or_seq_cst(&ks->eph_keys[idx >> 6], 1ull << (idx & 63));
}

uint64_t life_mark_ephemeron(pgc_marker *m, uintptr_t eaddr)
{
    pgc_ephemeron *e = (pgc_ephemeron *)eaddr;
    pgc_span *ks;
    uint32_t idx;
    uintptr_t kb = eph_key_base(e, &ks, &idx);
    if (!kb)
        return 2 * sizeof(uintptr_t);
    if (!bit_test(ks->mark_bits, idx)) {
        eph_record(eaddr, kb, ks, idx);
        fence_seq_cst(); /* INV-EPH-DEKKER */
        if (!bit_test(ks->mark_bits, idx))
            return 3 * sizeof(uintptr_t);
    }
    mark_candidate(m, __atomic_load_n((uintptr_t *)&e->value, __ATOMIC_RELAXED));
    return 3 * sizeof(uintptr_t);
}

/* Push the values waiting on key kb. Values are collected under the shard
 * lock and marked after it (marking may resolve keys of the same shard). */
static void eph_resolve(pgc_marker *m, uintptr_t kb)
{
    eph_shard *sh = shard_of(kb);
    for (;;) {
        uintptr_t vals[32];
        int nv = 0;
        bool more = false;
        pthread_mutex_lock(&sh->lock);
        for (uint32_t r = am_get(&sh->heads, kb); r != AM_NONE; r = sh->recs[r].next) {
            eph_rec *rec = &sh->recs[r];
            if (rec->done || rec->key != kb)
                continue;
            if (nv == 32) {
                more = true;
                break;
            }
            rec->done = 1;
            vals[nv++] = __atomic_load_n((uintptr_t *)&((pgc_ephemeron *)rec->eph)->value, __ATOMIC_RELAXED);
        }
        pthread_mutex_unlock(&sh->lock);
        for (int i = 0; i < nv; i++)
            mark_candidate(m, vals[i]);
        if (!more)
            return;
    }
}

void life_newly_marked(pgc_marker *m, pgc_span *s, uint32_t idx)
{
    fence_seq_cst(); /* INV-EPH-DEKKER */
    if (!bit_test(s->eph_keys, idx))
        return;
    eph_resolve(m, s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0));
}

pgc_ephemeron *pgc_ephemeron_new(void *key, void *value)
{
    if (!key)
        pgc_fatal("pacegc: pgc_ephemeron_new: the key is NULL (an ephemeron needs a key object)\n");
    if (!load_relaxed(&pgc__eph_active))
        store_relaxed(&pgc__eph_active, 1);
    pgc_ephemeron *e = pgc_alloc_kind(kind_ephemeron(), sizeof(pgc_ephemeron));
    /* a new object, black while marking and unscanned otherwise: plain
     * initialising stores need no barrier (the old values are NULL) */
    __atomic_store_n(&e->key, hide((uintptr_t)key), __ATOMIC_RELAXED);
    __atomic_store_n((uintptr_t *)&e->value, (uintptr_t)value, __ATOMIC_RELAXED);
    return e;
}

static void check_eph_arg(pgc_ephemeron *e, const char *who)
{
    pgc_span *s;
    if (!e)
        pgc_fatal("pacegc: %s: the ephemeron is NULL\n", who);
    if (object_base(e, &s, NULL) != (void *)e || !kind_get(s->kind)->ephemeron)
        pgc_fatal("pacegc: %s: %p is not an ephemeron made by pgc_ephemeron_new\n", who, (void *)e);
}

/* Read e's key (and value if want_value) with the pgc_weak_load guarantee. */
static void *eph_read(pgc_ephemeron *e, bool want_value)
{
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    read_enter(t);
    uintptr_t k = unhide(__atomic_load_n(&e->key, __ATOMIC_RELAXED));
    uintptr_t v = __atomic_load_n((uintptr_t *)&e->value, __ATOMIC_RELAXED);
    uintptr_t r = 0;
    if (k) {
        /* DEC_DECIDING here: this read saw DEC_NONE in read_enter, and the
         * handshake round waits for it (INV-LIFE-READS) */
        if (marking_now() && load_acquire(&decided) == DEC_DONE && obj_dead(k)) { /* pairs with the release in decide */
            r = 0;
        } else {
            r = want_value ? v : k;
            if (marking_now() && r)
                shade(r);
        }
    }
    void *p = (void *)r;
    __asm__ volatile("" : "+r"(p));
    lib_leave(t);
    return p;
}

void *pgc_ephemeron_key(pgc_ephemeron *e)
{
    check_eph_arg(e, "pgc_ephemeron_key");
    return eph_read(e, false);
}

void *pgc_ephemeron_value(pgc_ephemeron *e)
{
    check_eph_arg(e, "pgc_ephemeron_value");
    return eph_read(e, true);
}

/* ---- Weak links ------------------------------------------------------------------- */

static inline void link_store(void **link, uintptr_t v) { __atomic_store_n((uintptr_t *)link, v, __ATOMIC_RELAXED); }

static void weak_set_flags(void **link, uintptr_t obj, bool raw, bool long_link)
{
    uint32_t i = am_get(&weak_map, (uintptr_t)link);
    if (!obj) {
        bool was_raw = i != AM_NONE && weaks[i].raw;
        if (i != AM_NONE) {
            weak_free_entry(i, (uintptr_t)link);
        }
        if (!was_raw && !raw)
            link_store(link, 0);
        return;
    }
    if (i == AM_NONE)
        i = weak_slot_new((uintptr_t)link);
    weaks[i].link = (uintptr_t)link;
    weaks[i].target = obj;
    weaks[i].raw = raw;
    weaks[i].long_link = long_link;
    if (!raw)
        link_store(link, hide(obj));
}
static void weak_set(void **link, uintptr_t obj) { weak_set_flags(link, obj, false, false); }

/* ---- For the bdwgc layer (src/bdwgc/finalize.c) ----------------------------------- */

/* A bdwgc disappearing link: *link holds whatever the program put there (a
 * hidden pointer, or a plain one in pointer-free memory: bdwgc's rule) and
 * is never written except to clear it, in the same step as pacegc's links
 * (long: once the target is freed, after finalization). 1 if link was
 * registered already (nothing changes, as in bdwgc). */
int pgc__link_register_raw(void **link, const void *obj, int long_link)
{
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    lib_enter(t);
    pthread_mutex_lock(&life_lock);
    int dup = am_get(&weak_map, (uintptr_t)link) != AM_NONE;
    if (!dup)
        weak_set_flags(link, (uintptr_t)obj, true, long_link != 0);
    pthread_mutex_unlock(&life_lock);
    lib_leave(t);
    return dup;
}

/* 1 if link was registered (of that kind) and is no longer; *link untouched. */
int pgc__link_unregister_raw(void **link, int long_link)
{
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    lib_enter(t);
    pthread_mutex_lock(&life_lock);
    uint32_t i = am_get(&weak_map, (uintptr_t)link);
    int found = i != AM_NONE && weaks[i].raw && weaks[i].long_link == (long_link != 0);
    if (found)
        weak_set_flags(link, 0, true, false);
    pthread_mutex_unlock(&life_lock);
    lib_leave(t);
    return found;
}

/* 0 moved, 1 new_link already registered, 2 link not registered (of that kind). */
int pgc__link_move_raw(void **link, void **new_link, int long_link)
{
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    lib_enter(t);
    pthread_mutex_lock(&life_lock);
    uint32_t i = am_get(&weak_map, (uintptr_t)link);
    int rc;
    if (i == AM_NONE || !weaks[i].raw || weaks[i].long_link != (long_link != 0))
        rc = 2;
    else if (link == new_link)
        rc = 0;
    else if (am_get(&weak_map, (uintptr_t)new_link) != AM_NONE)
        rc = 1;
    else {
        am_del(&weak_map, (uintptr_t)link);
        am_put(&weak_map, (uintptr_t)new_link, i);
        weaks[i].link = (uintptr_t)new_link;
        rc = 0;
    }
    pthread_mutex_unlock(&life_lock);
    lib_leave(t);
    return rc;
}

void pgc_register_weak_link(void **link, const void *obj)
{
    if (!link)
        pgc_fatal("pacegc: pgc_register_weak_link: the link is NULL (pass the address of the pointer slot)\n");
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    lib_enter(t);
    pthread_mutex_lock(&life_lock);
    weak_set(link, (uintptr_t)obj);
    pthread_mutex_unlock(&life_lock);
    lib_leave(t);
}

void pgc_unregister_weak_link(void **link)
{
    if (!link)
        pgc_fatal("pacegc: pgc_unregister_weak_link: the link is NULL\n");
    pgc_register_weak_link(link, NULL);
}

void *pgc_weak_load(void **link)
{
    if (!link)
        pgc_fatal("pacegc: pgc_weak_load: the link is NULL\n");
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    read_enter(t);
    uintptr_t p = unhide(__atomic_load_n((uintptr_t *)link, __ATOMIC_RELAXED));
    if (p && marking_now()) {
        if (load_acquire(&decided) == DEC_DONE && obj_dead(p)) /* pairs with the release in decide */
            p = 0;
        else
            shade(p);
    }
    void *r = (void *)p;
    __asm__ volatile("" : "+r"(r));
    lib_leave(t);
    return r;
}

/* ---- Finalizer registration ------------------------------------------------------- */

static void fin_register_old(void *obj, pgc_finalizer_fn fn, void *data, int ordered, const char *who,
                             pgc_finalizer_fn *ofn, void **odata)
{
    if (!obj)
        pgc_fatal("pacegc: %s: the object is NULL\n", who);
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    pgc_span *s;
    void *base = object_base(obj, &s, NULL);
    if (base != obj) {
        if (base)
            pgc_fatal("pacegc: %s: %p is inside the pacegc object %p, not at its start (register the "
                      "object's start)\n", who, obj, base);
        pgc_fatal("pacegc: %s: %p is not a pacegc object (finalizers are for objects from pgc_alloc*)\n",
                  who, obj);
    }
    if (!kind_get(s->kind)->collectable)
        pgc_fatal("pacegc: %s: %p is uncollectable; it is never finalized\n", who, obj);
    lib_enter(t);
    pthread_mutex_lock(&life_lock);
    uint32_t i = am_get(&fin_map, (uintptr_t)obj);
    if (ofn)
        *ofn = i != AM_NONE ? fins[i].fn : NULL;
    if (odata)
        *odata = i != AM_NONE ? fins[i].data : NULL;
    if (!fn) {
        if (i != AM_NONE) {
            am_del(&fin_map, (uintptr_t)obj);
            fin_slot_release(i);
            nreg--;
        }
    } else {
        if (i == AM_NONE) {
            i = fin_slot_new((uintptr_t)obj);
            nreg++;
        }
        fins[i].obj = (uintptr_t)obj;
        fins[i].fn = fn;
        fins[i].data = data; /* the step marks it; an old value dropped here is garbage */
        fins[i].state = FIN_REG;
        fins[i].ordered = (uint8_t)ordered;
        fins[i].next = AM_NONE;
    }
    pthread_mutex_unlock(&life_lock);
    lib_leave(t);
    if (fn && !load_relaxed(&on_demand))
        start_finalizer_thread();
}

void pgc_register_finalizer(void *obj, pgc_finalizer_fn fn, void *data)
{
    fin_register_old(obj, fn, data, FIN_ORDERED, "pgc_register_finalizer", NULL, NULL);
}

void pgc_register_finalizer_unordered(void *obj, pgc_finalizer_fn fn, void *data)
{
    fin_register_old(obj, fn, data, FIN_UNORDERED, "pgc_register_finalizer_unordered", NULL, NULL);
}

/* For the bdwgc layer: mode 0 unordered, 1 ordered, 2 ordered ignoring the
 * object's pointers to itself; the previous fn and data through ofn, odata
 * (NULL if none). */
void pgc__register_finalizer_mode(void *obj, pgc_finalizer_fn fn, void *data, int mode, const char *who,
                                  pgc_finalizer_fn *ofn, void **odata)
{
    fin_register_old(obj, fn, data, mode, who, ofn, odata);
}

/* Queued finalizers not yet run. */
size_t pgc__finalizers_pending(void)
{
    pthread_mutex_lock(&life_lock);
    size_t n = q_len;
    pthread_mutex_unlock(&life_lock);
    return n;
}

/* ---- Running finalizers ------------------------------------------------------------ */

/* Pop one queued finalizer (in a critical section). While marking, the
 * object and data are shaded: the queue held them, this thread's stack was
 * scanned before it held them. */
static bool fin_pop(pgc_finalizer_fn *fn, uintptr_t *obj, void **data)
{
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    lib_enter(t);
    pthread_mutex_lock(&life_lock);
    uint32_t i = q_head;
    bool got = i != AM_NONE;
    if (got) {
        q_head = fins[i].next;
        if (q_head == AM_NONE)
            q_tail = AM_NONE;
        q_len--;
        *fn = fins[i].fn;
        *obj = fins[i].obj;
        *data = fins[i].data;
        fin_slot_release(i);
    }
    pthread_mutex_unlock(&life_lock);
    if (got && marking_now()) {
        shade(*obj);
        if (*data)
            shade((uintptr_t)*data);
    }
    if (got)
        __asm__ volatile("" : : "r"(*obj), "r"(*data) : "memory");
    lib_leave(t);
    return got;
}

size_t pgc_run_finalizers(void)
{
    ensure_init();
    size_t n = 0;
    pgc_finalizer_fn fn = NULL;
    uintptr_t obj = 0;
    void *data = NULL;
    while (fin_pop(&fn, &obj, &data)) {
        void *volatile keep = (void *)obj; /* held on this stack while fn runs */
        fn((void *)obj, data);
        (void)keep;
        n++;
    }
    return n;
}

int pgc_set_finalize_on_demand(int on)
{
    ensure_init();
    int old = exchange_relaxed(&on_demand, on ? 1 : 0);
    if (!on && nreg)
        start_finalizer_thread();
    futex_wake_all(&fin_wake);
    return old;
}

void pgc_set_finalizer_notifier(void (*fn)(void))
{
    ensure_init();
    store_relaxed(&notifier, fn);
    if (fn)
        start_finalizer_thread();
}

static bool queue_nonempty(void)
{
    pgc_thread *t = pgc_self;
    lib_enter(t);
    pthread_mutex_lock(&life_lock);
    bool ne = q_head != AM_NONE;
    pthread_mutex_unlock(&life_lock);
    lib_leave(t);
    return ne;
}

static void fin_wait_blocked(void *arg)
{
    uint32_t seq = *(uint32_t *)arg;
    futex_wait(&fin_wake, seq);
}

/* pacegc's finalizer thread: attached (finalizers allocate), stoppable like
 * any attached thread; it waits in a blocked region. A finalizer that never
 * returns stalls only this thread. */
static void *finalizer_main(void *arg)
{
    (void)arg;
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, G.stop_signal);
    pthread_sigmask(SIG_UNBLOCK, &stop, NULL); /* it must answer stops */
    pgc_thread_attach();
    for (;;) {
        /* acquire: pairs with the release bump in lifetimes_after_cycle */
        uint32_t seq = load_acquire(&fin_wake);
        if (exchange_relaxed(&notify_pending, 0)) {
            void (*nf)(void) = load_relaxed(&notifier);
            if (nf)
                nf();
        }
        if (!load_relaxed(&on_demand) && queue_nonempty()) {
            pgc_run_finalizers();
            continue;
        }
        if (load_relaxed(&notify_pending))
            continue;
        thread_blocking(pgc_self, fin_wait_blocked, &seq);
    }
    return NULL;
}

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

static void start_finalizer_thread(void)
{
    if (load_acquire(&fin_thread_started)) /* pairs with the release below */
        return;
    ensure_init();
    lock_stoppable(&start_lock);
    if (!load_relaxed(&fin_thread_started)) {
        pthread_t th;
        /* INV-INTERNAL-SIGMASK, but the stop signal is unblocked inside */
        if (!os_start_internal_thread(&th, finalizer_main, NULL, "pacegc-final"))
            pgc_fatal("pacegc: cannot start the finalizer thread\n");
        store_release(&fin_thread_started, 1);
    }
    pthread_mutex_unlock(&start_lock);
}

/* ---- The post-mark step (coordinator, world running) ------------------------------ */

static bool pool_quiescent(void)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    bool q = mark_st.nfull == 0 && load_relaxed(&mark_st.active_markers) == 0;
    pthread_mutex_unlock(&mark_st.pool_lock);
    return q;
}

/* The coordinator takes life_lock in short stretches (mutators register
 * meanwhile). */
#define STRETCH 4096

/* Mark the registrations' data and the queued objects and their data. */
static void mark_table_roots(pgc_marker *m)
{
    pthread_mutex_lock(&life_lock);
    size_t n = fins_n;
    pthread_mutex_unlock(&life_lock);
    for (size_t lo = 0; lo < n; lo += STRETCH) {
        pthread_mutex_lock(&life_lock);
        for (size_t i = lo; i < lo + STRETCH && i < fins_n; i++) {
            if (fins[i].state == FIN_FREE)
                continue;
            if (fins[i].data)
                mark_candidate(m, (uintptr_t)fins[i].data);
            if (fins[i].state == FIN_QUEUED)
                mark_candidate(m, fins[i].obj);
        }
        pthread_mutex_unlock(&life_lock);
    }
}

/* Pending ephemerons whose key got marked meanwhile (the window of
 * INV-EPH-DEKKER is covered there; this is the step's own re-check). */
static void eph_recheck(pgc_marker *m)
{
    for (int s = 0; s < EPH_SHARDS; s++) {
        eph_shard *sh = &shards[s];
        pthread_mutex_lock(&sh->lock);
        size_t n = sh->n;
        pthread_mutex_unlock(&sh->lock);
        for (size_t r = 0; r < n; r++) {
            pthread_mutex_lock(&sh->lock);
            eph_rec rec = sh->recs[r];
            bool take = !rec.done && obj_marked(rec.key);
            if (take)
                sh->recs[r].done = 1;
            pthread_mutex_unlock(&sh->lock);
            if (take)
                mark_candidate(m, __atomic_load_n((uintptr_t *)&((pgc_ephemeron *)rec.eph)->value,
                                                  __ATOMIC_RELAXED));
        }
    }
}

static bool marker_has_work(pgc_marker *m) { return (m->cur && m->cur->n) || (m->spare && m->spare->n); }

/* Trace the fields of obj (not obj itself) into m; with ignore_self, words
 * that point into obj are skipped (bdwgc's _ignore_self). */
typedef struct fields_ctx {
    pgc_marker *m;
    uintptr_t lo, hi; /* skipped: [lo, hi) */
} fields_ctx;
static void visit_fields_cb(void *c, uintptr_t w)
{
    fields_ctx *f = c;
    if (w >= f->lo && w < f->hi)
        return;
    mark_candidate(f->m, w);
}
static uint64_t eph_fields_cb(void *c, uintptr_t e) { return life_mark_ephemeron(((fields_ctx *)c)->m, e); }

PGC_NO_SANITIZE static void mark_fields(pgc_marker *m, uintptr_t obj, bool ignore_self)
{
    pgc_span *s;
    uint32_t i;
    if (!obj_lookup(obj, &s, &i) || s->trace == TRACE_NONE)
        return;
    fields_ctx f = { m, ignore_self ? obj : 0, ignore_self ? obj + obj_size(s) : 0 };
    trace_object(obj, work_pack(s, obj_size(s)), visit_fields_cb, eph_fields_cb, &f);
}

/* exact: the barrier mode makes INV-LIFE-DECIDED hold (SATB, or the whole
 * mark with the world stopped); barrier-free tracked modes re-check mark
 * bits in pause #2 instead, and finish the decision in the final pause
 * (INV-LIFE-FINAL). */
static bool exact_mode(void) { return pgc__barrier_mode == PGC_BARRIER_SATB || pgc__barrier_mode == PGC_BARRIER_NONE_STW; }

/* Debug: report ordered finalizable objects reachable from their own
 * fields (a cycle: never finalized). Sequential drains on the coordinator. */
static void report_cycles(pgc_marker *m)
{
    for (size_t c = 0; c < fcand_n; c++) {
        if (!fcand[c].ordered || obj_marked(fcand[c].obj))
            continue;
        marker_begin();
        mark_fields(m, fcand[c].obj, fcand[c].ordered == FIN_IGNORE_SELF);
        mark_drain(m, UINT64_MAX, 0);
        marker_end(m);
        if (obj_marked(fcand[c].obj))
            fprintf(stderr, "pacegc: finalizers: %p (ordered finalizable) is reachable from its own fields: "
                            "a cycle of ordered finalizable objects, never finalized\n", (void *)fcand[c].obj);
    }
}

/* The decision (INV-LIFE-DECIDED). */
static void decide(pgc_marker *m)
{
    bool exact = exact_mode();
    wcand_n = fcand_n = ecand_n = 0;
    /* weak links: unmarked targets, or links inside unmarked objects */
    pthread_mutex_lock(&life_lock);
    size_t n = weaks_n;
    pthread_mutex_unlock(&life_lock);
    for (size_t lo = 0; lo < n; lo += STRETCH) {
        pthread_mutex_lock(&life_lock);
        for (size_t i = lo; i < lo + STRETCH && i < weaks_n; i++) {
            weak_entry *w = &weaks[i];
            if (!w->target)
                continue;
            pgc_span *ls;
            uint32_t li;
            bool cdead = obj_lookup(w->link, &ls, &li) && kind_get(ls->kind)->collectable &&
                         !bit_test(ls->mark_bits, li);
            bool tdead = !obj_marked(w->target);
            if (!cdead && !tdead)
                continue;
            arr_reserve((void **)&wcand, &wcand_cap, sizeof(weak_cand), wcand_n + 1);
            wcand[wcand_n++] = (weak_cand){ (uint32_t)i, w->link, w->target, cdead, w->long_link != 0 };
            if (tdead && exact)
                set_dead(w->target);
        }
        pthread_mutex_unlock(&life_lock);
    }
    /* ephemerons still pending: their keys are unreachable */
    for (int s = 0; s < EPH_SHARDS; s++) {
        eph_shard *sh = &shards[s];
        pthread_mutex_lock(&sh->lock);
        for (size_t r = 0; r < sh->n; r++) {
            eph_rec *rec = &sh->recs[r];
            if (rec->done || obj_marked(rec->key))
                continue;
            rec->done = 1;
            if (exact)
                set_dead(rec->key);
            arr_reserve((void **)&ecand, &ecand_cap, sizeof(uintptr_t), ecand_n + 1);
            ecand[ecand_n++] = rec->eph;
        }
        sh->n_at_decision = sh->n;
        pthread_mutex_unlock(&sh->lock);
    }
    store_release(&decided, DEC_DONE); /* pairs with the acquire in read_enter, pgc_weak_load, eph_read */
    futex_wake_all(&decided);
    pgc_hook_point(PGC_TEST_DECIDED);
    /* finalizers */
    pthread_mutex_lock(&life_lock);
    n = fins_n;
    pthread_mutex_unlock(&life_lock);
    for (size_t lo = 0; lo < n; lo += STRETCH) {
        pthread_mutex_lock(&life_lock);
        for (size_t i = lo; i < lo + STRETCH && i < fins_n; i++) {
            if (fins[i].state != FIN_REG || obj_marked(fins[i].obj))
                continue;
            arr_reserve((void **)&fcand, &fcand_cap, sizeof(fin_cand), fcand_n + 1);
            fcand[fcand_n++] = (fin_cand){ (uint32_t)i, fins[i].ordered, 0, fins[i].obj };
        }
        pthread_mutex_unlock(&life_lock);
    }
    if (G.debug_finalizers)
        report_cycles(m);
    for (size_t c = 0; c < fcand_n; c++) {
        if (fcand[c].ordered)
            mark_fields(m, fcand[c].obj, fcand[c].ordered == FIN_IGNORE_SELF);
        else if (exact)
            mark_candidate(m, fcand[c].obj);
        /* else INV-LIFE-FINAL C: decided in the final pause */
    }
}


static enum { ST_MARKING, ST_DECIDING, ST_DECIDED, ST_APPLIED } stage; /* coordinator */

/* INV-LIFE-FINAL (barrier-free tracked modes): the decision is taken with
 * the world running before the final pause, whose re-scan of roots and
 * written pages may still find reachable an object that was unmarked at
 * the decision. So the step gives no dead bits and does not mark unordered
 * candidates, and the final pause, once its mark from the roots is complete
 * with the world stopped (every object reachable from the roots is then
 * marked), finishes the decision, a step per call until it greys nothing:
 *  A. a dead-keyed ephemeron of the decision (ecand: its record was closed,
 *     so marking its key no longer pushes its value) whose key is marked
 *     now, and has no dead bit, was reachable after all: its value is
 *     marked (tagged in ecand, once). Until no such value is greyed, as a
 *     value can reach another key.
 *  B. then every key of ecand and every weak target still unmarked gets a
 *     dead bit: unreachable from the roots, at most kept for a finalizer,
 *     so pause #2 clears the ephemeron and the short links even though the
 *     finalizers' marking marks them (as the exact modes do);
 *  C. INV-LIFE-UNORDERED: every unordered candidate still unmarked gets a
 *     dead flag and a dead bit (all first, so one reachable only from
 *     another is finalized in the same cycle), then is greyed, so its
 *     fields stay for its finalizer; pause #2 queues exactly the flagged
 *     ones.
 * Flags and dead bits set after a complete mark stay right if that pause
 * then gives up (an unreachable object stays unreachable); a retry does the
 * steps again. An unordered object reachable only from an ordered
 * candidate's fields (marked by the step) is not flagged: it waits for that
 * object, as an ordered one would; likewise a key or target reachable only
 * from such fields is kept (more retention than the exact modes, never
 * less). Returns true if it greyed something (the caller drains and calls
 * again). Coordinator, world stopped, phase MARK (nobarrier_final_mark). */
bool lifetimes_final_step(pgc_marker *m)
{
    if (stage != ST_APPLIED || exact_mode())
        return false;
    bool any = false;
    for (size_t c = 0; c < ecand_n; c++) { /* A */
        if (ecand[c] & 1)
            continue;
        pgc_ephemeron *e = (pgc_ephemeron *)(ecand[c] & ~(uintptr_t)1); /* tag: INV-LIFE-FINAL A */
        uintptr_t k = unhide(__atomic_load_n(&e->key, __ATOMIC_RELAXED));
        if (k && obj_marked(k) && !obj_dead(k)) {
            ecand[c] |= 1;
            mark_candidate(m, __atomic_load_n((uintptr_t *)&e->value, __ATOMIC_RELAXED));
            any = true;
        }
    }
    if (any)
        return true;
    for (size_t c = 0; c < ecand_n; c++) { /* B */
        pgc_ephemeron *e = (pgc_ephemeron *)(ecand[c] & ~(uintptr_t)1);
        uintptr_t k = unhide(__atomic_load_n(&e->key, __ATOMIC_RELAXED));
        if (k && !obj_marked(k))
            set_dead(k);
    }
    for (size_t c = 0; c < wcand_n; c++)
        if (!obj_marked(wcand[c].target))
            set_dead(wcand[c].target);
    pthread_mutex_lock(&life_lock); /* C */
    for (size_t c = 0; c < fcand_n; c++) {
        fin_cand *f = &fcand[c];
        fin_entry *e = &fins[f->idx];
        if (!f->ordered && !f->dead && e->state == FIN_REG && e->obj == f->obj && !obj_marked(f->obj)) {
            f->dead = 1;
            set_dead(f->obj); /* its links and ephemerons are cleared in pause #2 */
            any = true;
        }
    }
    pthread_mutex_unlock(&life_lock);
    if (any)
        for (size_t c = 0; c < fcand_n; c++)
            if (fcand[c].dead && !obj_marked(fcand[c].obj))
                mark_candidate(m, fcand[c].obj);
    return any;
}

static void enqueue(uint32_t i);
static void mark_now(uintptr_t p);
static void clear_eph(pgc_ephemeron *e)
{
    __atomic_store_n(&e->key, 0, __ATOMIC_RELAXED);
    __atomic_store_n((uintptr_t *)&e->value, 0, __ATOMIC_RELAXED);
}
static size_t queued_this_cycle;

/* INV-LIFE-APPLY (exact modes): once the marking that followed the decision
 * is quiescent again, the decision is final for everything but links inside
 * unmarked objects: a dead-bit target reads NULL already (decided is
 * DEC_DONE), an unreachable ephemeron or finalizable object is reached by no
 * mutator, and only the collector marks after this (mark_now below). So
 * the step applies it with the world running, in stretches under the locks,
 * in pause #2's order: dead links written NULL and dropped, dead ephemerons
 * cleared, finalizable objects queued (marked, resurrected for their
 * finalizer). Pause #2 keeps only the links inside unmarked objects (their
 * container may still be reached: it is decided when the world stops).
 * A queued finalizer may run before pause #2; its object is marked. */
static void apply_decision(void)
{
    /* 1. weak links with a dead target, not inside an unmarked object */
    size_t keep = 0;
    for (size_t lo = 0; lo < wcand_n; lo += STRETCH) {
        pthread_mutex_lock(&life_lock);
        for (size_t c = lo; c < lo + STRETCH && c < wcand_n; c++) {
            weak_cand *w = &wcand[c];
            if (w->container_dead || w->long_link) {
                wcand[keep++] = *w; /* pause #2 decides; long links after step 3 */
                continue;
            }
            weak_entry *e = &weaks[w->idx];
            if (e->link != w->link || e->target != w->target)
                continue; /* re-targeted or unregistered since */
            link_store((void **)w->link, 0);
            weak_free_entry(w->idx, w->link);
        }
        pthread_mutex_unlock(&life_lock);
    }
    wcand_n = keep;
    /* 2. ephemerons: decided ones (their keys have dead bits), and the ones
     * that became pending after the decision (reached from finalizable
     * objects only: no mutator reads them) */
    for (size_t c = 0; c < ecand_n; c++)
        clear_eph((pgc_ephemeron *)(ecand[c] & ~(uintptr_t)1));
    ecand_n = 0;
    for (int s = 0; s < EPH_SHARDS; s++) {
        eph_shard *sh = &shards[s];
        pthread_mutex_lock(&sh->lock);
        for (size_t r = sh->n_at_decision; r < sh->n; r++) {
            eph_rec *rec = &sh->recs[r];
            if (rec->done || obj_marked(rec->key))
                continue;
            rec->done = 1;
            clear_eph((pgc_ephemeron *)rec->eph);
        }
        sh->n_at_decision = sh->n;
        pthread_mutex_unlock(&sh->lock);
    }
    /* 3. finalizers */
    for (size_t lo = 0; lo < fcand_n; lo += STRETCH) {
        pthread_mutex_lock(&life_lock);
        for (size_t c = lo; c < lo + STRETCH && c < fcand_n; c++) {
            fin_cand *f = &fcand[c];
            fin_entry *e = &fins[f->idx];
            if (e->state != FIN_REG || e->obj != f->obj)
                continue;
            if (f->ordered && obj_marked(f->obj))
                continue; /* reachable (from another finalizable object) */
            am_del(&fin_map, f->obj);
            enqueue(f->idx);
            mark_now(f->obj);
            queued_this_cycle++;
        }
        pthread_mutex_unlock(&life_lock);
    }
    fcand_n = 0;
    /* 4. long links: cleared only if their target is not kept for a
     * finalizer (marked by step 3) nor reachable from a finalizable object */
    keep = 0;
    pthread_mutex_lock(&life_lock);
    for (size_t c = 0; c < wcand_n; c++) {
        weak_cand *w = &wcand[c];
        if (w->container_dead) {
            wcand[keep++] = *w;
            continue;
        }
        weak_entry *e = &weaks[w->idx];
        if (e->link != w->link || e->target != w->target || obj_marked(w->target))
            continue;
        link_store((void **)w->link, 0);
        weak_free_entry(w->idx, w->link);
    }
    pthread_mutex_unlock(&life_lock);
    wcand_n = keep;
}

/*
 * INV-LIFE-IDLE: a cycle whose step finds no finalizer registered or
 * queued, no weak link and no pending ephemeron (stage still ST_MARKING,
 * marking quiescent after a handshake round) takes no decision: the step
 * returns at once, the reads are never closed and pause #2 only reopens
 * them (lifetimes_pause2). Nothing is lost: a registration made after
 * this check names an object the program holds, so marked by the end of
 * this cycle (INV-SATB; or allocated black), and no ephemeron can become
 * pending (only tracing adds records, and quiescence after the round means
 * none is left; if pause #2 finds grey work the step runs again). It saves
 * the two drain-and-handshake rounds the decision needs, in every cycle of
 * a program that uses none of these.
 */
static bool life_idle(void)
{
    pthread_mutex_lock(&life_lock);
    bool idle = nreg == 0 && q_len == 0 && weak_map.used == 0;
    pthread_mutex_unlock(&life_lock);
    for (int s = 0; idle && s < EPH_SHARDS; s++) {
        pthread_mutex_lock(&shards[s].lock);
        idle = shards[s].n == 0;
        pthread_mutex_unlock(&shards[s].lock);
    }
    return idle;
}

static bool life_step(pgc_marker *m)
{
    if (!pool_quiescent())
        return true; /* work appeared (a full buffer, a weak load): drain first */
    if (stage == ST_MARKING && life_idle())
        return false; /* INV-LIFE-IDLE */
    mark_table_roots(m);
    eph_recheck(m);
    if (marker_has_work(m) || stage == ST_APPLIED)
        return false; /* postmark_run sees the work */
    if (!pool_quiescent())
        return true;
    if (stage == ST_DECIDED) { /* the marking that followed the decision is done */
        if (exact_mode())
            apply_decision(); /* INV-LIFE-APPLY */
        stage = ST_APPLIED;
        return false;
    }
    if (stage == ST_MARKING) {
        /* close the reads, then one more drain and handshake round waits
         * out the reads that got in before (INV-LIFE-READS) */
        coord_lock_call(); /* INV-LIFE-CALL */
        store_seq_cst(&decided, DEC_DECIDING);
        stage = ST_DECIDING;
        pgc_hook_point(PGC_TEST_READS_CLOSED);
        return true;
    }
    stage = ST_DECIDED;
    decide(m);
    return true; /* drain the finalizers' marking, then apply (one more round) */
}

/* ---- Pause #2 -------------------------------------------------------------------------- */

static void mark_now(uintptr_t p)
{
    pgc_span *s;
    uint32_t i;
    if (!obj_lookup(p, &s, &i))
        return;
    uint64_t bit = 1ull << (i & 63);
    if (!(fetch_or_relaxed(&s->mark_bits[i >> 6], bit) & bit))
        fetch_add_relaxed(&mark_st.marked_bytes, obj_size(s));
}

static void enqueue(uint32_t i)
{
    fins[i].state = FIN_QUEUED;
    fins[i].next = AM_NONE;
    if (q_tail == AM_NONE)
        q_head = i;
    else
        fins[q_tail].next = i;
    q_tail = i;
    q_len++;
    nreg--;
}

static void reopen_reads(void)
{
    store_relaxed(&decided, DEC_NONE); /* world stopped, or no cycle: no reader is past read_enter */
    futex_wake_all(&decided);
    stage = ST_MARKING;
    coord_unlock_call(); /* INV-LIFE-CALL: every dead link reads NULL now */
}

void lifetimes_pause2(void)
{
    if (stage != ST_APPLIED) { /* no decision taken (INV-LIFE-IDLE) */
        reopen_reads();
        return;
    }
    bool exact = exact_mode();
    pthread_mutex_lock(&life_lock);
    /* 1. weak links, before any finalizer is queued (long ones after) */
    for (size_t c = 0; c < wcand_n; c++) {
        weak_cand *w = &wcand[c];
        if (w->long_link)
            continue;
        weak_entry *e = &weaks[w->idx];
        if (e->link != w->link || e->target != w->target)
            continue; /* re-targeted or unregistered since */
        /* a container kept alive for a finalizer holds a live link */
        bool cdead = w->container_dead && !obj_marked(w->link);
        /* (tracked modes: dead bits only from the final pause, INV-LIFE-FINAL) */
        bool tdead = obj_dead(w->target) || !obj_marked(w->target);
        if (cdead) {
            /* the link is inside a collected object: drop it, write nothing */
        } else if (tdead) {
            link_store((void **)w->link, 0);
        } else {
            continue;
        }
        weak_free_entry(w->idx, w->link);
    }
    /* 2. ephemerons whose key died: decided ones, and ones that became
     * pending after the decision (reached from finalizable objects) */
    for (size_t c = 0; c < ecand_n; c++) {
        pgc_ephemeron *e = (pgc_ephemeron *)(ecand[c] & ~(uintptr_t)1); /* tag: INV-LIFE-FINAL A */
        if (!exact && obj_marked(unhide(e->key)) && !obj_dead(unhide(e->key)))
            continue;
        clear_eph(e);
    }
    for (int s = 0; s < EPH_SHARDS; s++) {
        eph_shard *sh = &shards[s];
        pthread_mutex_lock(&sh->lock);
        for (size_t r = sh->n_at_decision; r < sh->n; r++) {
            eph_rec *rec = &sh->recs[r];
            if (rec->done || obj_marked(rec->key))
                continue;
            clear_eph((pgc_ephemeron *)rec->eph);
        }
        pthread_mutex_unlock(&sh->lock);
    }
    /* 3. finalizers */
    size_t queued = queued_this_cycle;
    queued_this_cycle = 0;
    for (size_t c = 0; c < fcand_n; c++) {
        fin_cand *f = &fcand[c];
        fin_entry *e = &fins[f->idx];
        if (e->state != FIN_REG || e->obj != f->obj)
            continue;
        if (f->ordered && obj_marked(f->obj))
            continue; /* reachable (from another finalizable object, or really) */
        if (!f->ordered && !exact && !f->dead)
            continue; /* found reachable by the final pause (INV-LIFE-FINAL C) */
        am_del(&fin_map, f->obj);
        enqueue(f->idx);
        mark_now(f->obj); /* resurrected for its finalizer; its fields are marked */
        queued++;
    }
    /* 4. long links: their target freed, not kept for a finalizer */
    for (size_t c = 0; c < wcand_n; c++) {
        weak_cand *w = &wcand[c];
        weak_entry *e = &weaks[w->idx];
        if (!w->long_link || e->link != w->link || e->target != w->target)
            continue;
        bool cdead = w->container_dead && !obj_marked(w->link);
        if (!cdead && obj_marked(w->target))
            continue;
        if (!cdead)
            link_store((void **)w->link, 0);
        weak_free_entry(w->idx, w->link);
    }
    pthread_mutex_unlock(&life_lock);
    if (queued) {
        fetch_add_relaxed(&queued_total, queued);
        store_relaxed(&notify_pending, 1);
    }
    reopen_reads();
}

void lifetimes_after_cycle(void)
{
    for (int s = 0; s < EPH_SHARDS; s++) {
        eph_shard *sh = &shards[s];
        pthread_mutex_lock(&sh->lock);
        am_clear(&sh->heads);
        sh->n = sh->n_at_decision = 0;
        pthread_mutex_unlock(&sh->lock);
    }
    if (load_relaxed(&notify_pending)) {
        if (load_relaxed(&notifier) || !load_relaxed(&on_demand))
            start_finalizer_thread();
        fetch_add_acq_rel(&fin_wake, 1); /* release: pairs with the acquire in finalizer_main */
        futex_wake_all(&fin_wake);
    }
}

/* ---- Checkmark ------------------------------------------------------------------------ */

void lifetimes_check_roots(range_fn fn, void *ctx)
{
    /* world stopped: no mutator holds life_lock (INV-STW-LOCKS) */
    for (size_t i = 0; i < fins_n; i++) {
        if (fins[i].state == FIN_FREE)
            continue;
        fn(ctx, (uintptr_t)&fins[i].data, (uintptr_t)(&fins[i].data + 1), ROOT_GLOBAL);
        if (fins[i].state == FIN_QUEUED)
            fn(ctx, (uintptr_t)&fins[i].obj, (uintptr_t)(&fins[i].obj + 1), ROOT_GLOBAL);
    }
}

void lifetimes_check_finalizable(void (*fn)(void *ctx, uintptr_t obj), void *ctx)
{
    for (size_t i = 0; i < fins_n; i++)
        if (fins[i].state == FIN_REG)
            fn(ctx, fins[i].obj);
}

/* ---- Init and fork ----------------------------------------------------------------------- */

void lifetimes_init(void)
{
    for (int s = 0; s < EPH_SHARDS; s++)
        pthread_mutex_init(&shards[s].lock, NULL);
    postmark_register("lifetimes", life_step);
    const char *f = getenv("PGC_FINALIZE");
    if (f && strcmp(f, "demand") == 0)
        store_relaxed(&on_demand, 1);
}

void lifetimes_fork_child(void)
{
    pthread_mutex_init(&life_lock, NULL);
    pthread_mutex_init(&call_lock, NULL); /* a callback of another thread held it */
    call_locked = false;
    pthread_mutex_init(&start_lock, NULL);
    for (int s = 0; s < EPH_SHARDS; s++)
        pthread_mutex_init(&shards[s].lock, NULL);
    if (load_relaxed(&fin_thread_started)) {
        store_relaxed(&fin_thread_started, 0);
        start_finalizer_thread(); /* the parent's did not survive the fork */
    }
    if (q_head != AM_NONE) {
        store_relaxed(&notify_pending, 1);
        fetch_add_acq_rel(&fin_wake, 1);
        futex_wake_all(&fin_wake);
    }
}
