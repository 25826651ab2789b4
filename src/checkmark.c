/*
 * checkmark.c - PGCDEBUG=gccheckmark=1: at every mark termination, with the
 * world stopped, mark everything again from the current roots with separate
 * bits (the spans' check_bits) and abort if any object reached that way was
 * not marked by the concurrent mark. Objects allocated during marking are
 * marked by construction and pass.
 *
 * Stacks are roots, scanned conservatively: a stack word at pause #2 may
 * be no pointer at all but a stale or computed value (a slot that a live
 * frame never initialised, left by a since-returned call or a signal
 * frame, or an address a library routine computed on the way). If it
 * happens to fall into garbage, the re-mark would report a "miss" that no
 * mutator can ever dereference. So pause #1 also records the garbage of the
 * snapshot (checkmark_snapshot): every object allocated then that is not
 * reachable from the roots of pause #1, enumerated as the check enumerates
 * them (roots_for_each_verify), gets a bit in a side bitmap. At pause #2:
 *
 * CHECK-STACK-RULE: a stack or register word that points into an unmarked
 * object that was garbage at pause #1 is not counted as a reference: the
 * object is neither reported nor scanned.
 *  - It cannot hide a real miss: a program can only hold pointers to
 *    objects that were reachable at pause #1 or allocated since (it cannot
 *    conjure a pointer to an unreachable object; hidden pointers break the
 *    collector's contract), and neither kind is in the bitmap. Words in
 *    heap objects and global roots are checked without exception.
 *  - It leaves no false alarm from stacks: the verification roots are a
 *    subset of what pause #1 greys, so what the snapshot mark reaches is
 *    marked (INV-SATB), and what was allocated since is black; nothing is
 *    freed while marking (INV-NO-FREE-DURING-MARK). An unmarked object is
 *    therefore in the bitmap, unless the concurrent mark is wrong. (The one
 *    exception: an object reachable at pause #1 only through a heap word
 *    that merely looked like a pointer and was then overwritten by a plain
 *    store, if a stale stack word also points to it at pause #2.)
 *
 * Runs with the world stopped and must not call malloc: its stack and
 * bitmaps are mapped memory.
 */
#include "internal.h"
#include "trace.h"
#include "roots.h"
#include "heap.h"
#include "stop.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

typedef struct check_item {
    uintptr_t addr, len, parent; /* len packed as a mark work item (trace.h) */
} check_item;

static check_item *stk;
static size_t nstk, capstk;
static uint64_t checked;

static void stk_push(uintptr_t addr, uintptr_t len, uintptr_t parent)
{
    if (nstk == capstk) {
        size_t cap = capstk ? 2 * capstk : 4096;
        check_item *n = os_alloc_meta(cap * sizeof *n);
        if (nstk)
            memcpy(n, stk, nstk * sizeof *n);
        if (stk)
            munmap(stk, capstk * sizeof *stk);
        stk = n;
        capstk = cap;
    }
    stk[nstk++] = (check_item){ addr, len, parent };
}

/* ---- Diagnostics (world stopped: no malloc, no stdio) ------------------------ */

#define say pgc_say

/* What a word points to, for the dump: "" or " -> base+off (size, M/U)". */
static void describe(uintptr_t w, char *out, size_t n)
{
    out[0] = 0;
    pgc_span *s = span_of(w);
    if (!s)
        return;
    uint32_t idx = span_index(s, w);
    if (idx >= s->nelems)
        return;
    uintptr_t base = s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0);
    bool alloc = bit_test(s->alloc_bits, idx), marked = bit_test(s->mark_bits, idx);
    snprintf(out, n, "  -> %#lx+%lu (%s%s)", (unsigned long)base, (unsigned long)(w - base),
             !alloc ? "free" : marked ? "marked" : "UNMARKED",
             alloc && idx > 0 && w == base
                 ? (bit_test(s->alloc_bits, idx - 1) ? ", = end of allocated previous" : ", = end of free previous")
                 : "");
}

