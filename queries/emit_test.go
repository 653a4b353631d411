package queries

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tracebound/tracebound/solver"
)

// The files --emit-smtlib writes are self-contained and give, solved by a
// Z3 context of their own, the answer of each depth of the verdict:
// unsat below the counterexample's depth, sat at it.
func TestEmitSMTLIB(t *testing.T) {
	th := load(t, filepath.Join("..", "examples", "nspk.spthy"))
	dir := t.TempDir()
	o := DefaultOptions()
	o.Depth = 8
	o.EmitSMTLIB = dir
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma("responder_nonce_secrecy"))
	require.NoError(t, err)
	require.Equal(t, Falsified, v.Kind, v.Summary())
	files, err := filepath.Glob(filepath.Join(dir, "responder_nonce_secrecy-d*.smt2"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	seen, checked := map[int]bool{}, 0
	for _, st := range v.Stats {
		// the deepening's rows (the search for a readable trace writes
		// no file)
		if st.Readable || seen[st.Depth] || st.Result != "sat" && st.Result != "unsat" {
			continue
		}
		seen[st.Depth] = true
		src, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("responder_nonce_secrecy-d%d.smt2", st.Depth)))
		require.NoError(t, err, "depth %d", st.Depth)
		out := solver.EvalSMTLIB(string(src))
		assert.Equal(t, st.Result, strings.TrimSpace(out), "depth %d", st.Depth)
		checked++
	}
	assert.GreaterOrEqual(t, checked, 2, "an unsat and a sat depth at least")
}
