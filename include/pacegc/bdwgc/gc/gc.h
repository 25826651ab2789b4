/*
 * gc/gc.h - the bdwgc (Boehm-Demers-Weiser collector) programming interface,
 * as provided by pacegc's drop-in build/bdwgc/libgc.so.1.
 *
 * Written for pacegc from bdwgc's documented interface (version 8.2), so that
 * programs written for bdwgc compile unchanged with -I include/pacegc/bdwgc
 * (pkg-config pacegc-bdwgc) and binaries linked against Debian's libgc.so.1
 * run with pacegc in its place. The types, constants, structure layouts and
 * function signatures are bdwgc's ABI. What each function does under pacegc:
 * README.md "Using pacegc as libgc.so.1" and docs/DESIGN.md "The libgc.so.1
 * layer". Functions pacegc cannot provide (yet) stop the program with a
 * message naming them when called; they never return a wrong answer.
 *
 * The program makes plain pointer stores: the collector runs in its
 * barrier-free mode (PGC_BARRIER_NONE_STW).
 */
#ifndef PACEGC_BDWGC_GC_H
#define PACEGC_BDWGC_GC_H

#include "gc_version.h"
#include "gc_config_macros.h"
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Basic types ------------------------------------------------------- */

typedef void *GC_PTR; /* old name */
typedef unsigned long GC_word;       /* pointer-sized, unsigned */
typedef long GC_signed_word;          /* pointer-sized, signed */

/* (major << 16) | (minor << 8) | micro of the interface provided. */
GC_API unsigned GC_get_version(void);

/* ---- Variables (prefer the GC_set_* / GC_get_* functions) --------------- */

GC_API GC_word GC_gc_no;              /* completed collections */
GC_API int GC_parallel;               /* nonzero if several threads mark */
typedef void *(*GC_oom_func)(size_t bytes_requested);
GC_API GC_oom_func GC_oom_fn;
typedef void (*GC_on_heap_resize_proc)(GC_word new_size);
GC_API GC_on_heap_resize_proc GC_on_heap_resize;
GC_API int GC_find_leak;
GC_API int GC_all_interior_pointers;
GC_API int GC_finalize_on_demand;
GC_API int GC_java_finalization;
typedef void (*GC_finalizer_notifier_proc)(void);
GC_API GC_finalizer_notifier_proc GC_finalizer_notifier;
GC_API int GC_dont_gc;
GC_API int GC_dont_expand;
GC_API int GC_use_entire_heap;
GC_API int GC_full_freq;
GC_API GC_word GC_non_gc_bytes;
GC_API int GC_no_dls;
GC_API GC_word GC_free_space_divisor;
GC_API GC_word GC_max_retries;
GC_API char *GC_stackbottom;
GC_API int GC_dont_precollect;
GC_API unsigned long GC_time_limit;
#define GC_TIME_UNLIMITED 999999

/* ---- Initialisation ----------------------------------------------------- */

GC_API void GC_init(void);
GC_API int GC_is_init_called(void);
GC_API void GC_deinit(void);
/* bdwgc's GC_INIT: on Linux only GC_init, after the optional settings. */
#ifdef GC_MAXIMUM_HEAP_SIZE
#define GC_INIT_CONF_MAXIMUM_HEAP_SIZE GC_set_max_heap_size(GC_MAXIMUM_HEAP_SIZE)
#else
#define GC_INIT_CONF_MAXIMUM_HEAP_SIZE (void)0
#endif
#ifdef GC_FREE_SPACE_DIVISOR
#define GC_INIT_CONF_FREE_SPACE_DIVISOR GC_set_free_space_divisor(GC_FREE_SPACE_DIVISOR)
#else
#define GC_INIT_CONF_FREE_SPACE_DIVISOR (void)0
#endif
#ifdef GC_INITIAL_HEAP_SIZE
#define GC_INIT_CONF_INITIAL_HEAP_SIZE                                                     \
    { size_t heap_size_ = GC_get_heap_size();                                              \
      if (heap_size_ < (GC_INITIAL_HEAP_SIZE)) (void)GC_expand_hp((GC_INITIAL_HEAP_SIZE) - heap_size_); }
