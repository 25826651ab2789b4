/*
 * fork.c - fork() in a multi-threaded program that uses pacegc, in the
 * parent and in the child (api layer: it orders the other layers' parts).
 *
 * prepare (the forking thread, before fork):
 *   1. hold the coordinator off new cycles and wait, as a blocked region,
 *      until the cycle in progress (if any) has swept (cycle.c);
 *   2. take the roots and threads locks and stop every other attached
 *      thread, as a pause does (stop.c): none is then inside a critical
 *      section, so no collector lock is held by a thread that the child will
 *      not have, and every structure a critical section updates is whole.
 * parent (after fork): restart the world, release the locks and the
 *   coordinator.
 * child (after fork, one thread): every lock is made anew; the other
 *   threads' caches go back to the central lists and they leave the thread
 *   list (their stacks are no longer roots); a new coordinator is started,
 *   and mark workers on the child's first cycle. The child goes on with the
 *   heap as it was, with only the forking thread attached.
 *
 * A fork therefore waits for a cycle in progress, as under bdwgc. Threads
 * that are not attached and are inside a pacegc call at the moment of the
 * fork are not covered (the child re-creates the locks they may hold).
 * The handlers are installed by pgc_init; vfork and posix_spawn run no
 * handlers and need none (the child execs at once).
 *
 * The same three steps can be called by hand (pgc__fork_prepare/parent/
 * child: bdwgc's GC_atfork_*, for programs that fork through their own
 * wrappers). They nest with the pthread_atfork handlers on the forking
 * thread (INV-FORK-NEST): only the outermost prepare stops the world and
 * only the matching outermost parent/child undoes it, so a program that
 * calls GC_atfork_prepare, fork(), GC_atfork_parent runs each step once,
 * and one that forks without running the pthread_atfork handlers (a raw
 * clone) is still covered by its own calls.
 */
#include "internal.h"
#include "lifetimes.h"
#include "heap.h"
#include "assist.h"
#include "mark.h"
#include "stats.h"
#include "cycle.h"
#include "alloc.h"
#include "threads.h"
#include "workers.h"

/* INV-FORK-NEST: prepares open on this thread (thread-local: the forking
 * thread alone reads and writes it; the child inherits the value). */
static __thread int fork_nesting;

static void fork_prepare(void)
{
    if (fork_nesting++ > 0)
        return;
    cycle_fork_prepare();
    threads_fork_prepare();
}

static void fork_parent(void)
{
    if (fork_nesting == 0 || --fork_nesting > 0)
        return; /* no prepare open, or an outer one will be closed later */
    threads_fork_parent();
    cycle_fork_parent();
}

static void fork_child(void)
{
    if (fork_nesting == 0 || --fork_nesting > 0)
        return;
    heap_fork_child();
    alloc_fork_child();
    mark_fork_child();
    stats_fork_child();
    assist_fork_child();
    threads_fork_child();
    workers_fork_child();
    nobarrier_fork_child();
    cycle_fork_child();
    lifetimes_fork_child();
}

void pgc__fork_prepare(void) { fork_prepare(); }
void pgc__fork_parent(void) { fork_parent(); }
void pgc__fork_child(void) { fork_child(); }

void fork_init(void)
{
    if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
        pgc_fatal("pacegc: cannot install the fork handlers\n");
}
