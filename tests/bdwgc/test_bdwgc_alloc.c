/* test_bdwgc_alloc.c - bdwgc's allocation and lookup semantics through
 * build/bdwgc/libgc.so.1, from bdwgc's documentation (gc.h):
 *  - the first GC_malloc initialises the collector (no GC_init, as mmv);
 *  - GC_malloc memory is zeroed; GC_malloc_atomic memory is usable (bdwgc
 *    does not promise zeroes, so neither is asserted);
 *  - GC_realloc keeps the contents, GC_realloc(NULL, n) allocates,
 *    GC_realloc(p, 0) frees and returns NULL;
 *  - GC_strdup / GC_strndup copy (and accept NULL);
 *  - GC_memalign / GC_posix_memalign align, EINVAL for a bad alignment;
 *  - GC_malloc_many: a NULL-terminated list linked through the first word,
 *    of distinct heap objects of at least the size asked;
 *  - GC_base / GC_size / GC_is_heap_ptr, interior pointers included;
 *  - GC_get_version is 8.2.2; a barrier-free mode is in use (incremental
 *    iff mostly concurrent, needing no protection from the program). */
#include <gc.h>
#include "../check.h"
#include "pacegc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static int stack_obj;

int main(void)
{
    CHECK(!GC_is_init_called(), "initialised before any call");
    char *p = GC_malloc(100);
    CHECK(p && GC_is_init_called(), "the first GC_malloc did not initialise");
    for (int i = 0; i < 100; i++)
        CHECK(p[i] == 0, "GC_malloc memory not zeroed at %d", i);
    pgc_stats st;
    pgc_read_stats(&st);
    CHECK(st.barrier_mode == PGC_BARRIER_NONE_STW || st.barrier_mode == PGC_BARRIER_NONE_UFFD,
          "libgc.so.1 runs in mode %s", pgc_barrier_mode_name(st.barrier_mode));
    CHECK(GC_is_incremental_mode() == (st.barrier_mode == PGC_BARRIER_NONE_UFFD), "incremental mode");
    CHECK(GC_incremental_protection_needs() == GC_PROTECTS_NONE, "protection needs");
    CHECK(GC_get_version() == ((8u << 16) | (2u << 8) | 2u), "version %x", GC_get_version());

    char *a = GC_malloc_atomic(1000);
    CHECK(a != NULL, "GC_malloc_atomic");
    memset(a, 'x', 1000);
    CHECK(GC_size(a) >= 1000 && GC_base(a + 999) == a, "atomic object lookup");

    strcpy(p, "hello, realloc");
    char *q = GC_realloc(p, 5000);
    CHECK(q && strcmp(q, "hello, realloc") == 0 && GC_size(q) >= 5000, "GC_realloc grow");
    char *r = GC_realloc(NULL, 64);
    CHECK(r && GC_size(r) >= 64, "GC_realloc(NULL, n)");
    CHECK(GC_realloc(r, 0) == NULL, "GC_realloc(p, 0) returns NULL");
    char *ar = GC_realloc(a, 3000);
    CHECK(ar && ar[0] == 'x' && ar[999] == 'x', "GC_realloc of an atomic object keeps its contents");

    char *d = GC_strdup("duplicate me");
    CHECK(d && strcmp(d, "duplicate me") == 0 && GC_base(d) == d, "GC_strdup");
    char *n = GC_strndup("abcdef", 3);
    CHECK(n && strcmp(n, "abc") == 0, "GC_strndup");
    CHECK(GC_strdup(NULL) == NULL, "GC_strdup(NULL)");

    for (size_t align = 8; align <= 65536; align *= 2) {
        void *m = GC_memalign(align, 200);
        CHECK(m && (uintptr_t)m % align == 0, "GC_memalign(%zu)", align);
        CHECK(GC_base(m) != NULL && GC_is_heap_ptr(m), "memalign result not in the heap");
        memset(m, 1, 200);
    }
    void *pm = NULL;
    CHECK(GC_posix_memalign(&pm, 256, 100) == 0 && pm && (uintptr_t)pm % 256 == 0, "posix_memalign");
    CHECK(GC_posix_memalign(&pm, 24, 100) == EINVAL, "posix_memalign: alignment 24 accepted");

    for (size_t lb = 1; lb <= 9000; lb = lb * 3 + 5) {
        void *list = GC_malloc_many(lb);
        CHECK(list != NULL, "GC_malloc_many(%zu) returned nothing", lb);
        size_t count = 0;
        void *prev = NULL;
        for (void *o = list; o; o = GC_NEXT(o)) {
            CHECK(GC_base(o) == o && GC_size(o) >= lb, "GC_malloc_many(%zu): bad object", lb);
            CHECK(o != prev, "list loops");
            prev = o;
            count++;
            CHECK(count < 100000, "list does not end");
        }
        CHECK(count >= 1, "empty list");
        if (lb <= 256)
            CHECK(count > 1, "GC_malloc_many(%zu) gave a single object", lb);
        /* a client takes each object and clears its link */
        for (void *o = list, *next; o; o = next) {
            next = GC_NEXT(o);
            GC_NEXT(o) = NULL;
        }
    }

    char *big = GC_malloc(100000);
    CHECK(GC_base(big + 12345) == big, "GC_base of an interior pointer");
    CHECK(GC_size(big) >= 100000, "GC_size of a large object");
    CHECK(GC_is_heap_ptr(big + 500) && !GC_is_heap_ptr(&stack_obj) && !GC_is_heap_ptr(&st),
          "GC_is_heap_ptr");
    CHECK(GC_base(&stack_obj) == NULL, "GC_base of a global");
    GC_free(big);
    GC_free(NULL);
    GC_reachable_here(q);
    printf("ok\n");
    return 0;
}