#else
#define GC_INIT_CONF_INITIAL_HEAP_SIZE (void)0
#endif
#ifdef GC_IGNORE_WARN
#define GC_INIT_CONF_IGNORE_WARN GC_set_warn_proc(GC_ignore_warn_proc)
#else
#define GC_INIT_CONF_IGNORE_WARN (void)0
#endif
#define GC_INIT()                              \
    {                                          \
        GC_INIT_CONF_MAXIMUM_HEAP_SIZE;        \
        GC_INIT_CONF_FREE_SPACE_DIVISOR;       \
        GC_init();                             \
        GC_INIT_CONF_IGNORE_WARN;              \
        GC_INIT_CONF_INITIAL_HEAP_SIZE;        \
    }

/* ---- Allocation --------------------------------------------------------- */

/* Zeroed, scanned conservatively. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_malloc(size_t size_in_bytes);
/* Never scanned; contents NOT zeroed. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_malloc_atomic(size_t size_in_bytes);
GC_API GC_ATTR_MALLOC char *GC_strdup(const char *);
GC_API GC_ATTR_MALLOC char *GC_strndup(const char *, size_t);
/* Never collected, scanned; released by GC_free. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_malloc_uncollectable(size_t size_in_bytes);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_malloc_atomic_uncollectable(size_t size_in_bytes);
GC_API GC_ATTR_DEPRECATED void *GC_malloc_stubborn(size_t);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(2) void *GC_memalign(size_t align, size_t lb);
GC_API int GC_posix_memalign(void **memptr, size_t align, size_t lb) GC_ATTR_NONNULL(1);
GC_API void GC_free(void *);
/* Same as GC_malloc: every interior pointer is recognised anyway. */
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_malloc_ignore_off_page(size_t);
GC_API GC_ATTR_MALLOC GC_ATTR_ALLOC_SIZE(1) void *GC_malloc_atomic_ignore_off_page(size_t);
/* p NULL: GC_malloc; size 0: GC_free(p), returns NULL. The kind is kept. */
GC_API void *GC_realloc(void *old_object, size_t new_size_in_bytes) GC_ATTR_ALLOC_SIZE(2);
/* A NULL-terminated list of objects of (at least) lb bytes, linked through
 * their first word (GC_NEXT); clear the link before use. */
GC_API void *GC_malloc_many(size_t lb);
#define GC_NEXT(p) (*(void **)(p))

/* Objects which hold no pointer of their own but are modified later: no
 * marking is needed for them in pacegc, so these only perform the store. */
GC_API GC_ATTR_DEPRECATED void GC_change_stubborn(const void *);
GC_API void GC_end_stubborn_change(const void *) GC_ATTR_NONNULL(1);
GC_API void GC_ptr_store_and_dirty(void *p, const void *q);
#ifndef GC_DEBUG
#define GC_PTR_STORE_AND_DIRTY(p, q) GC_ptr_store_and_dirty(p, q)
#endif

/* ---- Lookup ------------------------------------------------------------- */

/* Start of the object p points into, or NULL. */
GC_API void *GC_base(void *displaced_pointer);
/* Nonzero iff p points into the collected heap. */
GC_API int GC_is_heap_ptr(const void *);
/* Bytes usable in the object starting at p. */
GC_API size_t GC_size(const void *object_addr) GC_ATTR_NONNULL(1);

/* ---- Control ------------------------------------------------------------ */

GC_API void GC_gcollect(void);
GC_API void GC_gcollect_and_unmap(void);
typedef int (*GC_stop_func)(void);
/* Runs a full collection; pacegc's cycles do not stop early, so the result
 * is always 1 (completed). */
