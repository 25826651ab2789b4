/*
 * heap.c - the page heap: one large address-space reservation, committed in
 * 4 MiB steps, carved into spans (runs of 8 KiB pages); the page map from
 * any address to its span; size classes; returning free pages to the OS.
 *
 * Why one reservation: the page map is then a flat array, and finding the
 * span of a candidate pointer is a subtraction, a compare, a shift and two
 * loads (span_of in internal.h). Reserving costs address space only
 * (PROT_NONE, MAP_NORESERVE); pages are committed as the heap grows.
 */
#include "internal.h"
#include "heap.h"

#include <string.h>
#include <sys/mman.h>

PGC_STATE heap_state heap_st;

#define DEFAULT_RESERVE ((size_t)256 << 30) /* 256 GiB of address space */
#define MIN_RESERVE ((size_t)1 << 30)
#define META_CHUNK ((size_t)1 << 20)

/* ---- Size classes ---------------------------------------------------------
 * Multiples of 16 up to 256, then eight classes per doubling up to 32 KiB:
 * a request rounded up to 16 bytes wastes at most 1/8 of its class.
 */
static void init_classes(void)
{
    int n = 1;
    for (uint32_t s = 16; s <= 256; s += 16)
        heap_st.class_size[n++] = s;
    for (uint32_t p = 256; p < MAX_SMALL; p *= 2)
        for (uint32_t k = 1; k <= 8; k++)
            heap_st.class_size[n++] = p + k * (p / 8);
    heap_st.nclasses = n;
    for (int c = 1; c < n; c++) {
        uint32_t size = heap_st.class_size[c];
        /* At least MIN_SPAN_BYTES (fewer refills per object) unless that
         * holds more than MAX_SPAN_OBJECTS; at least 4 objects for the big
         * classes, at most 8 pages. */
        uint32_t np = (uint32_t)((4 * (uint64_t)size + PAGE_SIZE - 1) / PAGE_SIZE);
        uint32_t want = (uint32_t)(MIN_SPAN_BYTES / PAGE_SIZE);
        while (want > 1 && (uint64_t)want * PAGE_SIZE / size > MAX_SPAN_OBJECTS)
            want--;
        if (np < want)
            np = want;
        if (np > 8)
            np = 8;
        if (np < 1)
            np = 1;
        for (;; np++) {
            uint64_t bytes = (uint64_t)np * PAGE_SIZE;
            uint64_t nel = bytes / size;
            if (nel > MAX_SPAN_OBJECTS) {
                np--; /* only the 16-byte class: one page holds 512 */
                break;
            }
            if (bytes - nel * size <= bytes / 8)
                break;
        }
        heap_st.class_npages[c] = np;
    }
    int c = 1;
    for (uint32_t i = 0; i <= MAX_SMALL / 16; i++) {
        while (heap_st.class_size[c] < i * 16)
            c++;
        heap_st.size_to_class16[i] = (uint8_t)c;
    }
}

int size_to_class(size_t size)
{
    return heap_st.size_to_class16[(size + 15) >> 4];
}

/* ---- Span descriptors ----------------------------------------------------- */

static pgc_span *meta_next, *meta_end;

/* Heap lock held. */
static pgc_span *span_new(void)
{
    pgc_span *s = heap_st.spare_spans;
    if (s) {
        heap_st.spare_spans = s->next;
    } else {
        if (meta_next == meta_end) {
            meta_next = os_alloc_meta(META_CHUNK);
            meta_end = meta_next + META_CHUNK / sizeof(pgc_span);
        }
        s = meta_next++;
    }
    /* A spare descriptor is reachable from no page map entry (INV-PAGEMAP),
     * so nobody reads it while it is rewritten. */
    memset(s, 0, sizeof *s);
    return s;
}

static void span_dispose(pgc_span *s)
{
    store_relaxed(&s->state, SPAN_FREE);
    s->next = heap_st.spare_spans;
    heap_st.spare_spans = s;
}

/* ---- Free spans ------------------------------------------------------------ */

