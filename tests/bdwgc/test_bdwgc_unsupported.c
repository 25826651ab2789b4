/* test_bdwgc_unsupported.c - what pacegc's libgc.so.1 cannot do yet stops
 * the program with a message naming the function, never a wrong answer:
 * each call runs in a forked child, which must die by SIGABRT with the
 * expected text on stderr. Also: GC_free of a pointer that is not in the
 * heap is a fatal error naming the address, as is a disappearing link to
 * one; with nothing registered, the finalizer and link queries answer
 * correctly (finalizers and links themselves: test_bdwgc_finalize.c). */
#include <gc.h>
#include <gc/gc_typed.h>
#include <gc/gc_mark.h>
#include "../check.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void expect_fatal(void (*fn)(void), const char *what, const char *text)
{
    int pipefd[2];
    CHECK(pipe(pipefd) == 0, "pipe");
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        fn();
        _exit(0); /* returned: wrong */
    }
    close(pipefd[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(pipefd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(pipefd[0]);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "%s: did not abort (status %d, stderr '%s')", what,
          st, buf);
    CHECK(strstr(buf, text) != NULL, "%s: stderr '%s' lacks '%s'", what, buf, text);
}

static void do_dump(void) { GC_dump(); }
static void do_bad_link(void)
{
    static void *slot;
    static char not_heap[16];
    GC_general_register_disappearing_link(&slot, not_heap);
}
static void do_new_kind(void) { GC_new_kind(GC_new_free_list(), 0, 0, 0); }
static void do_bad_free(void)
{
    static char not_heap[16];
    GC_free(not_heap);
}
static void do_double_free(void)
{
    void *p = GC_malloc_uncollectable(32);
    GC_free(p);
    GC_free(p);
}

int main(void)
{
    GC_INIT();
    expect_fatal(do_dump, "dump", "GC_dump is not supported by pacegc's libgc.so.1");
    expect_fatal(do_new_kind, "kind", "is not supported by pacegc's libgc.so.1");
    expect_fatal(do_bad_free, "bad free", "is not in a live object allocated by GC_malloc");
    expect_fatal(do_bad_link, "link to a non-heap object", "is not in a live object allocated by GC_malloc");
    expect_fatal(do_double_free, "double free", "was already freed");
    /* right answers */
    void *l = NULL;
    CHECK(GC_unregister_disappearing_link(&l) == 0, "nothing registered");
    CHECK(GC_should_invoke_finalizers() == 0 && GC_invoke_finalizers() == 0, "no finalizers pending");
    CHECK(GC_all_interior_pointers == 1 && GC_java_finalization == 1 && GC_free_space_divisor == 3 &&
              GC_full_freq == 19 && GC_time_limit == GC_TIME_UNLIMITED && GC_no_dls == 0,
          "exported variables' defaults");
    printf("ok\n");
    return 0;
}
