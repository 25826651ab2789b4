/*
 * core.c - bdwgc's interface (libgc.so.1) on top of pacegc: allocation,
 * lookup, control, roots, threads, callbacks and statistics.
 *
 * Built only into build/bdwgc/libgc.so.1 (Makefile). The collector runs in
 * the barrier-free mode (nobarrier.c), chosen before the first
 * initialisation, because bdwgc's clients store pointers with plain
 * stores. Finalizers and disappearing links are in finalize.c; functions it
 * cannot provide are in unsupported.c (generated).
 */
#define GC_BUILD 1 /* no pthread redirects in this file */
#include "compat.h"
#include "gc/gc.h"
#include "../heap.h"
#include "../stats.h"
#include "../alloc.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Exported variables ----------------------------------------------------
 * Sizes match Debian's libgc.so.1: a program that refers to one gets a copy
 * relocation of that size. Values are bdwgc's defaults. They are read when
 * the settings they stand for are read (GC_init, GC_get_*); pacegc itself
 * does not depend on them. */
GC_word GC_gc_no;              /* updated at the end of each cycle (relaxed: statistics) */
int GC_parallel;
static void *default_oom(size_t bytes) { (void)bytes; return NULL; }
GC_oom_func GC_oom_fn = default_oom;
GC_on_heap_resize_proc GC_on_heap_resize;
int GC_find_leak;
int GC_all_interior_pointers = 1;
int GC_finalize_on_demand;
int GC_java_finalization = 1;
GC_finalizer_notifier_proc GC_finalizer_notifier;
int GC_dont_gc;
int GC_dont_expand;
int GC_use_entire_heap;
int GC_full_freq = 19;
GC_word GC_non_gc_bytes;
int GC_no_dls;
GC_word GC_free_space_divisor = 3;
GC_word GC_max_retries;
char *GC_stackbottom;
int GC_dont_precollect;
unsigned long GC_time_limit = GC_TIME_UNLIMITED;
/* Exported by libgc.so.1 without a public declaration (or from headers
 * pacegc does not provide); present so that no program fails to load. */
__attribute__((visibility("default"))) void (*GC_on_abort)(const char *);
__attribute__((visibility("default"))) void (*GC_push_other_roots)(void);
__attribute__((visibility("default"))) void (*GC_same_obj_print_proc)(void *, void *);
__attribute__((visibility("default"))) void (*GC_is_valid_displacement_print_proc)(void *);
__attribute__((visibility("default"))) void (*GC_is_visible_print_proc)(void *);
__attribute__((visibility("default"))) void *GC_objfreelist_ptr, *GC_aobjfreelist_ptr,
    *GC_uobjfreelist_ptr, *GC_auobjfreelist_ptr;
__attribute__((visibility("default"))) const GC_word GC_debug_header_size = 0;
__attribute__((visibility("default"))) void *GC_least_plausible_heap_addr = (void *)~(GC_word)0;
__attribute__((visibility("default"))) void *GC_greatest_plausible_heap_addr;
__attribute__((visibility("default"))) int GC_gcj_kind, GC_gcj_debug_kind;
__attribute__((visibility("default"))) char GC_arrays[0x2c9f0];

/* ---- Initialisation ------------------------------------------------------------ */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic int inited;       /* 1 once init_once is done (release; acquire in gcx_ensure) */
static void on_event(int ev);
static void *oom_trampoline(size_t bytes);
static void apply_percent(void);

static void init_once(void)
{
    if (GC_find_leak)
        gcx_unsupported("GC_find_leak (leak-detection mode)");
    nobarrier_default_none();
    store_relaxed(&pgc__cycle_event_hook, on_event);
    pgc_init();
    pgc_set_oom_handler(oom_trampoline);
    GC_parallel = G.procs > 1;
    store_release(&inited, 1); /* pairs with the acquire in gcx_ensure */
    apply_percent();
}

void gcx_ensure(void)
{
    if (__builtin_expect(!load_acquire(&inited), 0))
        pthread_once(&once, init_once);
    else if (!pgc_self)
        pgc_init(); /* attach a thread the program made with pthread_create */
}

void gcx_not_yet(const char *fn, const char *needs)
{
    pgc_fatal("pacegc (libgc.so.1): %s is not supported yet: it needs %s, which pacegc does not have "
              "yet\n", fn, needs);
}

void gcx_unsupported(const char *fn)
{
    pgc_fatal("pacegc (libgc.so.1): %s is not supported by pacegc's libgc.so.1\n", fn);
}

static inline void alloc_check(void)
{
    gcx_ensure();
    gcx_alloc_lock_check("an allocation (GC_malloc and the like)");
}

