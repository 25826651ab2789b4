// Command adversarial is bench/adversarial.c in Go: live_mib MiB of small
// scanned nodes in 1024 linked chains, and goroutines allocating pointer-free
// garbage of 64 KiB .. 1 MiB as fast as they can until garbage_mib MiB.
//
// usage: adversarial [live_mib [garbage_mib [threads]]]   defaults 256 4096 2
package main

import (
	"sync"
	"time"

	"pacegc.bench/internal/harness"
)

const (
	chains    = 1024
	nodeBytes = 32 // accounting size of one node
	minChunk  = 64 << 10
	maxChunk  = 1 << 20
	page      = 4096
)

type node struct {
	next      *node
	id, check uint64
}

var heads []*node

type worker struct {
	index                     int
	quota, allocated, nchunks uint64
}

func (w *worker) run() {
	r := harness.NewRng(1000 + uint64(w.index))
	for w.allocated < w.quota {
		size := minChunk + r.Below(maxChunk-minChunk+1)
		size &^= 7
		p := make([]uint64, size/8)
		seed := w.nchunks*0x9E3779B97F4A7C15 + uint64(w.index)
		words, stride := uint64(len(p)), uint64(page/8)
		for i := uint64(0); i < words; i += stride {
			p[i] = seed + i
		}
		p[words-1] = ^seed
		for i := uint64(0); i < words; i += stride {
			want := seed + i
			if i == words-1 {
				want = ^seed
			}
			if p[i] != want {
				harness.Die("adversarial: garbage chunk overwritten while in use")
			}
		}
		if p[words-1] != ^seed {
			harness.Die("adversarial: garbage chunk tail overwritten")
		}
		w.allocated += size
		w.nchunks++
	}
}

func main() {
	liveMiB := harness.Arg(1, 256)
	garbageMiB := harness.Arg(2, 4096)
	nthreads := int(harness.Arg(3, 2))
	if liveMiB < 1 || garbageMiB < 1 || nthreads < 1 || nthreads > 64 {
		harness.Die("adversarial: bad arguments")
	}

	harness.Start()
	nodes := uint64(liveMiB) * 1048576 / nodeBytes
	heads = make([]*node, chains)
	perChain := nodes / chains
	for c := uint64(0); c < chains; c++ {
		for k := uint64(0); k < perChain; k++ {
			id := c*perChain + k
			heads[c] = &node{next: heads[c], id: id, check: harness.Mix(id)}
		}
	}
	build := harness.Since()
	harness.PhaseStart()

	workers := make([]*worker, nthreads)
	var wg sync.WaitGroup
	for k := range workers {
		workers[k] = &worker{index: k, quota: uint64(garbageMiB) * 1048576 / uint64(nthreads)}
		wg.Add(1)
		go func(w *worker) { defer wg.Done(); w.run() }(workers[k])
	}
	wg.Wait()
	var allocated, nchunks uint64
	for _, w := range workers {
		allocated += w.allocated
		nchunks += w.nchunks
	}
	allocEnd := harness.Since()

	seen := uint64(0)
	for c := uint64(0); c < chains; c++ {
		expect := c*perChain + perChain
		for n := heads[c]; n != nil; n = n.next {
			expect--
			if n.id != expect || n.check != harness.Mix(n.id) {
				harness.Die("adversarial: live node damaged (chain %d)", c)
			}
			seen++
		}
	}
	if seen != perChain*chains {
		harness.Die("adversarial: %d live nodes, want %d", seen, perChain*chains)
	}

	allocS := (allocEnd - build).Seconds()
	harness.Extra("live_mib=%d", liveMiB)
	harness.Extra("garbage_mib=%.0f", float64(allocated)/1048576)
	harness.Extra("chunks=%d", nchunks)
	harness.Extra("threads=%d", nthreads)
	harness.Extra("build_ms=%.0f", float64(build/time.Millisecond))
	harness.Extra("alloc_phase_ms=%.0f", allocS*1e3)
	harness.Extra("alloc_gib_s=%.2f", float64(allocated)/1073741824/allocS)
	harness.Finish("adversarial", 0)
}
