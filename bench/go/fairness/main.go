// Command fairness is bench/fairness.c in Go: three goroutines allocating
// 1 KiB objects flat out, each keeping a ring of its 64 newest, run with
// GOGC=1; after a 300 ms warm-up each one's allocations are counted over
// window_ms, and fairness = slowest / fastest count.
//
// usage: fairness [window_ms]    default 3000
package main

import (
	"sync"
	"sync/atomic"
	"time"

	"pacegc.bench/internal/harness"
)

const (
	nt   = 3
	obj  = 1024 / 8
	ring = 64
)

var (
	counter [nt]uint64
	stop    int32
)

func worker(id int, wg *sync.WaitGroup) {
	defer wg.Done()
	var r [ring]*[obj]uint64
	i := uint64(0)
	for ; atomic.LoadInt32(&stop) == 0; i++ {
		p := new([obj]uint64)
		p[0] = uint64(id)<<56 | i
		p[obj-1] = ^p[0]
		r[i%ring] = p
		atomic.AddUint64(&counter[id], 1)
	}
	for k := uint64(0); k < ring && k < i; k++ {
		j := i - 1 - k
		p := r[j%ring]
		if p == nil || p[0] != uint64(id)<<56|j || p[obj-1] != ^p[0] {
			harness.Die("fairness: thread %d: ring slot %d corrupted", id, j%ring)
		}
	}
}

func main() {
	windowMs := harness.Arg(1, 3000)
	if windowMs < 100 {
		harness.Die("fairness: window_ms must be at least 100")
	}
	harness.Start()
	var wg sync.WaitGroup
	for i := 0; i < nt; i++ {
		wg.Add(1)
		go worker(i, &wg)
	}
	time.Sleep(300 * time.Millisecond)
	var a, b [nt]uint64
	for i := range a {
		a[i] = atomic.LoadUint64(&counter[i])
	}
	t0 := time.Now()
	time.Sleep(time.Duration(windowMs) * time.Millisecond)
	for i := range b {
		b[i] = atomic.LoadUint64(&counter[i])
	}
	el := time.Since(t0)
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	mn, mx, sum := ^uint64(0), uint64(0), uint64(0)
	for i := range a {
		d := b[i] - a[i]
		sum += d
		if d < mn {
			mn = d
		}
		if d > mx {
			mx = d
		}
	}
	f := 0.0
	if mx > 0 {
		f = float64(mn) / float64(mx)
	}
	harness.Extra("fairness=%.3f", f)
	harness.Extra("counts=%d/%d/%d", b[0]-a[0], b[1]-a[1], b[2]-a[2])
	harness.Extra("allocs_per_s=%.0f", float64(sum)/el.Seconds())
	harness.Finish("fairness", 0)
}
