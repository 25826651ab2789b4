/*
 * nobarrier.c - the barrier mode of the process, and marking for programs
 * that make plain pointer stores (no pgc_store): bdwgc's clients through
 * libgc.so.1, and native programs run with PGC_BARRIER=none.
 *
 * The mode is chosen once, in pgc_init (options_init, nobarrier_init),
 * and never changes:
 *   PGC_BARRIER_SATB      the snapshot-at-the-beginning barrier; concurrent
 *                         marking (cycle.c). The default for pgc_init.
 *   PGC_BARRIER_NONE_UFFD no barrier; mostly-concurrent marking with the
 *                         heap's written pages tracked by the kernel (below).
 *                         Chosen for GC_init (the compat layer asks for a
 *                         barrier-free mode before it initialises) and
 *                         PGC_BARRIER=none when the kernel supports it;
 *                         PGC_BARRIER=none-uffd insists (fatal otherwise).
 *   PGC_BARRIER_NONE_MPROTECT  the same mostly-concurrent marking, with the
 *                         written pages found by mprotect + SIGSEGV (below);
 *                         when userfaultfd is unavailable, or
 *                         PGC_BARRIER=none-mprotect (fatal if impossible).
 *   PGC_BARRIER_NONE_STW  no barrier; the world stays stopped from the root
 *                         snapshot until marking is complete. The last
 *                         fallback, or PGC_BARRIER=none-stw.
 *
 * Why stop the world: with plain stores a mutator can move the only
 * pointer to a white object into an already scanned object and erase the
 * original, and no barrier records it, so INV-SATB does not hold while the
 * world runs. With every mutator stopped the heap is a fixed graph and
 * marking it from the roots of the pause marks exactly what is reachable
 * (INV-STW-MARK, below). This is the last-resort method of issue 11; the
 * mostly-concurrent mode (none-uffd) re-scans what was written instead.
 *
 * INV-STW-MARK: in PGC_BARRIER_NONE_STW, phase MARK begins and ends inside
 * one stop-the-world pause (cycle.c stw_mark_all), so no attached mutator
 * runs while any mark bit of the cycle is set by a marker, and pgc__marking
 * (hence the barrier and the assists) is never seen set by a running
 * mutator. The collector's own worker threads are not mutators: they keep
 * running and mark in parallel with the coordinator.
 *
 * Locks while the world is stopped: the coordinator takes only the pool,
 * pacer and heap locks (INV-STW-LOCKS). In none-stw the workers never take
 * the assist lock (no debtor is queued: assists are never enabled while a
 * mutator runs, so aq_head_hint stays 0); in none-uffd they may, so its
 * final pause waits for them only a bounded time (mark_stopped). Threads
 * are created before the pause (nobarrier_prepare): pthread_create takes
 * libc locks a stopped thread may hold.
 */
#include "internal.h"
#include "roots.h"
#include "heap.h"
#include "mark.h"
#include "workers.h"
#include "lifetimes.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Set by the compat layer before it initialises (its own pthread_once). */
static bool default_none;

void nobarrier_default_none(void) { default_none = true; }

const char *pgc_barrier_mode_name(int mode)
{
    switch (mode) {
    case PGC_BARRIER_SATB: return "barrier";
    case PGC_BARRIER_NONE_STW: return "none-stw";
    case PGC_BARRIER_NONE_UFFD: return "none-uffd";
    case PGC_BARRIER_NONE_MPROTECT: return "none-mprotect";
    default: return "unknown";
    }
}

/* What options_init asked for; nobarrier_init settles the mode. */
enum { WANT_SATB, WANT_NONE, WANT_STW, WANT_UFFD, WANT_MPROTECT };
static int want;

void nobarrier_choose_mode(void)
{
    want = default_none ? WANT_NONE : WANT_SATB;
    const char *s = getenv("PGC_BARRIER");
    if (s && *s) {
        if (strcmp(s, "none") == 0)
            want = WANT_NONE;
        else if (strcmp(s, "none-stw") == 0)
            want = WANT_STW;
        else if (strcmp(s, "none-uffd") == 0)
            want = WANT_UFFD;
        else if (strcmp(s, "none-mprotect") == 0)
            want = WANT_MPROTECT;
        else if (strcmp(s, "barrier") == 0) {
            if (default_none)
                fprintf(stderr, "pacegc: PGC_BARRIER=barrier ignored: this program makes plain "
                                "pointer stores (libgc.so.1)\n");
            else
                want = WANT_SATB;
        } else
            fprintf(stderr, "pacegc: PGC_BARRIER=%s is not 'barrier', 'none', 'none-uffd', "
                            "'none-mprotect' or 'none-stw'; using %s\n", s, want == WANT_SATB ? "barrier" : "none");
    }
    /* The final pause of a barrier-free mode marks on every proc (a
     * dedicated worker per proc but the coordinator's): an idle-priority
     * worker would add nothing, and a packet it held while starved would
     * hold the world stopped. */
    if (want != WANT_SATB)
        G.no_idle_worker = true;
}

