/*
 * postmark.c - the post-mark step list (postmark.h).
 *
 * cycle.c's mark phase loops: drain until quiescent, handshake the barrier
 * buffers, then postmark_run; if a step greyed an object, marking resumes
 * and the steps run again after the next quiescence. Only when a whole
 * round greys nothing does termination go on to pause #2. With no steps,
 * postmark_run returns false at once and the cycle is as before.
 */
#include "postmark.h"
#include "testhooks.h"
#include "mark.h"

typedef struct step_entry {
    const char *name;
    postmark_step fn;
} step_entry;

/* Written by postmark_register before the coordinator starts (init); read
 * by the coordinator only. */
static step_entry steps[MAX_POSTMARK_STEPS];
static int nsteps;

void postmark_register(const char *name, postmark_step step)
{
    if (nsteps == MAX_POSTMARK_STEPS)
        pgc_fatal("pacegc: internal: too many post-mark steps (%d) registering %s\n", MAX_POSTMARK_STEPS,
                  name);
    steps[nsteps].name = name;
    steps[nsteps].fn = step;
    nsteps++;
}

bool postmark_run(pgc_marker *m)
{
    pgc_hook_point(PGC_TEST_BEFORE_POSTMARK);
    bool greyed = false;
    for (int i = 0; i < nsteps; i++)
        greyed |= steps[i].fn(m);
    greyed |= (m->cur && m->cur->n) || (m->spare && m->spare->n);
    marker_flush(m); /* hand the greyed objects to the pool */
    return greyed;
}
