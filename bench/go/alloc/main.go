// Command alloc is bench/alloc.c in Go: each goroutine allocates count
// pointer-free objects of 16..256 bytes, writes every word, keeps the 1024
// most recent in a ring and checks each one it evicts.
//
// usage: alloc [count_per_thread [threads]]    defaults 20000000 1
package main

import (
	"fmt"
	"sync"

	"pacegc.bench/internal/harness"
)

const ring = 1024

type worker struct {
	index             int
	count, sum, bytes uint64
}

func checkObj(p []uint64) uint64 {
	words, v := p[0]>>56, p[0]&(1<<56-1)
	if words < 2 || words > 32 || uint64(len(p)) != words || p[words-1] != v+words-1 {
		harness.Die("alloc: object overwritten while live")
	}
	return v
}

func (w *worker) run() {
	rg := make([][]uint64, ring)
	r := harness.NewRng(500 + uint64(w.index))
	var sum, nbytes uint64
	for i := uint64(0); i < w.count; i++ {
		words := 2 * (1 + (r.Next() >> 60))
		p := make([]uint64, words)
		v := i
		p[0] = words<<56 | v
		for k := uint64(1); k < words; k++ {
			p[k] = v + k
		}
		nbytes += words * 8
		if old := rg[i%ring]; old != nil {
			sum += checkObj(old)
		}
		rg[i%ring] = p
	}
	for _, p := range rg {
		if p != nil {
			sum += checkObj(p)
		}
	}
	w.sum, w.bytes = sum, nbytes
}

func main() {
	count := uint64(harness.Arg(1, 20000000))
	nthreads := int(harness.Arg(2, 1))
	if count < ring || nthreads < 1 || nthreads > 64 {
		harness.Die("alloc: bad arguments")
	}

	harness.Start()
	workers := make([]*worker, nthreads)
	for k := range workers {
		workers[k] = &worker{index: k, count: count}
	}
	if nthreads == 1 {
		workers[0].run()
	} else {
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Add(1)
			go func(w *worker) { defer wg.Done(); w.run() }(w)
		}
		wg.Wait()
	}
	wall := harness.Since()

	want, nbytes := count*(count-1)/2, uint64(0)
	for k, w := range workers {
		if w.sum != want {
			harness.Die("alloc: thread %d checksum %d, want %d", k, w.sum, want)
		}
		nbytes += w.bytes
	}
	total := float64(count) * float64(nthreads)
	harness.Extra("threads=%d", nthreads)
	harness.Extra("objects=%.0f", total)
	harness.Extra("ns_per_obj=%.2f", float64(wall.Nanoseconds())*float64(nthreads)/total)
	harness.Extra("mobj_s=%.1f", total/(float64(wall.Nanoseconds())/1e3))
	harness.Extra("avg_bytes=%.0f", float64(nbytes)/total)
	harness.Finish(fmt.Sprintf("alloc-%dt", nthreads), wall)
}
