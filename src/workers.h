/*
 * workers.h - the background mark workers: dedicated, fractional, idle (cycle layer); their state is static in workers.c.
 */
#ifndef PGC_WORKERS_H
#define PGC_WORKERS_H

#include "internal.h"

PGC_INTERNAL_API void workers_init(void);
PGC_INTERNAL_API void workers_start_cycle(int dedicated, double fractional_goal);
PGC_INTERNAL_API void workers_end_cycle(void);
PGC_INTERNAL_API void workers_fork_child(void);

#endif
