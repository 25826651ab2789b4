// TEST-TIMEOUT: 120
// TEST-TSAN: no
// TEST-ASAN: no
/* Bad input gets a clear message, never silent corruption. Each case runs in
 * a child process; the parent checks the exit status and stderr. */
#include "check.h"
#include "pacegc.h"

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
    run("realloc of foreign pointer", bad_realloc_foreign, 1, "is not the start of a live pacegc object");
    run("realloc of interior pointer", bad_realloc_interior, 1, "points inside one");
    run("attach twice", attach_twice, 1, "is already attached");
    run("detach without attach", detach_unattached, 1, "is not attached");
    run("pgc_alloc(SIZE_MAX)", too_large, 1, "is too large");
    run("out of memory", out_of_memory, 1, "out of memory: cannot allocate 67108864 bytes (heap_sys");
    run("oom handler returns NULL", oom_handler_returns_null, 0, "handler gave NULL");
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