/* A miss reached from a stack root: where the slot is and what is near it. */
PGC_NO_SANITIZE static void explain_stack_slot(uintptr_t slot)
{
    for (pgc_thread *t = stop_st.threads; t; t = t->next) {
        bool in_regs = slot >= t->stop.intr_regs[0] && slot < t->stop.intr_regs[1];
        if (!in_regs && (slot < t->stop.stop_sp || slot >= t->stack_hi))
            continue;
        uintptr_t sp = t->stop.intr_sp ? t->stop.intr_sp : t->stop.stop_sp;
        say("pacegc: checkmark: thread %d, stack [%#lx, %#lx), stopped %s, stop_sp %#lx, intr_sp %#lx\n",
            (int)t->tid, (unsigned long)t->stop.stop_sp, (unsigned long)t->stack_hi,
            t->stop.intr_sp ? "by the signal handler" : "in the library", (unsigned long)t->stop.stop_sp,
            (unsigned long)t->stop.intr_sp);
        if (in_regs) {
            say("pacegc: checkmark: the slot is interrupted register gregs[%lu]\n",
                (unsigned long)((slot - t->stop.intr_regs[0]) / sizeof(uintptr_t)));
#if defined(__x86_64__)
            const volatile uintptr_t *g = (const volatile uintptr_t *)t->stop.intr_regs[0];
            say("pacegc: checkmark: interrupted at pc %#lx (checkmark_verify is at %p); registers:\n",
                (unsigned long)g[REG_RIP], (void *)checkmark_verify);
            for (int i = 0; i < NGREG && t->stop.intr_regs[0] + (i + 1) * sizeof(uintptr_t) <= t->stop.intr_regs[1]; i++) {
                char d[128];
                describe(g[i], d, sizeof d);
                say("  gregs[%2d] %#18lx%s\n", i, (unsigned long)g[i], d);
            }
#endif
            return;
        }
        say("pacegc: checkmark: the slot is %ld bytes above the stack pointer; words around it "
            "(code addresses help to name the frames; checkmark_verify is at %p):\n",
            (long)(slot - sp), (void *)checkmark_verify);
        uintptr_t lo = slot - 16 * sizeof(uintptr_t), hi = slot + 24 * sizeof(uintptr_t);
        if (lo < t->stop.stop_sp)
            lo = t->stop.stop_sp;
        if (hi > t->stack_hi)
            hi = t->stack_hi;
        for (uintptr_t p = lo; p < hi; p += sizeof(uintptr_t)) {
            uintptr_t w = *(volatile uintptr_t *)p;
            char d[128];
            describe(w, d, sizeof d);
            say("  %s sp%+6ld: %#18lx%s\n", p == slot ? "=>" : "  ", (long)(p - sp), (unsigned long)w, d);
        }
        return;
    }
}

static const char *kind_name(const pgc_span *s)
{
    if (s->kind == KIND_UNCOLLECTABLE)
        return "uncollectable";
    switch (s->trace) {
    case TRACE_NONE: return "atomic";
    case TRACE_BITMAP: return "bitmap kind";
    case TRACE_PROGRAM: return "program-traced kind";
    default: return "scanned";
    }
}

static inline bool garbage1_test(uintptr_t base);

static void report_miss(pgc_span *s, uintptr_t base, uintptr_t word, uintptr_t parent, const char *from,
                        bool stack)
{
    uintptr_t size = s->sclass ? s->elem_size : (uintptr_t)s->npages << PAGE_SHIFT;
    char prev[96] = "";
    if (s->sclass && base > s->start) {
        uint32_t pi = span_index(s, base) - 1;
        snprintf(prev, sizeof prev, "; the previous object is %s%s", bit_test(s->alloc_bits, pi) ? "allocated" : "free",
                 bit_test(s->alloc_bits, pi) ? (bit_test(s->mark_bits, pi) ? " and marked" : " and unmarked") : "");
    }
    say("pacegc: checkmark: the word is %#lx, offset %lu into the object%s\n", (unsigned long)word,
        (unsigned long)(word - base), prev);
    if (!stack) {
        pgc_span *ps = span_of(parent);
        uint32_t pidx = ps ? span_index(ps, parent) : 0;
        say("pacegc: checkmark: the object was %s at pause #1; the referring object is %s (%s)\n",
            garbage1_test(base) ? "garbage (allocated, unreachable from the roots)" : "reachable, or allocated since",
            !ps ? "not in the heap" : bit_test(ps->mark_bits, pidx) ? "marked" : "unmarked",
            ps && garbage1_test(parent) ? "garbage at pause #1" : "not garbage at pause #1");
    }
    if (stack) {
        say("pacegc: checkmark: the object was not garbage at pause #1: reachable then, or allocated since\n");
        explain_stack_slot(parent);
    }
    pgc_fatal("pacegc: checkmark failure: object %p (size %lu, %s) is reachable at mark termination "
              "but the concurrent mark did not mark it; reached from %s %p. The write barrier or "
              "the root snapshot missed a pointer.\n",
              (void *)base, (unsigned long)size, kind_name(s), from,
              (void *)parent);
}

