/*
 * roots.c - where marking starts: every attached thread's stack (from its
 * saved stack pointer to its base; the saved registers are on it) and
 * static TLS blocks, the writable data segments of the program and its
 * shared libraries (minus the collector's own state), and the ranges
 * registered with pgc_add_roots, and every live uncollectable object
 * (greyed, not scanned, in the pause: kinds.c).
 *
 * All roots are scanned once, in pause #1 (gc-notes Part 1 item 2), and
 * never again: pause #2 re-scans no stack (INV-SATB, mark.c, needs none).
 * Data segments are listed with dl_iterate_phdr before the world stops
 * (it takes the loader lock, which a stopped thread may hold).
 */
#include "internal.h"
#include "kinds.h"
#include "roots.h"
#include "mark.h"
#include "stop.h"

#include <elf.h>
#include <link.h>
#include <string.h>

PGC_STATE roots_state roots_st;

#define MAX_SEGS 1024

static PGC_STATE uintptr_t segs[MAX_SEGS][2]; /* roots lock */
static size_t nsegs;

static void add_seg(uintptr_t lo, uintptr_t hi)
{
    lo = (lo + sizeof(void *) - 1) & ~(uintptr_t)(sizeof(void *) - 1);
    if (lo < hi && nsegs < MAX_SEGS) {
        segs[nsegs][0] = lo;
        segs[nsegs][1] = hi;
        nsegs++;
    }
}

/* A writable segment, minus the collector's own state: the section
 * pgc_state holds every module's state object (PGC_STATE, internal.h). */
static void add_seg_excluding_self(uintptr_t lo, uintptr_t hi)
{
    uintptr_t glo = (uintptr_t)__start_pgc_state, ghi = (uintptr_t)__stop_pgc_state;
    if (ghi <= lo || glo >= hi) {
        add_seg(lo, hi);
        return;
    }
    if (lo < glo)
        add_seg(lo, glo);
    if (ghi < hi)
        add_seg(ghi, hi);
}

static int seg_cb(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    (void)ctx;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
            add_seg_excluding_self(lo, lo + ph->p_memsz);
        }
    }
    return 0;
}

/* Roots lock held. */
void roots_refresh_segments(void)
{
    nsegs = 0;
    dl_iterate_phdr(seg_cb, NULL);
}

static int tls_cb(struct dl_phdr_info *info, size_t size, void *ctx)
{
    (void)size;
    pgc_thread *t = ctx;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_TLS && info->dlpi_tls_data && t->ntls < MAX_TLS_RANGES) {
            uintptr_t lo = (uintptr_t)info->dlpi_tls_data;
            t->tls[t->ntls][0] = lo;
            t->tls[t->ntls][1] = lo + ph->p_memsz;
            t->ntls++;
        }
    }
    return 0;
}

/* In the attaching thread: its static TLS blocks (__thread variables of the
 * modules loaded so far). */
void roots_record_tls(pgc_thread *t)
{
    t->ntls = 0;
    dl_iterate_phdr(tls_cb, t);
}

/* ---- Registered roots -------------------------------------------------------- */

/* Bad ranges are refused here, where the caller is, not found later by the
 * coordinator faulting in pause #1 (NULL) or silently skipping a range
 * whose end wrapped (hi < lo scans nothing). */
static void check_range(const char *fn, void *start, size_t size)
{
    if (size > UINTPTR_MAX - (uintptr_t)start)
        pgc_fatal("pacegc: %s(%p, %zu): the range ends past the end of the address space: size "
                  "is the length in bytes of the memory from start\n", fn, start, size);
}

/* size 0 registers nothing. The same range may be added twice; it is then
 * scanned twice, and one pgc_remove_roots removes both. */
void pgc_add_roots(void *start, size_t size)
{
    if (size == 0)
        return;
    if (!start)
        pgc_fatal("pacegc: pgc_add_roots(NULL, %zu): start is NULL: pass the start of memory "
                  "the program owns (malloc or mmap memory that holds GC pointers)\n", size);
    check_range("pgc_add_roots", start, size);
    ensure_init();
    lock_stoppable(&roots_st.roots_lock);
    if (roots_st.nroots == roots_st.roots_cap) {
        size_t cap = roots_st.roots_cap ? 2 * roots_st.roots_cap : 64;
        uintptr_t(*r)[2] = os_alloc_meta(cap * sizeof *r);
        if (roots_st.nroots)
            memcpy(r, roots_st.root_ranges, roots_st.nroots * sizeof *r);
        roots_st.root_ranges = r; /* the old array is leaked: metadata is never unmapped */
        roots_st.roots_cap = cap;
    }
    roots_st.root_ranges[roots_st.nroots][0] = (uintptr_t)start;
    roots_st.root_ranges[roots_st.nroots][1] = (uintptr_t)start + size;
    roots_st.nroots++;
    pthread_mutex_unlock(&roots_st.roots_lock);
}

/* Removes every registered range that lies inside [start, start+size). A
 * range never added (or already removed) is no error: nothing happens. */
