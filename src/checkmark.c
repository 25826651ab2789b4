/*
 * checkmark.c - PGCDEBUG=gccheckmark=1: at every mark termination, with the
 * world stopped, mark everything again from the current roots with separate
 * bits (the spans' check_bits) and abort if any object reached that way was
 * not marked by the concurrent mark. Objects allocated during marking are
 * marked by construction and pass.
 *
 * Conservative stacks can expose, at pause #2, stale values from dead stack
 * slots that pause #1 never saw; in checkmark mode pause #1 also scans 256
 * KiB below each stack pointer (roots.c) so such values were part of the
 * snapshot and cannot cause a false alarm.
 *
 * Runs with the world stopped and must not call malloc: its stack is mapped
 * memory.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef struct check_item {
    uintptr_t addr, len, parent;
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

static void report_miss(pgc_span *s, uintptr_t base, uintptr_t parent, const char *from)
{
    pgc_fatal("pacegc: checkmark failure: object %p (size %u, %s) is reachable at mark termination "
              "but the concurrent mark did not mark it; reached from %s %p. The write barrier or "
              "the root snapshot missed a pointer.\n",
              (void *)base, s->sclass ? s->elem_size : s->npages * (unsigned)PAGE_SIZE,
              s->kind == KIND_ATOMIC ? "atomic" : "scanned", from, (void *)parent);
}

static void check_candidate(uintptr_t word, uintptr_t parent, const char *from)
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
    s->check_bits[idx >> 6] |= bit;
    checked++;
    uintptr_t base = s->start + (uintptr_t)idx * (s->sclass ? s->elem_size : 0);
    if (!bit_test(s->mark_bits, idx))
        report_miss(s, base, parent, from);
    if (s->kind != KIND_ATOMIC)
        stk_push(base, s->sclass ? s->elem_size : (uintptr_t)s->npages << PAGE_SHIFT, parent);
}

PGC_NO_SANITIZE static void check_range(uintptr_t lo, uintptr_t hi, uintptr_t parent, const char *from)
{
    lo = (lo + 7) & ~(uintptr_t)7;
    for (uintptr_t p = lo; p + 8 <= hi; p += 8)
        check_candidate(*(volatile uintptr_t *)p, parent ? parent : p, from);
}

static void root_cb(void *ctx, uintptr_t lo, uintptr_t hi, int what)
{
    (void)ctx;
    check_range(lo, hi, 0, what == ROOT_STACK ? "the stack slot" : "the root/global word");
}

void checkmark_verify(void)
{
    nstk = 0;
    checked = 0;
    roots_for_each_verify(root_cb, NULL);
    while (nstk) {
        check_item it = stk[--nstk];
        check_range(it.addr, it.addr + it.len, it.addr, "the object");
    }
}
