package format

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var timingRE = regexp.MustCompile(`("(total|encode|solve|replay)_s": )[0-9.e+-]+|( time=")[0-9.]+(")`)

// maskTimings replaces the timings of JSON and JUnit output by zeros.
func maskTimings(b []byte) []byte {
	return timingRE.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := timingRE.FindSubmatch(m)
		if len(sub[1]) > 0 {
			return append(append([]byte{}, sub[1]...), '0')
		}
		return []byte(` time="0"`)
	})
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./queries/format -update to create the golden files")
	if !bytes.Equal(want, got) {
		tmp := filepath.Join(t.TempDir(), name)
		_ = os.WriteFile(tmp, got, 0o644)
		t.Fatalf("%s differs from the golden file (got: %s); rerun with -update if the change is intended", path, tmp)
	}
}
