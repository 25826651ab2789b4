/*
 * fork.c - fork() in a multi-threaded program that uses pacegc, in the
 * parent and in the child (api layer: it orders the other layers' parts).
 *
 * prepare (the forking thread, before fork):
 *   1. hold the coordinator off new cycles and wait, as a blocked region,
 *      until the cycle in progress (if any) has swept (cycle.c);
 *   2. take the roots and threads locks and stop every other attached
 *      thread, as a pause does (threads.c): none is then inside a critical
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
 */
#include "internal.h"

static void fork_prepare(void)
{
    cycle_fork_prepare();
    threads_fork_prepare();
}

static void fork_parent(void)
{
    threads_fork_parent();
    cycle_fork_parent();
}

static void fork_child(void)
{
    heap_fork_child();
    alloc_fork_child();
    mark_fork_child();
    stats_fork_child();
    assist_fork_child();
    threads_fork_child();
    workers_fork_child();
    cycle_fork_child();
}

void fork_init(void)
{
    if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
        pgc_fatal("pacegc: cannot install the fork handlers\n");
}
