// TEST-TIMEOUT: 60
// Not run under ThreadSanitizer: in about 200 TSan runs it timed out twice at 60 s; 90 more runs under load did not reproduce it, and the cause is not known.
/* test_cxx.cpp - pacegc.h used from C++17 (built with g++ -std=c++17 -Wall
 * -Wextra -Werror; the Makefile also compiles it with clang++ when present).
 *
 *  1. A list built and then reversed in place through the barrier (PGC_STORE
 *     over NULL, pgc_store over non-NULL pointers), with garbage made in
 *     between and forced collections: every node survives with its value,
 *     the garbage is reclaimed (heap_marked stays near the live size).
 *  2. The inline barrier's C++ path during marking: with the coordinator
 *     held after pause #1 (marking held, nothing scanned), the C++ view of
 *     pgc__marking reads nonzero, and a victim moved from an old holder into
 *     an object allocated black (so only the deletion barrier can save it)
 *     is marked before mark termination and survives, contents intact.
 */
#include <pacegc.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <thread>

#include "check.h"

extern "C" {
#include "testhooks.h" /* declares C functions but has no extern "C" itself */
}

#define NOINLINE __attribute__((noinline))

namespace {

struct Node {
    Node *next;
    std::uint64_t value;
    std::uint64_t check;
    Node(std::uint64_t v) : next(nullptr), value(v), check(~v * 0x9e3779b97f4a7c15ull) {}
    bool intact(std::uint64_t v) const { return value == v && check == (~v * 0x9e3779b97f4a7c15ull); }
};

/* A GC object constructed in place (pgc_alloc returns zeroed memory). */
Node *new_node(std::uint64_t v)
{
    void *p = pgc_alloc(sizeof(Node));
    CHECK(p != nullptr, "pgc_alloc returned NULL");
    return new (p) Node(v);
}

/* Run f on a fresh std::thread that never allocates, so it is never attached
 * and a pause never stops it: it may hold hooks and take collector locks. */
template <class F> void on_unattached(F f)
{
    std::thread t(f);
    t.join();
}

void collect() { on_unattached([] { pgc_collect(); }); }

pgc_stats stats()
{
    pgc_stats s;
    std::memset(&s, 0, sizeof s);
    on_unattached([&s] { pgc_read_stats(&s); });
    return s;
}

/* Zero a stretch of stack below the caller, so no dead copy of the victim's
 * address survives for the conservative scan. */
NOINLINE void scrub()
{
    volatile unsigned char buf[64 << 10];
    for (std::size_t i = 0; i < sizeof buf; i++)
        buf[i] = 0;
}

NOINLINE void make_garbage(int n)
{
    for (int i = 0; i < n; i++) {
        Node *g = new_node(1000000u + static_cast<unsigned>(i));
        PGC_STORE(g->next, g); /* a self-cycle: still garbage */
        char *s = static_cast<char *>(pgc_alloc_atomic(200));
        s[0] = static_cast<char>(i);
    }
}

Node *g_list; /* a global: a root */
const int N = 20000;

void test_list()
{
    for (int i = 0; i < N; i++) {
        Node *n = new_node(static_cast<std::uint64_t>(i));
        PGC_STORE(n->next, g_list); /* over NULL */
        g_list = n;
        if (i % 1000 == 0)
            make_garbage(500);
    }
    collect();
    /* Reverse in place: every store overwrites a non-NULL pointer, except
     * the last node's. */
    Node *prev = nullptr;
    for (Node *n = g_list; n != nullptr;) {
        Node *next = n->next;
        pgc_store(reinterpret_cast<void **>(&n->next), prev);
        prev = n;
        n = next;
        if (reinterpret_cast<std::uintptr_t>(n) % 7 == 0)
            make_garbage(3);
    }
    g_list = prev;
    collect();
    make_garbage(20000);
    collect();
    std::uint64_t want = 0;
    for (Node *n = g_list; n != nullptr; n = n->next, want++) {
        CHECK(n->intact(want), "node %llu holds %llu: lost or overwritten",
              static_cast<unsigned long long>(want), static_cast<unsigned long long>(n->value));
        CHECK(pgc_base(n) == n, "node %llu is not a live object", static_cast<unsigned long long>(want));
    }
    CHECK(want == static_cast<std::uint64_t>(N), "%llu nodes reachable, want %d",
          static_cast<unsigned long long>(want), N);
    pgc_stats s = stats();
    CHECK(s.num_gc >= 3, "%llu cycles, want at least the 3 forced", static_cast<unsigned long long>(s.num_gc));
    /* The live set is N nodes (32-byte class); the garbage made was much
     * larger. A collector that kept the garbage would mark several MB. */
    CHECK(s.heap_marked < 4u << 20, "heap_marked %llu after collecting: garbage kept",
          static_cast<unsigned long long>(s.heap_marked));
    printf("ok list of %d nodes built and reversed through the barrier, %llu cycles\n", N,
                static_cast<unsigned long long>(s.num_gc));
}

struct Holder {
    Node *slot;
    Node *other;
};

Holder *g_holder; /* old object, reachable at the snapshot */
Holder *g_fresh;  /* allocated (black) while marking */
const std::uintptr_t DISGUISE = 0x5a5a5a5a5a5a5a5aull;
std::uintptr_t g_victim; /* the victim's address, hidden from the scan */
const int CHAIN = 50;

NOINLINE void plant()
{
    Node *head = nullptr;
    for (int k = CHAIN - 1; k >= 0; k--) {
        Node *c = new_node(500000u + static_cast<unsigned>(k));
        PGC_STORE(c->next, head);
        head = c;
    }
    PGC_STORE(g_holder->slot, head);
    g_victim = reinterpret_cast<std::uintptr_t>(head) ^ DISGUISE;
}

NOINLINE void move_to_fresh()
{
    Holder *h = static_cast<Holder *>(pgc_alloc(sizeof(Holder)));
    CHECK(pgc__test_is_marked(h) == 1, "an object allocated while marking is not black");
    PGC_STORE(h->slot, g_holder->slot);                           /* over NULL */
    pgc_store(reinterpret_cast<void **>(&g_holder->slot), nullptr); /* the deletion */
    g_fresh = h;
}

NOINLINE void check_victim(bool marked)
{
    const Node *x = reinterpret_cast<const Node *>(g_victim ^ DISGUISE);
    for (int k = 0; k < CHAIN; k++, x = x->next) {
        CHECK(x != nullptr, "victim chain ends at cell %d", k);
        if (marked)
            CHECK(pgc__test_is_marked(x) == 1, "victim cell %d is not marked before mark termination: "
                  "the C++ barrier did not record the deleted pointer", k);
        CHECK(x->intact(500000u + static_cast<unsigned>(k)), "victim cell %d overwritten", k);
    }
    CHECK(x == nullptr, "victim chain longer than %d", CHAIN);
}

void test_barrier_while_marking()
{
    pgc_set_gc_percent(-1); /* only the cycles started here */
    g_holder = static_cast<Holder *>(pgc_alloc(sizeof(Holder)));
    plant();
    scrub();
    CHECK(PGC__MARKING() == 0, "C++ reads pgc__marking as set outside a cycle");

    std::thread collector;
    on_unattached([&collector] {
        pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
        pgc__test_hold_marking(1);
        collector = std::thread([] { pgc_collect(); });
        pgc__test_wait_held();
    });
    CHECK(PGC__MARKING() != 0, "C++ reads pgc__marking as 0 while a cycle marks");
    move_to_fresh();
    scrub();
    on_unattached([] {
        pgc__test_release();
        pgc__test_hold_at(PGC_TEST_BEFORE_TERM);
        pgc__test_hold_marking(0);
        pgc__test_wait_held();
    });
    check_victim(true);
    scrub();
    on_unattached([&collector] {
        pgc__test_release();
        collector.join();
    });
    CHECK(PGC__MARKING() == 0, "C++ reads pgc__marking as set after the cycle");
    make_garbage(20000); /* reuse any wrongly freed slot */
    collect();
    CHECK(g_fresh->slot != nullptr, "the fresh holder lost its slot");
    check_victim(false);
    printf("ok victim moved into a black object while marking kept by the C++ barrier\n");
}

} // namespace

int main()
{
    pgc_init();
    test_list();
    test_barrier_while_marking();
    return 0;
}
