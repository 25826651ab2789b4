/*
 * init1.c - after Go's test/init1.go (shared/gc-notes.md section 6.3).
 *
 * First round-trips a value through a second thread (Go: a goroutine and a
 * channel), then copies a 1 MiB pointer-free source buffer into a fresh
 * 1 MiB object 1000 times, keeping only the newest in a global: about 1 MiB
 * live (2 MiB at the moment of the copy) while ~1 GiB is allocated. Go's test
 * fails if the heap's system memory grew by more than 50 x 1 MiB; this
 * program reports that growth (sys_growth_mib, sys_ok) instead of failing,
 * and fails only if the data is wrong.
 *
 * usage: init1 [chunks [chunk_bytes]]    defaults 1000 1048576
 */
#include "common.h"

static uint8_t *newest; /* a global root: stores need no barrier */

static int pipefd[2];

static void *echo_thread(void *arg)
{
    (void)arg;
    uint64_t v;
    if (read(pipefd[0], &v, sizeof v) != (ssize_t)sizeof v)
        bench_die("init1: echo read");
    v = v * 3 + 1;
    if (write(pipefd[1], &v, sizeof v) != (ssize_t)sizeof v)
        bench_die("init1: echo write");
    return NULL;
}

/* Current resident set in KiB (VmRSS), for the growth figure. */
static long rss_now_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    long chunks = bench_arg_long(argc, argv, 1, 1000);
    long size = bench_arg_long(argc, argv, 2, 1 << 20);
    if (chunks < 1 || size < 4096)
        bench_die("init1: bad arguments");

    bench_init();

    /* The goroutine + channel round trip of the original. */
    pthread_t t;
    if (pipe(pipefd) != 0)
        bench_die("init1: pipe");
    if (B_THREAD_CREATE(&t, echo_thread, NULL) != 0)
        bench_die("init1: thread");
    uint64_t v = 41;
    if (write(pipefd[1], &v, sizeof v) != (ssize_t)sizeof v)
        bench_die("init1: write");
    B_THREAD_JOIN(t);
    if (read(pipefd[0], &v, sizeof v) != (ssize_t)sizeof v || v != 124)
        bench_die("init1: round trip through the thread failed");

    uint64_t sys0 = bench_heap_sys_bytes();
    long rss0 = rss_now_kb();

    uint8_t *src = malloc((size_t)size);
    if (src == NULL)
        bench_die("init1: malloc");
    bench_rng r;
    bench_rng_seed(&r, 1);
    for (long i = 0; i < size; i += 8) {
        uint64_t x = bench_rng_next(&r);
        memcpy(src + i, &x, 8);
    }

    uint64_t sum = 0;
    for (long k = 0; k < chunks; k++) {
        uint8_t *p = B_ALLOC_ATOMIC((size_t)size);
        memcpy(p, src, (size_t)size);
        p[k % size] ^= 0x5A; /* make each chunk distinct, then check it */
        sum += p[k % size] ^ src[k % size];
        p[k % size] ^= 0x5A;
        B_FREE(newest);
        newest = p;
    }
    if (sum != 0x5Aull * (uint64_t)chunks || memcmp(newest, src, (size_t)size) != 0)
        bench_die("init1: the newest chunk does not match its source");

    uint64_t sys1 = bench_heap_sys_bytes();
    long rss1 = rss_now_kb();
    double growth = ((double)sys1 - (double)sys0) / 1048576.0;
    bench_extra("chunks=%ld", chunks);
    bench_extra("chunk_kib=%ld", size / 1024);
    if (BENCH_IS_GC) {
        bench_extra("sys_growth_mib=%.1f", growth);
        bench_extra("sys_ok=%d", growth <= 50.0 * (double)size / 1048576.0);
    }
    bench_extra("rss_growth_mib=%.1f", (double)(rss1 - rss0) / 1024.0);
    bench_finish("init1", 0);
    free(src);
    return 0;
}
