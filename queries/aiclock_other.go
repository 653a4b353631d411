//go:build !linux

package queries

import "time"

// threadCPU: no thread CPU clock here; the abstraction counts wall time.
func threadCPU() (time.Duration, bool) { return 0, false }