/* ---- Garbage of the snapshot (CHECK-STACK-RULE) ----------------------------- */

/* One bit per granule of the heap reservation, set at an object's base:
 * the object was allocated and unreachable at pause #1. Reserved once
 * (1/128 of the reservation, touched only for the part in use). */
static uint64_t *garbage1;

static inline uintptr_t granule_of(uintptr_t base) { return (base - heap_st.heap_base) / GRANULE; }

static inline bool garbage1_test(uintptr_t base)
{
    uintptr_t g = granule_of(base);
    return (garbage1[g >> 6] >> (g & 63)) & 1;
}

static inline void garbage1_set(uintptr_t base)
{
    uintptr_t g = granule_of(base);
    garbage1[g >> 6] |= 1ull << (g & 63);
}

/* gctrace: where a word ignored under CHECK-STACK-RULE was. */
static void note_exempt(uintptr_t word, uintptr_t slot, uintptr_t base)
{
    for (pgc_thread *t = stop_st.threads; t; t = t->next) {
        if (slot >= t->stop.intr_regs[0] && slot < t->stop.intr_regs[1]) {
            const volatile uintptr_t *g = (const volatile uintptr_t *)t->stop.intr_regs[0];
            say("pacegc: checkmark: ignored %#lx (= %#lx+%lu, garbage at pause #1) in thread %d's "
                "register %lu, pc %#lx\n", (unsigned long)word, (unsigned long)base,
                (unsigned long)(word - base), (int)t->tid,
                (unsigned long)((slot - t->stop.intr_regs[0]) / sizeof(uintptr_t)),
#if defined(__x86_64__)
                (unsigned long)g[REG_RIP]
#else
                0ul
#endif
            );
            return;
        }
        if (slot >= t->stop.stop_sp && slot < t->stack_hi) {
            uintptr_t sp = t->stop.intr_sp ? t->stop.intr_sp : t->stop.stop_sp;
            say("pacegc: checkmark: ignored %#lx (= %#lx+%lu, garbage at pause #1) in thread %d's "
                "stack at sp%+ld\n", (unsigned long)word, (unsigned long)base, (unsigned long)(word - base),
                (int)t->tid, (long)(slot - sp));
            return;
        }
    }
}

/* ---- Ephemerons in the check (the same semantics as the concurrent mark) -----
 * An ephemeron's value is reached only once its key is: a traced ephemeron
 * whose key has no check bit waits in a map keyed by the key (check_eph
 * bit on the key); the key's first check bit pushes the waiting values as
 * EPH_VALUE items (no recursion, so a chain of a million resolves in
 * O(n)). mmap'd memory only: the world is stopped. */
#define EPH_VALUE ((uintptr_t)-1) /* a stk item whose addr is a value word */

typedef struct cwait {
    uintptr_t key, eph;
    size_t next;
} cwait;
static cwait *cw;
static size_t cw_n, cw_cap;
static uintptr_t *cw_keys; /* open addressing: key -> index + 1 of its first wait */
static size_t *cw_heads;
static size_t cw_hcap;

static size_t cw_hash(uintptr_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k & (cw_hcap - 1);
}

static void cw_reset(void)
{
    if (cw_hcap && cw_n)
        memset(cw_keys, 0, cw_hcap * sizeof *cw_keys);
    cw_n = 0;
}

static size_t *cw_slot(uintptr_t key)
{
    size_t i = cw_hash(key);
    while (cw_keys[i] && cw_keys[i] != key)
        i = (i + 1) & (cw_hcap - 1);
    if (!cw_keys[i]) {
        cw_keys[i] = key;
        cw_heads[i] = 0; /* a stale head of an earlier pass */
    }
    return &cw_heads[i];
}

static void cw_add(uintptr_t key, uintptr_t eph)
{
    if ((cw_n + 1) * 2 > cw_hcap) { /* grow both; rehash */
        size_t ncap = cw_hcap ? cw_hcap * 4 : 4096;
        uintptr_t *ok = cw_keys;
        size_t *oh = cw_heads, ocap = cw_hcap;
        cw_keys = os_alloc_meta(ncap * sizeof *cw_keys); /* never freed: debug mode only */
        cw_heads = os_alloc_meta(ncap * sizeof *cw_heads);
        cw_hcap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (ok[i])
                *cw_slot(ok[i]) = oh[i];
    }
    if (cw_n == cw_cap) {
        size_t ncap = cw_cap ? cw_cap * 4 : 4096;
        cwait *n = os_alloc_meta(ncap * sizeof *n);
        if (cw_n)
            memcpy(n, cw, cw_n * sizeof *n);
        cw = n;
        cw_cap = ncap;
    }
    size_t *h = cw_slot(key);
    cw[cw_n] = (cwait){ key, eph, *h };
    *h = ++cw_n;
}

