package main

import (
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// adviseHugeHeapOnce advises huge pages on the Go heap the first time the
// live heap reaches gc.go's band (its finalizer calls this; the
// collection adviseHugeHeap runs blocks only the finalizer goroutine): a
// process that stays smaller (most lemmas the forward search decides)
// would pay more for the advice, the collection it needs and 2 MiB pages
// it barely uses than it saves (advised at the start, issue446-2's 20 ms
// took 6 ms more, perf stat -r 20).
var adviseHugeHeapOnce = sync.OnceFunc(func() { adviseHugeHeap(hugeHeapBytes) })

// hugeHeapBytes is how much Go heap is mapped and advised: more than the
// forward search's peak on the corpus's medium lemmas (Nssk_amended
// executability: about 48 MB); a heap that grows beyond it is faulted
// 4 KiB at a time again.
const hugeHeapBytes = 64 << 20

const hugePage = 2 << 20

// adviseHugeHeap maps n bytes of Go heap ahead of use and asks the kernel
// for transparent huge pages on them (MADV_HUGEPAGE, a hint; the system's
// setting here is "madvise", and Go advises nothing itself). On the
// virtual machines tracebound runs on, the first write to a fresh 4 KiB
// page costs about 11 µs, so a lemma whose heap reaches 48 MB spent 0.2 s
// in page faults; faulted 2 MiB at a time, the same memory costs a
// fraction of that. The memory is a large object that is never written,
// so never faulted in, dropped and collected at once: the allocations
// that follow reuse its pages (Go takes the lowest free pages first).
// It returns the advised range, empty if there was none; the advice
// changes where memory comes from, never what tracebound computes.
// TRACEBOUND_HUGEPAGES=0 turns it off (for measurements).
func adviseHugeHeap(n int) (start uintptr, length uintptr) {
	if os.Getenv("TRACEBOUND_HUGEPAGES") == "0" || n < 2*hugePage {
		return 0, 0
	}
	b := make([]byte, n)
	base := unsafe.Pointer(unsafe.SliceData(b))
	p := uintptr(base)
	a := (p + hugePage - 1) &^ (hugePage - 1)
	e := (p + uintptr(n)) &^ (hugePage - 1)
	err := syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, a-p)), e-a), syscall.MADV_HUGEPAGE)
	runtime.KeepAlive(b)
	b = nil
	// Collect now: the object would otherwise count as live in the
	// first cycle and set the collector's goal (and gc.go's percentage)
	// as if the heap held 64 MB.
	runtime.GC()
	if err != nil {
		return 0, 0
	}
	return a, e - a
}
