// TEST-TIMEOUT: 180
// TEST-TSAN: yes
/* test_mark_threads.c - threads that come, go, block or spin while a cycle
 * runs.
 *
 *  (a) With the coordinator held at AFTER_ROOTS and marking held (the root
 *      snapshot is taken, nothing is scanned), threads attach (plain
 *      pthread_create + pgc_thread_attach, detaching explicitly or at exit,
 *      and pgc_pthread_create), allocate, pop objects off a shared list that
 *      existed at the snapshot, put them into freshly allocated (black)
 *      boxes, publish the boxes in a shared table, and exit. One more thread
 *      attached the same way stays alive, blocked on a condition variable,
 *      holding a list only on its stack. Then marking is released: the
 *      cycle must complete, everything published must be marked before
 *      termination and intact after this and further cycles (the popped
 *      objects are only in the exited threads' barrier buffers, which must
 *      not be lost when a thread detaches), and the lingering thread's list
 *      must be intact when it wakes after two more cycles.
 *  (b) A thread blocked in read() on a pipe through both pauses of several
 *      cycles: the cycles finish, the thread stays blocked, and when a byte
 *      is written it wakes, reads that byte, and the object it held only on
 *      its stack is intact.
 *  (c) A thread spinning in a loop without calls, holding a heap pointer in
 *      a local: pgc_collect completes (several times) and the object
 *      survives.
 * (b) and (c) are skipped under ThreadSanitizer: it defers asynchronous
 * signals to its next interceptor, so a thread inside read() or a loop
 * without calls never answers a stop there (a sanitizer limitation).
 *
 * GOGC is off: only the cycles the test forces run. Calls that take
 * collector locks (the hooks, pgc_collect, pgc_read_stats) are made from
 * threads that are not attached, which a pause never stops.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"
#include "testhooks.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#endif

#define NOINLINE __attribute__((noinline))

#define MAGIC 0x7ea5c0ffee15600dull
#define DISGUISE ((uintptr_t)0xa5c3f00dbeef1234ull)
#define PAYLOAD 160
#define NTHREADS 6          /* (a): threads that exit while marking is held */
#define BOXES 64            /* boxes each of them publishes */
#define LIST 16             /* cells in each fresh list */
#define POOL (NTHREADS * BOXES)
#define PRESSURE 40000

typedef struct cell {
    uint64_t magic;
    uint64_t id;
    uint64_t check;
    struct cell *next;
    struct cell *a;         /* box: the object popped off the pool */
    struct cell *b;         /* box: a fresh list */
    unsigned char *payload; /* atomic */
    uint64_t spare;
} cell;

_Static_assert(sizeof(cell) == 64, "cell is one 64-byte size class");


static unsigned char pat(uint64_t id, size_t i) { return (unsigned char)(mix(id * 977 + i / 8) >> (8 * (i % 8))); }

static uintptr_t disguise(const void *p) { return (uintptr_t)p ^ DISGUISE; }
static cell *reveal(uintptr_t d) { return (cell *)(d ^ DISGUISE); }


static pthread_t collector;

static void *collector_main(void *arg)
{
    (void)arg;
    pgc_collect();
    return NULL;
}

static void op_begin_held(void *p)
{
    (void)p;
    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_hold_marking(1);
    CHECK(pthread_create(&collector, NULL, collector_main, NULL) == 0, "cannot create the collector thread");
    pgc__test_wait_held();
}

static void op_to_before_term(void *p)
{
    (void)p;
    pgc__test_release();
    pgc__test_hold_at(PGC_TEST_BEFORE_TERM);
    pgc__test_hold_marking(0);
    pgc__test_wait_held();
}

static void op_finish(void *p)
{
    (void)p;
    pgc__test_release();
    CHECK(pthread_join(collector, NULL) == 0, "cannot join the collector thread");
}

static void op_collect(void *p)
{
    (void)p;
    pgc_collect();
}

static void op_num_gc(void *p)
{
    pgc_stats s;
    pgc_read_stats(&s);
    *(uint64_t *)p = s.num_gc;
}

static void collect(void) { on_unattached(op_collect, NULL); }

static uint64_t num_gc(void)
{
    uint64_t n;
    on_unattached(op_num_gc, &n);
    return n;
}


/* ---- Cells ------------------------------------------------------------------ */

