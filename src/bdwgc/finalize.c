/*
 * finalize.c - bdwgc's finalizers and disappearing links on pacegc's
 * (lifetimes.c).
 *
 * Finalizers: GC_register_finalizer and _unreachable are pacegc's ordered
 * finalizers (B before A when A is reachable from B; _unreachable is an
 * approximation: bdwgc's runs once no object at all reaches obj), _no_order
 * its unordered ones, _ignore_self ordered ones whose pointers into the
 * object itself do not count; the debug forms are the same. The previous
 * fn and cd come back through ofn and ocd; fn 0 removes. A pointer that is
 * not in the heap is ignored (ofn and ocd get 0), as in bdwgc. By default
 * finalizers run on pacegc's finalizer thread (not in an allocating thread,
 * as bdwgc runs them); with GC_finalize_on_demand (the variable or
 * GC_set_finalize_on_demand) they wait for GC_invoke_finalizers, and the
 * notifier (GC_set_finalizer_notifier) is called when some were queued.
 *
 * Disappearing links. bdwgc's link holds what the program stored there (a
 * pointer hidden with GC_HIDE_POINTER, or a plain one in pointer-free
 * memory: otherwise the link itself keeps the object alive, in bdwgc too)
 * and the collector only ever writes 0 into it. pacegc's own weak links
 * write a hidden form at registration and are read with pgc_weak_load, so
 * they cannot serve directly. Decision: the layer registers "raw" links in
 * pacegc's weak table (pgc__link_register_raw): never written at
 * registration nor at unregistration, cleared (0 written) in the same step
 * and with the same rules as pacegc's links: a short link before any
 * finalizer of its object is queued, a long link (GC_register_long_link)
 * only once its object is freed (not kept for a finalizer). A link inside
 * an object that dies is dropped without a write. Short and long links
 * share one table: one address is one or the other. Known limit: the
 * program reads *link directly: bdwgc programs do it inside
 * GC_call_with_alloc_lock, whose callback runs while no lifetimes decision
 * can be taken (INV-LIFE-CALL, lifetimes.c), so the object read is never
 * one the collector then frees. A read outside it is safe too in the
 * barrier-free modes (pause #2 re-scans the roots and re-checks the mark
 * bits before it clears a link), but bdwgc does not promise it.
 */
#define GC_BUILD 1
#include "compat.h"
#include "gc/gc.h"
#include "gc/gc_typed.h"
#include "../lifetimes.h"

/* Apply GC_finalize_on_demand, which a program may set directly. */
static void sync_on_demand(void)
{
    static int applied = -1; /* last value given to pacegc (racy but idempotent) */
    int v = GC_finalize_on_demand != 0;
    if (v != applied) {
        pgc_set_finalize_on_demand(v);
        applied = v;
    }
}

static void reg(const char *who, int mode, void *obj, GC_finalization_proc fn, void *cd,
                GC_finalization_proc *ofn, void **ocd)
{
    gcx_ensure();
    pgc_finalizer_fn of = NULL;
    void *od = NULL;
    if (pgc_base(obj) != NULL) { /* not in the heap: ignored */
        sync_on_demand();
        pgc__register_finalizer_mode(obj, fn, cd, mode, who, &of, &od);
    }
    if (ofn)
        *ofn = of;
    if (ocd)
        *ocd = od;
}

