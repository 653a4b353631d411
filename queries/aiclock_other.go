//go:build !linux

package queries

import "time"

// threadCPU: no thread CPU clock here; the abstraction counts wall time.
func threadCPU() (time.Duration, bool) { return 0, false }

// idleSince: the machine's idle time is not known here.
func idleSince() func() (float64, bool) {
	return func() (float64, bool) { return 0, false }
}
