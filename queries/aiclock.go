package queries

import (
	"time"
)

// aiClock is the abstraction's time: a wall-clock end, and a budget of
// CPU time on the thread it runs on. Beside the deepening, other threads
// (Z3, the forward search, other processes) share the cores, and a wall
// budget would give the abstraction less work the busier the machine;
// a CPU budget gives it the same work however busy, while the wall end
// is the lemma's own limit. The goroutine that reads a CPU clock must be
// locked to its thread (runtime.LockOSThread) from its start.
type aiClock struct {
	wallEnd time.Time     // zero: none
	cpuEnd  time.Duration // the thread's CPU time at the end; 0: none
}

// wallClock ends after d of wall time.
func wallClock(d time.Duration) *aiClock {
	return &aiClock{wallEnd: time.Now().Add(d)}
}

// cpuClock ends after cpu of the calling thread's CPU time, or at
// wallEnd (if not zero), whichever comes first; without a CPU clock on
// this system, after cpu of wall time.
func cpuClock(cpu time.Duration, wallEnd time.Time) *aiClock {
	now, ok := threadCPU()
	if !ok {
		end := time.Now().Add(cpu)
		if !wallEnd.IsZero() && wallEnd.Before(end) {
			end = wallEnd
		}
		return &aiClock{wallEnd: end}
	}
	return &aiClock{wallEnd: wallEnd, cpuEnd: now + cpu}
}

// left is the time left, the least of the two.
func (c *aiClock) left() time.Duration {
	l := time.Duration(1<<63 - 1)
	if !c.wallEnd.IsZero() {
		l = time.Until(c.wallEnd)
	}
	if c.cpuEnd > 0 {
		if now, ok := threadCPU(); ok {
			l = min(l, c.cpuEnd-now)
		}
	}
	return l
}

func (c *aiClock) over() bool { return c.left() <= 0 }