/* ---- Dirty-page tracking: userfaultfd write-protection + PAGEMAP_SCAN ------
 *
 * The heap reservation is registered once for asynchronous write-protect
 * (UFFD_FEATURE_WP_ASYNC): a write to a protected page raises no signal,
 * the kernel only clears the page's uffd-wp bit, for user stores and for
 * writes by system calls alike. PAGEMAP_SCAN on /proc/self/pagemap reports
 * the pages whose bit is clear ("written") and re-protects them in the same
 * call, under the page-table lock, so every write is either in one scan's
 * result or faults after it and is in the next (INV-DIRTY-ATOMIC). A page
 * never protected reads as written, so committed-but-unprotected heap is
 * only re-scanned, never missed.
 *
 * The mostly-concurrent cycle (Boehm, Demers and Shenker):
 *  1. before pause #1, protect the in-use scanned spans (nobarrier_prepare;
 *     INV-UFFD-RUNS);
 *  2. pause #1 greys the roots; marking runs concurrently (workers, assists),
 *     allocation is black;
 *  3. pre-clean rounds, world running (nobarrier_preclean): read-and-
 *     reprotect, queue every marked slot on a written page again, drain;
 *     while the written set shrinks;
 *  4. final pause (nobarrier_final_mark): read once more (no re-protection,
 *     INV-FINAL-NOPROTECT), queue those slots (only the written part of a
 *     multi-page object, INV-RESCAN-PART), grey all roots again (stacks, registers, globals and
 *     registered roots are not tracked), and mark to completion.
 * INV-BDS: at the final pause every object reachable is marked or reachable
 * from a grey one: a pointer a mutator stored into a scanned object since
 * it was scanned is on a written page (INV-DIRTY-ATOMIC), one it holds in a
 * root is found by the root re-scan, and objects allocated since pause #1
 * are black and their contents are on written pages. Slots are queued by
 * their mark bit alone, allocated or not (INV-BLACK-WORD blackens free
 * slots, and an alloc bit set by another thread may not be visible yet
 * while the world runs): scanning a free slot can only retain garbage. */

#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1u << 15)
#endif
#ifndef PAGEMAP_SCAN
struct page_region {
    uint64_t start, end, categories;
};
struct pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
        category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WRITTEN (1u << 1)
#define PM_SCAN_WP_MATCHING (1u << 0)
#define PM_SCAN_CHECK_WPASYNC (1u << 1)
#endif

static int uffd = -1, pagemap_fd = -1; /* fixed after nobarrier_init */
#define SCAN_VEC 256

/* Why tracking is unavailable, or NULL. */
static const char *uffd_setup(void)
{
    static char why[160];
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (fd < 0) {
        snprintf(why, sizeof why, "userfaultfd: %s", strerror(errno));
        return why;
    }
    struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
    if (ioctl(fd, UFFDIO_API, &api) != 0 || !(api.features & UFFD_FEATURE_WP_ASYNC)) {
        snprintf(why, sizeof why, "no asynchronous write-protect (UFFDIO_API: %s)", strerror(errno));
        close(fd);
        return why;
    }
    struct uffdio_register reg = { .range = { .start = heap_st.heap_base, .len = heap_st.heap_size },
                                   .mode = UFFDIO_REGISTER_MODE_WP };
    if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0 ||
        !(reg.ioctls & ((uint64_t)1 << _UFFDIO_WRITEPROTECT))) {
        snprintf(why, sizeof why, "UFFDIO_REGISTER of the heap: %s", strerror(errno));
        close(fd);
        return why;
    }
    int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pm < 0) {
        snprintf(why, sizeof why, "/proc/self/pagemap: %s", strerror(errno));
        close(fd);
        return why;
    }
    /* Probe PAGEMAP_SCAN (Linux 6.7) on one page of the reservation. */
    struct pm_scan_arg a = { .size = sizeof a, .flags = PM_SCAN_CHECK_WPASYNC, .start = heap_st.heap_base,
                             .end = heap_st.heap_base + 4096, .category_mask = PAGE_IS_WRITTEN,
                             .return_mask = PAGE_IS_WRITTEN };
    if (ioctl(pm, PAGEMAP_SCAN, &a) < 0) {
        snprintf(why, sizeof why, "PAGEMAP_SCAN: %s", strerror(errno));
        close(pm);
        close(fd);
        return why;
    }
    uffd = fd;
    pagemap_fd = pm;
    return NULL;
}

