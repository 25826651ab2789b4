// TEST-TIMEOUT: 120
// TEST-TSAN: no
// TEST-ASAN: no
/* Bad input gets a clear message, never silent corruption. Each case runs in
 * a child process; the parent checks the exit status and stderr. */
#include "check.h"
#include "pacegc.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void (*scenario)(void);

static void bad_realloc_foreign(void)
{
    pgc_init();
    static char not_ours[64];
    pgc_realloc(not_ours, 10);
}

static void bad_realloc_interior(void)
{
    pgc_init();
    char *p = pgc_alloc(100);
    pgc_realloc(p + 16, 10);
}

static void attach_twice(void)
{
    pgc_init();
    pgc_thread_attach();
}

static void *detach_thread(void *arg)
{
    (void)arg;
    pgc_thread_detach();
    return NULL;
}

static void detach_unattached(void)
{
    pgc_init();
    pthread_t t;
    pthread_create(&t, NULL, detach_thread, NULL);
    pthread_join(t, NULL);
}

static void too_large(void)
{
    pgc_init();
    pgc_alloc(SIZE_MAX);
}

static void out_of_memory(void)
{
    /* 3 GiB of address space: the heap reservation shrinks to fit, then
     * live objects exhaust it. */
    struct rlimit rl = { 3ull << 30, 3ull << 30 };
    setrlimit(RLIMIT_AS, &rl);
    pgc_init();
    static void *keep[4096];
    pgc_add_roots(keep, sizeof keep);
    for (int i = 0; i < 4096; i++)
        keep[i] = pgc_alloc_atomic(64 << 20);
}

static void *null_handler(size_t request)
{
    (void)request;
    return NULL;
}

static void oom_handler_returns_null(void)
{
    pgc_init();
    pgc_set_oom_handler(null_handler);
    void *p = pgc_alloc(SIZE_MAX / 2);
    if (p == NULL) {
        fprintf(stderr, "handler gave NULL\n");
        _exit(0);
    }
    _exit(3);
}


/* ---- NULL where a pointer is required ------------------------------------------- */

static void stats_null(void)
{
    pgc_init();
    pgc_read_stats(NULL);
}

static void cycle_null(void)
{
    pgc_init();
    pgc_collect();
    pgc_read_cycle(1, NULL);
}

/* Cycle numbers with no record: -1, and *out untouched. */
static void cycle_bad_number(void)
{
    pgc_init();
    pgc_collect();
    pgc_cycle_info ci;
    memset(&ci, 0xab, sizeof ci);
    uint64_t bad[] = { 0, 2, 1000, UINT64_MAX };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(pgc_read_cycle(bad[i], &ci) == -1, "pgc_read_cycle(%llu) should return -1",
              (unsigned long long)bad[i]);
    CHECK(ci.cycle == 0xababababababababull, "pgc_read_cycle wrote *out for a missing cycle");
    CHECK(pgc_read_cycle(1, &ci) == 0 && ci.cycle == 1, "cycle 1 not readable");
    fprintf(stderr, "missing cycles read -1\n");
}

static void add_roots_null(void)
{
    pgc_init();
    pgc_add_roots(NULL, 4096);
}

static void copy_null_dst(void)
{
    pgc_init();
    void *p = pgc_alloc(64);
    pgc_copy(NULL, p, 16);
}

static void copy_null_src(void)
{
    pgc_init();
    void *p = pgc_alloc(64);
    pgc_copy(p, NULL, 16);
}

static void copy_overlap(void)
{
    pgc_init();
    void **p = pgc_alloc(64);
    pgc_copy(p + 1, p, 32);
}

/* Size 0 copies nothing, whatever the pointers. */
static void copy_zero(void)
{
    pgc_init();
    void **p = pgc_alloc(64);
    p[0] = p;
    pgc_copy(NULL, NULL, 0);
    pgc_copy(p, p, 0);
    pgc_copy(p, (void *)1, 0);
    CHECK(p[0] == p, "pgc_copy of 0 bytes changed the destination");
    fprintf(stderr, "zero-byte copies ok\n");
}