void GC_init(void) { gcx_ensure(); }
int GC_is_init_called(void) { return load_acquire(&inited); }
void GC_deinit(void) { /* pacegc's memory stays mapped until exit */ }
unsigned GC_get_version(void)
{
    return ((unsigned)GC_VERSION_MAJOR << 16) | ((unsigned)GC_VERSION_MINOR << 8) | GC_VERSION_MICRO;
}

/* ---- Allocation ---------------------------------------------------------------- */

static _Atomic uint64_t expl_freed; /* GC_free'd bytes since the last cycle (relaxed) */

void *GC_malloc(size_t n)
{
    alloc_check();
    return pgc_alloc(n);
}

/* pgc_alloc_atomic does not zero (contents unspecified), as bdwgc's. */
void *GC_malloc_atomic(size_t n)
{
    alloc_check();
    return pgc_alloc_atomic(n);
}

/* Every interior pointer is recognised, so there is nothing to ignore. */
void *GC_malloc_ignore_off_page(size_t n) { return GC_malloc(n); }
void *GC_malloc_atomic_ignore_off_page(size_t n) { return GC_malloc_atomic(n); }
void *GC_malloc_stubborn(size_t n) { return GC_malloc(n); }

char *GC_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = GC_malloc_atomic(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *GC_strndup(const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t n = strnlen(s, max);
    char *p = GC_malloc_atomic(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/*
 * GC_free: pgc_free of the object p is in (interior pointers come from
 * GC_memalign). A pointer that is not in a live object is a fatal error;
 * freeing twice is too (pgc_free says so). Safe while a cycle marks: the
 * object is released when the cycle sweeps (INV-FREE-AT-SWEEP).
 */
void GC_free(void *p)
{
    if (!p)
        return;
    gcx_ensure();
    void *base = pgc_base(p);
    if (!base)
        pgc_fatal("pacegc (libgc.so.1): GC_free(%p): %p is not in a live object allocated by "
                  "GC_malloc (freed twice, or never allocated here)\n", p, p);
    fetch_add_relaxed(&expl_freed, pgc_size(base));
    pgc_free(base);
}

void *GC_realloc(void *p, size_t n)
{
    if (!p)
        return GC_malloc(n);
    if (n == 0) {
        GC_free(p);
        return NULL;
    }
    alloc_check();
    return pgc_realloc(p, n);
}

#define MANY_BYTES 4096 /* about what bdwgc hands out per GC_malloc_many call */

void *GC_malloc_many(size_t lb)
{
    alloc_check();
    if (lb < sizeof(void *))
        lb = sizeof(void *);
    size_t rounded = (lb + 15) & ~(size_t)15, n = rounded >= MANY_BYTES ? 1 : MANY_BYTES / rounded;
    void *head = NULL;
    for (size_t i = 0; i < n; i++) {
        void **q = pgc_alloc(lb); /* zeroed: the last one's link is NULL */
        if (!q)
            break;
        *q = head; /* linked through the first word */
        head = q;
    }
    return head;
}

void *GC_memalign(size_t align, size_t lb)
{
    if (align <= GRANULE)
        return GC_malloc(lb);
    if (align & (align - 1))
        return NULL;
    if (lb > SIZE_MAX - align)
        return NULL;
    /* An interior pointer keeps the object alive. */
    uintptr_t p = (uintptr_t)GC_malloc(lb + align - 1);
    return p ? (void *)((p + align - 1) & ~(uintptr_t)(align - 1)) : NULL;
}

int GC_posix_memalign(void **memptr, size_t align, size_t lb)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = GC_memalign(align, lb);
    if (!p)
        return ENOMEM;
    *memptr = p;
    return 0;
}

/* No dirty bits are needed: marking stops the world (nobarrier.c). */
void GC_change_stubborn(const void *p) { (void)p; }
void GC_end_stubborn_change(const void *p) { (void)p; }
void GC_ptr_store_and_dirty(void *p, const void *q) { *(const void **)p = q; }

static volatile GC_word noop_sink;
void GC_noop1(GC_word x) { noop_sink = x; }

/* ---- Lookup ---------------------------------------------------------------------- */

void *GC_base(void *p)
{
    gcx_ensure();
    return pgc_base(p);
}

int GC_is_heap_ptr(const void *p)
{
    gcx_ensure();
    return span_of((uintptr_t)p) != NULL;
}

size_t GC_size(const void *p)
{
    gcx_ensure();
    return pgc_size(p);
}

/* ---- Control --------------------------------------------------------------------- */

/* Collection on/off: GC_disable nests; GC_dont_gc is read as well. */
static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static int disable_count;          /* ctl_lock */
static int auto_disabled;          /* GC_set_disable_automatic_collection (ctl_lock) */
static int base_percent = -2;      /* GOGC when enabled; -2: pacegc's own (ctl_lock) */
static int applied = -3;           /* percent last given to pacegc (ctl_lock) */
static GC_stop_func stop_func;
static int force_unmap, pages_executable, rate = 10, max_prior_attempts = 1;
static size_t min_bytes_allocd = 1;
static unsigned markers;

static int percent_for_divisor(GC_word d)
{
    /* bdwgc lets the heap grow by about heap/d between collections; its
     * default d = 3 is taken as pacegc's default GOGC of 100. */
    if (d == 0)
        d = 1;
    GC_word p = 300 / d;
    return p < 1 ? 1 : (int)p;
}

static bool collection_disabled(void) { return disable_count > 0 || GC_dont_gc; }

/* ctl_lock not held; after init. */
static void apply_percent(void)
{
    pthread_mutex_lock(&ctl_lock);
    if (base_percent == -2) {
        /* pacegc's own setting (PGC_GOGC), unless the program chose a
         * free-space divisor before init */
        base_percent = GC_free_space_divisor != 3 && !getenv("PGC_GOGC")
                           ? percent_for_divisor(GC_free_space_divisor)
                           : pgc_set_gc_percent(-1);
        applied = -1;
    }
    int want = collection_disabled() || auto_disabled ? -1 : base_percent;
    if (want != applied) {
        pgc_set_gc_percent(want);
        applied = want;
    }
    pthread_mutex_unlock(&ctl_lock);
}

void GC_disable(void)
{
    gcx_ensure();
    pthread_mutex_lock(&ctl_lock);
    disable_count++;
    pthread_mutex_unlock(&ctl_lock);
    apply_percent();
}

void GC_enable(void)
{
    gcx_ensure();
    pthread_mutex_lock(&ctl_lock);
    if (disable_count == 0) {
        pthread_mutex_unlock(&ctl_lock);
        pgc_fatal("pacegc (libgc.so.1): GC_enable called more often than GC_disable\n");
    }
    disable_count--;
    pthread_mutex_unlock(&ctl_lock);
    apply_percent();
}

int GC_is_disabled(void)
{
    pthread_mutex_lock(&ctl_lock);
    int r = collection_disabled();
    pthread_mutex_unlock(&ctl_lock);
    return r;
}

void GC_set_disable_automatic_collection(int v)
{
    gcx_ensure();
    pthread_mutex_lock(&ctl_lock);
    auto_disabled = v != 0;
    pthread_mutex_unlock(&ctl_lock);
    apply_percent();
}

int GC_get_disable_automatic_collection(void) { return auto_disabled; }

void GC_gcollect(void)
{
    gcx_ensure();
    gcx_alloc_lock_check("GC_gcollect");
    if (!GC_is_disabled())
        pgc_collect();
}

void GC_gcollect_and_unmap(void) { GC_gcollect(); }

int GC_try_to_collect(GC_stop_func f)
{
    gcx_ensure();
    gcx_alloc_lock_check("GC_try_to_collect");
    if (GC_is_disabled() || f())
        return 0;
    pgc_collect();
    return 1;
}

void GC_set_stop_func(GC_stop_func f) { stop_func = f; }
GC_stop_func GC_get_stop_func(void) { return stop_func; }
/* Collections run on pacegc's own threads: nothing is left for the caller. */
int GC_collect_a_little(void)
{
    gcx_ensure();
    return 0;
}
/* The mode is fixed at init: mostly concurrent where the kernel tracks
 * heap writes (none-uffd: "incremental", and no protection is needed from
 * the program), else a stop-the-world mark. */
void GC_enable_incremental(void) { gcx_ensure(); }
int GC_is_incremental_mode(void)
{
    gcx_ensure();
    return pgc__barrier_mode == PGC_BARRIER_NONE_UFFD || pgc__barrier_mode == PGC_BARRIER_NONE_MPROTECT;
}
/* none-mprotect protects pages of scanned (not pointer-free) objects */
int GC_incremental_protection_needs(void)
{
    gcx_ensure();
    return pgc__barrier_mode == PGC_BARRIER_NONE_MPROTECT ? GC_PROTECTS_POINTER_HEAP : GC_PROTECTS_NONE;
}
void GC_start_incremental_collection(void) { GC_gcollect(); }

/* The pacer sizes the heap; an expansion request is a hint. */
int GC_expand_hp(size_t bytes)
{
    (void)bytes;
    gcx_ensure();
    return 1;
}

void GC_set_max_heap_size(GC_word n)
{
    gcx_ensure();
    pgc_set_memory_limit(n == 0 || n > (GC_word)INT64_MAX ? INT64_MAX : (int64_t)n);
}

void GC_set_free_space_divisor(GC_word d)
{
    GC_free_space_divisor = d;
    gcx_ensure();
    pthread_mutex_lock(&ctl_lock);
    base_percent = percent_for_divisor(d);
    pthread_mutex_unlock(&ctl_lock);
    apply_percent();
}

GC_word GC_get_free_space_divisor(void) { return GC_free_space_divisor; }
/* pacegc always recognises interior pointers and scans every data
 * segment: more than asked is retained, never less. */
void GC_set_all_interior_pointers(int v) { GC_all_interior_pointers = v; }
int GC_get_all_interior_pointers(void) { return GC_all_interior_pointers; }
void GC_set_no_dls(int v) { GC_no_dls = v; }
int GC_get_no_dls(void) { return GC_no_dls; }
void GC_set_dont_expand(int v) { GC_dont_expand = v; }
int GC_get_dont_expand(void) { return GC_dont_expand; }
void GC_set_dont_precollect(int v) { GC_dont_precollect = v; }
int GC_get_dont_precollect(void) { return GC_dont_precollect; }
void GC_set_full_freq(int v) { GC_full_freq = v; }
int GC_get_full_freq(void) { return GC_full_freq; }
void GC_set_time_limit(unsigned long v) { GC_time_limit = v; }
unsigned long GC_get_time_limit(void) { return GC_time_limit; }
void GC_set_max_retries(GC_word v) { GC_max_retries = v; }
GC_word GC_get_max_retries(void) { return GC_max_retries; }
void GC_set_find_leak(int v)
{
    if (v)
        gcx_unsupported("GC_set_find_leak(1) (leak-detection mode)");
    GC_find_leak = 0;
}
int GC_get_find_leak(void) { return GC_find_leak; }
void GC_set_force_unmap_on_gcollect(int v) { force_unmap = v; }
int GC_get_force_unmap_on_gcollect(void) { return force_unmap; }
void GC_set_java_finalization(int v) { GC_java_finalization = v; }
int GC_get_java_finalization(void) { return GC_java_finalization; }
void GC_set_non_gc_bytes(GC_word v) { GC_non_gc_bytes = v; }
GC_word GC_get_non_gc_bytes(void) { return GC_non_gc_bytes; }
void GC_set_pages_executable(int v)
{
    if (v)
        gcx_unsupported("GC_set_pages_executable(1) (executable heap pages)");
    pages_executable = 0;
}
int GC_get_pages_executable(void) { return pages_executable; }
void GC_set_min_bytes_allocd(size_t v) { min_bytes_allocd = v ? v : 1; }
size_t GC_get_min_bytes_allocd(void) { return min_bytes_allocd; }
void GC_set_rate(int v) { rate = v; }
int GC_get_rate(void) { return rate; }
void GC_set_max_prior_attempts(int v) { max_prior_attempts = v; }
int GC_get_max_prior_attempts(void) { return max_prior_attempts; }

/*
 * Fork: pacegc always handles it. pgc_init installs pthread_atfork
 * handlers (fork.c): the fork waits for a cycle in progress, and the child
 * goes on with the heap, the forking thread, its own collector threads and
 * (none-uffd) its own write tracking. So every value of GC_set_handle_fork
 * means the same, and GC_atfork_prepare/parent/child, which bdwgc's
 * programs call around a fork when bdwgc's handlers are off, run pacegc's
 * steps by hand. They nest with the pthread_atfork handlers (INV-FORK-NEST,
 * fork.c), so a program calling them around fork() runs each step once:
 * GC_atfork_prepare stops the world, the handlers inside fork() see it
 * done, GC_atfork_parent or GC_atfork_child undoes it. Between
 * GC_atfork_prepare and the fork the program must not allocate, as in
 * bdwgc (which holds its allocation lock there).
 */
void GC_set_handle_fork(int v) { (void)v; }
void GC_atfork_prepare(void)
{
    gcx_ensure();
    pgc__fork_prepare();
}
void GC_atfork_parent(void)
{
    if (load_acquire(&inited))
        pgc__fork_parent();
}
void GC_atfork_child(void)
{
    if (load_acquire(&inited))
        pgc__fork_child();
}

/* ---- Roots ------------------------------------------------------------------------- */

void GC_add_roots(void *lo, void *hi)
{
    gcx_ensure();
    if ((uintptr_t)hi > (uintptr_t)lo)
        pgc_add_roots(lo, (size_t)((uintptr_t)hi - (uintptr_t)lo));
}

void GC_remove_roots(void *lo, void *hi)
{
    gcx_ensure();
    if ((uintptr_t)hi > (uintptr_t)lo)
        pgc_remove_roots(lo, (size_t)((uintptr_t)hi - (uintptr_t)lo));
}

void GC_clear_roots(void)
{
    gcx_ensure();
    pgc_remove_roots(NULL, SIZE_MAX);
}

/* Scanning a range the program excluded only retains more. */
void GC_exclude_static_roots(void *lo, void *hi)
{
    (void)lo;
    (void)hi;
}
void GC_clear_exclusion_table(void) {}
void GC_register_displacement(size_t off) { (void)off; }
void GC_debug_register_displacement(size_t off) { (void)off; }

/* ---- Threads ------------------------------------------------------------------------ */

int GC_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    gcx_ensure();
    return pgc_pthread_create(t, attr, fn, arg);
}
int GC_pthread_join(pthread_t t, void **ret) { return pthread_join(t, ret); }
int GC_pthread_detach(pthread_t t) { return pthread_detach(t); }
int GC_pthread_cancel(pthread_t t) { return pthread_cancel(t); }
void GC_pthread_exit(void *ret) { pthread_exit(ret); }

/* The collector's stop signal stays deliverable. */
int GC_pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    gcx_ensure();
    if (set && how != SIG_UNBLOCK) {
        sigset_t copy = *set;
        sigdelset(&copy, G.stop_signal);
        return pthread_sigmask(how, &copy, old);
    }
    return pthread_sigmask(how, set, old);
}