static const char *mprotect_setup(void);

void nobarrier_init(void)
{
    int mode = PGC_BARRIER_SATB;
    if (want == WANT_STW)
        mode = PGC_BARRIER_NONE_STW;
    else if (want == WANT_MPROTECT) {
        const char *why = mprotect_setup();
        if (why)
            pgc_fatal("pacegc: PGC_BARRIER=none-mprotect: %s; use PGC_BARRIER=none-stw\n", why);
        mode = PGC_BARRIER_NONE_MPROTECT;
    } else if (want == WANT_NONE || want == WANT_UFFD) {
        const char *why = uffd_setup();
        if (!why)
            mode = PGC_BARRIER_NONE_UFFD;
        else if (want == WANT_UFFD)
            pgc_fatal("pacegc: PGC_BARRIER=none-uffd: the kernel cannot track heap writes (%s); "
                      "use PGC_BARRIER=none-mprotect or none-stw\n", why);
        else if (!mprotect_setup())
            mode = PGC_BARRIER_NONE_MPROTECT;
        else
            mode = PGC_BARRIER_NONE_STW;
    }
    pgc__barrier_mode = mode;
}

/* ---- Dirty-page tracking: mprotect + SIGSEGV ---------------------------------
 *
 * bdwgc's MPROTECT_VDB method, for kernels without userfaultfd's
 * asynchronous write-protect. The coordinator makes the OS pages (4 KiB) of
 * every in-use scanned span read-only and sets their bit in prot_bits; the
 * first write to such a page faults, and the SIGSEGV handler makes the page
 * writable again and clears its bit. A page of a scanned span whose bit is
 * clear is "written" (never protected counts as written, as in none-uffd).
 * Pages of atomic (pointer-free) spans, free pages and collector metadata
 * are never protected: they need no re-scan, and pointer-free objects are
 * where programs read(2) into (a system call that writes a protected page
 * does not fault: it fails with EFAULT; the libgc.so.1 layer wraps read,
 * pread, readv, preadv, recv, recvfrom, recvmsg and fread,
 * pgc__nobarrier_unprotect).
 *
 * INV-PROT-BITS: a page of the committed heap that is writable has its
 * bit clear whenever no handler is running. The coordinator sets a
 * page's bit before it makes the page read-only (a write between the two
 * lands before the page's slots are queued, below, so the scan sees it);
 * the handler makes the page writable before it clears the bit, so the
 * last step of every handler leaves "writable, clear". The stop signal is
 * blocked in the handler, so no pause sees a handler half done; the final
 * pause therefore reads an exact written set.
 * INV-PROT-SCAN-AFTER: the slots of a page are queued only after the page
 * is read-only again, so a write after the scan faults and is in the next
 * round.
 * INV-PROT-CYCLE: pages are protected only while a cycle marks: pause #2
 * makes the whole committed heap writable and clears every bit
 * (nobarrier_mark_done) before sweeping can free a span, so a span that
 * becomes free or atomic never keeps a protection. (Each protected page
 * that is written splits a kernel VMA; if the handler's mprotect fails,
 * for vm.max_map_count, it makes the whole heap writable instead: every
 * page counts as written, and the cycle re-scans more but misses nothing.)
 */

#define OS_PAGE 4096u
static uintptr_t heap_end_now(void);
static void queue_written(pgc_marker *m, uintptr_t lo, uintptr_t hi);
static _Atomic uint64_t *prot_bits;  /* a bit per OS page of the reservation; see INV-PROT-BITS */
static _Atomic uintptr_t prot_hi;    /* end of the range protected this cycle (coordinator
                                        writes, handler reads; seq_cst) */
