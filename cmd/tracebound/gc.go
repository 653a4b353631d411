package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Go's collector, by default, runs each time the heap doubles. Most
// problems tracebound solves are small and short: there it spent a third
// of the forward search's time collecting (Nssk_amended executability,
// 2026-12-02), so the heap may grow five-fold between collections while
// the live heap is of middle size. Below that the default stays: a
// process whose live heap is a megabyte or two pays for a larger heap in
// page faults (the first touch of each page), not in collections:
// NSLPK3 session_key_setup_possible took 87 ms with five-fold growth from
// the start and 66 ms with the default (4 550 and 2 050 page faults).
// Above gcTunedUpTo the default comes back, so that the large problems
// (TLS 1.3) keep their memory. A GOGC set by the user wins. When the
// heap first enters the band, 64 MiB of it is advised huge pages
// (hugeheap.go), so that its growth is faulted 2 MiB at a time.
const (
	gcTunedPercent = 400
	gcTunedFrom    = 4 << 20
	gcTunedUpTo    = 256 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	armGCTuner(gcTunedFrom, gcTunedUpTo)
}

// gcPercentFor is the percentage for a live heap of the given size.
func gcPercentFor(live, from, upTo uint64) int {
	if live >= from && live <= upTo {
		return gcTunedPercent
	}
	return 100
}

// gcSentinel is the object whose finalizer watches the collections; it
// holds a pointer so that it never shares a block of the tiny allocator
// (whose objects' finalizers may never run).
type gcSentinel struct{ _ *byte }

// armGCTuner watches the next collection: an object unreachable from the
// start has its finalizer run after a cycle, which reads the live heap
// and sets the percentage for it; past upTo the default stays for good.
func armGCTuner(from, upTo uint64) {
	runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) {
		live := liveHeap()
		p := gcPercentFor(live, from, upTo)
		if p != gcPercent() {
			debug.SetGCPercent(p)
		}
		if p == gcTunedPercent {
			adviseHugeHeapOnce()
		}
		if live > upTo {
			return
		}
		armGCTuner(from, upTo)
	})
}

// gcPercent reads the current percentage (SetGCPercent returns it).
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
