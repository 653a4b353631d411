//go:build cgo && linux && amd64

package solver

import (
	"debug/elf"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The binary does not depend on libz3: every Z3 function it calls is one
// z3lazy.c defines. A Z3 function missing from z3lazy_syms.h would make
// the linker add the dependency back (and load Z3 with every process).
func TestZ3NotLinked(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	f, err := elf.Open(exe)
	require.NoError(t, err)
	defer f.Close()
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	for _, l := range libs {
		require.NotContains(t, l, "libz3", "the test binary links libz3: regenerate z3lazy_syms.h (go run z3lazy_gen.go LIBZ3)")
	}
}

func libz3Mapped(t *testing.T) bool {
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	return strings.Contains(string(maps), "libz3")
}

// A fresh process loads libz3 at its first Z3 call, not before, and the
// solver works from there. The test runs itself again as that process.
func TestZ3LoadedOnFirstCall(t *testing.T) {
	if os.Getenv("TRACEBOUND_Z3LAZY_CHILD") == "1" {
		require.False(t, libz3Mapped(t), "libz3 loaded before any Z3 call")
		require.False(t, z3Loaded())
		require.Zero(t, Z3Memory(), "asking Z3's memory must not load it")
		require.False(t, libz3Mapped(t))
		require.Regexp(t, `^\d+\.\d+\.\d+`, Z3Version())
		require.True(t, z3Loaded())
		require.True(t, libz3Mapped(t))
		require.NotNil(t, New())
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestZ3LoadedOnFirstCall$", "-test.v")
	cmd.Env = append(os.Environ(), "TRACEBOUND_Z3LAZY_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "--- PASS: TestZ3LoadedOnFirstCall")
}
