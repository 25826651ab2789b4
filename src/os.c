/*
 * os.c - the operating-system primitives: address space, clocks, futexes,
 * CPU count. Nothing here allocates with malloc; everything is safe to call
 * with the world stopped except os_alloc_meta (which only calls mmap).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void *os_reserve(size_t size)
{
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool os_commit(void *p, size_t size)
{
    return mprotect(p, size, PROT_READ | PROT_WRITE) == 0;
}

/* Give the pages back: the range stays mapped and reads as zero. */
void os_release(void *p, size_t size)
{
    madvise(p, size, MADV_DONTNEED);
}

void *os_alloc_meta(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        pgc_fatal("pacegc: out of memory: cannot map %zu bytes of collector metadata (%s)\n", size,
                  strerror(errno));
    return p;
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Block while *addr == val (a spurious return is fine: callers loop). */
void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void futex_wake_all(_Atomic uint32_t *addr)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

/* cgroup v2 cpu.max quota ("max 100000" or "200000 100000"), rounded up. */
static int cgroup_cpu_limit(void)
{
    int fd = open("/sys/fs/cgroup/cpu.max", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[64] = { 0 };
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0 || strncmp(buf, "max", 3) == 0)
        return 0;
    long quota = 0, period = 0;
    if (sscanf(buf, "%ld %ld", &quota, &period) != 2 || quota <= 0 || period <= 0)
        return 0;
    return (int)((quota + period - 1) / period);
}

/* CPUs this process may use: the affinity mask, capped by a cgroup quota. */
int os_procs(void)
{
    cpu_set_t set;
    int n = 1;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    int quota = cgroup_cpu_limit();
    if (quota > 0 && quota < n)
        n = quota;
    return n < 1 ? 1 : n;
}

/* Fill *set with every signal a collector thread blocks: all of them but
 * the synchronous faults (a blocked SIGSEGV raised by the thread's own
 * access kills the process instead of running its handler). */
void os_internal_sigset(sigset_t *set)
{
    sigfillset(set);
    sigdelset(set, SIGSEGV);
    sigdelset(set, SIGBUS);
    sigdelset(set, SIGFPE);
    sigdelset(set, SIGILL);
    sigdelset(set, SIGTRAP);
}

/* Start one of the collector's own threads (coordinator, mark worker):
 * detached, and with every asynchronous signal blocked from its first
 * instruction (INV-INTERNAL-SIGMASK), so a process-directed signal the
 * program blocks in its own threads (sigwait designs) is never delivered
 * here, and no program handler ever runs on a collector thread. */
bool os_start_internal_thread(pthread_t *out, void *(*fn)(void *), void *arg, const char *name)
{
    sigset_t all, old;
    os_internal_sigset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* inherited by the new thread */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int err = pthread_create(&th, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    /* Named, so tools and tests tell it from the program's threads: a
     * thread inherits its creator's name, and the finalizer thread is
     * started by whichever program thread first registers a finalizer. */
    if (err == 0)
        pthread_setname_np(th, name);
    if (err == 0 && out)
        *out = th;
    return err == 0;
}