static struct sigaction old_segv, old_bus; /* the program's handlers, for chaining (fixed at init) */
static _Atomic uint64_t prot_faults; /* handled write faults (statistics, relaxed) */

static inline size_t page_no(uintptr_t a) { return (a - heap_st.heap_base) / OS_PAGE; }
static inline bool prot_test(size_t i) { return load_relaxed(&prot_bits[i / 64]) >> (i % 64) & 1; }

/* Whole heap writable, every bit clear: all pages count as written. */
static void unprotect_all(void)
{
    uintptr_t hi = load_seq_cst(&prot_hi);
    if (hi > heap_st.heap_base && mprotect((void *)heap_st.heap_base, hi - heap_st.heap_base, PROT_READ | PROT_WRITE) != 0)
        pgc_fatal("pacegc: none-mprotect: cannot un-protect the heap: %s\n", strerror(errno));
    size_t n = (page_no(hi) + 63) / 64;
    for (size_t i = 0; i < n; i++)
        store_seq_cst(&prot_bits[i], 0);
}

static void chain(struct sigaction *old, int sig, siginfo_t *si, void *uc)
{
    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction) {
            old->sa_sigaction(sig, si, uc);
            return;
        }
    } else if (old->sa_handler == SIG_IGN) {
        return;
    } else if (old->sa_handler != SIG_DFL) {
        old->sa_handler(sig);
        return;
    }
    /* the default action: the faulting instruction runs again and dies by
     * it; a signal sent by kill is raised again */
    signal(sig, SIG_DFL);
    if (si->si_code <= 0)
        raise(sig);
}

static void write_fault(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    uintptr_t a = (uintptr_t)si->si_addr;
    uintptr_t hi = load_seq_cst(&prot_hi);
    if (a - heap_st.heap_base < heap_st.heap_size && a < hi) {
        size_t i = page_no(a);
        uintptr_t page = a & ~(uintptr_t)(OS_PAGE - 1);
        if (prot_test(i)) {
            if (mprotect((void *)page, OS_PAGE, PROT_READ | PROT_WRITE) != 0)
                unprotect_all(); /* ENOMEM: too many VMAs (see INV-PROT-CYCLE) */
            fetch_and_seq_cst(&prot_bits[i / 64], ~((uint64_t)1 << (i % 64)));
            fetch_add_relaxed(&prot_faults, 1);
        }
        /* else another thread un-protected it meanwhile: the write retries */
        errno = saved;
        return;
    }
    errno = saved;
    chain(sig == SIGBUS ? &old_bus : &old_segv, sig, si, uc);
}

static const char *mprotect_setup(void)
{
    static char why[160];
    size_t bytes = (heap_st.heap_size / OS_PAGE + 63) / 64 * 8;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(why, sizeof why, "cannot map the page bitmap: %s", strerror(errno));
        return why;
    }
    prot_bits = p;
    store_seq_cst(&prot_hi, heap_st.heap_base);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = write_fault;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    /* INV-PROT-BITS: no stop (nor any other asynchronous signal) inside */
    os_internal_sigset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &old_segv) != 0 || sigaction(SIGBUS, &sa, &old_bus) != 0) {
        snprintf(why, sizeof why, "cannot install the SIGSEGV handler: %s", strerror(errno));
        return why;
    }
    return NULL;
}

/* A system call is about to write [p, p+n) (the libgc.so.1 layer's
 * wrappers): make the protected pages in it writable, as the handler would.
 * Returns true if it changed anything (a retry after EFAULT may help). */
bool pgc__nobarrier_unprotect(const void *p, size_t n)
{
    if (pgc__barrier_mode != PGC_BARRIER_NONE_MPROTECT || n == 0)
        return false;
    uintptr_t lo = (uintptr_t)p, hi = load_seq_cst(&prot_hi);
    if (lo - heap_st.heap_base >= heap_st.heap_size || lo >= hi)
        return false;
    uintptr_t e = lo + n < hi ? lo + n : hi;
    bool changed = false;
    for (uintptr_t x = lo & ~(uintptr_t)(OS_PAGE - 1); x < e; x += OS_PAGE) {
        size_t i = page_no(x);
        if (!prot_test(i))
            continue;
        if (mprotect((void *)x, OS_PAGE, PROT_READ | PROT_WRITE) != 0)
            unprotect_all();
        fetch_and_seq_cst(&prot_bits[i / 64], ~((uint64_t)1 << (i % 64)));
        changed = true;
    }
    return changed;
}

