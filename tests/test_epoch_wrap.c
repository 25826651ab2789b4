// TEST-TIMEOUT: 60
// TEST-TSAN: yes
/*
 * test_epoch_wrap - issue 8, defect 3: stopping threads keeps working when
 * the stop-epoch counter passes 2^32. Before the fix the epoch was 32 bits:
 * the stop after 0xffffffff got epoch 0, which a thread never stopped before
 * has already "acknowledged", so the coordinator scanned it while it ran
 * (stack from address 0: SIGSEGV). Epochs are now 64 bits and never wrap.
 */
#include <pacegc.h>
#include "testhooks.h"
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct node { struct node *next; long v; } node;
static atomic_int stop;

static void *spinner(void *arg)
{
    node *mine = NULL;
    long n = 0;
    while (!atomic_load(&stop)) {
        node *x = pgc_alloc(sizeof *x);
        x->v = n++;
        x->next = mine; /* over NULL: plain store */
        mine = (n % 1000) ? x : NULL;
    }
    *(long *)arg = n;
    return NULL;
}

int main(void)
{
    pgc_init();
    node *list = NULL;
    for (long i = 0; i < 100000; i++) {
        node *x = pgc_alloc(sizeof *x);
        x->v = i;
        x->next = list;
        list = x;
    }
    for (int round = 0; round < 4; round++) {
        /* The next stop gets epoch 2^32 (or, with 32-bit epochs, 0). */
        pgc__test_set_stop_epoch(0xffffffffull - (uint64_t)round);
        atomic_store(&stop, 0);
        long made = 0;
        pthread_t t;
        CHECK(pgc_pthread_create(&t, NULL, spinner, &made) == 0, "create");
        pgc_collect();
        pgc_collect();
        atomic_store(&stop, 1);
        CHECK(pthread_join(t, NULL) == 0, "join");
    }
    long i = 100000;
    for (node *x = list; x; x = x->next)
        CHECK(x->v == --i, "list damaged at %ld", i);
    CHECK(i == 0, "list lost %ld nodes", i);
    pgc_stats st;
    pgc_read_stats(&st);
    printf("ok: %llu cycles across the 2^32 stop epoch\n", (unsigned long long)st.num_gc);
    return 0;
}