#define FINALIZER(name, mode)                                                                   \
    void name(void *obj, GC_finalization_proc fn, void *cd, GC_finalization_proc *ofn, void **ocd) \
    {                                                                                           \
        reg(#name, mode, obj, fn, cd, ofn, ocd);                                                \
    }
/* modes of pgc__register_finalizer_mode: 0 unordered, 1 ordered, 2 ignore self */
FINALIZER(GC_register_finalizer, 1)
FINALIZER(GC_register_finalizer_ignore_self, 2)
FINALIZER(GC_register_finalizer_no_order, 0)
FINALIZER(GC_register_finalizer_unreachable, 1)
FINALIZER(GC_debug_register_finalizer, 1)
FINALIZER(GC_debug_register_finalizer_ignore_self, 2)
FINALIZER(GC_debug_register_finalizer_no_order, 0)
FINALIZER(GC_debug_register_finalizer_unreachable, 1)

int GC_should_invoke_finalizers(void) { return pgc__finalizers_pending() != 0; }
int GC_invoke_finalizers(void)
{
    gcx_ensure();
    return (int)pgc_run_finalizers();
}
void GC_set_finalize_on_demand(int v)
{
    gcx_ensure();
    GC_finalize_on_demand = v;
    sync_on_demand();
}
int GC_get_finalize_on_demand(void) { return GC_finalize_on_demand; }
void GC_set_finalizer_notifier(GC_finalizer_notifier_proc f)
{
    gcx_ensure();
    GC_finalizer_notifier = f;
    pgc_set_finalizer_notifier(f);
}
GC_finalizer_notifier_proc GC_get_finalizer_notifier(void) { return GC_finalizer_notifier; }

/* ---- Disappearing links --------------------------------------------------------------- */

static int link_reg(const char *who, void **link, const void *obj, int long_link)
{
    gcx_ensure();
    if (!link)
        pgc_fatal("pacegc (libgc.so.1): %s: the link is NULL\n", who);
    if (!obj || !pgc_base((void *)obj))
        pgc_fatal("pacegc (libgc.so.1): %s: %p is not in a live object allocated by GC_malloc\n", who, obj);
    return pgc__link_register_raw(link, obj, long_link) ? GC_DUPLICATE : GC_SUCCESS;
}

int GC_general_register_disappearing_link(void **link, const void *obj)
{
    return link_reg("GC_general_register_disappearing_link", link, obj, 0);
}
/* The link lies in the object it is cleared with. */
int GC_register_disappearing_link(void **link)
{
    gcx_ensure();
    return link_reg("GC_register_disappearing_link", link, GC_base(link), 0);
}
int GC_register_long_link(void **link, const void *obj)
{
    return link_reg("GC_register_long_link", link, obj, 1);
}
int GC_unregister_disappearing_link(void **link)
{
    gcx_ensure();
    return link ? pgc__link_unregister_raw(link, 0) : 0;
}
int GC_unregister_long_link(void **link)
{
    gcx_ensure();
    return link ? pgc__link_unregister_raw(link, 1) : 0;
}
static int link_move(void **link, void **new_link, int long_link)
{
    gcx_ensure();
    if (!link)
        return GC_NOT_FOUND;
    int rc = pgc__link_move_raw(link, new_link, long_link);
    return rc == 0 ? GC_SUCCESS : rc == 1 ? GC_DUPLICATE : GC_NOT_FOUND;
}
int GC_move_disappearing_link(void **link, void **new_link) { return link_move(link, new_link, 0); }
int GC_move_long_link(void **link, void **new_link) { return link_move(link, new_link, 1); }

/* ---- GC_call_with_alloc_lock ------------------------------------------------------
 * fn(cd) with the lifetimes decision held off (INV-LIFE-CALL) and the
 * callbacks mutually exclusive, as under bdwgc's allocation lock. As in
 * bdwgc, fn must not allocate nor collect (it would wait for the cycle,
 * which waits for fn): GC_malloc and GC_gcollect inside it stop the program
 * with a message (gcx_alloc_lock_check), and so does a nested call (bdwgc
 * deadlocks). cb_owner: the thread running a callback, 0 if none; written
 * by that thread under the callbacks' mutual exclusion, read relaxed by
 * every allocation (a thread only ever compares it with itself, and sees
 * its own writes). */
static _Atomic(pthread_t) cb_owner;

static bool in_callback(void)
{
    pthread_t o = load_relaxed(&cb_owner);
    return o != 0 && pthread_equal(o, pthread_self());
}

void gcx_alloc_lock_check(const char *fn)
{
    if (__builtin_expect(load_relaxed(&cb_owner) != 0, 0) && in_callback())
        pgc_fatal("pacegc (libgc.so.1): %s called inside GC_call_with_alloc_lock's callback; the callback "
                  "must not allocate nor collect (as in bdwgc)\n", fn);
}

typedef struct {
    GC_fn_type fn;
    void *cd;
} cb_arg;

static void *run_cb(void *a)
{
    cb_arg *c = a;
    store_relaxed(&cb_owner, pthread_self());
    void *r = c->fn(c->cd);
    store_relaxed(&cb_owner, (pthread_t)0);
    return r;
}

void *GC_call_with_alloc_lock(GC_fn_type fn, void *cd)
{
    gcx_ensure();
    if (in_callback())
        pgc_fatal("pacegc (libgc.so.1): GC_call_with_alloc_lock called inside its own callback (bdwgc would "
                  "deadlock)\n");
    cb_arg c = { fn, cd };
    return pgc__call_with_decision_blocked(run_cb, &c);
}
