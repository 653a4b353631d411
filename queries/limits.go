package queries

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/tracebound/tracebound/solver"
)

// ErrMemoryLimit is the cause (and Unknown reason) of a check stopped
// because tracebound's memory exceeded Options.MemoryLimit.
var ErrMemoryLimit = errors.New(solver.MemoryLimit)

// memorySample is how often the memory guard looks: Z3 allocates a few
// hundred MB per second at most on the corpus, so a check overshoots
// the limit by little before it is interrupted.
const memorySample = 20 * time.Millisecond

// Memory returns the memory tracebound holds: Go's (heap, stacks and
// runtime, less what it returned to the system) and Z3's own count of
// its allocations.
func Memory() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	var goMem uint64
	if s[0].Value.Kind() == metrics.KindUint64 && s[1].Value.Kind() == metrics.KindUint64 {
		goMem = s[0].Value.Uint64() - s[1].Value.Uint64()
	}
	return goMem + solver.Z3Memory()
}

// guardMemory returns a context that is cancelled with ErrMemoryLimit
// when Memory exceeds limit, and a function that stops the guard. Z3
// contexts are freed when Go finalizes them, so a check that starts over
// the limit first collects the garbage of earlier ones.
func guardMemory(ctx context.Context, limit uint64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	for i := 0; i < 4 && Memory() > limit; i++ {
		runtime.GC() // finalizers free the Z3 contexts of finished checks
		time.Sleep(memorySample)
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(memorySample)
		defer t.Stop()
		for {
			if Memory() > limit {
				cancel(ErrMemoryLimit)
				return
			}
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ctx, func() {
		close(done)
		cancel(nil)
	}
}