/* Protect the run [lo, hi) of written pages (bits clear) again, then queue
 * its marked slots (INV-PROT-SCAN-AFTER). */
static bool final_read; /* nobarrier_final_mark's read: no re-protection (coordinator only) */

static void reprotect_run(pgc_marker *m, uintptr_t lo, uintptr_t hi)
{
    if (final_read) { /* INV-FINAL-NOPROTECT */
        queue_written(m, lo, hi);
        return;
    }
    for (uintptr_t x = lo; x < hi; x += OS_PAGE) {
        size_t i = page_no(x);
        fetch_or_seq_cst(&prot_bits[i / 64], (uint64_t)1 << (i % 64));
    }
    if (mprotect((void *)lo, hi - lo, PROT_READ) != 0) {
        /* ENOMEM (VMAs): leave them writable, bits clear again */
        for (uintptr_t x = lo; x < hi; x += OS_PAGE) {
            size_t i = page_no(x);
            fetch_and_seq_cst(&prot_bits[i / 64], ~((uint64_t)1 << (i % 64)));
        }
    }
    if (m)
        queue_written(m, lo, hi);
}

/* Calls fn on each maximal run [lo, hi) of adjacent in-use scanned spans
 * below end, in address order (free pages and atomic spans end a run), and
 * returns the sum of what fn returned. Both tracked modes walk the heap
 * this way (INV-UFFD-RUNS; mprotect protects only scanned spans too). */
typedef uint64_t (*scanned_run_fn)(pgc_marker *m, uintptr_t lo, uintptr_t hi);
static uint64_t each_scanned_run(pgc_marker *m, uintptr_t end, scanned_run_fn fn)
{
    uint64_t sum = 0;
    uintptr_t run = 0;
    for (uintptr_t x = heap_st.heap_base; x < end;) {
        pgc_span *s = span_of(x);
        if (!s || s->kind == KIND_ATOMIC) {
            if (run) {
                sum += fn(m, run, x);
                run = 0;
            }
            x = s ? s->start + ((uintptr_t)s->npages << PAGE_SHIFT) : (x + PAGE_SIZE) & ~(PAGE_SIZE - 1);
            continue;
        }
        if (!run)
            run = x;
        x = s->start + ((uintptr_t)s->npages << PAGE_SHIFT);
    }
    if (run)
        sum += fn(m, run, end);
    return sum;
}

/* The written (unprotected) pages of one run of scanned spans: each
 * stretch of them protected again and, with m, its marked slots queued.
 * Returns the written pages. */
static uint64_t mprotect_run(pgc_marker *m, uintptr_t lo, uintptr_t hi)
{
    uint64_t pages = 0;
    uintptr_t run = 0;
    for (uintptr_t x = lo; x < hi; x += OS_PAGE) {
        if (!prot_test(page_no(x))) {
            pages++;
            if (!run)
                run = x;
        } else if (run) {
            reprotect_run(m, run, x);
            run = 0;
        }
    }
    if (run)
        reprotect_run(m, run, hi);
    return pages;
}

/* One round: every written page of an in-use scanned span is protected
 * again and, with m, its marked slots queued. Returns the written pages. */
static uint64_t mprotect_round(pgc_marker *m)
{
    uintptr_t end = heap_end_now();
    if (load_seq_cst(&prot_hi) < end)
        store_seq_cst(&prot_hi, end); /* before any page above the old end is protected */
    return each_scanned_run(m, end, mprotect_run);
}

/* Pause #2 found marking complete (none-mprotect): INV-PROT-CYCLE. */
void nobarrier_mark_done(void)
{
    if (pgc__barrier_mode == PGC_BARRIER_NONE_MPROTECT)
        unprotect_all();
}

/* A forked child (one thread, no coordinator yet). In none-uffd the two
 * descriptors belong to the parent: the userfaultfd's context is the
 * parent's mm, and /proc/self/pagemap was opened as the parent's pid, so a
 * PAGEMAP_SCAN through it would read and re-protect the parent's pages
 * (stealing the parent's written bits: a missed re-scan there). The child's
 * copy of the heap is not registered with any userfaultfd (fork drops the
 * registration without UFFD_FEATURE_EVENT_FORK, and the pages' uffd-wp
 * bits with it). So the child closes both, without using them, and sets
 * tracking up anew on its own mm; if that fails it marks with the world
 * stopped (none-stw) from now on. Its first cycle write-protects the whole
 * heap again (nobarrier_prepare): never-protected pages read as written,
 * so nothing written before that is missed. */