void *GC_dlopen(const char *path, int mode) { return dlopen(path, mode); }
void GC_allow_register_threads(void) { gcx_ensure(); }

/* Any thread that calls into the library (or allocates) is attached, so a
 * thread may find itself registered already: GC_DUPLICATE, as in bdwgc. */
int GC_register_my_thread(const struct GC_stack_base *sb)
{
    (void)sb; /* pacegc finds the stack itself */
    if (pgc_self)
        return GC_DUPLICATE;
    gcx_ensure(); /* attaches the caller */
    return GC_SUCCESS;
}

int GC_unregister_my_thread(void)
{
    if (pgc_self)
        pgc_thread_detach();
    return GC_SUCCESS;
}

int GC_thread_is_registered(void) { return pgc_self != NULL; }

int GC_get_stack_base(struct GC_stack_base *sb)
{
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return GC_UNIMPLEMENTED;
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (!addr)
        return GC_UNIMPLEMENTED;
    sb->mem_base = (char *)addr + size;
    return GC_SUCCESS;
}

void *GC_call_with_stack_base(GC_stack_base_func fn, void *arg)
{
    struct GC_stack_base sb;
    if (GC_get_stack_base(&sb) != GC_SUCCESS)
        sb.mem_base = __builtin_frame_address(0);
    return fn(&sb, arg);
}