GC_API int GC_try_to_collect(GC_stop_func stop_func) GC_ATTR_NONNULL(1);
GC_API void GC_set_stop_func(GC_stop_func) GC_ATTR_NONNULL(1);
GC_API GC_stop_func GC_get_stop_func(void);
GC_API int GC_collect_a_little(void);
GC_API void GC_disable(void);
GC_API void GC_enable(void);
GC_API int GC_is_disabled(void);
GC_API void GC_set_disable_automatic_collection(int);
GC_API int GC_get_disable_automatic_collection(void);
GC_API void GC_enable_incremental(void);
GC_API int GC_is_incremental_mode(void);
#define GC_PROTECTS_POINTER_HEAP 1
#define GC_PROTECTS_PTRFREE_HEAP 2
#define GC_PROTECTS_STATIC_DATA 4
#define GC_PROTECTS_STACK 8
#define GC_PROTECTS_NONE 0
GC_API int GC_incremental_protection_needs(void);
GC_API void GC_start_incremental_collection(void);
GC_API int GC_expand_hp(size_t number_of_bytes);
GC_API void GC_set_max_heap_size(GC_word n);
GC_API void GC_set_free_space_divisor(GC_word);
GC_API GC_word GC_get_free_space_divisor(void);
GC_API void GC_set_all_interior_pointers(int);
GC_API int GC_get_all_interior_pointers(void);
GC_API void GC_set_no_dls(int);
GC_API int GC_get_no_dls(void);
GC_API void GC_set_dont_expand(int);
GC_API int GC_get_dont_expand(void);
GC_API void GC_set_dont_precollect(int);
GC_API int GC_get_dont_precollect(void);
GC_API void GC_set_full_freq(int);
GC_API int GC_get_full_freq(void);
GC_API void GC_set_time_limit(unsigned long);
GC_API unsigned long GC_get_time_limit(void);
GC_API void GC_set_max_retries(GC_word);
GC_API GC_word GC_get_max_retries(void);
GC_API void GC_set_find_leak(int);
GC_API int GC_get_find_leak(void);
GC_API void GC_set_force_unmap_on_gcollect(int);
GC_API int GC_get_force_unmap_on_gcollect(void);
GC_API void GC_set_java_finalization(int);
GC_API int GC_get_java_finalization(void);
GC_API void GC_set_non_gc_bytes(GC_word);
GC_API GC_word GC_get_non_gc_bytes(void);
GC_API void GC_set_pages_executable(int);
GC_API int GC_get_pages_executable(void);
GC_API void GC_set_min_bytes_allocd(size_t);
GC_API size_t GC_get_min_bytes_allocd(void);
GC_API void GC_set_rate(int);
GC_API int GC_get_rate(void);
GC_API void GC_set_max_prior_attempts(int);
GC_API int GC_get_max_prior_attempts(void);
GC_API void GC_set_handle_fork(int);
GC_API void GC_atfork_prepare(void);
GC_API void GC_atfork_parent(void);
GC_API void GC_atfork_child(void);

/* ---- Roots --------------------------------------------------------------- */

GC_API void GC_add_roots(void *low_address, void *high_address_plus_1);
GC_API void GC_remove_roots(void *low_address, void *high_address_plus_1);
GC_API void GC_clear_roots(void);
GC_API void GC_exclude_static_roots(void *low_address, void *high_address_plus_1);
GC_API void GC_clear_exclusion_table(void);
GC_API void GC_register_displacement(size_t offset);
GC_API void GC_debug_register_displacement(size_t offset);

/* ---- Finalization and disappearing links -------------------------------- */

typedef void (*GC_finalization_proc)(void *obj, void *client_data);
GC_API void GC_register_finalizer(void *obj, GC_finalization_proc fn, void *cd,
                                  GC_finalization_proc *ofn, void **ocd) GC_ATTR_NONNULL(1);
GC_API void GC_register_finalizer_ignore_self(void *obj, GC_finalization_proc fn, void *cd,
                                              GC_finalization_proc *ofn, void **ocd) GC_ATTR_NONNULL(1);
GC_API void GC_register_finalizer_no_order(void *obj, GC_finalization_proc fn, void *cd,
                                           GC_finalization_proc *ofn, void **ocd) GC_ATTR_NONNULL(1);
GC_API void GC_register_finalizer_unreachable(void *obj, GC_finalization_proc fn, void *cd,
                                              GC_finalization_proc *ofn, void **ocd) GC_ATTR_NONNULL(1);
#define GC_NO_MEMORY 2
GC_API int GC_register_disappearing_link(void ** /* link */) GC_ATTR_NONNULL(1);
GC_API int GC_general_register_disappearing_link(void ** /* link */, const void * /* obj */)
    GC_ATTR_NONNULL(1) GC_ATTR_NONNULL(2);
GC_API int GC_move_disappearing_link(void ** /* link */, void ** /* new_link */) GC_ATTR_NONNULL(2);
GC_API int GC_unregister_disappearing_link(void ** /* link */);
GC_API int GC_register_long_link(void ** /* link */, const void * /* obj */)
    GC_ATTR_NONNULL(1) GC_ATTR_NONNULL(2);