static cell *new_cell(uint64_t id)
{
    cell *c = pgc_alloc(sizeof(cell));
    CHECK(c != NULL, "pgc_alloc(%zu) returned NULL", sizeof(cell));
    c->magic = MAGIC; /* fresh object: plain stores over NULL */
    c->id = id;
    c->check = mix(id ^ MAGIC);
    unsigned char *p = pgc_alloc_atomic(PAYLOAD);
    CHECK(p != NULL, "pgc_alloc_atomic(%d) returned NULL", PAYLOAD);
    for (size_t i = 0; i < PAYLOAD; i++)
        p[i] = pat(id, i);
    c->payload = p;
    return c;
}

static void verify_cell(const cell *c, uint64_t id, const char *what)
{
    CHECK(c != NULL, "%s: cell %llu missing (NULL link)", what, (unsigned long long)id);
    CHECK(pgc_base(c) == c, "%s: cell %llu at %p is no longer an allocated object (freed by the collector)",
          what, (unsigned long long)id, (const void *)c);
    CHECK(c->magic == MAGIC && c->id == id && c->check == mix(id ^ MAGIC),
          "%s: cell %llu at %p overwritten (magic %llx id %llu): freed and reused", what,
          (unsigned long long)id, (const void *)c, (unsigned long long)c->magic, (unsigned long long)c->id);
    const unsigned char *p = c->payload;
    CHECK(p != NULL && pgc_base(p) == p, "%s: payload of cell %llu freed", what, (unsigned long long)id);
    for (size_t i = 0; i < PAYLOAD; i++)
        CHECK(p[i] == pat(id, i), "%s: payload of cell %llu overwritten at byte %zu: freed and reused", what,
              (unsigned long long)id, i);
}

static cell *new_list(uint64_t id, int n)
{
    cell *head = NULL;
    for (int k = n - 1; k >= 0; k--) {
        cell *c = new_cell(id + (uint64_t)k);
        c->next = head;
        head = c;
    }
    return head;
}

static void verify_list(const cell *c, uint64_t id, int n, const char *what)
{
    for (int k = 0; k < n; k++, c = c->next)
        verify_cell(c, id + (uint64_t)k, what);
    CHECK(c == NULL, "%s: list %llu longer than %d", what, (unsigned long long)id, n);
}

static void check_list_marked(const cell *c, int n, const char *what)
{
    for (int k = 0; k < n; k++, c = c->next)
        CHECK(pgc__test_is_marked(c) == 1 && pgc__test_is_marked(c->payload) == 1,
              "%s: cell %llu is not marked before mark termination", what, (unsigned long long)c->id);
}

static void **pressure;

static NOINLINE void apply_pressure(void)
{
    pressure = pgc_alloc(2 * PRESSURE * sizeof(void *));
    CHECK(pressure != NULL, "cannot allocate the pressure table");
    for (int i = 0; i < PRESSURE; i++) {
        cell *c = pgc_alloc(sizeof(cell));
        unsigned char *a = pgc_alloc_atomic(PAYLOAD);
        CHECK(c != NULL && a != NULL, "pressure allocation failed");
        memset(c, 0xee, sizeof *c);
        memset(a, 0xdd, PAYLOAD);
        pressure[2 * i] = c;
        pressure[2 * i + 1] = a;
    }
}

/* ---- (a) threads that attach and exit during marking ------------------------ */

enum { ID_POOL = 1000000, ID_BOX = 2000000, ID_LIST = 3000000, ID_LINGER = 9000000, ID_READER = 9100000,
       ID_SPIN = 9200000 };

typedef struct shared {
    cell *pool;   /* list of POOL cells, built before the cycle */
    cell **table; /* NTHREADS * BOXES published boxes */
} shared;

static shared *g_shared; /* global: a root */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

enum attach_mode { VIA_PGC_CREATE, ATTACH_DETACH, ATTACH_EXIT };

typedef struct worker_arg {
    int index;
    int mode;
    cell *ticket; /* a GC object passed in; the creator keeps it too */
} worker_arg;