/* heap_free, heap_released and heap_sys are written only under the heap
 * lock, which serialises the writers: a relaxed load and store, not a
 * locked read-modify-write (the lock-free readers see either value). */
static inline void locked_add(_Atomic uint64_t *p, uint64_t v) { store_relaxed(p, load_relaxed(p) + v); }
static inline void locked_sub(_Atomic uint64_t *p, uint64_t v) { store_relaxed(p, load_relaxed(p) - v); }

static inline uintptr_t page_index(uintptr_t addr) { return (addr - heap_st.heap_base) >> PAGE_SHIFT; }

static void bin_insert(pgc_span *s)
{
    size_t n = s->npages < NUM_FREE_BINS ? s->npages : 0;
    pgc_span **bin = &heap_st.free_bins[n];
    heap_st.bin_mask[n / 64] |= 1ull << (n % 64); /* INV-BIN-MASK (bit 0 unused) */
    s->prev = NULL;
    s->next = *bin;
    if (*bin)
        (*bin)->prev = s;
    *bin = s;
}

static void bin_remove(pgc_span *s)
{
    size_t n = s->npages < NUM_FREE_BINS ? s->npages : 0;
    pgc_span **bin = &heap_st.free_bins[n];
    if (s->prev)
        s->prev->next = s->next;
    else
        *bin = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
    if (!*bin)
        heap_st.bin_mask[n / 64] &= ~(1ull << (n % 64)); /* INV-BIN-MASK */
}

static void set_free_ends(pgc_span *s)
{
    uintptr_t first = page_index(s->start);
    store_release(&heap_st.pagemap[first], s);
    store_release(&heap_st.pagemap[first + s->npages - 1], s);
}

/* The free span ending just before page `pi`, or NULL. */
static pgc_span *free_span_at(uintptr_t pi)
{
    if (pi >= heap_st.heap_size >> PAGE_SHIFT)
        return NULL;
    pgc_span *s = load_relaxed(&heap_st.pagemap[pi]);
    return s && load_relaxed(&s->state) == SPAN_FREE ? s : NULL;
}

/* Merge b (free, directly after a) into a. */
static void absorb(pgc_span *a, pgc_span *b)
{
    if (a->released != b->released) {
        pgc_span *r = a->released ? a : b;
        locked_sub(&heap_st.heap_released, (uint64_t)r->npages << PAGE_SHIFT);
        a->released = 0;
    }
    a->needzero |= b->needzero;
    /* the page between them becomes interior: INV-PAGEMAP wants NULL */
    store_relaxed(&heap_st.pagemap[page_index(a->start) + a->npages - 1], NULL);
    store_relaxed(&heap_st.pagemap[page_index(b->start)], NULL);
    a->npages += b->npages;
    span_dispose(b);
}

/* Heap lock held. s is a free span not in any bin; coalesce and bin it. */
static void insert_free(pgc_span *s)
{
    uintptr_t first = page_index(s->start);
    pgc_span *before = first > 0 ? free_span_at(first - 1) : NULL;
    pgc_span *after = free_span_at(first + s->npages);
    if (after && after->start == s->start + ((uintptr_t)s->npages << PAGE_SHIFT)) {
        bin_remove(after);
        absorb(s, after);
    }
    if (before && before->start + ((uintptr_t)before->npages << PAGE_SHIFT) == s->start) {
        bin_remove(before);
        absorb(before, s);
        s = before;
    }
    set_free_ends(s);
    bin_insert(s);
}

static pgc_span *find_free(size_t npages)
{
    /* the smallest non-empty exact bin >= npages (INV-BIN-MASK) */
    for (size_t w = npages / 64; npages < NUM_FREE_BINS && w < NUM_FREE_BINS / 64; w++) {
        uint64_t m = heap_st.bin_mask[w] & (w == 0 ? ~1ull : ~0ull); /* bin 0 is not an exact bin */
        if (w == npages / 64)
            m &= ~0ull << (npages % 64);
        if (m)
            return heap_st.free_bins[w * 64 + (size_t)__builtin_ctzll(m)];
    }
    pgc_span *best = NULL;
    for (pgc_span *s = heap_st.free_bins[0]; s; s = s->next)
        if (s->npages >= npages && (!best || s->npages < best->npages ||
                                    (s->npages == best->npages && s->start < best->start)))
            best = s;
    return best;
}

