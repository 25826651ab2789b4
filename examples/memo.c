/* A weak-keyed memo table (ephemerons): memo(key) computes a value for a key
 * object once and remembers it for as long as the key is alive. The table
 * never keeps a key alive, and a value that points back to its key does not
 * either: when the program drops a key, a cycle clears its entry (both the
 * key and the value read NULL) and frees them. */
#include <pacegc.h>
#include <stdio.h>

typedef struct key { long id; } key;
typedef struct value { key *of; long square; } value;

#define SLOTS 1024
static pgc_ephemeron **table; /* SLOTS buckets of one entry; uncollectable */

static value *memo(key *k)
{
    pgc_ephemeron **slot = &table[(unsigned long)k->id % SLOTS];
    if (*slot && pgc_ephemeron_key(*slot) == k)
        return pgc_ephemeron_value(*slot);     /* a hit: alive, kept alive by the read */
    value *v = pgc_alloc(sizeof *v);
    v->of = k;                                  /* points back to its key: still weak */
    v->square = k->id * k->id;
    pgc_store((void **)slot, pgc_ephemeron_new(k, v)); /* replaces an older entry */
    return v;
}

static long live_entries(void)
{
    long n = 0;
    for (int i = 0; i < SLOTS; i++)
        n += table[i] && pgc_ephemeron_key(table[i]) != NULL;
    return n;
}

int main(void)
{
    pgc_init();
    table = pgc_alloc_uncollectable(SLOTS * sizeof *table);
    key **held = pgc_alloc_uncollectable(100 * sizeof *held); /* the keys we keep */
    for (long i = 0; i < 1000; i++) {
        key *k = pgc_alloc(sizeof *k);
        k->id = i;
        memo(k);
        if (i < 100)
            held[i] = k;                        /* the other 900 keys are dropped */
    }
    printf("memo(key 7) = %ld (cached: %s)\n", memo(held[7])->square,
           memo(held[7]) == memo(held[7]) ? "yes" : "no");
    printf("entries before collecting: %ld\n", live_entries());
    pgc_collect();
    pgc_collect();
    printf("entries after collecting: %ld (the 100 held keys; a stale word may keep a few more)\n",
           live_entries());
    return 0;
}