static void *worker(void *p)
{
    worker_arg *w = p;
    if (w->mode != VIA_PGC_CREATE)
        pgc_thread_attach();
    verify_cell(w->ticket, ID_BOX - 1 - (uint64_t)w->index, "(a) ticket passed to a new thread");
    for (int j = 0; j < BOXES; j++) {
        int slot = w->index * BOXES + j;
        cell *box = new_cell(ID_BOX + (uint64_t)slot);
        CHECK(pgc__test_is_marked(box) == 1, "(a) a thread attached during marking allocated white");
        /* Pop one object off the shared pool: the deletion the barrier records. */
        pthread_mutex_lock(&pool_lock);
        cell *n = g_shared->pool;
        CHECK(n != NULL, "(a) the pool ran dry");
        PGC_STORE(g_shared->pool, n->next);
        pthread_mutex_unlock(&pool_lock);
        PGC_STORE(n->next, NULL);
        PGC_STORE(box->a, n);
        PGC_STORE(box->b, new_list(ID_LIST + (uint64_t)slot * LIST, LIST));
        for (int g = 0; g < 8; g++) /* garbage */
            (void)new_cell(0);
        PGC_STORE(g_shared->table[slot], box);
    }
    if (w->mode == ATTACH_DETACH)
        pgc_thread_detach();
    return NULL;
}

/* The thread that attaches during marking and stays. */
static pthread_mutex_t linger_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t linger_cv = PTHREAD_COND_INITIALIZER;
static int linger_ready, linger_go, linger_ok;
static uintptr_t linger_list; /* disguised */

static void *linger(void *p)
{
    (void)p;
    pgc_thread_attach();
    cell *volatile list = new_list(ID_LINGER, LIST); /* only on this stack */
    pthread_mutex_lock(&linger_lock);
    linger_list = disguise(list);
    linger_ready = 1;
    pthread_cond_broadcast(&linger_cv);
    while (!linger_go)
        pthread_cond_wait(&linger_cv, &linger_lock);
    pthread_mutex_unlock(&linger_lock);
    verify_list(list, ID_LINGER, LIST, "(a) list held on the stack of a thread attached during marking");
    pthread_mutex_lock(&linger_lock);
    linger_ok = 1;
    pthread_mutex_unlock(&linger_lock);
    pgc_thread_detach();
    return NULL;
}

static NOINLINE void setup_a(void)
{
    shared *s = pgc_alloc(sizeof *s);
    CHECK(s != NULL, "pgc_alloc failed");
    s->table = pgc_alloc(POOL * sizeof(cell *));
    CHECK(s->table != NULL, "pgc_alloc failed");
    s->pool = new_list(ID_POOL, POOL);
    g_shared = s;
}

static NOINLINE void verify_a(const char *when)
{
    char what[128];
    snprintf(what, sizeof what, "(a) %s", when);
    CHECK(g_shared->pool == NULL, "%s: pool not empty", what);
    /* Every pool cell was popped exactly once; which box got which is up to
     * the scheduler, so count them. */
    static unsigned char seen[POOL];
    memset(seen, 0, sizeof seen);
    for (int slot = 0; slot < POOL; slot++) {
        cell *box = g_shared->table[slot];
        verify_cell(box, ID_BOX + (uint64_t)slot, what);
        cell *n = box->a;
        CHECK(n != NULL && pgc_base(n) == n, "%s: the pool object in box %d was freed", what, slot);
        CHECK(n->id >= ID_POOL && n->id < ID_POOL + POOL, "%s: box %d holds an overwritten object (id %llu)",
              what, slot, (unsigned long long)n->id);
        verify_cell(n, n->id, what);
        CHECK(!seen[n->id - ID_POOL]++, "%s: pool object %llu is in two boxes", what, (unsigned long long)n->id);
        verify_list(box->b, ID_LIST + (uint64_t)slot * LIST, LIST, what);
    }
}

static NOINLINE void check_a_marked(void)
{
    for (int slot = 0; slot < POOL; slot++) {
        cell *box = g_shared->table[slot];
        CHECK(box != NULL, "(a) box %d was not published", slot);
        CHECK(pgc__test_is_marked(box) == 1, "(a) box %d not marked before termination", slot);
        CHECK(pgc__test_is_marked(box->a) == 1, "(a) pool object %llu, popped by a thread that has exited "
              "since, is not marked before termination: the thread's barrier buffer was lost",
              (unsigned long long)box->a->id);
        CHECK(pgc__test_is_marked(box->a->payload) == 1, "(a) payload of pool object %llu not marked",
              (unsigned long long)box->a->id);
        check_list_marked(box->b, LIST, "(a) fresh list of an exited thread");
    }
}

static NOINLINE void linger_check_marked(void) { check_list_marked(reveal(linger_list), LIST, "(a) lingering thread's list"); }