/* Commit at least npages more of the reservation as one free span. */
static bool grow(size_t npages)
{
    size_t bytes = (npages << PAGE_SHIFT) + CHUNK_BYTES - 1;
    bytes -= bytes % CHUNK_BYTES;
    if (heap_st.heap_end + bytes > heap_st.heap_base + heap_st.heap_size || heap_st.heap_end + bytes < heap_st.heap_end)
        return false;
    if (!os_commit((void *)heap_st.heap_end, bytes))
        return false;
    pgc_span *s = span_new();
    s->start = heap_st.heap_end;
    s->npages = (uint32_t)(bytes >> PAGE_SHIFT);
    store_relaxed(&s->state, SPAN_FREE);
    heap_st.heap_end += bytes;
    locked_add(&heap_st.heap_sys, (uint64_t)bytes);
    locked_add(&heap_st.heap_free, (uint64_t)bytes);
    insert_free(s);
    return true;
}

/*
 * Take a run of npages pages. *fresh says whether its memory reads as zero.
 * The span is returned with state still SPAN_FREE and no page map entries:
 * the caller fills in the object fields and calls span_publish.
 * Returns NULL if no free run is big enough and may_grow is false, or if
 * the reservation or the OS is exhausted.
 */
pgc_span *heap_alloc_span(size_t npages, bool may_grow, bool *fresh)
{
    pthread_mutex_lock(&heap_st.heap_lock);
    pgc_span *s = find_free(npages);
    if (!s && may_grow && grow(npages))
        s = find_free(npages);
    if (!s) {
        pthread_mutex_unlock(&heap_st.heap_lock);
        return NULL;
    }
    bin_remove(s);
    uintptr_t first = page_index(s->start);
    store_relaxed(&heap_st.pagemap[first], NULL);
    store_relaxed(&heap_st.pagemap[first + s->npages - 1], NULL);
    if (s->npages > npages) {
        pgc_span *rest = span_new();
        rest->start = s->start + (npages << PAGE_SHIFT);
        rest->npages = s->npages - (uint32_t)npages;
        rest->released = s->released;
        rest->needzero = s->needzero;
        store_relaxed(&rest->state, SPAN_FREE);
        s->npages = (uint32_t)npages;
        set_free_ends(rest);
        bin_insert(rest);
    }
    if (s->released)
        locked_sub(&heap_st.heap_released, (uint64_t)npages << PAGE_SHIFT);
    locked_sub(&heap_st.heap_free, (uint64_t)npages << PAGE_SHIFT);
#ifdef PGC_DEBUG
    for (uintptr_t i = 0; i < npages; i++) {
        pgc_span *o = load_relaxed(&heap_st.pagemap[first + i]);
        PGC_ASSERT(o == NULL);
    }
#endif
    *fresh = s->released || !s->needzero;
    s->released = 0;
    s->next = s->prev = NULL;
    pthread_mutex_unlock(&heap_st.heap_lock);
    return s;
}

/* Set up a span's object geometry: sclass 0 means one large object. */
void span_init_objects(pgc_span *s, int sclass, int kind, int trace)
{
    s->sclass = (uint8_t)sclass;
    s->kind = (uint8_t)kind;
    s->trace = (uint8_t)trace;
    if (sclass) {
        s->elem_size = heap_st.class_size[sclass];
        s->nelems = (uint32_t)(((uintptr_t)s->npages << PAGE_SHIFT) / s->elem_size);
        s->div_mul = (uint32_t)(((1ull << 32) + s->elem_size - 1) / s->elem_size);
    } else {
        s->elem_size = (uint32_t)((uintptr_t)s->npages << PAGE_SHIFT);
        if ((uintptr_t)s->npages << PAGE_SHIFT > UINT32_MAX)
            s->elem_size = 0; /* large objects use npages; elem_size unused */
        s->nelems = 1;
        s->div_mul = 0;
    }
    for (int i = 0; i < BITMAP_WORDS; i++) {
        store_relaxed(&s->mark_bits[i], 0);
        store_relaxed(&s->alloc_bits[i], 0);
        s->check_bits[i] = 0;
        store_relaxed(&s->free_req[i], 0);
        store_relaxed(&s->eph_keys[i], 0);
        store_relaxed(&s->dead_bits[i], 0);
        s->check_eph[i] = 0;
    }
    store_relaxed(&s->sweepgen, load_relaxed(&G.sweepgen));
}