/* A thread blocked in a system call never stalls a pacegc collection, so
 * neither needs a mode change. */
void *GC_do_blocking(GC_fn_type fn, void *arg) { return fn(arg); }
void *GC_call_with_gc_active(GC_fn_type fn, void *arg) { return fn(arg); }
void GC_start_mark_threads(void) { gcx_ensure(); }
void GC_set_markers_count(unsigned n) { markers = n; }
int GC_get_parallel(void)
{
    gcx_ensure();
    return GC_parallel;
}

/* ---- Callbacks -------------------------------------------------------------------------- */

static void *oom_trampoline(size_t bytes)
{
    GC_oom_func f = __atomic_load_n(&GC_oom_fn, __ATOMIC_RELAXED);
    return f ? f(bytes) : NULL;
}

void GC_set_oom_fn(GC_oom_func f) { __atomic_store_n(&GC_oom_fn, f, __ATOMIC_RELAXED); }
GC_oom_func GC_get_oom_fn(void) { return __atomic_load_n(&GC_oom_fn, __ATOMIC_RELAXED); }

static void default_warn(char *msg, GC_word arg)
{
    fprintf(stderr, "GC Warning: ");
    fprintf(stderr, msg, arg);
}
static _Atomic(GC_warn_proc) warn_proc = default_warn;
void GC_set_warn_proc(GC_warn_proc p) { store_relaxed(&warn_proc, p); }
GC_warn_proc GC_get_warn_proc(void) { return load_relaxed(&warn_proc); }
void GC_ignore_warn_proc(char *msg, GC_word arg)
{
    (void)msg;
    (void)arg;
}

