/*
 * typed.c - bdwgc's uncollectable and typed allocation on pacegc's kinds.
 *
 * Uncollectable: pgc_alloc_uncollectable (zeroed, scanned conservatively, a
 * root while it lives, released by GC_free). pacegc has no pointer-free
 * uncollectable kind, so GC_malloc_atomic_uncollectable memory is scanned
 * too: it may retain more, never less.
 *
 * Typed: a GC_descr is a pacegc bitmap kind (pgc_kind_bitmap), 0 for a
 * pointer-free layout. bdwgc's bitmap (bit i from the LSB of word 0 on: word
 * i may hold a pointer) is pacegc's bitmap, so it is passed as it is. pacegc
 * repeats the bitmap every len words, which is exactly bdwgc's layout for
 * GC_calloc_explicitly_typed (an array of the described element); for a
 * GC_malloc_explicitly_typed object longer than len words, bdwgc reads the
 * words past len as pointer-free and pacegc scans them by the repeated
 * pattern: more words read, never fewer. Descriptors are deduplicated (a
 * program may call GC_make_descriptor for every allocation, and pacegc's
 * kinds are never freed).
 */
#define GC_BUILD 1
#include "compat.h"
#include "../kinds.h"
#include "gc/gc.h"
#include "gc/gc_typed.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

void *GC_malloc_uncollectable(size_t n)
{
    gcx_ensure();
    gcx_alloc_lock_check("an allocation (GC_malloc and the like)");
    return pgc_alloc_uncollectable(n);
}
void *GC_malloc_atomic_uncollectable(size_t n)
{
    gcx_ensure();
    gcx_alloc_lock_check("an allocation (GC_malloc and the like)");
    return pgc_alloc_uncollectable(n);
}
void *GC_debug_malloc_uncollectable(size_t n, const char *s, int i)
{
    (void)s, (void)i;
    return GC_malloc_uncollectable(n);
}
void *GC_debug_malloc_atomic_uncollectable(size_t n, const char *s, int i)
{
    (void)s, (void)i;
    return GC_malloc_atomic_uncollectable(n);
}

#define MAX_DESCRS 128
#define MAX_DESCR_WORDS 4096 /* pgc_kind_bitmap's limit */

typedef struct descr {
    size_t len;
    uint64_t *bits; /* (len + 63) / 64 words, bits past len clear */
    const pgc_kind *kind;
} descr;

static pthread_mutex_t descr_lock = PTHREAD_MUTEX_INITIALIZER;
static descr descrs[MAX_DESCRS]; /* descr lock */
static int ndescrs;

/* The kind for a bitmap of nw words (bits past nw ignored): found in the
 * table or made. Descr lock held. */
static const pgc_kind *kind_for_locked(const uint64_t *bits, size_t nw)
{
    uint64_t want[MAX_DESCR_WORDS / 64];
    size_t nb = (nw + 63) / 64;
    memset(want, 0, sizeof want);
    for (size_t i = 0; i < nw; i++)
        if ((bits[i / 64] >> (i % 64)) & 1)
            want[i / 64] |= 1ull << (i % 64);
    for (int i = 0; i < ndescrs; i++)
        if (descrs[i].len == nw && memcmp(descrs[i].bits, want, nb * sizeof(uint64_t)) == 0)
            return descrs[i].kind;
    const pgc_kind *k = pgc_kind_bitmap(want, nw);
    if (ndescrs < MAX_DESCRS) {
        uint64_t *copy = pgc_alloc_uncollectable(nb * sizeof(uint64_t)); /* never freed, like the kind */
        memcpy(copy, want, nb * sizeof(uint64_t));
        descrs[ndescrs++] = (descr){ nw, copy, k };
    }
    return k;
}

/* The descriptor is the kind whose period is len words: the layout of one
 * GC_malloc_explicitly_typed object, repeated past len. */
GC_descr GC_make_descriptor(const GC_word *bm, size_t len)
{
    gcx_ensure();
    if (!bm && len)
        pgc_fatal("pacegc (libgc.so.1): GC_make_descriptor(NULL, %zu): the bitmap is NULL\n", len);
    size_t last = 0; /* one past the last word that may hold a pointer */
    for (size_t i = 0; i < len; i++)
        if ((bm[i / 64] >> (i % 64)) & 1)
            last = i + 1;
    if (last == 0)
        return 0; /* pointer-free */
    if (last > MAX_DESCR_WORDS)
        pgc_fatal("pacegc (libgc.so.1): GC_make_descriptor: a layout of %zu words with pointers past "
                  "word %d is not supported (pacegc's bitmap kinds describe up to %d words)\n",
                  len, MAX_DESCR_WORDS, MAX_DESCR_WORDS);
    size_t nw = len <= MAX_DESCR_WORDS ? len : last;
    pthread_mutex_lock(&descr_lock);
    const pgc_kind *k = kind_for_locked((const uint64_t *)bm, nw);
    pthread_mutex_unlock(&descr_lock);
    return (GC_descr)(uintptr_t)k;
}

static void *typed_alloc(size_t n, GC_descr d)
{
    if (d == 0) {
        void *p = pgc_alloc_atomic(n); /* typed objects are zeroed, as bdwgc's */
        if (p)
            memset(p, 0, n);
        return p;
    }
    const pgc_kind *k = kind_check((const pgc_kind *)(uintptr_t)d, "GC_malloc_explicitly_typed");
    /* An object shorter than its layout: scan it all, conservatively. */
    if (n < k->min_size)
        return pgc_alloc(n);
    return pgc_alloc_kind(k, n);
}

void *GC_malloc_explicitly_typed(size_t n, GC_descr d)
{
    gcx_ensure();
    gcx_alloc_lock_check("an allocation (GC_malloc and the like)");
    return typed_alloc(n, d);
}
void *GC_malloc_explicitly_typed_ignore_off_page(size_t n, GC_descr d)
{
    return GC_malloc_explicitly_typed(n, d);
}
void *GC_calloc_explicitly_typed(size_t nelements, size_t element_size, GC_descr d)
{
    gcx_ensure();
    gcx_alloc_lock_check("an allocation (GC_malloc and the like)");
    if (element_size && nelements > SIZE_MAX / element_size)
        pgc_fatal("pacegc (libgc.so.1): GC_calloc_explicitly_typed(%zu, %zu): the size overflows\n",
                  nelements, element_size);
    if (d == 0 || nelements <= 1)
        return typed_alloc(nelements * element_size, d);
    /* An array: d's layout repeated every element_size bytes. */
    const pgc_kind *k = kind_check((const pgc_kind *)(uintptr_t)d, "GC_calloc_explicitly_typed");
    size_t elw = element_size / sizeof(GC_word);
    if (element_size % sizeof(GC_word) || elw == 0 || elw > MAX_DESCR_WORDS)
        return pgc_alloc(nelements * element_size); /* no period to describe: conservative */
    const pgc_kind *ak = NULL;
    pthread_mutex_lock(&descr_lock);
    for (int i = 0; i < ndescrs && !ak; i++)
        if (descrs[i].kind == k) {
            uint64_t bits[MAX_DESCR_WORDS / 64];
            memset(bits, 0, sizeof bits);
            memcpy(bits, descrs[i].bits, (descrs[i].len + 63) / 64 * sizeof(uint64_t));
            ak = kind_for_locked(bits, elw);
        }
    pthread_mutex_unlock(&descr_lock);
    if (!ak)
        return pgc_alloc(nelements * element_size); /* descriptor table full: conservative */
    return pgc_alloc_kind(ak, nelements * element_size);
}
