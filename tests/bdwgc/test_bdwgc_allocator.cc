// test_bdwgc_allocator.cc - gc/gc_allocator.h: standard containers whose
// memory is GC_MALLOC'd keep their elements through many collections
// (gccheckmark on): a std::vector of pointers to GC objects (the vector's
// buffer is scanned, so the objects survive), a std::map with
// gc_allocator nodes, and a pointer-free vector<int> (atomic memory).
#include <gc/gc_allocator.h>
#include <map>
#include <vector>
#include <cstdio>
#include <cstdlib>

#define CHECK(c, ...)                                                                    \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #c);   \
            std::fprintf(stderr, __VA_ARGS__);                                           \
            std::fputc('\n', stderr);                                                    \
            std::exit(1);                                                                \
        }                                                                                \
    } while (0)

struct obj {
    long v;
    long check;
};

int main()
{
    setenv("PGCDEBUG", "gccheckmark=1", 0);
    GC_INIT();
    CHECK(GC_type_traits<int>::is_pointer_free && !GC_type_traits<obj *>::is_pointer_free, "traits");
    std::vector<obj *, gc_allocator<obj *> > v;
    std::map<long, obj *, std::less<long>, gc_allocator<std::pair<const long, obj *> > > m;
    std::vector<int, gc_allocator<int> > ints;
    GC_word gc0 = GC_get_gc_no();
    for (long i = 0; i < 200000; i++) {
        obj *o = static_cast<obj *>(GC_MALLOC(sizeof(obj)));
        o->v = i;
        o->check = i * 7 + 1;
        v.push_back(o); // the vector's buffer moves (GC_FREE of the old one)
        if (i % 10 == 0)
            m[i] = o;
        ints.push_back((int)i);
        GC_MALLOC(64); // garbage
        if (i % 50000 == 25000)
            GC_gcollect(); // at least four collections while the containers grow
    }
    CHECK(GC_get_gc_no() - gc0 >= 4, "only %lu collections", (unsigned long)(GC_get_gc_no() - gc0));
    for (long i = 0; i < 200000; i++) {
        CHECK(v[i]->v == i && v[i]->check == i * 7 + 1, "vector element %ld lost", i);
        CHECK(ints[i] == (int)i, "int %ld", i);
    }
    for (long i = 0; i < 200000; i += 10)
        CHECK(m[i] == v[i], "map entry %ld", i);
    CHECK(GC_base(&v[0]) != 0, "vector buffer not in the GC heap");
    std::printf("ok, %lu collections\n", (unsigned long)(GC_get_gc_no() - gc0));
    return 0;
}
