/*
 * trace.h - the one trace function: given a grey object (or a 128 KiB oblet
 * of a large one) and its kind, visit every word that may hold a GC pointer.
 * The concurrent marker (mark.c) and the stop-the-world checkmark
 * (checkmark.c) both trace through trace_object, each with its own visit
 * function; the trace policy is written here only.
 *
 * A work item is (addr, packed): packed holds the byte length in its low
 * WORK_LEN_BITS, the kind's trace policy, the kind index, and WORK_OBLET if
 * addr is not the start of its object (a later oblet of a large object).
 * Packing the policy keeps the common conservative case free of any load.
 *
 * trace_object is always inlined with a constant visit function, so the
 * visit is inlined too: the conservative loop is the same machine code as a
 * hand-written one.
 */
#ifndef PGC_TRACE_H
#define PGC_TRACE_H

#include "kinds.h"
#include "heap.h"

#define WORK_LEN_BITS 53
#define WORK_LEN_MASK (((uintptr_t)1 << WORK_LEN_BITS) - 1)
#define WORK_TRACE_SHIFT 53 /* 2 bits: enum trace_policy */
#define WORK_OBLET ((uintptr_t)1 << 55)
#define WORK_KIND_SHIFT 56  /* 8 bits: kind index */

_Static_assert(MAX_KINDS <= 256, "the kind index has 8 bits in a work item");

/* The packed length of an item covering len bytes of an object of span s. */
static inline uintptr_t work_pack(const pgc_span *s, uintptr_t len)
{
    return len | (uintptr_t)s->trace << WORK_TRACE_SHIFT | (uintptr_t)s->kind << WORK_KIND_SHIFT;
}
static inline uintptr_t work_len(uintptr_t packed) { return packed & WORK_LEN_MASK; }
static inline unsigned work_trace(uintptr_t packed) { return (unsigned)(packed >> WORK_TRACE_SHIFT) & 3; }
static inline unsigned work_kind(uintptr_t packed) { return (unsigned)(packed >> WORK_KIND_SHIFT); }
/* Whether an item may be split into oblets (the program's trace function
 * takes whole objects). */
static inline bool work_splittable(uintptr_t packed) { return work_trace(packed) != TRACE_PROGRAM; }

/* What the tracer calls for each candidate word (the word's value). */
typedef void (*trace_visit)(void *ctx, uintptr_t word);
/* What it calls for an ephemeron (the ephemeron kind, lifetimes.c): the
 * caller decides whether the value is traced now or the ephemeron waits
 * for its key. Returns the scan work. */
typedef uint64_t (*trace_eph)(void *ctx, uintptr_t eph);

/*
 * Visit the n words from lo (aligned). Only lo, an index and n are live
 * across the visits (which may call out, e.g. when a mark packet fills),
 * never a cursor past the last word nor the end address: such a value
 * points at the next object, which may be garbage, and a callee that saves
 * it in its frame leaves it in dead stack of an assisting mutator
 * (INV-ASSIST-WIPE, assist.c). The empty asm hides i from the optimiser,
 * which would otherwise strength-reduce the loop to a pointer compared with
 * lo + 8n. Also used for conservative root ranges.
 */
PGC_NO_SANITIZE __attribute__((always_inline)) static inline void trace_words(uintptr_t lo, uintptr_t n,
                                                                              trace_visit visit, void *ctx)
{
    const volatile uintptr_t *w = (const volatile uintptr_t *)lo;
    for (uintptr_t i = 0; i < n; i++) {
        __asm__("" : "+r"(i));
        visit(ctx, w[i]);
    }
}

/* Bitmap kind: word i of the item is word (phase + i) of the object. */
PGC_NO_SANITIZE __attribute__((always_inline)) static inline uint64_t
trace_bitmap(const pgc_kind *kd, uintptr_t lo, uintptr_t n, uintptr_t phase, trace_visit visit, void *ctx)
{
    const volatile uintptr_t *w = (const volatile uintptr_t *)lo;
    uint32_t nw = kd->nwords;
    uint64_t read = 0;
    if (phase == 0 && n <= 64) {
        /* the common case, objects of up to 64 words: visit the set bits only */
        uint64_t m = kd->rep64 & (n == 64 ? ~0ull : (1ull << n) - 1);
        while (m) {
            uintptr_t i = (uintptr_t)__builtin_ctzll(m);
            m &= m - 1;
            visit(ctx, w[i]);
            read++;
        }
        return read;
    }
    const uint64_t *bits = kd->bits;
    uint32_t b = phase ? (uint32_t)(phase % nw) : 0;
    for (uintptr_t i = 0; i < n; i++) {
        __asm__("" : "+r"(i));
        if ((bits[b >> 6] >> (b & 63)) & 1) {
            visit(ctx, w[i]);
            read++;
        }
        if (++b == nw)
            b = 0;
    }
    return read;
}

/* Program-traced kind: the program's visits go through this adapter. */
typedef struct trace_program_ctx {
    trace_visit visit;
    void *ctx;
    uint64_t visits;
} trace_program_ctx;

PGC_NO_SANITIZE static inline void trace_program_visit(void **field, void *c)
{
    trace_program_ctx *pc = c;
    pc->visits++;
    pc->visit(pc->ctx, *(volatile uintptr_t *)field);
}

/*
 * Trace one item; returns the scan work done, in bytes: the item's length
 * for a conservative object (every word is read); for a precise one (bitmap
 * or program-traced) 8 per word read plus 8 for the object itself, at most
 * the item's length (heap_scan, the pacer's estimate of the scan work, counts
 * every allocated byte of scannable kinds: an upper bound); 0 for an atomic
 * one (never pushed in practice). Callers credit what it returns.
 */
PGC_NO_SANITIZE __attribute__((always_inline)) static inline uint64_t
trace_object(uintptr_t addr, uintptr_t packed, trace_visit visit, trace_eph eph, void *ctx)
{
    uintptr_t len = work_len(packed);
    unsigned policy = work_trace(packed);
    if (__builtin_expect(policy == TRACE_CONSERVATIVE, 1)) {
        trace_words(addr, len / sizeof(uintptr_t), visit, ctx); /* objects and oblets: whole words */
        return len;
    }
    if (policy == TRACE_NONE)
        return 0;
    const pgc_kind *kd = kind_get(work_kind(packed));
    if (policy == TRACE_BITMAP) {
        uintptr_t phase = 0;
        if (packed & WORK_OBLET) /* a later oblet: count words from the object's start */
            phase = (addr - span_of(addr)->start) / sizeof(uintptr_t);
        uint64_t work = (trace_bitmap(kd, addr, len / sizeof(uintptr_t), phase, visit, ctx) + 1) * sizeof(uintptr_t);
        return work < len ? work : len;
    }
    if (__builtin_expect(kd->ephemeron, 0))
        return eph(ctx, addr);
    trace_program_ctx pc = { visit, ctx, 0 };
    kd->fn((void *)addr, len, trace_program_visit, &pc);
    uint64_t work = (pc.visits + 1) * sizeof(uintptr_t);
    return work < len ? work : len;
}

#endif
