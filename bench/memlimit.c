/*
 * memlimit.c - a memory limit below the live heap (issue 12, "Also"): live_mib
 * MiB of 64-byte nodes in one list, then garbage_mib MiB of 64-byte
 * garbage nodes, each dropped at once. Run it with the limit in the
 * backend's variable (PGC_MEMLIMIT=32MiB, GOMEMLIMIT=32MiB): the collector
 * cannot meet it and runs back to back; Go's promise is that it then takes
 * no more than about half the CPU. extra=: gc_cpu (pacegc's
 * gc_cpu_fraction), limiter_on at the end, blocked_ms.
 *
 * usage: memlimit [live_mib [garbage_mib]]    defaults 64 1024
 */
#include "common.h"

typedef struct node {
    struct node *next;
    uint64_t id, pad[6];
} node; /* 64 bytes */

static node *head;

int main(int argc, char **argv)
{
    long live_mib = bench_arg_long(argc, argv, 1, 64);
    long garbage_mib = bench_arg_long(argc, argv, 2, 1024);
    if (live_mib < 1 || garbage_mib < 1)
        bench_die("memlimit: bad arguments");
    bench_init();
    uint64_t nodes = (uint64_t)live_mib * 1048576 / sizeof(node);
    for (uint64_t k = 0; k < nodes; k++) {
        node *n = B_ALLOC(sizeof *n);
        n->id = k;
        n->next = head; /* fresh object: store over NULL */
        B_STORE(head, n);
    }
    uint64_t t_build = bench_now_ns();
    bench_phase_start();
    uint64_t garbage = (uint64_t)garbage_mib * 1048576 / sizeof(node), sum = 0;
    for (uint64_t k = 0; k < garbage; k++) {
        node *g = B_ALLOC(sizeof *g);
        g->id = k;
        sum += g->id;
        B_FREE(g);
    }
    uint64_t t_garbage = bench_now_ns();
    uint64_t seen = 0, expect = nodes;
    for (node *n = head; n != NULL; n = n->next) {
        if (n->id != --expect)
            bench_die("memlimit: live node damaged");
        seen++;
    }
    if (seen != nodes || sum != garbage * (garbage - 1) / 2)
        bench_die("memlimit: %" PRIu64 " live nodes, want %" PRIu64, seen, nodes);
    bench_extra("live_mib=%ld", live_mib);
    bench_extra("garbage_mib=%ld", garbage_mib);
    bench_extra("build_ms=%.0f", (double)(t_build - bench_state.t0) / 1e6);
    bench_extra("garbage_ms=%.0f", (double)(t_garbage - t_build) / 1e6);
#ifdef BENCH_PACEGC
    {
        pgc_stats st;
        pgc_read_stats(&st);
        bench_extra("limiter_on=%d", (int)st.limiter_enabled);
    }
#endif
    bench_finish("memlimit", 0);
    return 0;
}