static void *nop_thread(void *arg) { return arg; }

static void create_null_start(void)
{
    pgc_init();
    pthread_t t;
    pgc_pthread_create(&t, NULL, NULL, NULL);
}

static void create_null_thread(void)
{
    pgc_init();
    pgc_pthread_create(NULL, NULL, nop_thread, NULL);
}

/* ---- Roots: empty, wrapping, never added ---------------------------------------- */

static void add_roots_wraps(void)
{
    pgc_init();
    static void *slots[4];
    pgc_add_roots(slots, SIZE_MAX);
}

static void remove_roots_wraps(void)
{
    pgc_init();
    static void *slots[4];
    pgc_add_roots(slots, sizeof slots);
    pgc_remove_roots(slots + 1, SIZE_MAX - 8);
}

/* Size 0 registers nothing; removing a range never added removes nothing,
 * so a registered range keeps its object alive. */
static void roots_harmless(void)
{
    pgc_init();
    static char other[64];
    void **block = malloc(4 * sizeof(void *));
    CHECK(block != NULL, "malloc");
    memset(block, 0, 4 * sizeof(void *));
    pgc_add_roots(NULL, 0);
    pgc_add_roots(other, 0);
    pgc_add_roots(block, 4 * sizeof(void *));
    long *obj = pgc_alloc_atomic(sizeof(long) * 8);
    for (int i = 0; i < 8; i++)
        obj[i] = 1000 + i;
    block[2] = obj;
    obj = NULL;
    pgc_remove_roots(other, sizeof other); /* never added */
    pgc_remove_roots(NULL, 0);
    pgc_remove_roots(other, 0);
    pgc_collect();
    pgc_collect();
    long *back = block[2];
    CHECK(pgc_base(back) == back && pgc_size(back) >= sizeof(long) * 8,
          "the object in the registered block was freed");
    for (int i = 0; i < 8; i++)
        CHECK(back[i] == 1000 + i, "the object in the registered block was overwritten");
    pgc_remove_roots(block, 4 * sizeof(void *));
    fprintf(stderr, "empty and unknown root ranges ignored\n");
}

/* ---- Foreign and freed pointers ---------------------------------------------------- */

static int a_static;

static __attribute__((noinline)) void alloc_hidden(uintptr_t *hidden, int n)
{
    for (int i = 0; i < n; i++)
        hidden[i] = ~(uintptr_t)pgc_alloc_atomic(64); /* hidden: keeps nothing alive */
}

static void lookup_foreign(void)
{
    pgc_init();
    int on_stack = 0;
    char *m = malloc(100);
    const void *foreign[] = { NULL, m, m + 50, &on_stack, &a_static, (const void *)(uintptr_t)lookup_foreign,
                              (const void *)1, (const void *)UINTPTR_MAX, (const void *)(UINTPTR_MAX - 15) };
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++) {
        CHECK(pgc_size(foreign[i]) == 0, "pgc_size(%p) of a foreign pointer is %zu", foreign[i],
              pgc_size(foreign[i]));
        CHECK(pgc_base(foreign[i]) == NULL, "pgc_base(%p) of a foreign pointer is %p", foreign[i],
              pgc_base(foreign[i]));
    }
    free(m);
    /* Freed objects: after two full cycles, all but a few (conservative
     * stack residue) read as not live. */
    enum { N = 2000 };
    static uintptr_t hidden[N];
    alloc_hidden(hidden, N);
    pgc_collect();
    pgc_collect();
    int freed = 0;
    for (int i = 0; i < N; i++) {
        void *p = (void *)~hidden[i];
        if (pgc_size(p) == 0) {
            CHECK(pgc_base(p) == NULL, "pgc_base of a freed object is not NULL");
            freed++;
        }
    }
    CHECK(freed >= N * 9 / 10, "only %d of %d unreachable objects read as freed", freed, N);
    fprintf(stderr, "foreign pointers: size 0, base NULL; %d/%d freed\n", freed, N);
}

