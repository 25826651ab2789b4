// Command latency is bench/latency.c in Go: a large live set of small
// objects (chains of 4 nodes of 56 bytes hanging off 4096-slot arrays),
// one goroutine churning random chains, and a probe goroutine that spins on
// the monotonic clock and records every gap of more than 20 us in its own
// progress. Reports max / p99 gap and the minimum mutator utilization at
// 1, 10 and 100 ms windows; the MMU curve goes to $BENCH_MMU_FILE.
//
// BENCH_PROBE_ALLOC_US=u makes the probe a light allocating goroutine: every
// u microseconds it allocates a 32-byte object (kept in a ring of 64),
// spinning on the clock in between (as bench/latency.c).
//
// usage: latency [live_mib [churn_mib]]    defaults 1024 3072
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"pacegc.bench/internal/harness"
)

const (
	chain         = 4
	nodeBytes     = 64 // accounting size of one node
	slotsPerChunk = 4096
	gapNs         = 20000
	maxGaps       = 4 << 20
)

type node struct {
	next      *node
	id, check uint64
	pad       [4]uint64
}

var chunks []*[slotsPerChunk]*node

// ---- the probe ------------------------------------------------------------

var probe struct {
	stop, running int32
	begin         time.Time
	end           uint64
	start, length []uint64
	dropped       uint64
	done          chan struct{}
}

var (
	probeAllocNs uint64
	probeAllocs  uint64
	probeRing    [64]*[4]*int
)

func probeLoop() {
	probe.begin = time.Now()
	last := uint64(0)
	nextAlloc := probeAllocNs
	atomic.StoreInt32(&probe.running, 1)
	for atomic.LoadInt32(&probe.stop) == 0 {
		if probeAllocNs != 0 && last >= nextAlloc {
			probeRing[probeAllocs%64] = new([4]*int)
			probeAllocs++
			nextAlloc += probeAllocNs
			if nextAlloc < last {
				nextAlloc = last + probeAllocNs
			}
		}
		now := uint64(time.Since(probe.begin))
		if now-last > gapNs {
			if len(probe.start) < maxGaps {
				probe.start = append(probe.start, last)
				probe.length = append(probe.length, now-last)
			} else {
				probe.dropped++
			}
		}
		last = now
	}
	probe.end = last
	close(probe.done)
}