void nobarrier_fork_child(void)
{
    if (pgc__barrier_mode != PGC_BARRIER_NONE_UFFD)
        return;
    close(pagemap_fd);
    close(uffd);
    pagemap_fd = uffd = -1;
    const char *why = uffd_setup();
    if (why) {
        /* No thread runs but this one: the mode may still change. */
        pgc__barrier_mode = PGC_BARRIER_NONE_STW;
        if (getenv("PGC_BARRIER") && strcmp(getenv("PGC_BARRIER"), "none-uffd") == 0)
            pgc_fatal("pacegc: PGC_BARRIER=none-uffd: a forked child cannot track heap writes (%s)\n",
                      why);
    }
}

/* The committed heap, [heap_base, heap_end). The heap lock is never held by
 * a stopped thread (INV-STW-LOCKS), so this works with the world stopped. */
static uintptr_t heap_end_now(void)
{
    pthread_mutex_lock(&heap_st.heap_lock);
    uintptr_t e = heap_st.heap_end;
    pthread_mutex_unlock(&heap_st.heap_lock);
    return e;
}

/* Pre-clean and final-pause figures of the current cycle, for gctrace
 * (coordinator only). */
static PGC_STATE struct {
    int rounds;
    uint64_t round_pages[32], round_bytes[32], round_t[32];
    uint64_t final_pages, final_bytes, final_scan_ns, final_roots_ns, final_mark_ns, final_t;
    int finals;
} tr;
static uint64_t queued_bytes; /* by queue_written, coordinator only */

/* Queue the marked slots of scanned spans that overlap [lo, hi). */
static void queue_written(pgc_marker *m, uintptr_t lo, uintptr_t hi)
{
    uintptr_t x = lo;
    while (x < hi) {
        pgc_span *s = span_of(x);
        if (!s) {
            x = (x + PAGE_SIZE) & ~(PAGE_SIZE - 1);
            continue;
        }
        uintptr_t send = s->start + ((uintptr_t)s->npages << PAGE_SHIFT);
        uintptr_t b = hi < send ? hi : send;
        if (s->kind != KIND_ATOMIC) {
            if (s->sclass == 0) {
                if (bit_test(s->mark_bits, 0)) {
                    uintptr_t a = x & ~(uintptr_t)(sizeof(uintptr_t) - 1);
                    uintptr_t e = s->start + s->elem_size < b ? s->start + s->elem_size : b;
                    if (e > a)
                    {
                        mark_push_rescan(m, a, (e - a + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1));
                        queued_bytes += e - a;
                    }
                }
            } else {
                /* INV-RESCAN-PART: an object of several OS pages (a small
                 * class up to 32 KiB) is re-scanned only where it overlaps
                 * the written run: its other pages were not written since
                 * its scan (else they are in a run of their own). Only for
                 * conservative kinds: a bitmap's phase is counted from the
                 * span's start in an oblet, right for large objects only. */
                bool part = s->elem_size > OS_PAGE && s->trace == TRACE_CONSERVATIVE;
                uint32_t i0 = span_index(s, x), i1 = span_index(s, b - 1);
                for (uint32_t i = i0; i <= i1 && i < s->nelems; i++) {
                    if (!bit_test(s->mark_bits, i))
                        continue;
                    uintptr_t o = s->start + (uintptr_t)i * s->elem_size, oe = o + s->elem_size, n = s->elem_size;
                    if (part) {
                        o = o > x ? o : x;
                        n = (oe < b ? oe : b) - o;
                    }
                    mark_push_rescan(m, o, n);
                    queued_bytes += n;
                }
            }
        }
        x = b;
    }
}

/* One read-and-reprotect of the committed heap: with m, queue the marked
 * slots on written pages; without, only protect. Returns the written OS
 * pages. */
static uint64_t mprotect_round(pgc_marker *m);
static uint64_t uffd_scan_run(pgc_marker *m, uintptr_t lo, uintptr_t end);

