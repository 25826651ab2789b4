/*
 * postmark.h - the post-mark step list: work run at mark termination, after
 * the mark has gone quiescent and before pause #2, repeated until no step
 * greys anything. The place where ephemerons, finalizers and weak links
 * plug in. Today no step is registered.
 */
#ifndef PGC_POSTMARK_H
#define PGC_POSTMARK_H

#include "internal.h"

/* A step greys what it must through m (mark_candidate) and returns whether
 * it greyed anything. It runs on the coordinator, world running, marking
 * quiescent (INV-QUIESCENT held when the round began). */
typedef bool (*postmark_step)(pgc_marker *m);

#define MAX_POSTMARK_STEPS 8

/* Register a step (at init, before the first cycle; fatal when full).
 * Steps run in registration order. */
PGC_INTERNAL_API void postmark_register(const char *name, postmark_step step);
/* Run every step once; true if any greyed something (its work is then in
 * the pool, and marking must drain again before the steps run again). */
PGC_INTERNAL_API bool postmark_run(pgc_marker *m);

#endif