static void default_abort(const char *msg)
{
    if (msg)
        fprintf(stderr, "%s\n", msg);
}
static _Atomic(GC_abort_func) abort_func = default_abort;
void GC_set_abort_func(GC_abort_func f) { store_relaxed(&abort_func, f); }
GC_abort_func GC_get_abort_func(void) { return load_relaxed(&abort_func); }
void GC_abort_on_oom(void)
{
    pgc_fatal("pacegc (libgc.so.1): out of memory\n");
}

void GC_set_on_heap_resize(GC_on_heap_resize_proc f) { GC_on_heap_resize = f; }
GC_on_heap_resize_proc GC_get_on_heap_resize(void) { return GC_on_heap_resize; }

static _Atomic(GC_on_collection_event_proc) event_proc;
static _Atomic(GC_start_callback_proc) start_proc;
static _Atomic uint64_t alloc_at_gc; /* total_alloc at the last cycle's end (relaxed) */

void GC_set_on_collection_event(GC_on_collection_event_proc f) { store_relaxed(&event_proc, f); }
GC_on_collection_event_proc GC_get_on_collection_event(void) { return load_relaxed(&event_proc); }
void GC_set_start_callback(GC_start_callback_proc f) { store_relaxed(&start_proc, f); }
GC_start_callback_proc GC_get_start_callback(void) { return load_relaxed(&start_proc); }