static uint64_t scan_written(pgc_marker *m)
{
    if (pgc__barrier_mode == PGC_BARRIER_NONE_MPROTECT)
        return mprotect_round(m);
    /* INV-UFFD-RUNS: only the runs of in-use scanned spans are read and
     * re-protected. Free pages and atomic spans stay (or become) writable
     * without a fault: nothing on them needs a re-scan (a span allocated
     * later reads as written until the first round that finds it in use
     * protects it; reading a page as written only costs a re-scan). Every
     * protection still happens at nobarrier_prepare, before any object of
     * the cycle is scanned, or in a read that reports the page, so a page
     * read as not written holds what its objects' last scan saw. */
    return each_scanned_run(m, heap_end_now(), uffd_scan_run);
}

/* Read and re-protect the written pages of [lo, end); with m, queue their
 * marked slots. Returns the written pages. */
static uint64_t uffd_scan_run(pgc_marker *m, uintptr_t lo, uintptr_t end)
{
    struct page_region vec[SCAN_VEC];
    uint64_t flags = final_read ? PM_SCAN_CHECK_WPASYNC : PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
    struct pm_scan_arg a = { .size = sizeof a, .flags = flags,
                             .start = lo, .end = end, .vec = m ? (uintptr_t)vec : 0,
                             .vec_len = m ? SCAN_VEC : 0, .category_mask = PAGE_IS_WRITTEN,
                             .return_mask = PAGE_IS_WRITTEN };
    uint64_t pages = 0;
    while (a.start < end) {
        long n = ioctl(pagemap_fd, PAGEMAP_SCAN, &a);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            pgc_fatal("pacegc: PAGEMAP_SCAN of the heap [%#lx, %#lx) failed: %s\n",
                      (unsigned long)a.start, (unsigned long)end, strerror(errno));
        }
        for (long i = 0; i < n; i++) {
            pages += (vec[i].end - vec[i].start) >> 12;
            queue_written(m, (uintptr_t)vec[i].start, (uintptr_t)vec[i].end);
        }
        if (a.walk_end <= a.start)
            break;
        a.start = a.walk_end;
    }
    return pages;
}

/* Pre-cleaning state (coordinator only). */
static uint64_t last_written;
static int rounds;
#define MAX_ROUNDS 16
#define FEW_PAGES 64

/* Before pause #1 (world running): create the worker threads the pause
 * will use. workers_start_cycle spawns what is missing and starts a round;
 * the phase is not MARK yet, so the workers return at once and wait for
 * the round started inside the pause, which spawns nothing. */
static int stw_workers(void) { return G.procs > 1 ? G.procs - 1 : 0; }

void nobarrier_prepare(void)
{
    workers_start_cycle(stw_workers(), 0.0);
    if (pgc__barrier_mode == PGC_BARRIER_NONE_UFFD || pgc__barrier_mode == PGC_BARRIER_NONE_MPROTECT) {
        scan_written(NULL); /* BDS step 1: start tracking from here */
        last_written = UINT64_MAX;
        rounds = 0;
    }
}

/* Concurrent mark quiescent, world running: one pre-clean round. Returns
 * true if it queued work (then marking goes on and this is asked again),
 * false when it is time for the final pause. */
bool nobarrier_preclean(pgc_marker *m)
{
    if (rounds >= MAX_ROUNDS || last_written <= FEW_PAGES)
        return false;
    queued_bytes = 0;
    uint64_t w = scan_written(m);
    if (rounds < 32) {
        tr.round_pages[rounds] = w;
        tr.round_bytes[rounds] = queued_bytes;
        tr.round_t[rounds] = now_ns();
        tr.rounds = rounds + 1;
    }
    bool shrinking = w < last_written - last_written / 8;
    last_written = w;
    rounds++;
    bool queued = (m->cur && m->cur->n) || (m->spare && m->spare->n);
    marker_flush(m);
    return queued && shrinking;
}

/* True when the pool is empty and no marker holds work (INV-QUIESCENT);
 * false when there is work to take. Waits briefly otherwise. */