GC_API int GC_move_long_link(void **, void **) GC_ATTR_NONNULL(2);
GC_API int GC_unregister_long_link(void **);
GC_API int GC_should_invoke_finalizers(void);
GC_API int GC_invoke_finalizers(void);
GC_API void GC_set_finalize_on_demand(int);
GC_API int GC_get_finalize_on_demand(void);
GC_API void GC_set_finalizer_notifier(GC_finalizer_notifier_proc);
GC_API GC_finalizer_notifier_proc GC_get_finalizer_notifier(void);

/* Keep p's object reachable up to this point of the program. */
#define GC_reachable_here(p) __asm__ __volatile__("" : : "X"(p) : "memory")
GC_API void GC_noop1(GC_word);

/* Hidden pointers: not seen by a conservative scan. */
typedef GC_word GC_hidden_pointer;
#define GC_HIDE_POINTER(p) (~(GC_hidden_pointer)(p))
#define GC_REVEAL_POINTER(p) ((void *)GC_HIDE_POINTER(p))
#if defined(I_HIDE_POINTERS) || defined(GC_I_HIDE_POINTERS)
#define HIDE_POINTER(p) GC_HIDE_POINTER(p)
#define REVEAL_POINTER(p) GC_REVEAL_POINTER(p)
#endif

/* ---- Callbacks, warnings, statistics -------------------------------------- */

GC_API void GC_set_oom_fn(GC_oom_func) GC_ATTR_NONNULL(1);
GC_API GC_oom_func GC_get_oom_fn(void);
typedef void (*GC_warn_proc)(char *msg, GC_word arg);
GC_API void GC_set_warn_proc(GC_warn_proc) GC_ATTR_NONNULL(1);
GC_API GC_warn_proc GC_get_warn_proc(void);
GC_API void GC_ignore_warn_proc(char *, GC_word);
typedef void (*GC_abort_func)(const char *msg);
GC_API void GC_set_abort_func(GC_abort_func) GC_ATTR_NONNULL(1);
GC_API GC_abort_func GC_get_abort_func(void);
GC_API void GC_abort_on_oom(void);
GC_API void GC_set_on_heap_resize(GC_on_heap_resize_proc);
GC_API GC_on_heap_resize_proc GC_get_on_heap_resize(void);

typedef enum {
    GC_EVENT_START,
    GC_EVENT_MARK_START,
    GC_EVENT_MARK_END,
    GC_EVENT_RECLAIM_START,
    GC_EVENT_RECLAIM_END,
    GC_EVENT_END,
    GC_EVENT_PRE_STOP_WORLD,
    GC_EVENT_POST_STOP_WORLD,
    GC_EVENT_PRE_START_WORLD,
    GC_EVENT_POST_START_WORLD,
    GC_EVENT_THREAD_SUSPENDED,
    GC_EVENT_THREAD_UNSUSPENDED
} GC_EventType;
typedef void (*GC_on_collection_event_proc)(GC_EventType);
/* Called on the collector's thread, some events with the world stopped:
 * the callback must not allocate nor take locks the program holds. */
GC_API void GC_set_on_collection_event(GC_on_collection_event_proc);
GC_API GC_on_collection_event_proc GC_get_on_collection_event(void);
typedef void (*GC_start_callback_proc)(void);
GC_API void GC_set_start_callback(GC_start_callback_proc);
GC_API GC_start_callback_proc GC_get_start_callback(void);

GC_API size_t GC_get_heap_size(void);
GC_API size_t GC_get_free_bytes(void);
GC_API size_t GC_get_unmapped_bytes(void);
GC_API size_t GC_get_bytes_since_gc(void);
GC_API size_t GC_get_expl_freed_bytes_since_gc(void);
GC_API size_t GC_get_total_bytes(void);
GC_API size_t GC_get_obtained_from_os_bytes(void);
GC_API size_t GC_get_memory_use(void);
GC_API GC_word GC_get_gc_no(void);
GC_API void GC_get_heap_usage_safe(GC_word *pheap_size, GC_word *pfree_bytes, GC_word *punmapped_bytes,
                                   GC_word *pbytes_since_gc, GC_word *ptotal_bytes);