/* pgc__cycle_event_hook: the coordinator thread, possibly with the world
 * stopped; takes no lock. */
static void on_event(int ev)
{
    if (ev == CYCLE_EV_START) {
        GC_start_callback_proc s = load_relaxed(&start_proc);
        if (s)
            s();
    }
    if (ev == CYCLE_EV_RECLAIM_START) { /* marking is over: one more collection */
        store_relaxed(&alloc_at_gc, load_relaxed(&alloc_st.total_alloc));
        store_relaxed(&expl_freed, 0);
        __atomic_store_n(&GC_gc_no, load_relaxed(&stats_st.num_gc) + 1, __ATOMIC_RELAXED);
    }
    GC_on_collection_event_proc f = load_relaxed(&event_proc);
    if (f)
        f((GC_EventType)ev);
}

/* ---- Statistics ---------------------------------------------------------------------------- */

static GC_word heap_size(void) { return load_relaxed(&heap_st.heap_sys) - load_relaxed(&heap_st.heap_released); }

static GC_word free_bytes(void)
{
    GC_word h = heap_size(), a = load_relaxed(&alloc_st.heap_alloc);
    return a < h ? h - a : 0;
}

size_t GC_get_heap_size(void)
{
    gcx_ensure();
    return heap_size();
}
size_t GC_get_free_bytes(void)
{
    gcx_ensure();
    return free_bytes();
}
size_t GC_get_unmapped_bytes(void)
{
    gcx_ensure();
    return load_relaxed(&heap_st.heap_released);
}
size_t GC_get_total_bytes(void)
{
    gcx_ensure();
    return load_relaxed(&alloc_st.total_alloc);
}
size_t GC_get_bytes_since_gc(void)
{
    gcx_ensure();
    return load_relaxed(&alloc_st.total_alloc) - load_relaxed(&alloc_at_gc);
}
size_t GC_get_expl_freed_bytes_since_gc(void) { return load_relaxed(&expl_freed); }
size_t GC_get_obtained_from_os_bytes(void)
{
    gcx_ensure();
    return load_relaxed(&heap_st.heap_sys);
}
size_t GC_get_memory_use(void)
{
    gcx_ensure();
    return heap_size() - free_bytes();
}
GC_word GC_get_gc_no(void)
{
    gcx_ensure();
    return load_relaxed(&stats_st.num_gc);
}

void GC_get_heap_usage_safe(GC_word *heap, GC_word *fr, GC_word *unmapped, GC_word *since, GC_word *total)
{
    gcx_ensure();
    if (heap)
        *heap = heap_size();
    if (fr)
        *fr = free_bytes();
    if (unmapped)
        *unmapped = load_relaxed(&heap_st.heap_released);
    if (since)
        *since = GC_get_bytes_since_gc();
    if (total)
        *total = load_relaxed(&alloc_st.total_alloc);
}

size_t GC_get_prof_stats(struct GC_prof_stats_s *out, size_t sz)
{
    gcx_ensure();
    struct GC_prof_stats_s s;
    memset(&s, 0xff, sizeof s); /* unknown fields: all ones */
    /* the _full fields count the unmapped bytes too, as bdwgc's */
    GC_word sys = load_relaxed(&heap_st.heap_sys), alloc = load_relaxed(&alloc_st.heap_alloc);
    s.heapsize_full = sys;
    s.free_bytes_full = alloc < sys ? sys - alloc : 0;
    s.unmapped_bytes = load_relaxed(&heap_st.heap_released);
    s.bytes_allocd_since_gc = GC_get_bytes_since_gc();
    s.allocd_bytes_before_gc = load_relaxed(&alloc_at_gc);
    s.non_gc_bytes = GC_non_gc_bytes;
    s.gc_no = load_relaxed(&stats_st.num_gc);
    s.markers_m1 = (GC_word)(G.procs > 1 ? G.procs - 1 : 0);
    s.expl_freed_bytes_since_gc = load_relaxed(&expl_freed);
    s.obtained_from_os_bytes = load_relaxed(&heap_st.heap_sys);
    if (sz > sizeof s) {
        memset((char *)out + sizeof s, 0xff, sz - sizeof s);
        sz = sizeof s;
    }
    memcpy(out, &s, sz);
    return sz;
}

