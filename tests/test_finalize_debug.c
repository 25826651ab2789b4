// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/* test_finalize_debug.c - PGCDEBUG=finalizers=1 reports a cycle of ordered
 * finalizable objects (never finalized, by design). Each case runs in a
 * child process with the setting in its environment; the parent reads the
 * child's stderr through a pipe (as test_errors.c does):
 *  - a cycle X <-> Y of ordered finalizable objects: a "pacegc:
 *    finalizers:" line names X or Y (the child writes both addresses
 *    first) and says it is a cycle, never finalized; neither is finalized
 *    after two cycles;
 *  - a chain X -> Y (no cycle): no report; X, then Y, are finalized;
 *  - the same cycle without the setting: no report.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct node {
    struct node *next;
    uintptr_t tag;
} node;

static int runs;
static void rec(void *obj, void *data) { (void)obj, (void)data; runs++; }

/* On a thread of its own that then exits, so no copy of x or y stays in
 * the child's frames or registers (a conservative root would keep them). */
static void *make_pair(void *arg)
{
    int cycle = (int)(uintptr_t)arg;
    node *x = pgc_alloc(sizeof(node)), *y = pgc_alloc(sizeof(node));
    x->next = y;
    if (cycle)
        y->next = x;
    pgc_register_finalizer(x, rec, NULL);
    pgc_register_finalizer(y, rec, NULL);
    fprintf(stderr, "x=%p y=%p\n", (void *)x, (void *)y);
    return NULL;
}

/* In the child: stderr is the pipe. Writes the two addresses, then runs
 * two cycles, then "runs=N". */
static void child(int cycle)
{
    pgc_init();
    pgc_set_finalize_on_demand(1);
    pthread_t th;
    CHECK(pgc_pthread_create(&th, NULL, make_pair, (void *)(uintptr_t)cycle) == 0, "thread");
    CHECK(pthread_join(th, NULL) == 0, "join");
    for (int i = 0; i < 2; i++) {
        scrub();
        pgc_collect();
        pgc_run_finalizers();
    }
    fprintf(stderr, "runs=%d\n", runs);
}

static void run(int cycle, int debug, char *buf, size_t cap)
{
    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        setenv("PGC_GOGC", "off", 1);
        if (debug)
            setenv("PGCDEBUG", "finalizers=1", 1);
        else
            unsetenv("PGCDEBUG");
        child(cycle);
        _exit(0);
    }
    close(pipefd[1]);
    size_t n = 0;
    ssize_t r;
    while (n < cap - 1 && (r = read(pipefd[0], buf + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x; stderr: %s", status, buf);
}

int main(void)
{
    char buf[8192], x[32], y[32];
    const char *msg = "a cycle of ordered finalizable objects, never finalized";

    run(1, 1, buf, sizeof buf);
    CHECK(sscanf(buf, "x=%31s y=%31s", x, y) == 2, "addresses: %s", buf);
    char *rep = strstr(buf, msg);
    CHECK(rep != NULL, "the cycle is reported: %s", buf);
    char *line = rep;
    while (line > buf && line[-1] != '\n')
        line--;
    char want_x[64], want_y[64];
    snprintf(want_x, sizeof want_x, "finalizers: %s ", x);
    snprintf(want_y, sizeof want_y, "finalizers: %s ", y);
    CHECK(strncmp(line, "pacegc: ", 8) == 0 && (strstr(line, want_x) == line + 8 || strstr(line, want_y) == line + 8),
          "the report names X or Y: %s", buf);
    CHECK(strstr(buf, "runs=0\n") != NULL, "the cycle is never finalized: %s", buf);
    printf("cycle reported: %.*s", (int)(strchr(line, '\n') - line + 1), line);

    run(0, 1, buf, sizeof buf);
    CHECK(strstr(buf, msg) == NULL, "a chain is not reported: %s", buf);
    CHECK(strstr(buf, "runs=2\n") != NULL, "the chain is finalized (B, then A): %s", buf);

    run(1, 0, buf, sizeof buf);
    CHECK(strstr(buf, msg) == NULL, "no report without the setting: %s", buf);
    CHECK(strstr(buf, "runs=0\n") != NULL, "the cycle is not finalized: %s", buf);
    printf("test_finalize_debug: ok\n");
    return 0;
}
