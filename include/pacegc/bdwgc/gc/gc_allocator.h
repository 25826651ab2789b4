/*
 * gc/gc_allocator.h - C++ standard-library allocators whose memory the
 * collector manages (bdwgc's interface):
 *   gc_allocator<T>                  GC_MALLOC, or GC_MALLOC_ATOMIC when T
 *                                    holds no pointers (GC_type_traits)
 *   gc_allocator_ignore_off_page<T>  the same (every interior pointer is
 *                                    recognised by pacegc anyway)
 *   traceable_allocator<T>           GC_MALLOC_UNCOLLECTABLE: scanned, never
 *                                    collected (not supported yet by pacegc:
 *                                    allocation stops the program)
 * deallocate calls GC_FREE, as bdwgc's allocators do. Written for pacegc
 * from bdwgc's documented interface.
 */
#ifndef PACEGC_BDWGC_GC_ALLOCATOR_H
#define PACEGC_BDWGC_GC_ALLOCATOR_H

#include "gc.h"
#include <cstddef>
#include <new>

/* Whether objects of type T may be allocated pointer-free. */
template <class T> struct GC_type_traits {
    static const bool is_pointer_free = false;
};
#define PACEGC_POINTER_FREE(t) \
    template <> struct GC_type_traits<t> { static const bool is_pointer_free = true; }
PACEGC_POINTER_FREE(char);
PACEGC_POINTER_FREE(signed char);
PACEGC_POINTER_FREE(unsigned char);
PACEGC_POINTER_FREE(wchar_t);
PACEGC_POINTER_FREE(short);
PACEGC_POINTER_FREE(unsigned short);
PACEGC_POINTER_FREE(int);
PACEGC_POINTER_FREE(unsigned int);
PACEGC_POINTER_FREE(long);
PACEGC_POINTER_FREE(unsigned long);
PACEGC_POINTER_FREE(long long);
PACEGC_POINTER_FREE(unsigned long long);
PACEGC_POINTER_FREE(float);
PACEGC_POINTER_FREE(double);
PACEGC_POINTER_FREE(long double);
PACEGC_POINTER_FREE(bool);
#undef PACEGC_POINTER_FREE

namespace pacegc_bdwgc {
enum alloc_how { HOW_GC, HOW_IGNORE_OFF_PAGE, HOW_UNCOLLECTABLE };

template <class T, int How> class base_allocator {
  public:
    typedef std::size_t size_type;
    typedef std::ptrdiff_t difference_type;
    typedef T *pointer;
    typedef const T *const_pointer;
    typedef T &reference;
    typedef const T &const_reference;
    typedef T value_type;

    base_allocator() throw() {}
    base_allocator(const base_allocator &) throw() {}
    template <class U> base_allocator(const base_allocator<U, How> &) throw() {}
    ~base_allocator() throw() {}

    pointer address(reference x) const { return &x; }
    const_pointer address(const_reference x) const { return &x; }

    T *allocate(size_type n, const void * = 0)
    {
        if (n > max_size())
            throw std::bad_alloc();
        std::size_t bytes = n * sizeof(T);
        void *p;
        if (How == HOW_UNCOLLECTABLE)
            p = GC_MALLOC_UNCOLLECTABLE(bytes);
        else if (GC_type_traits<T>::is_pointer_free)
            p = How == HOW_GC ? GC_MALLOC_ATOMIC(bytes) : GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(bytes);
        else
            p = How == HOW_GC ? GC_MALLOC(bytes) : GC_MALLOC_IGNORE_OFF_PAGE(bytes);
        if (!p && bytes)
            throw std::bad_alloc();
        return static_cast<T *>(p);
    }
    void deallocate(pointer p, size_type) { GC_FREE(p); }
    size_type max_size() const throw() { return (std::size_t)-1 / sizeof(T); }
    void construct(pointer p, const T &val) { new (p) T(val); }
    void destroy(pointer p) { p->~T(); }
};

template <class T1, class T2, int How>
inline bool operator==(const base_allocator<T1, How> &, const base_allocator<T2, How> &) { return true; }
template <class T1, class T2, int How>
inline bool operator!=(const base_allocator<T1, How> &, const base_allocator<T2, How> &) { return false; }
} // namespace pacegc_bdwgc

#define PACEGC_DEFINE_ALLOCATOR(name, how)                                                     \
    template <class T> class name : public pacegc_bdwgc::base_allocator<T, pacegc_bdwgc::how> { \
      public:                                                                                  \
        template <class U> struct rebind { typedef name<U> other; };                           \
        name() throw() {}                                                                      \
        name(const name &) throw() {}                                                          \
        template <class U> name(const name<U> &) throw() {}                                    \
    };                                                                                         \
    template <> class name<void> {                                                             \
      public:                                                                                  \
        typedef std::size_t size_type;                                                         \
        typedef std::ptrdiff_t difference_type;                                                \
        typedef void *pointer;                                                                 \
        typedef const void *const_pointer;                                                     \
        typedef void value_type;                                                               \
        template <class U> struct rebind { typedef name<U> other; };                           \
    }

PACEGC_DEFINE_ALLOCATOR(gc_allocator, HOW_GC);
PACEGC_DEFINE_ALLOCATOR(gc_allocator_ignore_off_page, HOW_IGNORE_OFF_PAGE);
PACEGC_DEFINE_ALLOCATOR(traceable_allocator, HOW_UNCOLLECTABLE);
#undef PACEGC_DEFINE_ALLOCATOR

#endif
