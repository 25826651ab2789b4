// Command init1 is bench/init1.c in Go, and like Go's test/init1.go it does
// its work during package initialisation: a round trip through a goroutine
// and a channel, then 1000 copies of a 1 MiB buffer into fresh []byte, only
// the newest kept in a global. Reports the growth of MemStats.Sys
// (sys_growth_mib; the original test fails above 50 MiB, here sys_ok=0).
//
// usage: init1 [chunks [chunk_bytes]]    defaults 1000 1048576
package main

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"

	"pacegc.bench/internal/harness"
)

var (
	newest    []byte
	chunks    int64
	size      int64
	growthMiB float64
	rssGrowth float64
)

// rssNowKB is the current resident set (VmRSS) in KiB, or -1.
func rssNowKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "VmRSS:") {
			fields := strings.Fields(line[6:])
			if len(fields) > 0 {
				v, err := strconv.ParseInt(fields[0], 10, 64)
				if err == nil {
					return v
				}
			}
		}
	}
	return -1
}

func init() {
	chunks = harness.Arg(1, 1000)
	size = harness.Arg(2, 1<<20)
	if chunks < 1 || size < 4096 {
		harness.Die("init1: bad arguments")
	}
	harness.Start()

	c := make(chan uint64)
	go func() { v := <-c; c <- v*3 + 1 }()
	c <- 41
	if v := <-c; v != 124 {
		harness.Die("init1: round trip through the goroutine failed")
	}

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sys0, rss0 := ms.Sys, rssNowKB()

	src := make([]byte, size)
	r := harness.NewRng(1)
	for i := int64(0); i < size; i += 8 {
		x := r.Next()
		for b := int64(0); b < 8; b++ {
			src[i+b] = byte(x >> (8 * b))
		}
	}
	str := string(src) // the original converts a string to []byte

	sum := uint64(0)
	for k := int64(0); k < chunks; k++ {
		p := []byte(str)
		p[k%size] ^= 0x5A
		sum += uint64(p[k%size] ^ src[k%size])
		p[k%size] ^= 0x5A
		newest = p
	}
	if sum != 0x5A*uint64(chunks) || !bytes.Equal(newest, src) {
		harness.Die("init1: the newest chunk does not match its source")
	}
	runtime.ReadMemStats(&ms)
	growthMiB = (float64(ms.Sys) - float64(sys0)) / 1048576
	rssGrowth = float64(rssNowKB()-rss0) / 1024
}

func main() {
	harness.Extra("chunks=%d", chunks)
	harness.Extra("chunk_kib=%d", size/1024)
	harness.Extra("sys_growth_mib=%.1f", growthMiB)
	ok := 0
	if growthMiB <= 50*float64(size)/1048576 {
		ok = 1
	}
	harness.Extra("sys_ok=%d", ok)
	harness.Extra("rss_growth_mib=%.1f", rssGrowth)
	harness.Finish("init1", 0)
}
