package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tracebound/tracebound/solver"
)

// hugePageAdvised reports whether /proc/self/smaps shows the range
// [start, start+length) inside mappings flagged "hg" (MADV_HUGEPAGE).
func hugePageAdvised(t *testing.T, start, length uintptr) bool {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	covered := uintptr(0)
	var lo, hi uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if r, _, ok := strings.Cut(line, " "); ok && strings.Contains(r, "-") && !strings.HasSuffix(r, ":") {
			l, h, _ := strings.Cut(r, "-")
			a, err1 := strconv.ParseUint(l, 16, 64)
			b, err2 := strconv.ParseUint(h, 16, 64)
			if err1 == nil && err2 == nil {
				lo, hi = uintptr(a), uintptr(b)
			}
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok {
			if !strings.Contains(" "+flags+" ", " hg ") {
				continue
			}
			if l, h := max(lo, start), min(hi, start+length); h > l {
				covered += h - l
			}
		}
	}
	require.NoError(t, sc.Err())
	return covered == length
}

// needTHP skips a test on a kernel without transparent huge pages, where
// madvise(MADV_HUGEPAGE) is refused and the advice is rightly skipped.
func needTHP(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skipf("kernel without transparent huge pages: %v", err)
	}
}

func TestAdviseHugeHeap(t *testing.T) {
	needTHP(t)
	t.Setenv("TRACEBOUND_HUGEPAGES", "")
	start, length := adviseHugeHeap(hugeHeapBytes)
	require.NotZero(t, length, "madvise(MADV_HUGEPAGE) refused")
	require.Zero(t, start%hugePage)
	require.GreaterOrEqual(t, length, uintptr(hugeHeapBytes-2*hugePage))
	require.True(t, hugePageAdvised(t, start, length), "the advised range is not flagged hg in /proc/self/smaps")

	t.Setenv("TRACEBOUND_HUGEPAGES", "0")
	_, length = adviseHugeHeap(hugeHeapBytes)
	require.Zero(t, length)
}

// TestAdviseHugePagesCHeap checks the solver's advice on the C heap Z3
// allocates from (it lives in package solver, which cannot hold a test
// that reads smaps without repeating this one's parser).
func TestAdviseHugePagesCHeap(t *testing.T) {
	needTHP(t)
	t.Setenv("TRACEBOUND_HUGEPAGES", "")
	start, length := solver.AdviseHugePages()
	require.NotZero(t, length, "the C heap was not grown or not advised")
	require.Zero(t, start%hugePage)
	require.True(t, hugePageAdvised(t, start, length), "the advised C heap is not flagged hg in /proc/self/smaps")
}
