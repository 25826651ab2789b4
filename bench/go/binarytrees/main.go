// Command binarytrees is bench/binarytrees.c in Go: the binary-trees
// program of the Computer Language Benchmarks Game, written from the
// description in shared/benchmarks.md. With T goroutines the iterations of
// every depth are shared out round-robin.
//
// usage: binarytrees [N [T]]    defaults 21 1
package main

import (
	"fmt"
	"os"
	"sync"

	"pacegc.bench/internal/harness"
)

const minDepth = 4

type node struct{ left, right *node }

func makeTree(depth int) *node {
	n := &node{}
	if depth > 0 {
		n.left = makeTree(depth - 1)
		n.right = makeTree(depth - 1)
	}
	return n
}

func check(n *node) int64 {
	if n.left == nil {
		if n.right != nil {
			return -1000000000
		}
		return 1
	}
	return 1 + check(n.left) + check(n.right)
}

func main() {
	maxDepth := int(harness.Arg(1, 21))
	nthreads := int(harness.Arg(2, 1))
	if maxDepth < minDepth+2 || maxDepth > 40 || nthreads < 1 || nthreads > 64 {
		harness.Die("binarytrees: bad arguments")
	}

	harness.Start()
	stretch := maxDepth + 1
	t := makeTree(stretch)
	c := check(t)
	if c != (1<<(stretch+1))-1 {
		harness.Die("binarytrees: stretch tree check %d", c)
	}
	fmt.Fprintf(os.Stderr, "stretch tree of depth %d\t check: %d\n", stretch, c)
	t = nil

	longLived := makeTree(maxDepth)

	checks := make([][64]int64, nthreads)
	work := func(index int) {
		for d := minDepth; d <= maxDepth; d += 2 {
			iters := int64(1) << (maxDepth - d + minDepth)
			want, sum := int64(1<<(d+1))-1, int64(0)
			for i := int64(index); i < iters; i += int64(nthreads) {
				c := check(makeTree(d))
				if c != want {
					harness.Die("binarytrees: tree of depth %d has check %d, want %d", d, c, want)
				}
				sum += c
			}
			checks[index][d] = sum
		}
	}
	if nthreads == 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for k := 0; k < nthreads; k++ {
			wg.Add(1)
			go func(k int) { defer wg.Done(); work(k) }(k)
		}
		wg.Wait()
	}

	total := int64(0)
	for d := minDepth; d <= maxDepth; d += 2 {
		iters, sum := int64(1)<<(maxDepth-d+minDepth), int64(0)
		for k := 0; k < nthreads; k++ {
			sum += checks[k][d]
		}
		if sum != iters*((1<<(d+1))-1) {
			harness.Die("binarytrees: depth %d total check %d", d, sum)
		}
		fmt.Fprintf(os.Stderr, "%d\t trees of depth %d\t check: %d\n", iters, d, sum)
		total += sum
	}
	c = check(longLived)
	if c != (1<<(maxDepth+1))-1 {
		harness.Die("binarytrees: long-lived tree check %d", c)
	}
	fmt.Fprintf(os.Stderr, "long lived tree of depth %d\t check: %d\n", maxDepth, c)

	harness.Extra("depth=%d", maxDepth)
	harness.Extra("threads=%d", nthreads)
	harness.Extra("nodes_checked=%d", total)
	harness.Finish(fmt.Sprintf("binarytrees-%dt", nthreads), 0)
}
