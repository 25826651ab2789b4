/* testutil.h - small helpers shared by the collector tests. */
#ifndef PGC_TEST_UTIL_H
#define PGC_TEST_UTIL_H
#include <stdint.h>

/* splitmix64's finaliser: a well-mixed 64-bit hash of x (checksums, salts). */
static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* ---- Helpers for the tests that drive the collector into exact states ---- */
#ifdef PGC_TEST_NEED_CONTROL
#include "check.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct pgc_test_ctl {
    void (*fn)(void *);
    void *arg;
} pgc_test_ctl;

static void *pgc_test_ctl_main(void *p)
{
    pgc_test_ctl *c = p;
    c->fn(c->arg);
    return NULL;
}

/* Run fn(arg) on a fresh thread that never attaches to the collector (a
 * pause never stops it, so it may take any collector lock or hold a hook). */
static __attribute__((unused)) void on_unattached(void (*fn)(void *), void *arg)
{
    pgc_test_ctl c = { fn, arg };
    pthread_t t;
    CHECK(pthread_create(&t, NULL, pgc_test_ctl_main, &c) == 0, "cannot create a control thread");
    CHECK(pthread_join(t, NULL) == 0, "cannot join a control thread");
}

/* Zero 128 KiB of stack below the caller and the caller-saved registers,
 * so no dead copy of an object's address (from the helpers that made it)
 * survives where the conservative root scan would find it. Not
 * instrumented: AddressSanitizer would put redzones around buf, and the
 * stale words under them would survive the memset. */
static __attribute__((noinline, unused, no_sanitize_address)) void scrub(void)
{
    unsigned char buf[128 << 10];
    memset(buf, 0, sizeof buf);
    __asm__ volatile("" : : "r"(buf) : "memory");
#if defined(__x86_64__)
    __asm__ volatile("xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\t"
                     "xor %%esi, %%esi\n\txor %%edi, %%edi\n\txor %%r8d, %%r8d\n\t"
                     "xor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\txor %%r11d, %%r11d\n\t"
                     "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\t"
                     "pxor %%xmm3, %%xmm3\n\tpxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
                     "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7"
                     :
                     :
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0",
                       "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "memory");
#endif
}

/* State letter and wchan of a thread of this process. */
static __attribute__((unused)) char task_state(int tid, char *wchan, size_t wn)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *rp = strrchr(buf, ')'); /* the command name may hold spaces */
    char st = rp && rp[1] == ' ' ? rp[2] : '?';
    if (wchan && wn) {
        wchan[0] = 0;
        snprintf(path, sizeof path, "/proc/self/task/%d/wchan", tid);
        f = fopen(path, "r");
        if (f) {
            size_t m = fread(wchan, 1, wn - 1, f);
            wchan[m] = 0;
            fclose(f);
        }
    }
    return st;
}

#endif /* PGC_TEST_NEED_CONTROL */

/* ---- The barrier mode in use is the one asked for --------------------------- */
#ifdef PGC_TEST_NEED_MODE
#include "check.h"
#include "pacegc.h"
#include <string.h>

/* After init: the collector runs in barrier mode `want` (a PGC_BARRIER name). */
static __attribute__((unused)) void check_barrier_mode(const char *want)
{
    pgc_stats st;
    pgc_read_stats(&st);
    CHECK(strcmp(pgc_barrier_mode_name(st.barrier_mode), want) == 0, "PGC_BARRIER=%s but the mode is %s", want,
          pgc_barrier_mode_name(st.barrier_mode));
}
#endif /* PGC_TEST_NEED_MODE */

/* ---- A complete binary tree of GC objects, checked node by node ---------- */
#ifdef PGC_TEST_NEED_TREE
#include "check.h"
#include "pacegc.h"

typedef struct tree {
    struct tree *l, *r;
    uint64_t v;
} tree;

/* Node values: the root holds v, a node holding x has children 2x, 2x+1. */
static __attribute__((unused)) tree *build(int depth, uint64_t v)
{
    tree *t = pgc_alloc(sizeof *t);
    t->v = v;
    if (depth > 0) {
        t->l = build(depth - 1, 2 * v); /* stores over NULL: no barrier needed */
        t->r = build(depth - 1, 2 * v + 1);
    }
    return t;
}

/* Returns the node count; fails the test on a wrong value. */
static __attribute__((unused)) uint64_t check_tree(const tree *t, int depth, uint64_t v)
{
    CHECK(t->v == v, "tree node holds %llu, want %llu", (unsigned long long)t->v,
          (unsigned long long)v);
    if (depth == 0)
        return 1;
    return 1 + check_tree(t->l, depth - 1, 2 * v) + check_tree(t->r, depth - 1, 2 * v + 1);
}


#endif /* PGC_TEST_NEED_TREE */

#endif
