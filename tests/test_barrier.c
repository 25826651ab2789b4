// TEST-TIMEOUT: 180
// TEST-TSAN: yes
/* test_barrier.c - the snapshot-at-the-beginning deletion barrier, driven
 * into exact states with the test hooks (testhooks.h).
 *
 * Every victim is a chain of cells (scanned, 64 bytes) each with an atomic
 * payload; at the snapshot its only reference is a slot of a holder cell
 * that a global points to. The test then deletes that reference with
 * PGC_STORE at a chosen point of the cycle and checks that the victim and
 * its whole chain are marked before termination and survive the cycle, later
 * cycles and reallocation pressure (same-size objects filled with junk, so a
 * wrongly freed slot would be reused and overwritten):
 *
 *  1. held at AFTER_ROOTS with marking held (nothing scanned yet), the
 *     victim is (a) kept only in a local variable, (b) moved into another
 *     holder that was already reachable, (c) moved into a freshly allocated
 *     (black) object;
 *  2. mid-mark: marking runs until the destination holder has been scanned
 *     (black) while the victim, at the end of a long chain, is still white;
 *     then marking is held again and the victim is moved into the black
 *     holder;
 *  3. before termination (BEFORE_TERM): marking is finished; the whole
 *     snapshot must be marked already; then the victims are moved as in 1
 *     and the barrier buffer is filled (and overflowed) right before pause
 *     #2, which must flush it without losing anything;
 *  (pause #2 no longer re-scans stacks, INV-NO-RESCAN: that a pointer
 *     appearing on a stack after pause #1 to an object that was garbage
 *     then neither keeps it alive nor confuses gccheckmark is in
 *     tests/test_snapshot.c)
 *  4. negative control: an object whose last reference is dropped before
 *     the cycle starts is white before termination and reclaimed after it
 *     (its address is kept XOR-ed with a constant, so the test itself does
 *     not keep it alive); checked in scenarios 1 and 3.
 *
 * GOGC is off, so only the cycles this test forces run. Every call that
 * takes a collector lock (the hooks, pgc_collect, pgc_read_stats) is made
 * from a thread that is not attached to the collector, which a pause never
 * stops. The main thread, attached, only allocates, stores and inspects
 * objects.
 */
#include "check.h"
#define PGC_TEST_NEED_CONTROL
#include "testutil.h"
#include "pacegc.h"
#include "testhooks.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

#define MAGIC 0x5eedcafef00dbeefull
#define DISGUISE ((uintptr_t)0xa5c3f00dbeef1234ull) /* XOR: never a canonical address */
#define PAYLOAD 192                                 /* atomic payload per cell */
#define CHAIN 48                                    /* cells per victim */
#define MID_CHAIN 200000                            /* cells in front of the mid-mark victim */
#define MID_ATTEMPTS 8
#define PRESSURE 60000                              /* same-size objects per pressure round */

typedef struct cell {
    uint64_t magic;
    uint64_t id;
    uint64_t check;
    struct cell *next;       /* victim chain */
    struct cell *slot;       /* holders: the reference the test moves */
    struct cell *slot2;
    unsigned char *payload;  /* atomic, PAYLOAD bytes */
    uint64_t spare;
} cell;

_Static_assert(sizeof(cell) == 64, "cell is one 64-byte size class");


static unsigned char pat(uint64_t id, size_t i) { return (unsigned char)(mix(id + i / 8) >> (8 * (i % 8))); }

/* ---- Control from an unattached thread ------------------------------------ */


static pthread_t collector;
static int collector_running;

static void *collector_main(void *arg)
{
    (void)arg;
    pgc_collect();
    return NULL;
}

typedef struct begin_args {
    int point;
    int hold_marking;
} begin_args;

/* Start a forced cycle in the background and wait until the coordinator is
 * held at a->point. */
static void op_begin(void *p)
{
    begin_args *a = p;
    pgc__test_hold_at(a->point);
    pgc__test_hold_marking(a->hold_marking);
    CHECK(pthread_create(&collector, NULL, collector_main, NULL) == 0, "cannot create the collector thread");
    collector_running = 1;
    pgc__test_wait_held();
}

