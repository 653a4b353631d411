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
// 2026-12-02). tuneGC lets the heap grow five-fold between collections
// while the live heap is small, and restores the default once it passes
// gcTunedUpTo, so that the large problems (TLS 1.3) keep their memory.
// A GOGC set by the user wins.
const (
	gcTunedPercent = 400
	gcTunedUpTo    = 256 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(gcTunedPercent)
	armGCTuner(gcTunedUpTo)
}

// gcSentinel is the object whose finalizer watches the collections; it
// holds a pointer so that it never shares a block of the tiny allocator
// (whose objects' finalizers may never run).
type gcSentinel struct{ _ *byte }

// armGCTuner watches the next collection: an object unreachable from the
// start has its finalizer run after a cycle, which reads the live heap
// and restores the default percentage once it passes upTo.
func armGCTuner(upTo uint64) {
	runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) {
		if liveHeap() > upTo {
			debug.SetGCPercent(100)
			return
		}
		armGCTuner(upTo)
	})
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
