/*
 * atomics.h - every atomic operation pacegc uses, named after its memory
 * order so that a reader sees the ordering at the call site.
 *
 * Rule: a non-relaxed operation carries a comment at its call site naming
 * the operation it pairs with.
 */
#ifndef PGC_ATOMICS_H
#define PGC_ATOMICS_H

#include <stdatomic.h>

#define load_relaxed(p) atomic_load_explicit((p), memory_order_relaxed)
#define load_acquire(p) atomic_load_explicit((p), memory_order_acquire)
#define store_relaxed(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)
#define store_release(p, v) atomic_store_explicit((p), (v), memory_order_release)
#define fetch_add_relaxed(p, v) atomic_fetch_add_explicit((p), (v), memory_order_relaxed)
#define fetch_sub_relaxed(p, v) atomic_fetch_sub_explicit((p), (v), memory_order_relaxed)
#define fetch_add_acq_rel(p, v) atomic_fetch_add_explicit((p), (v), memory_order_acq_rel)
#define fetch_sub_acq_rel(p, v) atomic_fetch_sub_explicit((p), (v), memory_order_acq_rel)
#define fetch_or_relaxed(p, v) atomic_fetch_or_explicit((p), (v), memory_order_relaxed)
#define fetch_or_release(p, v) atomic_fetch_or_explicit((p), (v), memory_order_release)
#define exchange_acquire(p, v) atomic_exchange_explicit((p), (v), memory_order_acquire)
#define fetch_or_seq_cst(p, v) atomic_fetch_or_explicit((p), (v), memory_order_seq_cst)
#define fetch_and_seq_cst(p, v) atomic_fetch_and_explicit((p), (v), memory_order_seq_cst)
#define exchange_relaxed(p, v) atomic_exchange_explicit((p), (v), memory_order_relaxed)
#define exchange_acq_rel(p, v) atomic_exchange_explicit((p), (v), memory_order_acq_rel)
#define cas_acq_rel(p, expected, desired)                                          \
    atomic_compare_exchange_strong_explicit((p), (expected), (desired),            \
                                            memory_order_acq_rel, memory_order_acquire)
#define load_seq_cst(p) atomic_load_explicit((p), memory_order_seq_cst)
#define store_seq_cst(p, v) atomic_store_explicit((p), (v), memory_order_seq_cst)
#define cas_seq_cst(p, expected, desired)                                          \
    atomic_compare_exchange_strong_explicit((p), (expected), (desired),            \
                                            memory_order_seq_cst, memory_order_seq_cst)
#define cas_relaxed(p, expected, desired)                                          \
    atomic_compare_exchange_weak_explicit((p), (expected), (desired),              \
                                          memory_order_relaxed, memory_order_relaxed)
/* A full fence: orders this thread's earlier stores before its later loads
 * (the store-buffering pattern; see the pairing comment at each use). */
#define fence_seq_cst() atomic_thread_fence(memory_order_seq_cst)
/* Orders memory accesses of this thread against its own signal handler
 * (no CPU fence): used around the critical-section counter. */
#define compiler_fence() atomic_signal_fence(memory_order_seq_cst)

/* Raise *p to at least v (relaxed: a statistic). */
static inline void max_relaxed_u64(_Atomic uint64_t *p, uint64_t v)
{
    uint64_t cur = load_relaxed(p);
    while (cur < v && !cas_relaxed(p, &cur, v)) {
    }
}

/* Lower *p by v, stopping at 0 (relaxed: an accounting estimate). */
static inline void sub_saturating_relaxed(_Atomic uint64_t *p, uint64_t v)
{
    uint64_t cur = load_relaxed(p);
    while (!cas_relaxed(p, &cur, cur > v ? cur - v : 0)) {
    }
}

#endif