/* ---- Sizes near SIZE_MAX ---------------------------------------------------------- */

static void too_large_minus_8(void)
{
    pgc_init();
    pgc_alloc(SIZE_MAX - 8);
}

static void too_large_atomic(void)
{
    pgc_init();
    pgc_alloc_atomic(SIZE_MAX - 15);
}

static void too_large_realloc(void)
{
    pgc_init();
    void *p = pgc_alloc(100);
    pgc_realloc(p, SIZE_MAX);
}

/* gccheckmark pads every request by a byte: SIZE_MAX must not wrap to 0. */
static void too_large_checkmark(void)
{
    setenv("PGCDEBUG", "gccheckmark=1", 1);
    pgc_init();
    pgc_alloc(SIZE_MAX);
}

static void oom_handler_huge(void)
{
    pgc_init();
    pgc_set_oom_handler(null_handler);
    CHECK(pgc_alloc(SIZE_MAX - 8) == NULL, "pgc_alloc(SIZE_MAX - 8) with a handler");
    CHECK(pgc_alloc_atomic(SIZE_MAX - 15) == NULL, "pgc_alloc_atomic(SIZE_MAX - 15) with a handler");
    void *p = pgc_alloc(100);
    CHECK(pgc_realloc(p, SIZE_MAX) == NULL, "pgc_realloc(p, SIZE_MAX) with a handler");
    CHECK(pgc_size(p) >= 100, "the old object of a failed realloc is gone");
    fprintf(stderr, "handler answered every huge request\n");
}

/* Size 0: a smallest live object, never NULL. */
static void size_zero(void)
{
    pgc_init();
    void *a = pgc_alloc(0), *b = pgc_alloc_atomic(0);
    CHECK(a && b && a != b, "pgc_alloc(0) / pgc_alloc_atomic(0) gave %p, %p", a, b);
    CHECK(pgc_size(a) == 16 && pgc_size(b) == 16, "size 0 objects hold %zu, %zu", pgc_size(a), pgc_size(b));
    char *p = pgc_alloc(100);
    p[0] = 42;
    void *q = pgc_realloc(p, 0);
    CHECK(q && pgc_base(q) == q && pgc_size(q) == 16, "pgc_realloc(p, 0) gave %p (size %zu)", q, pgc_size(q));
    CHECK(pgc_realloc(NULL, 0) != NULL, "pgc_realloc(NULL, 0)");
    fprintf(stderr, "size 0 gives 16-byte objects\n");
}

/* ---- Control: odd values --------------------------------------------------------- */

static uint64_t churn_garbage(size_t bytes)
{
    pgc_stats s0, s1;
    pgc_read_stats(&s0);
    for (size_t done = 0; done < bytes; done += 1000)
        pgc_alloc(1000);
    pgc_read_stats(&s1);
    return s1.num_gc - s0.num_gc;
}

static void gc_percent_odd(void)
{
    pgc_init();
    pgc_stats s;
    CHECK(pgc_set_gc_percent(INT_MAX) == 100, "default percent");
    churn_garbage(8 << 20);
    pgc_read_stats(&s);
    CHECK(s.gc_percent == INT_MAX, "stats percent %d", s.gc_percent);
    CHECK(s.heap_goal >= s.heap_live && s.heap_trigger >= s.heap_live / 2,
          "percent INT_MAX: goal %llu trigger %llu below the heap %llu (overflow?)",
          (unsigned long long)s.heap_goal, (unsigned long long)s.heap_trigger,
          (unsigned long long)s.heap_live);
    CHECK(pgc_set_gc_percent(INT_MIN) == INT_MAX, "previous INT_MAX");
    CHECK(pgc_set_gc_percent(-7) == -1, "every negative percent reads back as -1 (off)");
    uint64_t before = s.num_gc;
    churn_garbage(16 << 20);
    pgc_read_stats(&s);
    CHECK(s.num_gc == before, "a cycle started with the collector off");
    CHECK(pgc_set_gc_percent(0) == -1, "previous off");
    CHECK(churn_garbage(16 << 20) >= 2, "percent 0 should collect often");
    pgc_collect();
    CHECK(pgc_set_gc_percent(100) == 0, "previous 0");
    fprintf(stderr, "odd percents ok\n");
}

