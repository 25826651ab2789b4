/*
 * testhooks.c - named points where a test can hold a thread (base layer:
 * depends on nothing but pthreads).
 *
 * A point is a place in the collector where an interleaving matters: the
 * coordinator between two phases, a detaching thread between two steps. A
 * test asks for a hold at one or more points (pgc__test_hold_at); the first
 * thread to reach a held point waits there until the test releases it.
 * Mutator threads call pgc_hook_point only from a blocked region, so a
 * held mutator never delays a pause.
 *
 * hold_mask, held_mask: written under hooks_lock; hold_mask is also read
 * relaxed (the quick "nothing held" check on the path of every caller).
 */
#include "internal.h"
#include "testhooks.h"
#include "stop.h"

static pthread_mutex_t hooks_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hooks_cv = PTHREAD_COND_INITIALIZER;
static _Atomic uint32_t hold_mask; /* points to hold at */
static uint32_t held_mask;         /* points where a thread is held now */

static uint32_t point_bit(int point)
{
    if (point <= PGC_TEST_NONE || point >= 32)
        pgc_fatal("pacegc: test hook point %d does not exist\n", point);
    return 1u << point;
}

bool pgc_hook_armed(int point)
{
    return (load_relaxed(&hold_mask) & (1u << point)) != 0;
}

void pgc_hook_point(int point)
{
    uint32_t bit = point_bit(point);
    if (!(load_relaxed(&hold_mask) & bit))
        return;
    pthread_mutex_lock(&hooks_lock);
    if (load_relaxed(&hold_mask) & bit) {
        held_mask |= bit;
        pthread_cond_broadcast(&hooks_cv);
        while (held_mask & bit)
            pthread_cond_wait(&hooks_cv, &hooks_lock);
    }
    pthread_mutex_unlock(&hooks_lock);
}

void pgc__test_hold_at(int point)
{
    uint32_t bit = point_bit(point);
    pthread_mutex_lock(&hooks_lock);
    store_relaxed(&hold_mask, load_relaxed(&hold_mask) | bit);
    pthread_mutex_unlock(&hooks_lock);
}

static void wait_held_mask(void *arg)
{
    uint32_t want = *(const uint32_t *)arg;
    pthread_mutex_lock(&hooks_lock);
    while (!(held_mask & want))
        pthread_cond_wait(&hooks_cv, &hooks_lock);
    pthread_mutex_unlock(&hooks_lock);
}

void pgc__test_wait_held(void)
{
    uint32_t all = ~0u;
    thread_blocking(pgc_self, wait_held_mask, &all);
}

void pgc__test_wait_held_at(int point)
{
    uint32_t bit = point_bit(point);
    thread_blocking(pgc_self, wait_held_mask, &bit);
}

static void release_mask(uint32_t mask)
{
    pthread_mutex_lock(&hooks_lock);
    store_relaxed(&hold_mask, load_relaxed(&hold_mask) & ~mask);
    held_mask &= ~mask;
    pthread_cond_broadcast(&hooks_cv);
    pthread_mutex_unlock(&hooks_lock);
}

void pgc__test_release(void) { release_mask(~0u); }
void pgc__test_release_at(int point) { release_mask(point_bit(point)); }