/* Held at AFTER_ROOTS: go on, with marking, to BEFORE_TERM and wait there. */
static void op_to_before_term(void *p)
{
    (void)p;
    pgc__test_release();
    pgc__test_hold_at(PGC_TEST_BEFORE_TERM);
    pgc__test_hold_marking(0);
    pgc__test_wait_held();
}

/* Let the held cycle finish (mark termination and sweep). */
static void op_finish(void *p)
{
    (void)p;
    pgc__test_hold_marking(0);
    pgc__test_release();
    CHECK(pthread_join(collector, NULL) == 0, "cannot join the collector thread");
    collector_running = 0;
}

static void op_hold_marking(void *p) { pgc__test_hold_marking(*(int *)p); }
static void op_collect(void *p)
{
    (void)p;
    pgc_collect();
}
static void op_slowdown(void *p) { pgc__test_worker_slowdown_us(*(int *)p); }
static void op_num_gc(void *p)
{
    pgc_stats s;
    pgc_read_stats(&s);
    *(uint64_t *)p = s.num_gc;
}

static void begin_held(int point, int hold_marking)
{
    begin_args a = { point, hold_marking };
    on_unattached(op_begin, &a);
}
static void set_marking_held(int on) { on_unattached(op_hold_marking, &on); }
static void collect(void) { on_unattached(op_collect, NULL); }
static uint64_t num_gc(void)
{
    uint64_t n;
    on_unattached(op_num_gc, &n);
    return n;
}


static uintptr_t disguise(const void *p) { return (uintptr_t)p ^ DISGUISE; }
static cell *reveal(uintptr_t d) { return (cell *)(d ^ DISGUISE); }

/* Disguised addresses are revealed only inside these NOINLINE helpers, and
 * the callers scrub() before any pause: a revealed address left in a live
 * frame could be seen by pause #2, which conservatively shades the top of
 * each thread's interrupted frame (INV-BARRIER-WINDOW), and would then keep
 * the negative control alive or hide a lost victim. */
static NOINLINE int is_marked_d(uintptr_t d) { return pgc__test_is_marked(reveal(d)); }
static NOINLINE int is_allocated_d(uintptr_t d) { return pgc_base(reveal(d)) != NULL; }

/* ---- Cells and victims -------------------------------------------------------- */

static cell *new_cell(uint64_t id)
{
    cell *c = pgc_alloc(sizeof(cell));
    CHECK(c != NULL, "pgc_alloc(%zu) returned NULL", sizeof(cell));
    c->magic = MAGIC; /* a fresh object: plain stores over NULL need no barrier */
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
    CHECK(c != NULL, "%s: cell %llu is missing (NULL link)", what, (unsigned long long)id);
    CHECK(pgc_base(c) == c, "%s: cell %llu at %p is no longer an allocated object (freed by the "
          "collector)", what, (unsigned long long)id, (const void *)c);
    CHECK(c->magic == MAGIC && c->id == id && c->check == mix(id ^ MAGIC),
          "%s: cell %llu at %p overwritten (magic %llx id %llu): freed and reused", what,
          (unsigned long long)id, (const void *)c, (unsigned long long)c->magic,
          (unsigned long long)c->id);
    const unsigned char *p = c->payload;
    CHECK(p != NULL && pgc_base(p) == p, "%s: payload of cell %llu (%p) freed", what,
          (unsigned long long)id, (const void *)p);
    for (size_t i = 0; i < PAYLOAD; i++)
        CHECK(p[i] == pat(id, i), "%s: payload of cell %llu overwritten at byte %zu: freed and reused",
              what, (unsigned long long)id, i);
}

/* A victim: CHAIN cells with ids id, id+1, ... */
static NOINLINE cell *new_victim(uint64_t id)
{
    cell *head = NULL;
    for (int k = CHAIN - 1; k >= 0; k--) {
        cell *c = new_cell(id + (uint64_t)k);
        c->next = head;
        head = c;
    }
    return head;
}