static void memory_limit_odd(void)
{
    pgc_init();
    pgc_stats s;
    CHECK(pgc_set_memory_limit(-1) == INT64_MAX, "default: no limit");
    CHECK(pgc_set_memory_limit(0) == INT64_MAX, "previous: no limit");
    CHECK(churn_garbage(16 << 20) >= 2, "limit 0 should collect often");
    CHECK(pgc_set_memory_limit(-5) == 0, "a negative limit reads");
    CHECK(pgc_set_memory_limit(INT64_MIN) == 0, "INT64_MIN reads");
    pgc_read_stats(&s);
    CHECK(s.memory_limit == 0, "stats limit %lld", (long long)s.memory_limit);
    CHECK(pgc_set_memory_limit(1) == 0, "previous 0");
    churn_garbage(4 << 20);
    CHECK(pgc_set_memory_limit(INT64_MAX) == 1, "previous 1");
    pgc_read_stats(&s);
    CHECK(s.memory_limit == INT64_MAX && s.heap_goal < (1ull << 40), "limit off: stats %lld, goal %llu",
          (long long)s.memory_limit, (unsigned long long)s.heap_goal);
    fprintf(stderr, "odd limits ok\n");
}

/* ---- Threads ----------------------------------------------------------------------- */

/* Detaching the main thread and allocating again attaches it again. */
static void detach_then_alloc(void)
{
    pgc_init();
    pgc_thread_detach();
    void *p = pgc_alloc(32);
    CHECK(pgc_size(p) == 32, "allocation after detach");
    pgc_collect();
    pgc_thread_detach();
    pgc_thread_attach();
    pgc_thread_detach();
    fprintf(stderr, "re-attached after detach\n");
}

/* ---- Kinds and pgc_free ---- */

static void kind_bitmap_null(void) { pgc_kind_bitmap(NULL, 3); }
static void kind_nwords_zero(void)
{
    uint64_t b = 1;
    pgc_kind_bitmap(&b, 0);
}
static void kind_nwords_big(void)
{
    static uint64_t b[65];
    pgc_kind_bitmap(b, 4097);
}
static void kind_traced_null(void) { pgc_kind_traced(NULL); }
static void alloc_kind_null(void)
{
    pgc_init();
    pgc_alloc_kind(NULL, 16);
}
static void alloc_kind_foreign(void)
{
    pgc_init();
    static uint64_t not_a_kind[16];
    pgc_alloc_kind((const pgc_kind *)not_a_kind, 16);
}
static void alloc_kind_too_small(void)
{
    uint64_t b = 0x9;
    const pgc_kind *k = pgc_kind_bitmap(&b, 4);
    pgc_init();
    pgc_alloc_kind(k, 16);
}
static void alloc_kind_huge(void)
{
    uint64_t b = 0x1;
    pgc_init();
    pgc_alloc_kind(pgc_kind_bitmap(&b, 1), SIZE_MAX);
}
static void alloc_uncollectable_huge(void)
{
    pgc_init();
    pgc_alloc_uncollectable(SIZE_MAX - 8);
}
static void realloc_kind_too_small(void)
{
    uint64_t b = 0x9;
    pgc_init();
    void *p = pgc_alloc_kind(pgc_kind_bitmap(&b, 4), 64);
    pgc_realloc(p, 8);
}
static void too_many_kinds(void)
{
    for (uint64_t i = 1; i < 1000; i++)
        pgc_kind_bitmap(&i, 64);
}
static char g_not_ours[64];
static void free_foreign(void)
{
    pgc_init();
    pgc_free(g_not_ours);
}
static void free_interior(void)
{
    pgc_init();
    char *p = pgc_alloc(100);
    pgc_free(p + 16);
}
static void free_twice(void)
{
    pgc_init();
    void *p = pgc_alloc_uncollectable(100);
    pgc_free(p);
    pgc_free(p);
}
static void free_null(void)
{
    pgc_free(NULL); /* before init, too */
    pgc_init();
    pgc_free(NULL);
    fprintf(stderr, "free(NULL) is a no-op\n");
}

