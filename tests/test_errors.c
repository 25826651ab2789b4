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
    return 0;
}