/* Pool cells already marked: with marking held only a stale conservative
 * word can have greyed one (and greying does not trace), so at most a few. */
static NOINLINE int pool_marked(void)
{
    int n = 0;
    for (cell *c = g_shared->pool; c; c = c->next)
        n += pgc__test_is_marked(c) == 1;
    return n;
}

static NOINLINE void scenario_a(void)
{
    setup_a();
    scrub();
    on_unattached(op_begin_held, NULL);
    CHECK(pgc__test_phase() == 2, "held at AFTER_ROOTS but phase is %d", pgc__test_phase());
    CHECK(pgc__test_is_marked(g_shared) == 1, "the root snapshot did not grey what a global points to");
    int pm = pool_marked();
    CHECK(pm <= 4, "(a) %d of %d pool cells are marked though marking is held", pm, POOL);

    pthread_t th[NTHREADS], lt;
    worker_arg args[NTHREADS];
    cell *tickets[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        tickets[i] = new_cell(ID_BOX - 1 - (uint64_t)i); /* black; kept on this stack until joined */
        args[i] = (worker_arg){ i, i % 3, tickets[i] };
        int err = args[i].mode == VIA_PGC_CREATE ? pgc_pthread_create(&th[i], NULL, worker, &args[i])
                                                 : pthread_create(&th[i], NULL, worker, &args[i]);
        CHECK(err == 0, "cannot create thread %d: %s", i, strerror(err));
    }
    CHECK(pthread_create(&lt, NULL, linger, NULL) == 0, "cannot create the lingering thread");
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_join(th[i], NULL) == 0, "cannot join thread %d", i);
    pthread_mutex_lock(&linger_lock);
    while (!linger_ready)
        pthread_cond_wait(&linger_cv, &linger_lock);
    pthread_mutex_unlock(&linger_lock);
    CHECK(pgc__test_phase() == 2, "the cycle moved on while held (phase %d)", pgc__test_phase());

    on_unattached(op_to_before_term, NULL);
    check_a_marked();
    linger_check_marked();
    scrub();
    on_unattached(op_finish, NULL);
    for (int i = 0; i < NTHREADS; i++)
        verify_cell(tickets[i], ID_BOX - 1 - (uint64_t)i, "(a) ticket");
    verify_a("after the cycle");

    /* Two more cycles with the lingering thread blocked, under pressure. */
    for (int r = 0; r < 2; r++) {
        apply_pressure();
        verify_a("under pressure");
        pressure = NULL;
        collect();
    }
    pthread_mutex_lock(&linger_lock);
    linger_go = 1;
    pthread_cond_broadcast(&linger_cv);
    pthread_mutex_unlock(&linger_lock);
    CHECK(pthread_join(lt, NULL) == 0, "cannot join the lingering thread");
    CHECK(linger_ok, "the lingering thread did not finish its checks");
    verify_a("at the end");
}

#ifndef UNDER_TSAN
static void pause_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

/* ---- (b) a thread blocked in read() --------------------------------------- */

static int pipefd[2];
static _Atomic pid_t reader_tid;
static _Atomic int reader_state; /* 1: about to read, 2: read returned */
static uintptr_t reader_obj;     /* disguised */
static unsigned char reader_byte;
static ssize_t reader_ret;
static int reader_errno, reader_ok;

static void *reader(void *p)
{
    (void)p;
    cell *volatile list = new_list(ID_READER, LIST); /* only on this stack */
    unsigned char b = 0;
    reader_obj = disguise(list);
    atomic_store(&reader_tid, (pid_t)syscall(SYS_gettid));
    atomic_store(&reader_state, 1);
    ssize_t n = read(pipefd[0], &b, 1);
    reader_errno = errno;
    reader_ret = n;
    reader_byte = b;
    atomic_store(&reader_state, 2);
    if (n == 1) {
        verify_list(list, ID_READER, LIST, "(b) list held on the stack of a thread blocked in read()");
        reader_ok = 1;
    }
    return NULL;
}

/* True once the thread is asleep in read(2): /proc/self/task/TID/syscall
 * starts with the syscall number (0 on x86-64); where that file cannot be
 * read, the thread's state is S (sleeping). */
static int blocked_in_read(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = 0;
#if defined(__x86_64__)
            return strncmp(buf, "0 ", 2) == 0;
#else
            return buf[0] >= '0' && buf[0] <= '9';
#endif
        }
    }
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] == 'S';
}