static bool quiescent_or_work(void)
{
    pthread_mutex_lock(&mark_st.pool_lock);
    bool done = mark_st.nfull == 0 && load_relaxed(&mark_st.active_markers) == 0 && !load_relaxed(&mark_st.mark_hold);
    if (!done && mark_st.nfull == 0) {
        /* Workers hold work: wait for them to publish some or finish.
         * marker_end signals term_cv; publish signals only pool_cv, hence
         * the short timeout. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&mark_st.term_cv, &mark_st.pool_lock, &ts);
    }
    pthread_mutex_unlock(&mark_st.pool_lock);
    return done;
}

/* World stopped, roots greyed and published (phase MARK): mark everything
 * reachable, on this thread and the workers, and return true when
 * INV-QUIESCENT holds. With a deadline (none-uffd), return false if the
 * workers still hold work then: a worker may wait for the assist lock,
 * which a debtor stopped in park() can hold while the world is stopped, so
 * that pause must give up and restart the world (mark_phase retries). In
 * none-stw no debtor exists (assists are never enabled while a mutator
 * runs) and the wait is unbounded. No barrier buffer can hold work in
 * none-stw (no mutator has run since sweep_termination emptied them). */
static bool mark_stopped(pgc_marker *m, uint64_t deadline_ns)
{
    workers_start_cycle(stw_workers(), 0.0);
    for (;;) {
        while (marker_begin_with_work(m)) {
            mark_drain(m, UINT64_MAX, 0);
            marker_end(m);
        }
        if (quiescent_or_work())
            return true;
        if (deadline_ns && now_ns() >= deadline_ns)
            return false;
    }
}

void nobarrier_mark(pgc_marker *m) { mark_stopped(m, 0); }

#define FINAL_WAIT_NS 5000000 /* how long pause #2 waits for busy workers */

/* Final pause of the mostly-concurrent cycle (world stopped, phase MARK):
 * written pages and all roots again, then mark to completion (INV-BDS). If
 * the workers stay busy, the pause gives up (confirm_termination then sees
 * them busy and the world restarts); the next attempt re-scans again. */
void nobarrier_final_mark(pgc_marker *m)
{
    /* INV-FINAL-NOPROTECT: the world is stopped, so this read is exact and
     * nothing needs protecting after it: if marking completes in this
     * pause, the next cycle's nobarrier_prepare protects the heap again
     * (none-mprotect: nobarrier_mark_done makes it all writable anyway);
     * if the pause gives up, the pages read stay written and the next
     * round or attempt re-scans them again (more work, nothing missed).
     * Not re-protecting spares the pause the page-table writes and their
     * TLB shootdowns. */
    uint64_t t0 = now_ns();
    if (!tr.final_t)
        tr.final_t = t0;
    queued_bytes = 0;
    final_read = true;
    tr.final_pages = scan_written(m);
    final_read = false;
    tr.final_bytes = queued_bytes;
    uint64_t t1 = now_ns();
    roots_mark_all(m);
    marker_flush(m);
    uint64_t t2 = now_ns();
    /* the lifetimes decision's last steps, each after a complete mark
     * (INV-LIFE-FINAL) */
    bool done = mark_stopped(m, now_ns() + FINAL_WAIT_NS);
    while (done && lifetimes_final_step(m)) {
        marker_flush(m);
        done = mark_stopped(m, now_ns() + FINAL_WAIT_NS);
    }
    tr.final_scan_ns = t1 - t0;
    tr.final_roots_ns = t2 - t1;
    tr.final_mark_ns = now_ns() - t2;
    tr.finals++;
}

/* gctrace: the pre-clean rounds and the final pause of the cycle just
 * ended (coordinator, after pause #2). */
void nobarrier_trace(uint64_t cycle)
{
    if (!G.gctrace || (pgc__barrier_mode != PGC_BARRIER_NONE_UFFD &&
                       pgc__barrier_mode != PGC_BARRIER_NONE_MPROTECT))
        return;
    char buf[1200];
    int n = 0;
    for (int i = 0; i < tr.rounds && n < 1100; i++)
        n += snprintf(buf + n, sizeof buf - n, "%s%llu/%lluK@%.1f", i ? " " : "",
                      (unsigned long long)tr.round_pages[i], (unsigned long long)tr.round_bytes[i] >> 10,
                      ((i + 1 < tr.rounds ? tr.round_t[i + 1] : tr.final_t) - tr.round_t[i]) / 1e6);
    buf[n] = 0;
    fprintf(stderr, "gc %llu: %s: pre-clean pages/rescan@ms [%s]; final pause: %llu pages, %lluK rescan, "
                    "%.3f+%.3f+%.3f ms written+roots+mark, %d attempts\n",
            (unsigned long long)cycle, pgc_barrier_mode_name(pgc__barrier_mode), buf,
            (unsigned long long)tr.final_pages, (unsigned long long)tr.final_bytes >> 10,
            tr.final_scan_ns / 1e6, tr.final_roots_ns / 1e6, tr.final_mark_ns / 1e6, tr.finals);
    memset(&tr, 0, sizeof tr);
}
