/*
 * gc/gc_mark.h - bdwgc's interface for program-defined object kinds and
 * mark procedures. Declared so that sources using it compile; under
 * pacegc's libgc.so.1 its functions are not supported (they stop the
 * program, naming themselves): pacegc's own precise kinds are
 * pgc_kind_bitmap / pgc_kind_traced (api.md v1).
 */
#ifndef PACEGC_BDWGC_GC_MARK_H
#define PACEGC_BDWGC_GC_MARK_H
#include "gc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Descriptor tags: the low GC_DS_TAG_BITS bits of a descriptor. */
#define GC_DS_TAG_BITS 2
#define GC_DS_TAGS ((1 << GC_DS_TAG_BITS) - 1)
#define GC_DS_LENGTH 0
#define GC_DS_BITMAP 1
#define GC_DS_PROC 2
#define GC_DS_PER_OBJECT 3
#define GC_INDIR_PER_OBJ_BIAS 0x10
#define GC_LOG_MAX_MARK_PROCS 6
#define GC_MAX_MARK_PROCS (1 << GC_LOG_MAX_MARK_PROCS)
#define GC_MAKE_PROC(proc_index, env) \
    ((((((GC_word)(env)) << GC_LOG_MAX_MARK_PROCS) | (proc_index)) << GC_DS_TAG_BITS) | GC_DS_PROC)

struct GC_ms_entry {
    void *mse_start;
    union word_ptr_ao_u {
        GC_word w;
        signed char ao;
    } mse_descr;
};
typedef struct GC_ms_entry *(*GC_mark_proc)(GC_word *addr, struct GC_ms_entry *mark_stack_ptr,
                                            struct GC_ms_entry *mark_stack_limit, GC_word env);

GC_API void *GC_least_plausible_heap_addr;
GC_API void *GC_greatest_plausible_heap_addr;
GC_API const GC_word GC_debug_header_size;

GC_API struct GC_ms_entry *GC_mark_and_push(void *, struct GC_ms_entry *, struct GC_ms_entry *, void **);
#define GC_MARK_AND_PUSH(obj, msp, lim, src)                                            \
    ((GC_word)(obj) >= (GC_word)GC_least_plausible_heap_addr &&                         \
             (GC_word)(obj) <= (GC_word)GC_greatest_plausible_heap_addr                 \
         ? GC_mark_and_push(obj, msp, lim, src)                                         \
         : (msp))

GC_API void **GC_new_free_list(void);
GC_API void **GC_new_free_list_inner(void);
GC_API unsigned GC_new_kind(void **free_list, GC_word mark_descriptor_template, int add_size_to_descriptor,
                            int clear_new_objects);
GC_API unsigned GC_new_kind_inner(void **, GC_word, int, int);
GC_API unsigned GC_new_proc(GC_mark_proc);
GC_API unsigned GC_new_proc_inner(GC_mark_proc);
GC_API GC_ATTR_MALLOC void *GC_generic_malloc(size_t lb, int knd);
GC_API GC_ATTR_MALLOC void *GC_generic_malloc_ignore_off_page(size_t lb, int knd);
GC_API GC_ATTR_MALLOC void *GC_generic_malloc_uncollectable(size_t lb, int knd);
GC_API GC_ATTR_MALLOC void *GC_generic_or_special_malloc(size_t lb, int knd);
GC_API void GC_generic_malloc_many(size_t lb, int k, void **result);
GC_API GC_ATTR_MALLOC void *GC_malloc_kind(size_t, int);
GC_API GC_ATTR_MALLOC void *GC_malloc_kind_global(size_t, int);
GC_API int GC_is_marked(const void *);
GC_API void GC_clear_mark_bit(const void *);
GC_API void GC_set_mark_bit(const void *);
GC_API void GC_push_all(void *bottom, void *top);
GC_API void GC_push_all_eager(void *bottom, void *top);
GC_API void GC_push_conditional(void *bottom, void *top, int all);
GC_API void GC_push_finalizer_structures(void);
typedef void (*GC_push_other_roots_proc)(void);
GC_API void GC_set_push_other_roots(GC_push_other_roots_proc);
GC_API GC_push_other_roots_proc GC_get_push_other_roots(void);
GC_API void GC_print_free_list(int, size_t);

#define GC_I_PTRFREE 0
#define GC_I_NORMAL 1

#ifdef __cplusplus
}
#endif
#endif
