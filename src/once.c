/*
 * once.c - the one-time initialisation gate (base layer). Every entry point
 * of every layer calls ensure_init before it touches collector state; the
 * initialisation itself (api.c's init_all: every subsystem in layer order)
 * sits in the top layer and is registered here before main runs, so no
 * lower layer calls up to api.c. It also defines the few variables every
 * layer shares (G, the barrier flag, the barrier mode).
 */
#include "internal.h"

/* The state every layer shares (internal.h: pgc_globals), defined here,
 * at the bottom, so no layer refers up for it. */
PGC_STATE pgc_globals G;

/* The barrier's flag (include/pacegc.h: the inline barrier reads it):
 * written by the coordinator in the pauses, read relaxed by mutators. */
_Atomic int pgc__marking;

/* The process's barrier mode (PGC_BARRIER_*, internal.h): written by
 * nobarrier_choose_mode and nobarrier_init inside ensure_init's
 * pthread_once, which orders it before every later reader. */
int pgc__barrier_mode = PGC_BARRIER_SATB;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Written once by api.c's constructor (priority 101: before the program's
 * own constructors, which may already allocate), before any other thread
 * exists; read by ensure_init. */
static void (*init_fn)(void);

void once_register_init(void (*fn)(void)) { init_fn = fn; }

static void run_init(void)
{
    if (!init_fn)
        pgc_fatal("pacegc: called before the library's constructor ran (a constructor of "
                  "priority <= 101 calls pacegc); call pacegc from a later constructor or "
                  "from main\n");
    init_fn();
}

void ensure_init(void)
{
    pthread_once(&init_once, run_init);
}