static void verify_victim(const cell *x, uint64_t id, const char *what)
{
    for (int k = 0; k < CHAIN; k++, x = x->next)
        verify_cell(x, id + (uint64_t)k, what);
    CHECK(x == NULL, "%s: victim %llu chain is longer than %d cells", what, (unsigned long long)id, CHAIN);
}

/* Before termination: every cell and payload of the victim must be marked. */
static void check_victim_marked(const cell *x, uint64_t id, const char *what)
{
    for (int k = 0; k < CHAIN; k++, x = x->next) {
        CHECK(pgc__test_is_marked(x) == 1, "%s: cell %llu of victim %llu is not marked before mark "
              "termination: the barrier (or the marker) lost it", what,
              (unsigned long long)(id + (uint64_t)k), (unsigned long long)id);
        CHECK(pgc__test_is_marked(x->payload) == 1, "%s: payload of cell %llu is not marked before "
              "mark termination", what, (unsigned long long)(id + (uint64_t)k));
    }
}

static NOINLINE void check_marked_d(uintptr_t d, uint64_t id, const char *what)
{
    check_victim_marked(reveal(d), id, what);
}

/* A victim placed in holder->slot: after this returns, its only reference is
 * that slot (and the disguised copy). */
static NOINLINE void plant(cell *holder, uint64_t id, uintptr_t *disg)
{
    cell *x = new_victim(id);
    PGC_STORE(holder->slot, x);
    *disg = disguise(x);
}

/* Garbage: allocated, never stored anywhere the collector scans. */
static NOINLINE void make_garbage(uint64_t id, uintptr_t *disg)
{
    cell *g = new_cell(id);
    *disg = disguise(g);
}

/* The mutations. NOINLINE, so the victim's address does not linger in the
 * caller's frame. */
static NOINLINE cell *take(cell *holder)
{
    cell *x = holder->slot;
    PGC_STORE(holder->slot, NULL);
    return x;
}

static NOINLINE void move_to_old(cell *from, cell *to)
{
    PGC_STORE(to->slot, from->slot); /* over NULL */
    PGC_STORE(from->slot, NULL);     /* the deletion the barrier must record */
}

static NOINLINE cell *move_to_fresh(cell *from, uint64_t id)
{
    cell *n = new_cell(id);
    CHECK(pgc__test_is_marked(n) == 1, "an object allocated while marking is not marked (allocate-black)");
    CHECK(pgc__test_is_marked(n->payload) == 1, "an atomic object allocated while marking is not marked");
    PGC_STORE(n->slot, from->slot);
    PGC_STORE(from->slot, NULL);
    return n;
}

/* ---- Pressure -------------------------------------------------------------------- */

static void **pressure; /* global root while in use */

/* Fill the heap with same-size objects full of junk, so a slot freed by
 * mistake is reused and overwritten; they stay live while the caller
 * verifies. */
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
        pressure[2 * i] = c; /* fresh table: stores over NULL */
        pressure[2 * i + 1] = a;
    }
}

static void drop_pressure(void) { pressure = NULL; }

/* ---- The scenarios ------------------------------------------------------------------ */

enum { ID_A = 1000, ID_B = 2000, ID_C = 3000, ID_D = 4000, ID_E = 5000, ID_F = 6000, ID_G = 7000,
       ID_M = 8000, ID_N = 9000, ID_HOLD = 100000, ID_MIDCHAIN = 1000000 };

/* Holders: globals are roots (data segment). */
static cell *h_a, *h_b, *h_b2, *h_c, *h_d, *h_e, *h_e2, *h_f;
static cell *fresh_c, *fresh_f;   /* fresh (black) holders, stored after the snapshot */
static uintptr_t x_a, x_b, x_c, x_d, x_e, x_f, garbage, garbage2;

/* Mid-mark: mid_h2 -> MID_CHAIN plain cells -> holder -> slot -> victim. The
 * far holder is kept only disguised: a root pointing to it would grey it in
 * pause #1. */
static cell *mid_h2[MID_ATTEMPTS];
static uintptr_t mid_h[MID_ATTEMPTS], mid_x[MID_ATTEMPTS];
static uint64_t mid_id[MID_ATTEMPTS];
static int mid_tried;