void pgc_remove_roots(void *start, size_t size)
{
    check_range("pgc_remove_roots", start, size);
    ensure_init();
    uintptr_t lo = (uintptr_t)start, hi = lo + size;
    lock_stoppable(&roots_st.roots_lock);
    size_t j = 0;
    for (size_t i = 0; i < roots_st.nroots; i++) {
        if (roots_st.root_ranges[i][0] >= lo && roots_st.root_ranges[i][1] <= hi)
            continue;
        roots_st.root_ranges[j][0] = roots_st.root_ranges[i][0];
        roots_st.root_ranges[j][1] = roots_st.root_ranges[i][1];
        j++;
    }
    roots_st.nroots = j;
    pthread_mutex_unlock(&roots_st.roots_lock);
}

/* ---- Enumeration ------------------------------------------------------------------ */

#if defined(__x86_64__)
#define RED_ZONE 128 /* the ABI's red zone: the kernel puts a signal frame below it */
#else
#define RED_ZONE 0
#endif

/* The verification roots of checkmark.c (its snapshot at pause #1 and its
 * check at pause #2): like roots_for_each, but a thread stopped by the
 * signal handler contributes its interrupted registers and its stack from
 * the interrupted stack pointer (less the red zone, where a leaf function
 * may keep live values) up, not the signal frame and the handler's frames
 * below, which hold nothing of the program's that is not also in the saved
 * registers. So at either pause these roots are a subset of what
 * roots_for_each covers. */
void roots_for_each_verify(range_fn fn, void *ctx)
{
    for (pgc_thread *t = stop_st.threads; t; t = t->next) {
        /* Trust the interrupted context only if the signal frame lies on
         * this stack above the park frame. ThreadSanitizer runs a handler
         * late, at its next interceptor call, with a copy of the context
         * kept in its own memory: those registers and that stack pointer
         * are stale, so the whole stack from stop_sp up is used instead. */
        bool frame_on_stack = t->stop.intr_regs[0] >= t->stop.stop_sp && t->stop.intr_regs[1] <= t->stack_hi;
        if (t->stop.intr_sp && frame_on_stack && t->stop.intr_sp >= t->stop.stop_sp && t->stop.intr_sp < t->stack_hi) {
            uintptr_t lo = t->stop.intr_sp - t->stop.stop_sp > RED_ZONE ? t->stop.intr_sp - RED_ZONE : t->stop.stop_sp;
            fn(ctx, t->stop.intr_regs[0], t->stop.intr_regs[1], ROOT_STACK);
            fn(ctx, lo, t->stack_hi, ROOT_STACK);
        } else {
            fn(ctx, t->stop.stop_sp, t->stack_hi, ROOT_STACK);
        }
        for (int i = 0; i < t->ntls; i++)
            fn(ctx, t->tls[i][0], t->tls[i][1], ROOT_GLOBAL);
    }
    for (size_t i = 0; i < nsegs; i++)
        fn(ctx, segs[i][0], segs[i][1], ROOT_GLOBAL);
    for (size_t i = 0; i < roots_st.nroots; i++)
        fn(ctx, roots_st.root_ranges[i][0], roots_st.root_ranges[i][1], ROOT_GLOBAL);
    kinds_for_each_uncollectable(fn, ctx); /* live uncollectable objects */
}

/* Call fn on every root range of the snapshot: each stack from its saved
 * stack pointer up (saved registers included), static TLS, data segments,
 * registered roots. World stopped, threads and roots locks held. The same
 * in every mode: gccheckmark adds no roots (DESIGN.md, Checkmark). */
void roots_for_each(range_fn fn, void *ctx)
{
    for (pgc_thread *t = stop_st.threads; t; t = t->next) {
        fn(ctx, t->stop.stop_sp, t->stack_hi, ROOT_STACK);
        for (int i = 0; i < t->ntls; i++)
            fn(ctx, t->tls[i][0], t->tls[i][1], ROOT_GLOBAL);
    }
    for (size_t i = 0; i < nsegs; i++)
        fn(ctx, segs[i][0], segs[i][1], ROOT_GLOBAL);
    for (size_t i = 0; i < roots_st.nroots; i++)
        fn(ctx, roots_st.root_ranges[i][0], roots_st.root_ranges[i][1], ROOT_GLOBAL);
    kinds_for_each_uncollectable(fn, ctx); /* live uncollectable objects */
}

static void mark_range_cb(void *ctx, uintptr_t lo, uintptr_t hi, int what)
{
    pgc_marker *m = ctx;
    if (what == ROOT_OBJECT) { /* grey it: scanned concurrently, as its kind says */
        mark_candidate(m, lo);
        return;
    }
    mark_scan_range(m, lo, hi);
    if (what == ROOT_STACK)
        mark_st.stack_scan_work += hi - lo;
    else
        mark_st.globals_scan_work += hi - lo;
}

/* Pause #1: grey everything the roots point to. */
void roots_mark_all(pgc_marker *m)
{
    mark_st.stack_scan_work = 0;
    mark_st.globals_scan_work = 0;
    roots_for_each(mark_range_cb, m);
}