static void fin_nop(void *o, void *d) { (void)o, (void)d; }
static void fin_interior(void)
{
    char *p = pgc_alloc(64);
    pgc_register_finalizer(p + 16, fin_nop, NULL);
}
static void fin_foreign(void)
{
    static char buf[64];
    pgc_init();
    pgc_register_finalizer(buf, fin_nop, NULL);
}
static void fin_null(void)
{
    pgc_init();
    pgc_register_finalizer(NULL, fin_nop, NULL);
}
static void weak_null_link(void)
{
    pgc_init();
    pgc_register_weak_link(NULL, pgc_alloc(16));
}
static void weak_load_null(void)
{
    pgc_init();
    pgc_weak_load(NULL);
}
static void eph_null_key(void)
{
    pgc_init();
    pgc_ephemeron_new(NULL, pgc_alloc(16));
}
static void eph_not_eph(void)
{
    pgc_ephemeron_key((pgc_ephemeron *)pgc_alloc(16));
}

static void run(const char *name, scenario fn, int want_abort, const char *want_msg)
{
    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        fn();
        _exit(0);
    }
    close(pipefd[1]);
    char buf[4096] = { 0 };
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(pipefd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (want_abort)
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "%s: expected abort, got status %#x; stderr: %s",
              name, status, buf);
    else
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: expected exit 0, got %#x; stderr: %s", name,
              status, buf);
    CHECK(strstr(buf, want_msg) != NULL, "%s: stderr lacks \"%s\": %s", name, want_msg, buf);
    printf("%-28s ok: %s", name, buf);
}