// gapOverlap is the gap time inside [a, b].
func gapOverlap(prefix []uint64, a, b uint64) uint64 {
	n := len(probe.start)
	lo, hi := 0, n
	for lo < hi {
		m := (lo + hi) / 2
		if probe.start[m]+probe.length[m] <= a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo
	hi = n
	for lo < hi {
		m := (lo + hi) / 2
		if probe.start[m] < b {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == i {
		return 0
	}
	j := lo - 1
	sum := prefix[j+1] - prefix[i]
	if probe.start[i] < a {
		sum -= a - probe.start[i]
	}
	if endJ := probe.start[j] + probe.length[j]; endJ > b {
		sum -= endJ - b
	}
	return sum
}

// mmu is the minimum mutator utilization for windows of w ns, or -1.
func mmu(prefix []uint64, w uint64) float64 {
	total := probe.end
	if w > total {
		return -1
	}
	worst := gapOverlap(prefix, 0, w)
	if g := gapOverlap(prefix, total-w, total); g > worst {
		worst = g
	}
	for k := range probe.start {
		s := probe.start[k]
		e := s + probe.length[k]
		if s+w <= total {
			if g := gapOverlap(prefix, s, s+w); g > worst {
				worst = g
			}
		}
		if e >= w {
			if g := gapOverlap(prefix, e-w, e); g > worst {
				worst = g
			}
		}
	}
	if worst > w {
		worst = w
	}
	return 1 - float64(worst)/float64(w)
}

func probeReport(liveMiB int64) {
	n := len(probe.start)
	prefix := make([]uint64, n+1)
	sorted := make([]uint64, n)
	for k := 0; k < n; k++ {
		prefix[k+1] = prefix[k] + probe.length[k]
		sorted[k] = probe.length[k]
	}
	p99 := harness.Percentile(sorted, 99)
	max := uint64(0)
	if n > 0 {
		max = sorted[n-1]
	}
	harness.SetProbePauses(float64(max)/1e3, float64(p99)/1e3)

	windows := []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000}
	var f *os.File
	if path := os.Getenv("BENCH_MMU_FILE"); path != "" {
		f, _ = os.Create(path)
	}
	if f != nil {
		fmt.Fprintf(f, "# window_ms mmu (latency, backend go, live %d MiB, %d gaps > %d us)\n", liveMiB, n, gapNs/1000)
	}
	for _, wms := range windows {
		u := mmu(prefix, uint64(wms*1e6))
		if u < 0 {
			continue
		}
		if f != nil {
			fmt.Fprintf(f, "%g %.4f\n", wms, u)
		}
		if wms == 1 || wms == 10 || wms == 100 {
			harness.Extra("mmu_%gms=%.3f", wms, u)
		}
	}
	if f != nil {
		f.Close()
	}
	harness.Extra("gaps=%d", n)
	if probe.dropped > 0 {
		harness.Extra("gaps_dropped=%d", probe.dropped)
	}
	harness.Extra("gap_total_ms=%.1f", float64(prefix[n])/1e6)
	if probeAllocNs != 0 {
		harness.Extra("probe_allocs=%d", probeAllocs)
	}
	harness.Extra("probe_ms=%.0f", float64(probe.end)/1e6)
}

// ---- the live set -----------------------------------------------------------

func newNode(id uint64, next *node) *node {
	n := &node{next: next, id: id, check: harness.Mix(id)}
	for k := range n.pad {
		n.pad[k] = id + uint64(k)
	}
	return n
}

func newChain(base uint64, from int) *node {
	var n *node
	for k := chain - 1; k >= from; k-- {
		n = newNode(base+uint64(k), n)
	}
	return n
}

func checkNode(n *node, id uint64) {
	if n == nil || n.id != id || n.check != harness.Mix(id) || n.pad[3] != id+3 {
		harness.Die("latency: node %d damaged", id)
	}
}

func main() {
	liveMiB := harness.Arg(1, 1024)
	churnMiB := harness.Arg(2, 3072)
	if liveMiB < 1 || churnMiB < 1 {
		harness.Die("latency: bad arguments")
	}

	harness.Start()
	nslots := uint64(liveMiB) * 1048576 / (nodeBytes * chain)
	nchunks := (nslots + slotsPerChunk - 1) / slotsPerChunk
	nslots = nchunks * slotsPerChunk
	chunks = make([]*[slotsPerChunk]*node, nchunks)
	var nextID, idSum uint64
	for c := range chunks {
		ch := new([slotsPerChunk]*node)
		for k := range ch {
			ch[k] = newChain(nextID, 0)
			idSum += nextID
			nextID += chain
		}
		chunks[c] = ch
	}
	build := harness.Since()
	harness.PhaseStart()

	probe.start = make([]uint64, 0, 1<<16)
	probe.length = make([]uint64, 0, 1<<16)
	probe.done = make(chan struct{})
	if v, err := strconv.ParseInt(os.Getenv("BENCH_PROBE_ALLOC_US"), 10, 64); err == nil && v > 0 {
		probeAllocNs = uint64(v) * 1000
		harness.Extra("probe_alloc_us=%d", v)
	}
	go probeLoop()
	for atomic.LoadInt32(&probe.running) == 0 {
	}

	r := harness.NewRng(7)
	churn, allocated, ops := uint64(churnMiB)*1048576, uint64(0), uint64(0)
	for allocated < churn {
		s := r.Below(nslots)
		ref := &chunks[s/slotsPerChunk][s%slotsPerChunk]
		old := *ref
		base := old.id
		checkNode(old, base)
		if r.Next()&3 != 0 {
			*ref = newChain(nextID, 0)
			idSum += nextID - base
			nextID += chain
			allocated += chain * nodeBytes
		} else {
			keep := old.next
			checkNode(keep, base+1)
			checkNode(keep.next, base+2)
			keep.next = newChain(base, 2)
			allocated += 2 * nodeBytes
		}
		ops++
	}
	atomic.StoreInt32(&probe.stop, 1)
	<-probe.done
	churnEnd := harness.Since()

	sum := uint64(0)
	for s := uint64(0); s < nslots; s++ {
		n := chunks[s/slotsPerChunk][s%slotsPerChunk]
		base := n.id
		sum += base
		for k := 0; k < chain; k++ {
			checkNode(n, base+uint64(k))
			n = n.next
		}
		if n != nil {
			harness.Die("latency: chain too long at slot %d", s)
		}
	}
	if sum != idSum {
		harness.Die("latency: chain id sum %d, want %d", sum, idSum)
	}

	probeReport(liveMiB)
	harness.Extra("live_mib=%d", liveMiB)
	harness.Extra("churn_mib=%d", churnMiB)
	harness.Extra("ops=%d", ops)
	harness.Extra("build_ms=%.0f", float64(build.Nanoseconds())/1e6)
	harness.Extra("churn_ms=%.0f", float64((churnEnd-build).Nanoseconds())/1e6)
	harness.Extra("ns_per_op=%.0f", float64((churnEnd-build).Nanoseconds())/float64(ops))
	harness.Finish("latency", 0)
}