static NOINLINE void setup_mid(int i)
{
    cell *h2 = new_cell(ID_HOLD + 100 + (uint64_t)i);
    cell *h = new_cell(ID_HOLD + 200 + (uint64_t)i);
    mid_id[i] = ID_M + 100 * (uint64_t)i;
    plant(h, mid_id[i], &mid_x[i]);
    mid_h[i] = disguise(h);
    cell *tail = h;
    for (int k = 0; k < MID_CHAIN; k++) {
        cell *c = pgc_alloc(sizeof(cell));
        CHECK(c != NULL, "pgc_alloc failed building the mid-mark chain");
        c->magic = MAGIC;
        c->id = ID_MIDCHAIN + (uint64_t)k;
        c->next = tail;
        tail = c;
    }
    PGC_STORE(h2->next, tail);
    mid_h2[i] = h2;
}

static void op_release_hold_term(void *p)
{
    (void)p;
    pgc__test_release();
    pgc__test_hold_at(PGC_TEST_BEFORE_TERM);
}

static void op_mark_until_term(void *p)
{
    (void)p;
    pgc__test_hold_marking(0);
    pgc__test_wait_held();
}

static void pause_us(long us)
{
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

static NOINLINE void move_from_far(int i) { move_to_old(reveal(mid_h[i]), mid_h2[i]); }
static NOINLINE int far_slot_is_null(int i) { return reveal(mid_h[i])->slot == NULL; }

/* One mid-mark attempt. Returns 1 if it was conclusive: the victim was still
 * white after it had been moved into a holder that had already been scanned. */
static NOINLINE int mid_attempt(int i)
{
    setup_mid(i);
    scrub();
    begin_held(PGC_TEST_AFTER_ROOTS, 1);
    cell *h2 = mid_h2[i];
    cell *first = h2->next;
    CHECK(pgc__test_is_marked(h2) == 1, "mid-mark: a holder a global points to was not greyed by the "
          "root snapshot");
    CHECK(is_marked_d(mid_x[i]) == 0, "mid-mark: victim %llu marked although marking is held and nothing "
          "refers to it but an unscanned object", (unsigned long long)mid_id[i]);
    on_unattached(op_release_hold_term, NULL);
    /* Let marking run until h2 has been scanned (its first chain cell is
     * marked), then hold it again: the victim lies MID_CHAIN cells further. */
    set_marking_held(0);
    while (pgc__test_is_marked(first) != 1)
        pause_us(20);
    set_marking_held(1);
    CHECK(pgc__test_phase() == 2, "mid-mark: phase %d, expected 2 (mark)", pgc__test_phase());
    move_from_far(i);
    int conclusive = is_marked_d(mid_x[i]) == 0;
    scrub();
    on_unattached(op_mark_until_term, NULL);
    check_marked_d(mid_x[i], mid_id[i], "mid-mark, before termination");
    scrub();
    on_unattached(op_finish, NULL);
    CHECK(far_slot_is_null(i), "mid-mark: the old holder still refers to the victim");
    verify_victim(h2->slot, mid_id[i], "mid-mark, after the cycle");
    CHECK(disguise(h2->slot) == mid_x[i], "mid-mark: the new holder refers to another object");
    PGC_STORE(h2->next, NULL); /* drop the chain */
    return conclusive;
}

/* ---- Verification of every survivor ------------------------------------------------- */

static cell *volatile *keep_a_slot, *volatile *keep_d_slot; /* main's locals */

static void verify_1_2(const char *when)
{
    char what[160];
    snprintf(what, sizeof what, "1a (kept in a local), %s", when);
    verify_victim(*keep_a_slot, ID_A, what);
    snprintf(what, sizeof what, "1b (moved into a reachable object), %s", when);
    verify_victim(h_b2->slot, ID_B, what);
    snprintf(what, sizeof what, "1c (moved into a fresh object), %s", when);
    verify_victim(fresh_c->slot, ID_C, what);
    verify_cell(fresh_c, ID_HOLD + 50, "fresh holder of 1c");
    for (int i = 0; i < mid_tried; i++) {
        snprintf(what, sizeof what, "2 (mid-mark, attempt %d), %s", i, when);
        verify_victim(mid_h2[i]->slot, mid_id[i], what);
    }
}

static void verify_all(const char *when)
{
    char what[160];
    verify_1_2(when);
    snprintf(what, sizeof what, "3a (before termination, kept in a local), %s", when);
    verify_victim(*keep_d_slot, ID_D, what);
    snprintf(what, sizeof what, "3b (before termination, moved into a reachable object), %s", when);
    verify_victim(h_e2->slot, ID_E, what);
    snprintf(what, sizeof what, "3c (before termination, moved into a fresh object), %s", when);
    verify_victim(fresh_f->slot, ID_F, what);
    verify_cell(fresh_f, ID_HOLD + 60, "fresh holder of 3c");
}

/* ---- The scenarios -------------------------------------------------------------------- */

static NOINLINE void setup_1(void)
{
    h_a = new_cell(ID_HOLD + 1);
    h_b = new_cell(ID_HOLD + 2);
    h_b2 = new_cell(ID_HOLD + 3);
    h_c = new_cell(ID_HOLD + 4);
    plant(h_a, ID_A, &x_a);
    plant(h_b, ID_B, &x_b);
    plant(h_c, ID_C, &x_c);
    make_garbage(ID_G, &garbage);
}

static NOINLINE void setup_3(void)
{
    h_d = new_cell(ID_HOLD + 5);
    h_e = new_cell(ID_HOLD + 6);
    h_e2 = new_cell(ID_HOLD + 7);
    h_f = new_cell(ID_HOLD + 8);
    plant(h_d, ID_D, &x_d);
    plant(h_e, ID_E, &x_e);
    plant(h_f, ID_F, &x_f);
    make_garbage(ID_G + 1, &garbage2);
}

static NOINLINE void check_white_1(const char *when)
{
    CHECK(is_marked_d(x_a) == 0 && is_marked_d(x_b) == 0 && is_marked_d(x_c) == 0,
          "%s: a victim is marked although marking is held (before the mutation: only an unscanned "
          "holder refers to it; after it: it should be in the barrier buffer only)", when);
    CHECK(is_marked_d(garbage) == 0, "%s: the garbage object is marked", when);
}

/* Scenario 1: mutate with marking held, right after the root snapshot. */
static NOINLINE void scenario_1(cell *volatile *keep_a)
{
    setup_1();
    scrub();
    begin_held(PGC_TEST_AFTER_ROOTS, 1);
    CHECK(pgc__test_phase() == 2, "held at AFTER_ROOTS but phase is %d, not 2 (mark)", pgc__test_phase());
    CHECK(pgc__test_is_marked(h_a) == 1 && pgc__test_is_marked(h_b) == 1 && pgc__test_is_marked(h_c) == 1,
          "holders that globals point to were not greyed by the root snapshot");
    check_white_1("after the root snapshot");

    *keep_a = take(h_a);                        /* (a) only in a local now */
    move_to_old(h_b, h_b2);                     /* (b) into an object that was already reachable */
    fresh_c = move_to_fresh(h_c, ID_HOLD + 50); /* (c) into a fresh (black) object */
    check_white_1("after the mutation, marking still held");
    scrub();

    on_unattached(op_to_before_term, NULL);
    check_marked_d(x_a, ID_A, "1a (kept in a local), before termination");
    check_marked_d(x_b, ID_B, "1b (moved into a reachable object), before termination");
    check_marked_d(x_c, ID_C, "1c (moved into a fresh object), before termination");
    CHECK(is_marked_d(garbage) == 0, "the garbage object is marked before termination");
    scrub();
    on_unattached(op_finish, NULL);

    CHECK(!is_allocated_d(garbage), "negative control: an object unreachable since before the cycle "
          "survived it");
    CHECK(h_a->slot == NULL && h_b->slot == NULL && h_c->slot == NULL, "a holder still refers to its victim");
    CHECK(disguise(*keep_a) == x_a && disguise(h_b2->slot) == x_b && disguise(fresh_c->slot) == x_c,
          "a victim moved");
}

/* Scenario 3: marking finished; mutate right before pause #2. */
static NOINLINE void scenario_3(cell *volatile *keep_d)
{
    setup_3();
    scrub();
    begin_held(PGC_TEST_BEFORE_TERM, 0);
    CHECK(pgc__test_phase() == 2, "held at BEFORE_TERM but phase is %d, not 2 (mark)", pgc__test_phase());
    /* SATB: everything reachable at the snapshot is marked by now. */
    check_marked_d(x_d, ID_D, "3a, at BEFORE_TERM (before any mutation)");
    check_marked_d(x_e, ID_E, "3b, at BEFORE_TERM (before any mutation)");
    check_marked_d(x_f, ID_F, "3c, at BEFORE_TERM (before any mutation)");
    verify_1_2("at BEFORE_TERM of scenario 3");
    CHECK(is_marked_d(garbage2) == 0, "the garbage object is marked at BEFORE_TERM");

    *keep_d = take(h_d);
    move_to_old(h_e, h_e2);
    fresh_f = move_to_fresh(h_f, ID_HOLD + 60);
    /* Overflow the barrier buffer (256 entries) a few times, and leave it
     * partly full for pause #2 to flush. */
    for (int i = 0; i < 3 * 256 + 17; i++)
        PGC_STORE(h_e2->slot2, (i & 1) ? h_d : h_f);
    PGC_STORE(h_e2->slot2, NULL);
    scrub();
    on_unattached(op_finish, NULL);

    CHECK(!is_allocated_d(garbage2), "negative control: an object unreachable since before the cycle "
          "survived it");
    CHECK(h_d->slot == NULL && h_e->slot == NULL && h_f->slot == NULL, "a holder still refers to its victim");
    verify_victim(*keep_d, ID_D, "3a (kept in a local), after the cycle");
    verify_victim(h_e2->slot, ID_E, "3b (moved into a reachable object), after the cycle");
    verify_victim(fresh_f->slot, ID_F, "3c (moved into a fresh object), after the cycle");
}

int main(void)
{
    pgc_init();
    pgc_set_gc_percent(-1); /* only forced cycles */
    uint64_t gc0 = num_gc();
    int forced = 0;

    /* The locals scenarios 1a and 3a keep their victims in. */
    cell *volatile keep_a = NULL, *volatile keep_d = NULL;
    keep_a_slot = &keep_a;
    keep_d_slot = &keep_d;

    scenario_1(&keep_a);
    forced++;
    verify_victim(keep_a, ID_A, "1a (kept in a local), after the cycle");
    verify_victim(h_b2->slot, ID_B, "1b (moved into a reachable object), after the cycle");
    verify_victim(fresh_c->slot, ID_C, "1c (moved into a fresh object), after the cycle");

    int slow = 300;
    on_unattached(op_slowdown, &slow);
    int conclusive = 0;
    while (mid_tried < MID_ATTEMPTS && conclusive < 2) {
        conclusive += mid_attempt(mid_tried);
        mid_tried++;
        forced++;
    }
    slow = 0;
    on_unattached(op_slowdown, &slow);
    CHECK(conclusive > 0, "mid-mark: in %d attempts marking never stopped with the holder black and the "
          "victim white (the test could not set up its state)", mid_tried);

    scenario_3(&keep_d);
    forced++;
    verify_all("after scenario 3");

    /* More cycles under reallocation pressure. */
    for (int r = 0; r < 3; r++) {
        apply_pressure();
        verify_all("under pressure");
        drop_pressure();
        scrub();
        collect();
        forced++;
        verify_all("after a further cycle");
    }
    uint64_t gcs = num_gc() - gc0;
    CHECK(gcs >= (uint64_t)forced, "only %llu cycles completed, %d were forced", (unsigned long long)gcs, forced);
    printf("test_barrier: %d cycles, mid-mark conclusive in %d of %d attempts\n", forced, conclusive,
           mid_tried);
    return 0;
}