/* Make an initialised span visible to conservative lookups. */
void span_publish(pgc_span *s)
{
    /* release: pairs with the acquire loads in span_of */
    store_release(&s->state, SPAN_IN_USE);
    fetch_add_relaxed(&heap_st.nspans, 1);
    uintptr_t first = page_index(s->start);
    for (uintptr_t i = 0; i < s->npages; i++)
        store_release(&heap_st.pagemap[first + i], s);
}

/* Return an in-use span's pages to the page heap. Never while marking
 * (INV-NO-FREE-DURING-MARK). */
void heap_free_span(pgc_span *s)
{
    PGC_ASSERT(load_relaxed(&G.phase) != PHASE_MARK);
    pthread_mutex_lock(&heap_st.heap_lock);
    store_release(&s->state, SPAN_FREE);
    fetch_sub_relaxed(&heap_st.nspans, 1);
    uintptr_t first = page_index(s->start);
    for (uintptr_t i = 0; i < s->npages; i++)
        store_relaxed(&heap_st.pagemap[first + i], NULL);
    s->needzero = 1;
    s->released = 0;
    s->sclass = 0;
    locked_add(&heap_st.heap_free, (uint64_t)s->npages << PAGE_SHIFT);
    insert_free(s);
    pthread_mutex_unlock(&heap_st.heap_lock);
}

/* Return free pages to the OS until at most `retain` bytes of the heap are
 * resident (heap_sys - heap_released), largest free spans first. */
void heap_scavenge(uint64_t retain)
{
    pthread_mutex_lock(&heap_st.heap_lock);
    for (int b = 0; b < NUM_FREE_BINS; b++) {
        int bin = b == 0 ? 0 : NUM_FREE_BINS - b;
        for (pgc_span *s = heap_st.free_bins[bin]; s; s = s->next) {
            uint64_t resident = load_relaxed(&heap_st.heap_sys) - load_relaxed(&heap_st.heap_released);
            if (resident <= retain)
                goto done;
            if (s->released)
                continue;
            os_release((void *)s->start, (size_t)s->npages << PAGE_SHIFT);
            s->released = 1;
            s->needzero = 0;
            locked_add(&heap_st.heap_released, (uint64_t)s->npages << PAGE_SHIFT);
        }
    }
done:
    pthread_mutex_unlock(&heap_st.heap_lock);
}

void heap_init(void)
{
    init_classes();
    size_t size = DEFAULT_RESERVE;
    void *base = NULL;
    while (size >= MIN_RESERVE && !(base = os_reserve(size + PAGE_SIZE)))
        size /= 2;
    if (!base)
        pgc_fatal("pacegc: cannot reserve address space for the heap (even %zu bytes)\n", MIN_RESERVE);
    heap_st.heap_base = ((uintptr_t)base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    heap_st.heap_size = size;
    heap_st.heap_end = heap_st.heap_base;
    size_t map_bytes = (size >> PAGE_SHIFT) * sizeof(heap_st.pagemap[0]);
    void *pm = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1, 0);
    if (pm == MAP_FAILED)
        pgc_fatal("pacegc: cannot map the page map (%zu bytes)\n", map_bytes);
    heap_st.pagemap = pm;
    pthread_mutex_init(&heap_st.heap_lock, NULL);
}

void heap_fork_child(void) { pthread_mutex_init(&heap_st.heap_lock, NULL); }
