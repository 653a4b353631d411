package queries

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPUTimeID is Linux's CLOCK_THREAD_CPUTIME_ID.
const clockThreadCPUTimeID = 3

// threadCPU is the CPU time of the calling thread.
func threadCPU() (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// cpuTicks are the machine's CPU times from /proc/stat: idle (with
// waiting for I/O) and in all, in clock ticks.
type cpuTicks struct{ idle, total uint64 }

func readCPUTicks() (cpuTicks, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "cpu" {
		return cpuTicks{}, false
	}
	var t cpuTicks
	for i, f := range fields[1:] {
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTicks{}, false
		}
		if i >= 7 {
			break // guest times are counted in user and nice already
		}
		t.total += n
		if i == 3 || i == 4 {
			t.idle += n
		}
	}
	return t, true
}

// idleSince returns a function that tells how many of the machine's
// cores were idle on average since the call, or ok false when it cannot
// tell.
func idleSince() func() (cores float64, ok bool) {
	a, ok := readCPUTicks()
	return func() (float64, bool) {
		b, ok2 := readCPUTicks()
		if !ok || !ok2 || b.total <= a.total {
			return 0, false
		}
		return float64(b.idle-a.idle) / float64(b.total-a.total) * float64(runtime.NumCPU()), true
	}
}