static NOINLINE int reader_obj_allocated(void) { return pgc_base(reveal(reader_obj)) != NULL; }

static NOINLINE void scenario_b(void)
{
    CHECK(pipe(pipefd) == 0, "pipe: %s", strerror(errno));
    pthread_t t;
    CHECK(pgc_pthread_create(&t, NULL, reader, NULL) == 0, "cannot create the reader");
    while (atomic_load(&reader_state) != 1)
        pause_us(200);
    pid_t tid = atomic_load(&reader_tid);
    while (!blocked_in_read(tid))
        pause_us(200);
    uint64_t g0 = num_gc();
    for (int c = 0; c < 4; c++) {
        apply_pressure();
        pressure = NULL;
        scrub();
        collect();
        CHECK(atomic_load(&reader_state) == 1, "(b) read() returned (%zd, %s) though nothing was written: a "
              "stop signal interrupted it", reader_ret, strerror(reader_errno));
        CHECK(reader_obj_allocated(), "(b) the object a thread blocked in read() holds was freed");
        scrub();
    }
    CHECK(num_gc() - g0 >= 4, "(b) fewer cycles than forced");
    /* The last stop may still be unwinding: wait until it is back in read(). */
    while (atomic_load(&reader_state) == 1 && !blocked_in_read(tid))
        pause_us(200);
    CHECK(atomic_load(&reader_state) == 1, "(b) read() returned (%zd, %s) though nothing was written",
          reader_ret, strerror(reader_errno));
    unsigned char b = 0xa7;
    CHECK(write(pipefd[1], &b, 1) == 1, "write: %s", strerror(errno));
    CHECK(pthread_join(t, NULL) == 0, "cannot join the reader");
    CHECK(reader_ret == 1, "(b) read() returned %zd (%s) instead of the byte: interrupted by a stop signal",
          reader_ret, strerror(reader_errno));
    CHECK(reader_byte == 0xa7, "(b) read() returned byte %#x, expected 0xa7", reader_byte);
    CHECK(reader_ok, "(b) the reader did not verify its list");
    close(pipefd[0]);
    close(pipefd[1]);
}

/* ---- (c) a thread spinning without calls ---------------------------------------- */

static _Atomic int spin_stop, spin_started;
static uintptr_t spin_obj; /* disguised */
static int spin_ok;
static uint64_t spin_sum;

static void *spinner(void *p)
{
    (void)p;
    cell *x = new_list(ID_SPIN, LIST); /* a local; likely a register in the loop */
    spin_obj = disguise(x);
    atomic_store(&spin_started, 1);
    uint64_t sum = 0;
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        sum += ((volatile cell *)x)->id; /* no calls in this loop */
    spin_sum = sum;
    verify_list(x, ID_SPIN, LIST, "(c) list held by a thread spinning without calls");
    spin_ok = 1;
    return NULL;
}

static NOINLINE int spin_obj_allocated(void) { return pgc_base(reveal(spin_obj)) != NULL; }

static NOINLINE void scenario_c(void)
{
    pthread_t t;
    CHECK(pgc_pthread_create(&t, NULL, spinner, NULL) == 0, "cannot create the spinner");
    while (!atomic_load(&spin_started))
        pause_us(200);
    uint64_t g0 = num_gc();
    for (int c = 0; c < 3; c++) {
        apply_pressure();
        pressure = NULL;
        scrub();
        collect();
        CHECK(spin_obj_allocated(), "(c) the object a spinning thread holds was freed");
        scrub();
    }
    CHECK(num_gc() - g0 >= 3, "(c) fewer cycles than forced");
    atomic_store(&spin_stop, 1);
    CHECK(pthread_join(t, NULL) == 0, "cannot join the spinner");
    CHECK(spin_ok, "(c) the spinner did not verify its list");
}

#endif /* UNDER_TSAN */

int main(void)
{
    pgc_init();
    pgc_set_gc_percent(-1); /* only forced cycles */
    uint64_t g0 = num_gc();
    scenario_a();
#ifdef UNDER_TSAN
    printf("test_mark_threads: (b) and (c) skipped under ThreadSanitizer\n");
#else
    scenario_b();
    scenario_c();
#endif
    printf("test_mark_threads: ok, %llu cycles\n", (unsigned long long)(num_gc() - g0));
    return 0;
}