static void stk_push(uintptr_t addr, uintptr_t len, uintptr_t parent);

/* The key kb got its check bit: push the waiting values. */
static void cw_resolve(uintptr_t kb)
{
    if (!cw_hcap)
        return;
    size_t i = cw_hash(kb);
    while (cw_keys[i] && cw_keys[i] != kb)
        i = (i + 1) & (cw_hcap - 1);
    if (!cw_keys[i])
        return;
    for (size_t r = cw_heads[i]; r; r = cw[r - 1].next) {
        uintptr_t e = cw[r - 1].eph;
        stk_push(((uintptr_t *)e)[1], EPH_VALUE, e);
    }
    cw_heads[i] = 0;
}

/* ---- The mark with check bits ------------------------------------------------ */

static bool verifying;     /* pause #2 (check against mark bits) or pause #1 (snapshot) */
static uint64_t exempted;  /* stack words ignored under CHECK-STACK-RULE, this pause */

static void check_candidate(uintptr_t word, uintptr_t parent, const char *from, bool stack)
{
    pgc_span *s = span_of(word);
    if (!s)
        return;
    uint32_t idx = span_index(s, word);
    if (idx >= s->nelems || !bit_test(s->alloc_bits, idx))
        return;
    uint64_t bit = 1ull << (idx & 63);
    if (s->check_bits[idx >> 6] & bit)
        return;
    uintptr_t base = s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0);
    if (verifying && !bit_test(s->mark_bits, idx)) {
        if (stack && garbage1_test(base)) {
            /* CHECK-STACK-RULE: not a pointer any mutator holds */
            if (G.gctrace && exempted < 4)
                note_exempt(word, parent, base);
            exempted++;
            return;
        }
        report_miss(s, base, word, parent, from, stack);
    }
    s->check_bits[idx >> 6] |= bit;
    checked++;
    if (s->check_eph[idx >> 6] & bit)
        cw_resolve(base);
    if (s->trace != TRACE_NONE)
        stk_push(base, work_pack(s, s->sclass ? s->elem_size : (uintptr_t)s->npages << PAGE_SHIFT), parent);
}

/* checkmark's visit for trace_object (trace.h): a word of the object being checked. */
typedef struct check_ctx {
    uintptr_t parent;
} check_ctx;

static inline void check_visit(void *c, uintptr_t word)
{
    check_candidate(word, ((check_ctx *)c)->parent, "the object", false);
}

PGC_NO_SANITIZE static void check_range(uintptr_t lo, uintptr_t hi, uintptr_t parent, const char *from,
                                        bool stack)
{
    lo = (lo + 7) & ~(uintptr_t)7;
    for (uintptr_t p = lo; p + 8 <= hi; p += 8)
        check_candidate(*(volatile uintptr_t *)p, parent ? parent : p, from, stack);
}

/* An ephemeron: its value only through a checked key. */
static uint64_t check_eph_cb(void *c, uintptr_t e)
{
    uintptr_t hk = ((volatile uintptr_t *)e)[0];
    uintptr_t k = hk ? ~hk : 0;
    pgc_span *s;
    uint32_t idx;
    if (!k || !object_base((void *)k, &s, &idx))
        return 0;
    uintptr_t kb = s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0);
    (void)c;
    if (s->check_bits[idx >> 6] >> (idx & 63) & 1) {
        stk_push(((volatile uintptr_t *)e)[1], EPH_VALUE, e);
    } else {
        s->check_eph[idx >> 6] |= 1ull << (idx & 63);
        cw_add(kb, e);
    }
    return 0;
}

/* A registered finalizable object: its fields (not itself) are reached. */
static void fin_fields_cb(void *ctx, uintptr_t obj)
{
    (void)ctx;
    pgc_span *s;
    uint32_t idx;
    if (!object_base((void *)obj, &s, &idx) || s->trace == TRACE_NONE)
        return;
    stk_push(obj, work_pack(s, s->sclass ? s->elem_size : (uintptr_t)s->npages << PAGE_SHIFT), obj);
}

