package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// parseSize reads a memory size: a number with an optional unit, KiB,
// MiB, GiB, TiB (powers of 1024, also written K, M, G, T) or KB, MB, GB,
// TB (powers of 1000); 0 means no limit.
func parseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad size %q: want a number with a unit, e.g. 512MiB or 4GB", s)
	}
	mult := map[string]float64{
		"": 1, "B": 1,
		"K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MiB": 1 << 20, "G": 1 << 30, "GiB": 1 << 30, "T": 1 << 40, "TiB": 1 << 40,
		"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("bad size %q: unknown unit %q (KiB, MiB, GiB, TiB or KB, MB, GB, TB)", s, unit)
	}
	return uint64(v * mult), nil
}

// parseMemoryLimit reads a --memory-limit value: "" for the default, a
// bad size is a usage error.
func parseMemoryLimit(s string) (uint64, error) {
	if s == "" {
		return defaultMemoryLimit(), nil
	}
	m, err := parseSize(s)
	if err != nil {
		return 0, usageError("--memory-limit: %v", err)
	}
	return m, nil
}

// defaultMemoryLimit is 3/4 of the memory available to the process: the
// machine's (MemTotal) or its cgroup's limit, whichever is smaller (0
// when neither can be read: no limit).
func defaultMemoryLimit() uint64 {
	avail := memTotal()
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && (avail == 0 || v < avail) {
			avail = v
		}
	}
	return avail / 4 * 3
}

func memTotal() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