struct GC_prof_stats_s {
    GC_word heapsize_full;
    GC_word free_bytes_full;
    GC_word unmapped_bytes;
    GC_word bytes_allocd_since_gc;
    GC_word allocd_bytes_before_gc;
    GC_word non_gc_bytes;
    GC_word gc_no;
    GC_word markers_m1;
    GC_word bytes_reclaimed_since_gc;
    GC_word reclaimed_bytes_before_gc;
    GC_word expl_freed_bytes_since_gc;
    GC_word obtained_from_os_bytes;
};
/* Fills at most stats_sz bytes; unknown fields are all ones. */
GC_API size_t GC_get_prof_stats(struct GC_prof_stats_s *, size_t stats_sz);
GC_API size_t GC_get_prof_stats_unsafe(struct GC_prof_stats_s *, size_t stats_sz);
GC_API void GC_start_performance_measurement(void);
GC_API unsigned long GC_get_full_gc_total_time(void);
GC_API int GC_get_parallel(void);
GC_API void GC_dump(void);

/* ---- Threads ------------------------------------------------------------- */

#define GC_SUCCESS 0
#define GC_DUPLICATE 1
#define GC_NO_THREADS 2
#define GC_UNIMPLEMENTED 3
#define GC_NOT_FOUND 4

struct GC_stack_base {
    void *mem_base; /* the stack's base: its highest address */
};
typedef void *(*GC_stack_base_func)(struct GC_stack_base *sb, void *arg);
typedef void *(*GC_fn_type)(void *client_data);
GC_API int GC_get_stack_base(struct GC_stack_base *);
GC_API void *GC_call_with_stack_base(GC_stack_base_func, void *);
GC_API void GC_allow_register_threads(void);
GC_API int GC_register_my_thread(const struct GC_stack_base *) GC_ATTR_NONNULL(1);
GC_API int GC_thread_is_registered(void);
GC_API int GC_unregister_my_thread(void);
GC_API void *GC_do_blocking(GC_fn_type, void *);
GC_API void *GC_call_with_gc_active(GC_fn_type, void *);
GC_API void *GC_call_with_alloc_lock(GC_fn_type, void *);
GC_API void GC_start_mark_threads(void);
GC_API void GC_set_markers_count(unsigned);

#if defined(GC_PTHREADS)
#include "gc_pthread_redirects.h"
#endif

/* ---- Debugging allocation ------------------------------------------------
 * pacegc keeps no debugging headers: the GC_debug_* functions are the plain
 * ones (the file and line arguments are ignored). */