int main(void)
{
    run("finalizer on interior ptr", fin_interior, 1, "not at its start");
    run("finalizer on foreign ptr", fin_foreign, 1, "is not a pacegc object");
    run("finalizer on NULL", fin_null, 1, "pgc_register_finalizer: the object is NULL");
    run("weak link NULL", weak_null_link, 1, "pgc_register_weak_link: the link is NULL");
    run("weak load NULL", weak_load_null, 1, "pgc_weak_load: the link is NULL");
    run("ephemeron NULL key", eph_null_key, 1, "pgc_ephemeron_new: the key is NULL");
    run("ephemeron_key of non-eph", eph_not_eph, 1, "is not an ephemeron made by pgc_ephemeron_new");
    run("realloc of foreign pointer", bad_realloc_foreign, 1, "is not the start of a live pacegc object");
    run("realloc of interior pointer", bad_realloc_interior, 1, "points inside one");
    run("attach twice", attach_twice, 1, "is already attached");
    run("detach without attach", detach_unattached, 1, "is not attached");
    run("pgc_alloc(SIZE_MAX)", too_large, 1, "is too large");
    run("out of memory", out_of_memory, 1, "out of memory: cannot allocate 67108864 bytes (heap_sys");
    run("oom handler returns NULL", oom_handler_returns_null, 0, "handler gave NULL");
    run("pgc_read_stats(NULL)", stats_null, 1, "pgc_read_stats(NULL): out is NULL");
    run("pgc_read_cycle(1, NULL)", cycle_null, 1, "pgc_read_cycle(1, NULL): out is NULL");
    run("pgc_read_cycle of no cycle", cycle_bad_number, 0, "missing cycles read -1");
    run("pgc_add_roots(NULL, 4096)", add_roots_null, 1, "pgc_add_roots(NULL, 4096): start is NULL");
    run("pgc_add_roots(p, SIZE_MAX)", add_roots_wraps, 1,
        ", 18446744073709551615): the range ends past the end of the address space");
    run("pgc_remove_roots wrapping", remove_roots_wraps, 1,
        ", 18446744073709551607): the range ends past the end of the address space");
    run("empty/unknown root ranges", roots_harmless, 0, "empty and unknown root ranges ignored");
    run("pgc_copy(NULL, p, 16)", copy_null_dst, 1, "dst is NULL: both must point to 16 bytes");
    run("pgc_copy(p, NULL, 16)", copy_null_src, 1, "src is NULL: both must point to 16 bytes");
    run("pgc_copy overlapping", copy_overlap, 1, "dst and src overlap");
    run("pgc_copy of 0 bytes", copy_zero, 0, "zero-byte copies ok");
    run("pgc_pthread_create NULL start", create_null_start, 1, "pgc_pthread_create: start is NULL");
    run("pgc_pthread_create NULL thread", create_null_thread, 1, "pgc_pthread_create: thread is NULL");
    run("pgc_size/base of foreign", lookup_foreign, 0, "foreign pointers: size 0, base NULL");
    run("pgc_alloc(SIZE_MAX - 8)", too_large_minus_8, 1, "allocation of 18446744073709551607 bytes is too large");
    run("pgc_alloc_atomic(SIZE_MAX-15)", too_large_atomic, 1, "allocation of 18446744073709551600 bytes is too large");
    run("pgc_realloc(p, SIZE_MAX)", too_large_realloc, 1, "allocation of 18446744073709551615 bytes is too large");
    run("SIZE_MAX under gccheckmark", too_large_checkmark, 1, "allocation of 18446744073709551615 bytes is too large");
    run("huge requests, oom handler", oom_handler_huge, 0, "handler answered every huge request");
    run("size 0", size_zero, 0, "size 0 gives 16-byte objects");
    run("odd gc percents", gc_percent_odd, 0, "odd percents ok");
    run("odd memory limits", memory_limit_odd, 0, "odd limits ok");
    run("detach, then allocate", detach_then_alloc, 0, "re-attached after detach");
    run("pgc_kind_bitmap(NULL)", kind_bitmap_null, 1, "pgc_kind_bitmap: the bitmap is NULL");
    run("pgc_kind_bitmap nwords 0", kind_nwords_zero, 1, "nwords is 0; it must be 1 to 4096");
    run("pgc_kind_bitmap nwords 4097", kind_nwords_big, 1, "nwords is 4097; it must be 1 to 4096");
    run("pgc_kind_traced(NULL)", kind_traced_null, 1, "pgc_kind_traced: the trace function is NULL");
    run("pgc_alloc_kind(NULL)", alloc_kind_null, 1, "pgc_alloc_kind: the kind is NULL");
    run("pgc_alloc_kind(foreign)", alloc_kind_foreign, 1, "is not a kind made by pgc_kind_bitmap");
    run("pgc_alloc_kind too small", alloc_kind_too_small, 1,
        "pgc_alloc_kind: size 16 is smaller than the kind needs: its bitmap describes 4 words (32 bytes)");
    run("pgc_alloc_kind(SIZE_MAX)", alloc_kind_huge, 1, "is too large");
    run("uncollectable(SIZE_MAX-8)", alloc_uncollectable_huge, 1, "is too large");
    run("realloc below the kind", realloc_kind_too_small, 1, "pgc_realloc: size 8 is smaller than the kind needs");
    run("too many kinds", too_many_kinds, 1, "too many object kinds: the table holds 256");
    char want[128];
    snprintf(want, sizeof want, "pgc_free: %p is not the start of a live pacegc object", (void *)g_not_ours);
    run("pgc_free(foreign)", free_foreign, 1, want);
    run("pgc_free(interior)", free_interior, 1, "points inside one");
    run("double pgc_free", free_twice, 1, "was already freed (double pgc_free)");
    run("pgc_free(NULL)", free_null, 0, "free(NULL) is a no-op");
    return 0;
}
