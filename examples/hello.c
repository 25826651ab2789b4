/* The README's usage example: a linked list kept live while garbage is made. */
#include <pacegc.h>
#include <stdio.h>

typedef struct node { struct node *next; long value; } node;

int main(void)
{
    pgc_init();                              /* attaches this thread */
    node *list = NULL;
    for (long i = 0; i < 1000000; i++) {
        node *n = pgc_alloc(sizeof *n);      /* zeroed; never freed by hand */
        n->value = i;
        PGC_STORE(n->next, list);            /* heap store: through the barrier */
        if (i % 10 == 0)
            list = n;                        /* locals and globals: plain stores */
        char *scratch = pgc_alloc_atomic(256); /* pointer-free garbage */
        scratch[0] = (char)i;
    }
    long count = 0;
    for (node *n = list; n; n = n->next) count++;
    pgc_stats st;
    pgc_read_stats(&st);
    printf("%ld nodes reachable, %llu collections, longest pause %.3f ms\n", count,
           (unsigned long long)st.num_gc, st.pause_max_ns / 1e6);
    return 0;
}
