/*
 * heap.h - the page heap: the reservation, spans, the page map, size classes (heap layer).
 */
#ifndef PGC_HEAP_H
#define PGC_HEAP_H

#include "internal.h"

#define NUM_FREE_BINS 128
_Static_assert(NUM_FREE_BINS % 64 == 0, "bin_mask holds whole words");

typedef struct heap_state {
    /* Immutable after heap_init (inside ensure_init); read anywhere. */
    uintptr_t heap_base;   /* reservation start (PAGE_SIZE aligned) */
    uintptr_t heap_size;   /* reservation size */
    _Atomic(pgc_span *) *pagemap; /* page index -> span (INV-PAGEMAP) */
    int nclasses;
    uint32_t class_size[MAX_CLASSES];
    uint32_t class_npages[MAX_CLASSES];
    uint8_t size_to_class16[MAX_SMALL / 16 + 1];

    /* The fields below are written under heap_lock by heap.c (span
     * allocation, freeing, scavenging); the atomics are read relaxed
     * without it (statistics, pacing, bdwgc's GC_get_heap_size). The page
     * map is written under heap_lock (release, span_publish) and read
     * without it (acquire, span_of). INV-PAGEMAP: a page map entry is NULL,
     * or the in-use span containing the page, or (first and last page of a
     * free span only) that free span. */
    pthread_mutex_t heap_lock;
    uintptr_t heap_end;          /* committed prefix of the reservation */
    pgc_span *free_bins[NUM_FREE_BINS]; /* free spans of exactly n pages; [0] = larger */
    /* INV-BIN-MASK: bit n of bin_mask[n / 64] is set iff free_bins[n] is
     * not empty (n >= 1), so find_free skips the empty bins in a word. */
    uint64_t bin_mask[NUM_FREE_BINS / 64];
    pgc_span *spare_spans;       /* recycled descriptors */
    /* heap_sys, heap_released, heap_free: written only under heap_lock
     * (plain load + store, locked_add in heap.c), read relaxed anywhere. */
    _Atomic uint64_t heap_sys;   /* committed bytes */
    _Atomic uint64_t heap_released; /* committed bytes returned to the OS (scavenged) */
    _Atomic uint64_t heap_free;  /* bytes in free spans, released or not (not kept empty spans: INV-SWEEP-KEEP) */
    /* in-use spans: span_publish adds without the lock, heap_free_span
     * subtracts under it (read-modify-writes, relaxed); exact with the world
     * stopped. On its own line: span_publish runs on the allocating thread
     * after it dropped the lock. */
    _Alignas(64) _Atomic uint64_t nspans;
} heap_state;

extern PGC_INTERNAL_API heap_state heap_st;

PGC_INTERNAL_API void heap_init(void);
PGC_INTERNAL_API void heap_fork_child(void);
PGC_INTERNAL_API pgc_span *heap_alloc_span(size_t npages, bool may_grow, bool *fresh);
PGC_INTERNAL_API void heap_free_span(pgc_span *s);
PGC_INTERNAL_API void heap_scavenge(uint64_t retain);
PGC_INTERNAL_API void span_init_objects(pgc_span *s, int sclass, int kind, int trace);
PGC_INTERNAL_API void span_publish(pgc_span *s);
PGC_INTERNAL_API int size_to_class(size_t size);
/* Find the span holding addr, or NULL: a few loads (INV-PAGEMAP). */
static inline pgc_span *span_of(uintptr_t addr)
{
    uintptr_t off = addr - heap_st.heap_base;
    if (off >= heap_st.heap_size)
        return NULL;
    /* acquire: pairs with the release store in span_publish */
    pgc_span *s = load_acquire(&heap_st.pagemap[off >> PAGE_SHIFT]);
    if (s == NULL || load_acquire(&s->state) != SPAN_IN_USE)
        return NULL;
    if (addr - s->start >= ((uintptr_t)s->npages << PAGE_SHIFT))
        return NULL;
    return s;
}


#endif
