/*
 * notyet.c - bdwgc functions that need pacegc features being built now
 * (api.md v1: finalizers, weak links; uncollectable and typed allocation
 * are in typed.c).
 * Each stops the program with a message naming it until its feature lands;
 * the comment says how to wire it. Functions whose right answer follows
 * from "nothing of this kind can be registered yet" are implemented.
 */
#define GC_BUILD 1
#include "compat.h"
#include "gc/gc.h"
#include "gc/gc_typed.h"

#define NEEDS_FINALIZER "finalizers (pgc_register_finalizer, pgc_register_finalizer_unordered)"
#define NEEDS_WEAK "disappearing links (pgc_register_weak_link, pgc_unregister_weak_link)"

/* Wire: pgc_register_finalizer (ordered: GC_register_finalizer; ignore_self
 * once pacegc's ordering ignores self-cycles) or
 * pgc_register_finalizer_unordered (_no_order); the previous (fn, data)
 * returned through ofn/ocd needs a lookup in pacegc's table. */
#define FINALIZER_STUB(name)                                                                    \
    void name(void *obj, GC_finalization_proc fn, void *cd, GC_finalization_proc *ofn, void **ocd) \
    {                                                                                           \
        (void)obj, (void)fn, (void)cd, (void)ofn, (void)ocd;                                    \
        gcx_not_yet(#name, NEEDS_FINALIZER);                                                    \
    }
FINALIZER_STUB(GC_register_finalizer)
FINALIZER_STUB(GC_register_finalizer_ignore_self)
FINALIZER_STUB(GC_register_finalizer_no_order)
FINALIZER_STUB(GC_register_finalizer_unreachable)
FINALIZER_STUB(GC_debug_register_finalizer)
FINALIZER_STUB(GC_debug_register_finalizer_ignore_self)
FINALIZER_STUB(GC_debug_register_finalizer_no_order)
FINALIZER_STUB(GC_debug_register_finalizer_unreachable)

/* No finalizer can be registered yet, so none is ever pending. */
int GC_should_invoke_finalizers(void) { return 0; }
int GC_invoke_finalizers(void) { return 0; }
/* Wire: pgc_set_finalize_on_demand / pgc_set_finalizer_notifier. */
void GC_set_finalize_on_demand(int v) { GC_finalize_on_demand = v; }
int GC_get_finalize_on_demand(void) { return GC_finalize_on_demand; }
void GC_set_finalizer_notifier(GC_finalizer_notifier_proc f) { GC_finalizer_notifier = f; }
GC_finalizer_notifier_proc GC_get_finalizer_notifier(void) { return GC_finalizer_notifier; }

/* Wire: pgc_register_weak_link(link, obj) (GC_register_disappearing_link:
 * obj = GC_base(link)); bdwgc's links hold the plain pointer, pacegc's a
 * hidden form read with pgc_weak_load, so a client reading *link directly
 * needs pgc's link semantics settled first. */
int GC_register_disappearing_link(void **link)
{
    (void)link;
    gcx_not_yet("GC_register_disappearing_link", NEEDS_WEAK);
}
int GC_general_register_disappearing_link(void **link, const void *obj)
{
    (void)link, (void)obj;
    gcx_not_yet("GC_general_register_disappearing_link", NEEDS_WEAK);
}
int GC_move_disappearing_link(void **link, void **new_link)
{
    (void)link, (void)new_link;
    gcx_not_yet("GC_move_disappearing_link", NEEDS_WEAK);
}
int GC_register_long_link(void **link, const void *obj)
{
    (void)link, (void)obj;
    gcx_not_yet("GC_register_long_link", NEEDS_WEAK);
}
int GC_move_long_link(void **link, void **new_link)
{
    (void)link, (void)new_link;
    gcx_not_yet("GC_move_long_link", NEEDS_WEAK);
}
/* Nothing can be registered yet: "not found" (0) is the right answer. */
int GC_unregister_disappearing_link(void **link)
{
    (void)link;
    return 0;
}
int GC_unregister_long_link(void **link)
{
    (void)link;
    return 0;
}