static void root_cb(void *ctx, uintptr_t lo, uintptr_t hi, int what)
{
    (void)ctx;
    if (what == ROOT_OBJECT) {
        check_candidate(lo, lo, "the uncollectable object (a root)", false);
        return;
    }
    check_range(lo, hi, 0, what == ROOT_STACK ? "the stack slot" : "the root/global word", what == ROOT_STACK);
}

/* The lifetimes layer's roots (checkmark_set_lifetimes_hooks): written
 * once inside ensure_init, read-only after. */
static void (*life_roots)(range_fn fn, void *ctx);
static void (*life_finalizable)(void (*fn)(void *ctx, uintptr_t obj), void *ctx);

void checkmark_set_lifetimes_hooks(void (*roots)(range_fn fn, void *ctx),
                                   void (*finalizable)(void (*fn)(void *ctx, uintptr_t obj), void *ctx))
{
    life_roots = roots;
    life_finalizable = finalizable;
}

/* Mark with check bits from the verification roots, transitively. */
PGC_NO_SANITIZE static void check_mark_all(void)
{
    nstk = 0;
    checked = 0;
    exempted = 0;
    cw_reset();
    roots_for_each_verify(root_cb, NULL);
    life_roots(root_cb, NULL); /* registration data, queued finalizable objects */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) /* then the fields of finalizable objects, as the post-mark step marks them */
            life_finalizable(fin_fields_cb, NULL);
        while (nstk) {
            check_item it = stk[--nstk];
            if (it.len == EPH_VALUE) {
                check_candidate(it.addr, it.parent, "the ephemeron's value (its key reached)", false);
                continue;
            }
            check_ctx cc = { it.addr };
            trace_object(it.addr, it.len, check_visit, check_eph_cb, &cc); /* the marker's trace code */
        }
    }
}

/*
 * Pause #1, world stopped, before the world restarts: record the garbage
 * of the snapshot. A full mark with check bits from the roots of this
 * pause; then every in-use span is walked: allocated objects without a
 * check bit go into garbage1, and the check bits are cleared again for
 * checkmark_verify. The roots are enumerated as for the check at pause #2,
 * and are a subset of what pause #1 greys (the interrupted registers and
 * [intr_sp - red zone, top) lie in [stop_sp, top)), so a correct
 * concurrent mark marks everything this mark reaches.
 */
void checkmark_snapshot(void)
{
    size_t used = heap_st.heap_end - heap_st.heap_base;
    size_t bytes = (heap_st.heap_size / GRANULE + 63) / 64 * sizeof(uint64_t);
    if (!garbage1) {
        garbage1 = os_reserve(bytes);
        if (!garbage1 || !os_commit(garbage1, bytes))
            pgc_fatal("pacegc: gccheckmark: cannot map %zu bytes for the snapshot bitmap\n", bytes);
    }
    memset(garbage1, 0, (used / GRANULE + 63) / 64 * sizeof(uint64_t));
    verifying = false;
    check_mark_all();
    uint64_t garbage = 0;
    for (uintptr_t pi = 0; pi < (used >> PAGE_SHIFT);) {
        pgc_span *s = load_relaxed(&heap_st.pagemap[pi]);
        uintptr_t page = heap_st.heap_base + (pi << PAGE_SHIFT);
        if (!s || load_relaxed(&s->state) != SPAN_IN_USE || s->start != page) {
            pi++;
            continue;
        }
        for (uint32_t idx = 0; idx < s->nelems; idx++) {
            if (bit_test(s->alloc_bits, idx) && !((s->check_bits[idx >> 6] >> (idx & 63)) & 1)) {
                garbage1_set(s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0));
                garbage++;
            }
        }
        memset(s->check_bits, 0, sizeof s->check_bits);
        memset(s->check_eph, 0, sizeof s->check_eph);
        pi += s->npages;
    }
    if (G.gctrace)
        say("pacegc: checkmark: pause #1 snapshot: %llu objects reachable, %llu garbage\n",
            (unsigned long long)checked, (unsigned long long)garbage);
}

/* Pause #2, world stopped, marking finished: the check. */
void checkmark_verify(void)
{
    if (!garbage1)
        pgc_fatal("pacegc: gccheckmark: no snapshot was taken at pause #1\n");
    verifying = true;
    check_mark_all();
    if (G.gctrace)
        say("pacegc: checkmark: pause #2 verified %llu objects; %llu stack words into garbage of pause #1 "
            "ignored (CHECK-STACK-RULE)\n",
            (unsigned long long)checked, (unsigned long long)exempted);
}
