/*
 * barrier.c - the out-of-line half of the write barrier (the inline half is
 * pgc_store in include/pacegc.h), pgc_copy, and the per-thread buffers of
 * overwritten pointers.
 *
 * Snapshot-at-the-beginning (Yuasa deletion barrier), buffered: while a
 * cycle marks, each overwritten pointer is appended to the storing thread's
 * buffer; a full buffer is shaded by its owner (marked, and pushed grey if
 * newly marked); the coordinator shades the rest at each handshake and in
 * pause #2.
 *
 * INV-BARRIER-WINDOW: no stop can separate an overwrite from its record in
 * a way that loses it. pgc_store (include/pacegc.h) records before it
 * stores when it sees marking on, and when marking turns on between its
 * two flag reads, the root snapshot of that cycle already holds the old
 * value. (An earlier version recorded only after the store; a thread
 * stopped by pause #2 between the two carried the value past the end of
 * marking, which gccheckmark caught in tests/test_torture.c.)
 */
#include "internal.h"

#include <string.h>

_Atomic int pgc__marking;

#define COPY_CHUNK (64 << 10) /* pgc_copy leaves the critical section this often */

/* Shade t's buffer into m. Owner in a critical section, or t stopped. */
void barrier_flush_thread(pgc_thread *t, pgc_marker *m)
{
    mark_shade_buffer(m, t->wb_buf, t->wb_n);
    t->wb_n = 0;
}

/* Owner, in a critical section: the buffer is full. */
static void flush_full(pgc_thread *t)
{
    pgc_marker m;
    marker_init(&m);
    marker_begin();
    barrier_flush_thread(t, &m);
    marker_end(&m);
}

static inline void record(pgc_thread *t, void *old)
{
    t->wb_buf[t->wb_n++] = old;
    if (t->wb_n == WB_BUF_ENTRIES)
        flush_full(t);
}

void pgc__store_slow(void *old)
{
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    lib_enter(t);
    /* Re-read inside the section: if marking ended meanwhile, the old value
     * no longer matters and must not linger into the next cycle. */
    if (load_relaxed(&pgc__marking))
        record(t, old);
    lib_leave(t);
}

/* Record every non-NULL word that [dst, dst+size) is about to lose. */
PGC_NO_SANITIZE static void record_overwritten(pgc_thread *t, uintptr_t dst, size_t size)
{
    /* whole words touching the range: a slot partly overwritten is lost too */
    uintptr_t lo = dst & ~(uintptr_t)(sizeof(void *) - 1);
    uintptr_t hi = (dst + size + sizeof(void *) - 1) & ~(uintptr_t)(sizeof(void *) - 1);
    for (uintptr_t p = lo; p < hi; p += sizeof(void *)) {
        void *old = *(void *volatile *)p;
        if (old)
            record(t, old);
    }
}

/* size 0 copies nothing (dst and src may then be anything, NULL too). */
void pgc_copy(void *dst, const void *src, size_t size)
{
    if (size == 0)
        return;
    uintptr_t du = (uintptr_t)dst, su = (uintptr_t)src;
    if (!dst || !src)
        pgc_fatal("pacegc: pgc_copy(%p, %p, %zu): %s is NULL: both must point to %zu bytes\n", dst,
                  src, size, dst ? "src" : "dst", size);
    if (size > UINTPTR_MAX - du || size > UINTPTR_MAX - su)
        pgc_fatal("pacegc: pgc_copy(%p, %p, %zu): a range ends past the end of the address "
                  "space: size is the number of bytes to copy\n", dst, src, size);
    if (du < su + size && su < du + size)
        pgc_fatal("pacegc: pgc_copy(%p, %p, %zu): dst and src overlap: pgc_copy is memcpy with "
                  "the barrier; copy through a separate buffer, or move the words one by one "
                  "with pgc_store\n", dst, src, size);
    pgc_thread *t = pgc_self;
    if (!t)
        t = thread_attach_auto();
    char *d = dst;
    const char *s = src;
    while (size > 0) {
        size_t n = size < COPY_CHUNK ? size : COPY_CHUNK;
        /* Each chunk is atomic with respect to stops: the flag is read and
         * the old words recorded in the same critical section as the copy. */
        lib_enter(t);
        if (load_relaxed(&pgc__marking))
            record_overwritten(t, (uintptr_t)d, n);
        memcpy(d, s, n);
        lib_leave(t);
        d += n;
        s += n;
        size -= n;
    }
}
