// Command lifetimes_peers is bench/lifetimes_peers.c in Go: issue 10's two
// lifetime workloads, written from their descriptions there (not from the C).
//
//	fin   N nodes {next, v} (16 bytes), each with a finalizer
//	      (runtime.SetFinalizer) that counts it; then drop them and collect
//	      (runtime.GC) until every node was finalized. Go's finalizers are
//	      always ordered: an object reachable from a finalizable object is
//	      not finalized in the same cycle, so a linked list of N finalizable
//	      nodes needs N cycles (`fin-list`, which shows this on a short list).
//	      The pacegc and bdwgc programs use unordered finalizers, which do
//	      not look at the links; the closest Go equivalent is the same N
//	      nodes without links between them, held by one slice that is then
//	      dropped (`fin`). Reported: build ms (registration included) and
//	      finalize ms.
//	weak  Go 1.19 has no weak pointers (package weak came in Go 1.24). This
//	      is what Go programs did before it: a table slot holds the key as a
//	      uintptr (invisible to the collector) and the value strongly; a
//	      finalizer on the key clears the slot (compare-and-swap, as it runs
//	      on the finalizer goroutine) if it still holds that key. 4
//	      goroutines, each with a table of 65536 slots and a ring of 32768
//	      strong key references; a round makes a 16-byte key and value,
//	      puts them in a random slot, holds the key in the ring (dropping
//	      the oldest), and looks up another random slot. A key is cleared
//	      one cycle later than a weak pointer would be (finalizer, then
//	      free), and a slot overwritten before its key died still has the
//	      old key's finalizer pending (it finds another key and does
//	      nothing). Reported: wall ms and lookups that found a cleared slot.
//
// GOMAXPROCS is the machine's (2). Usage: lifetimes_peers fin|fin-list|weak [N or R]
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

type node struct {
	next *node
	v    uintptr
}

var finalized int64

func countFin(*node) { atomic.AddInt64(&finalized, 1) }

// collectUntil runs collections until n finalizers ran; after each one it
// waits for the finalizer goroutine to stop making progress (the Go runtime
// runs finalizers concurrently, not on demand).
func collectUntil(n int64) int {
	cycles := 0
	for atomic.LoadInt64(&finalized) < n && cycles < 100000 {
		runtime.GC()
		cycles++
		last, idle := atomic.LoadInt64(&finalized), 0
		for last < n && idle < 20 {
			time.Sleep(50 * time.Microsecond)
			if c := atomic.LoadInt64(&finalized); c != last {
				last, idle = c, 0
			} else {
				idle++
			}
		}
	}
	return cycles
}

//go:noinline
func buildFlat(n int64) []*node {
	s := make([]*node, n)
	for i := range s {
		x := &node{v: uintptr(i)}
		runtime.SetFinalizer(x, countFin)
		s[i] = x
	}
	return s
}

//go:noinline
func buildList(n int64) *node {
	var head *node
	for i := int64(0); i < n; i++ {
		x := &node{next: head, v: uintptr(i)}
		runtime.SetFinalizer(x, countFin)
		head = x
	}
	return head
}

func runFin(n int64, list bool) {
	t0 := time.Now()
	name := "fin"
	if list {
		name = "fin-list"
		h := buildList(n)
		runtime.KeepAlive(h)
	} else {
		s := buildFlat(n)
		runtime.KeepAlive(s)
	}
	t1 := time.Now()
	cycles := collectUntil(n)
	t2 := time.Now()
	fmt.Printf("RESULT workload=%s backend=go n=%d build_ms=%.0f finalize_ms=%.0f cycles=%d finalized=%d\n",
		name, n, ms(t1.Sub(t0)), ms(t2.Sub(t1)), cycles, atomic.LoadInt64(&finalized))
}

const (
	slots = 65536
	ring  = 32768
)

type slot struct {
	key uintptr // the key's address, hidden from the collector; 0 = cleared
	val *node
}

var tables [4][]slot

// clearSlot is the finalizer of every key: v holds thread<<32 | slot.
func clearSlot(k *node) {
	t, s := k.v>>32, k.v&0xffffffff
	atomic.CompareAndSwapUintptr(&tables[t][s].key, uintptr(unsafe.Pointer(k)), 0)
}

func churn(t int, rounds int64, cleared *int64) {
	r := uint64(0x9e3779b97f4a7c15) * uint64(t+1)
	tab := make([]slot, slots)
	tables[t] = tab
	rg := make([]*node, ring)
	var c int64
	for i := int64(0); i < rounds; i++ {
		r ^= r << 13
		r ^= r >> 7
		r ^= r << 17
		s := r % slots
		k := &node{v: uintptr(t)<<32 | uintptr(s)}
		v := &node{v: uintptr(i)}
		runtime.SetFinalizer(k, clearSlot)
		atomic.StoreUintptr(&tab[s].key, uintptr(unsafe.Pointer(k)))
		tab[s].val = v
		rg[i%ring] = k
		q := (r >> 32) % slots
		if tab[q].val != nil && atomic.LoadUintptr(&tab[q].key) == 0 {
			c++
		}
	}
	atomic.AddInt64(cleared, c)
}

func runWeak(rounds int64) {
	t0 := time.Now()
	var wg sync.WaitGroup
	var cleared int64
	for t := 0; t < 4; t++ {
		wg.Add(1)
		go func(t int) { defer wg.Done(); churn(t, rounds, &cleared) }(t)
	}
	wg.Wait()
	fmt.Printf("RESULT workload=weak backend=go threads=4 rounds=%d wall_ms=%.0f cleared_lookups=%d (uintptr slots + finalizers: no weak package in Go %s)\n",
		rounds, ms(time.Since(t0)), cleared, runtime.Version())
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func main() {
	w := "fin"
	if len(os.Args) > 1 {
		w = os.Args[1]
	}
	var n int64 = -1
	if len(os.Args) > 2 {
		v, err := strconv.ParseInt(os.Args[2], 0, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: not a number: %s\n", os.Args[2])
			os.Exit(1)
		}
		n = v
	}
	switch w {
	case "fin":
		if n < 0 {
			n = 1000000
		}
		runFin(n, false)
	case "fin-list":
		if n < 0 {
			n = 1000
		}
		runFin(n, true)
	case "weak":
		if n < 0 {
			n = 1000000
		}
		runWeak(n)
	default:
		fmt.Fprintf(os.Stderr, "FAIL: usage: lifetimes_peers fin|fin-list|weak [N]\n")
		os.Exit(1)
	}
}