#define GC_EXTRA_PARAMS const char *s, int i
GC_API GC_ATTR_MALLOC void *GC_debug_malloc(size_t, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC void *GC_debug_malloc_atomic(size_t, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC char *GC_debug_strdup(const char *, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC char *GC_debug_strndup(const char *, size_t, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC void *GC_debug_malloc_uncollectable(size_t, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC void *GC_debug_malloc_atomic_uncollectable(size_t, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC void *GC_debug_malloc_ignore_off_page(size_t, GC_EXTRA_PARAMS);
GC_API GC_ATTR_MALLOC void *GC_debug_malloc_atomic_ignore_off_page(size_t, GC_EXTRA_PARAMS);
GC_API void *GC_debug_malloc_stubborn(size_t, GC_EXTRA_PARAMS);
GC_API void GC_debug_free(void *);
GC_API void *GC_debug_realloc(void *, size_t, GC_EXTRA_PARAMS);
GC_API void GC_debug_change_stubborn(const void *);
GC_API void GC_debug_end_stubborn_change(const void *);
GC_API void GC_debug_ptr_store_and_dirty(void *, const void *);
GC_API void *GC_debug_malloc_replacement(size_t);
GC_API void *GC_debug_realloc_replacement(void *, size_t);
GC_API void GC_debug_register_finalizer(void *, GC_finalization_proc, void *, GC_finalization_proc *,
                                        void **);
GC_API void GC_debug_register_finalizer_ignore_self(void *, GC_finalization_proc, void *,
                                                    GC_finalization_proc *, void **);
GC_API void GC_debug_register_finalizer_no_order(void *, GC_finalization_proc, void *,
                                                 GC_finalization_proc *, void **);
GC_API void GC_debug_register_finalizer_unreachable(void *, GC_finalization_proc, void *,
                                                    GC_finalization_proc *, void **);

#ifdef GC_DEBUG
#define GC_MALLOC(sz) GC_debug_malloc(sz, __FILE__, __LINE__)
#define GC_MALLOC_ATOMIC(sz) GC_debug_malloc_atomic(sz, __FILE__, __LINE__)
#define GC_STRDUP(s) GC_debug_strdup(s, __FILE__, __LINE__)
#define GC_STRNDUP(s, n) GC_debug_strndup(s, n, __FILE__, __LINE__)
#define GC_MALLOC_UNCOLLECTABLE(sz) GC_debug_malloc_uncollectable(sz, __FILE__, __LINE__)
#define GC_MALLOC_IGNORE_OFF_PAGE(sz) GC_debug_malloc_ignore_off_page(sz, __FILE__, __LINE__)
#define GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(sz) GC_debug_malloc_atomic_ignore_off_page(sz, __FILE__, __LINE__)
#define GC_REALLOC(p, sz) GC_debug_realloc(p, sz, __FILE__, __LINE__)
#define GC_FREE(p) GC_debug_free(p)
#define GC_REGISTER_FINALIZER(p, f, d, of, od) GC_debug_register_finalizer(p, f, d, of, od)
#define GC_REGISTER_FINALIZER_IGNORE_SELF(p, f, d, of, od) GC_debug_register_finalizer_ignore_self(p, f, d, of, od)
#define GC_REGISTER_FINALIZER_NO_ORDER(p, f, d, of, od) GC_debug_register_finalizer_no_order(p, f, d, of, od)
#define GC_REGISTER_FINALIZER_UNREACHABLE(p, f, d, of, od) GC_debug_register_finalizer_unreachable(p, f, d, of, od)
#define GC_END_STUBBORN_CHANGE(p) GC_debug_end_stubborn_change(p)
#define GC_PTR_STORE_AND_DIRTY(p, q) GC_debug_ptr_store_and_dirty(p, q)
#else
#define GC_MALLOC(sz) GC_malloc(sz)
#define GC_MALLOC_ATOMIC(sz) GC_malloc_atomic(sz)
#define GC_STRDUP(s) GC_strdup(s)
#define GC_STRNDUP(s, n) GC_strndup(s, n)
#define GC_MALLOC_UNCOLLECTABLE(sz) GC_malloc_uncollectable(sz)
#define GC_MALLOC_IGNORE_OFF_PAGE(sz) GC_malloc_ignore_off_page(sz)
#define GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(sz) GC_malloc_atomic_ignore_off_page(sz)
#define GC_REALLOC(p, sz) GC_realloc(p, sz)
#define GC_FREE(p) GC_free(p)
#define GC_REGISTER_FINALIZER(p, f, d, of, od) GC_register_finalizer(p, f, d, of, od)
#define GC_REGISTER_FINALIZER_IGNORE_SELF(p, f, d, of, od) GC_register_finalizer_ignore_self(p, f, d, of, od)
#define GC_REGISTER_FINALIZER_NO_ORDER(p, f, d, of, od) GC_register_finalizer_no_order(p, f, d, of, od)
#define GC_REGISTER_FINALIZER_UNREACHABLE(p, f, d, of, od) GC_register_finalizer_unreachable(p, f, d, of, od)
#define GC_END_STUBBORN_CHANGE(p) GC_end_stubborn_change(p)
#endif
#define GC_NEW(t) ((t *)GC_MALLOC(sizeof(t)))
#define GC_NEW_ATOMIC(t) ((t *)GC_MALLOC_ATOMIC(sizeof(t)))
#define GC_NEW_UNCOLLECTABLE(t) ((t *)GC_MALLOC_UNCOLLECTABLE(sizeof(t)))
#define GC_GENERAL_REGISTER_DISAPPEARING_LINK(link, obj) GC_general_register_disappearing_link(link, obj)
#define GC_REGISTER_LONG_LINK(link, obj) GC_register_long_link(link, obj)
#define GC_REGISTER_DISPLACEMENT(n) GC_register_displacement(n)

#ifdef __cplusplus
}
#endif
#endif /* PACEGC_BDWGC_GC_H */