size_t GC_get_prof_stats_unsafe(struct GC_prof_stats_s *out, size_t sz) { return GC_get_prof_stats(out, sz); }
void GC_start_performance_measurement(void) { gcx_ensure(); }
/* Milliseconds the world was stopped by collections. */
unsigned long GC_get_full_gc_total_time(void)
{
    gcx_ensure();
    return (unsigned long)(load_relaxed(&stats_st.pause_total_ns) / 1000000);
}

/* ---- Debugging allocation: no headers, the file and line are dropped ------------------- */

void *GC_debug_malloc(size_t n, const char *s, int i) { (void)s; (void)i; return GC_malloc(n); }
void *GC_debug_malloc_atomic(size_t n, const char *s, int i) { (void)s; (void)i; return GC_malloc_atomic(n); }
char *GC_debug_strdup(const char *p, const char *s, int i) { (void)s; (void)i; return GC_strdup(p); }
char *GC_debug_strndup(const char *p, size_t n, const char *s, int i)
{
    (void)s;
    (void)i;
    return GC_strndup(p, n);
}
void *GC_debug_malloc_ignore_off_page(size_t n, const char *s, int i) { (void)s; (void)i; return GC_malloc(n); }
void *GC_debug_malloc_atomic_ignore_off_page(size_t n, const char *s, int i)
{
    (void)s;
    (void)i;
    return GC_malloc_atomic(n);
}
void *GC_debug_malloc_stubborn(size_t n, const char *s, int i) { (void)s; (void)i; return GC_malloc(n); }
void GC_debug_free(void *p) { GC_free(p); }
void *GC_debug_realloc(void *p, size_t n, const char *s, int i) { (void)s; (void)i; return GC_realloc(p, n); }
void GC_debug_change_stubborn(const void *p) { (void)p; }
void GC_debug_end_stubborn_change(const void *p) { (void)p; }
void GC_debug_ptr_store_and_dirty(void *p, const void *q) { GC_ptr_store_and_dirty(p, q); }
void *GC_debug_malloc_replacement(size_t n) { return GC_malloc(n); }
void *GC_debug_realloc_replacement(void *p, size_t n) { return GC_realloc(p, n); }

/* ---- System calls that write into the heap (none-mprotect) ---------------------------
 * In none-mprotect the pages of scanned objects are read-only while a cycle
 * marks, and a system call writing into one fails with EFAULT instead of
 * faulting. libgc.so.1 therefore defines read, pread, readv, preadv, recv,
 * recvfrom, recvmsg and fread (they interpose libc's for the program and
 * its libraries): the buffers' protected pages are made writable first,
 * and a call that still fails with EFAULT because the collector protected
 * them again meanwhile is retried (read-type calls consume nothing when
 * they fail with EFAULT; fread is retried for the bytes it did not
 * deliver). fread needs its own wrapper: glibc's fread reads large
 * requests straight into the caller's buffer through its internal read,
 * which no interposed read sees. Not covered, because they need none:
 * fgets, getline, getc, fscanf and the rest of stdio copy from stdio's own
 * buffer (libc's malloc memory, never the GC heap) into the caller's with
 * plain user-space stores, which fault and are handled as any store; and
 * getline's buffer must be malloc memory anyway. Not covered either:
 * other system calls that write into memory the program passes (stat or
 * getsockopt into a GC_malloc'd struct, recvmmsg, preadv2, io_uring, ...):
 * use pointer-free memory (GC_malloc_atomic, never protected) or non-heap
 * memory for them, as bdwgc's MPROTECT_VDB also asks. In the other modes
 * the wrappers only forward. */
#include <sys/socket.h>
#include <sys/uio.h>

#define SYSCALL_RETRIES 64

static void *next_fn(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f)
        pgc_fatal("pacegc (libgc.so.1): cannot find libc's %s\n", name);
    return f;
}

/* libc's fn, looked up once (a race looks it up twice, same answer). */
#define REAL(type, fn)                                                             \
    static _Atomic(type) real;                                                     \
    type f = load_relaxed(&real);                                                  \
    if (!f) {                                                                      \
        f = (type)next_fn(fn);                                                     \
        store_relaxed(&real, f);                                                   \
    }

/* Unprotect (an expression, true if it changed anything), call, and retry
 * while the call fails with EFAULT and unprotecting changes something. */
#define HEAP_WRITE_CALL(type, fn, unprotect, call)                                  \
    do {                                                                           \
        REAL(type, fn)                                                             \
        (void)(unprotect);                                                         \
        ssize_t r;                                                                 \
        int tries = 0;                                                             \
        while ((r = call) < 0 && errno == EFAULT && tries++ < SYSCALL_RETRIES &&   \
               (unprotect)) {                                                      \
        }                                                                          \
        return r;                                                                  \
    } while (0)

static bool unprotect_iov(const struct iovec *iov, size_t n)
{
    bool changed = false;
    for (size_t i = 0; i < n; i++)
        changed |= pgc__nobarrier_unprotect(iov[i].iov_base, iov[i].iov_len);
    return changed;
}

/* recvfrom writes the data, the source address and its length. */
static bool unprotect_from(void *buf, size_t n, struct sockaddr *from, socklen_t *len)
{
    bool changed = pgc__nobarrier_unprotect(buf, n);
    changed |= pgc__nobarrier_unprotect(from, len ? *len : 0);
    changed |= pgc__nobarrier_unprotect(len, sizeof *len);
    return changed;
}

/* recvmsg writes the data, the source address, the control data and the
 * header's lengths and flags. */
static bool unprotect_msg(struct msghdr *msg)
{
    bool changed = pgc__nobarrier_unprotect(msg, sizeof *msg);
    changed |= unprotect_iov(msg->msg_iov, msg->msg_iovlen);
    changed |= pgc__nobarrier_unprotect(msg->msg_name, msg->msg_namelen);
    changed |= pgc__nobarrier_unprotect(msg->msg_control, msg->msg_controllen);
    return changed;
}

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*readv_fn)(int, const struct iovec *, int);
typedef ssize_t (*preadv_fn)(int, const struct iovec *, int, off_t);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef size_t (*fread_fn)(void *, size_t, size_t, FILE *);

__attribute__((visibility("default"))) ssize_t read(int fd, void *buf, size_t n)
{
    HEAP_WRITE_CALL(read_fn, "read", pgc__nobarrier_unprotect(buf, n), f(fd, buf, n));
}
__attribute__((visibility("default"))) ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    HEAP_WRITE_CALL(pread_fn, "pread", pgc__nobarrier_unprotect(buf, n), f(fd, buf, n, off));
}
__attribute__((visibility("default"))) ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
    HEAP_WRITE_CALL(readv_fn, "readv", unprotect_iov(iov, cnt > 0 ? (size_t)cnt : 0), f(fd, iov, cnt));
}
__attribute__((visibility("default"))) ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
    HEAP_WRITE_CALL(preadv_fn, "preadv", unprotect_iov(iov, cnt > 0 ? (size_t)cnt : 0), f(fd, iov, cnt, off));
}
__attribute__((visibility("default"))) ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    HEAP_WRITE_CALL(recv_fn, "recv", pgc__nobarrier_unprotect(buf, n), f(fd, buf, n, flags));
}
__attribute__((visibility("default"))) ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
                                                        struct sockaddr *from, socklen_t *len)
{
    HEAP_WRITE_CALL(recvfrom_fn, "recvfrom", unprotect_from(buf, n, from, len), f(fd, buf, n, flags, from, len));
}
__attribute__((visibility("default"))) ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    HEAP_WRITE_CALL(recvmsg_fn, "recvmsg", unprotect_msg(msg), f(fd, msg, flags));
}

/* fread delivers whole items; a retry after EFAULT asks for the bytes not
 * yet delivered (glibc consumes a partial item's bytes too, so the stream
 * ends where a single fread would have left it). */
__attribute__((visibility("default"))) size_t fread(void *buf, size_t size, size_t nmemb, FILE *fp)
{
    REAL(fread_fn, "fread")
    size_t total;
    if (pgc__barrier_mode != PGC_BARRIER_NONE_MPROTECT || size == 0 ||
        __builtin_mul_overflow(size, nmemb, &total))
        return f(buf, size, nmemb, fp);
    pgc__nobarrier_unprotect(buf, total);
    size_t got = f(buf, 1, total, fp);
    for (int tries = 0; got < total && tries < SYSCALL_RETRIES; tries++) {
        if (!ferror(fp) || errno != EFAULT || !pgc__nobarrier_unprotect((char *)buf + got, total - got))
            break;
        clearerr(fp);
        got += f((char *)buf + got, 1, total - got, fp);
    }
    return got / size;
}
