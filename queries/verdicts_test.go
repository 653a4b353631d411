package queries

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tracebound/tracebound/rules"
)

// TestVerdicts checks the small models of testdata/verdicts, each with its
// expected verdicts written in the model as comments:
//
//	// expect LEMMA: KIND [STEPS] [--depth K] [--adv-decrypt N] [--adv-analyse N] [--adv-construct N]
//
// KIND is falsified or witness (with the trace's length), holds or none.
// The depth defaults to verdictDepth, the adversary bounds to the defaults.
// Each model's expectations were worked out by hand (and agree with
// Tamarin where Tamarin has an answer).
func TestVerdicts(t *testing.T) { checkVerdicts(t, func(*Options) {}) }

// TestVerdictsPerDepth checks the same expectations with one problem per
// depth wherever a chunk of depths would share one (Options.ChunkNodes):
// the chunk's size changes how fast a depth is answered, never what.
func TestVerdictsPerDepth(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	checkVerdicts(t, func(o *Options) { o.ChunkNodes = 1 })
}

// TestVerdictsEagerEdges checks them with every premise's sources
// encoded by equalities (encode.Options.EagerEdges) instead of numbered
// sources: two encodings of the same graphs.
func TestVerdictsEagerEdges(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	checkVerdicts(t, func(o *Options) { o.Encode.EagerEdges = true })
}

// TestVerdictsForwardFirst checks them with the forward search
// (forward.go) before the deepening: a trace it finds replays and is
// within the bounds (it drops traces beyond them), so every verdict is
// the same; only a trace's length may be longer than a shortest one.
func TestVerdictsForwardFirst(t *testing.T) {
	var found atomic.Int32
	t.Cleanup(func() { assert.Positive(t, found.Load(), "no trace came from the forward search") })
	checkVerdicts(t, func(o *Options) { o.Forward = ForwardFirst }, func(v *Verdict) {
		if v.Forward {
			found.Add(1)
		}
	})
}

func checkVerdicts(t *testing.T, tweak func(*Options), seen ...func(*Verdict)) {
	files, err := filepath.Glob("testdata/verdicts/*.spthy")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".spthy"), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			require.NoError(t, err)
			th, diags := rules.Parse(file, src, rules.Options{})
			require.False(t, diags.HasErrors(), "%s", diags.Error())
			exps := parseExpectations(t, src)
			require.NotEmpty(t, exps, "no expectations in %s", file)
			for _, x := range exps {
				l := th.Lemma(x.lemma)
				require.NotNil(t, l, "lemma %s", x.lemma)
				o := x.opts
				tweak(&o)
				v, err := NewChecker(th, o).Check(context.Background(), l)
				require.NoError(t, err, "%s %s", x.lemma, x.line)
				for _, f := range seen {
					f(v)
				}
				assert.Equal(t, x.kind, v.Kind, "%s: %s", x.line, v.Summary())
				switch {
				case x.steps >= 0 && v.Trace != nil && v.Forward:
					// the forward search need not find a shortest trace
					assert.GreaterOrEqual(t, len(v.Trace.Steps), x.steps, "%s: trace length", x.line)
				case x.steps >= 0 && v.Trace != nil:
					assert.Equal(t, x.steps, len(v.Trace.Steps), "%s: trace length", x.line)
				}
			}
		})
	}
}

// verdictDepth is the depth of TestVerdicts unless an expectation names one.
const verdictDepth = 4

type expectation struct {
	line  string
	lemma string
	kind  Kind
	steps int
	opts  Options
}

func parseExpectations(t *testing.T, src []byte) []expectation {
	var out []expectation
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "// expect ")
		if !ok {
			continue
		}
		name, spec, ok := strings.Cut(rest, ":")
		require.True(t, ok, "bad expectation %q", line)
		f := strings.Fields(spec)
		require.NotEmpty(t, f, "bad expectation %q", line)
		x := expectation{line: line, lemma: strings.TrimSpace(name), steps: -1, opts: DefaultOptions()}
		x.opts.Depth = verdictDepth
		switch f[0] {
		case "falsified":
			x.kind = Falsified
		case "witness":
			x.kind = WitnessFound
		case "holds":
			x.kind = HoldsUpToBound
		case "none":
			x.kind = NoWitnessUpToBound
		default:
			t.Fatalf("bad kind in %q", line)
		}
		f = f[1:]
		if len(f) > 0 && !strings.HasPrefix(f[0], "--") {
			n, err := strconv.Atoi(f[0])
			require.NoError(t, err, line)
			x.steps = n
			f = f[1:]
		}
		for len(f) >= 2 {
			n, err := strconv.Atoi(f[1])
			require.NoError(t, err, line)
			b := &x.opts.Encode.Bounds
			switch f[0] {
			case "--depth":
				x.opts.Depth = n
			case "--adv-decrypt":
				b.KeyedDeconstructions = n
			case "--adv-analyse":
				b.AnalysisLayers = n
			case "--adv-construct":
				b.ConstructionLayers = n
			default:
				t.Fatalf("bad flag in %q", line)
			}
			f = f[2:]
		}
		require.Empty(t, f, fmt.Sprintf("trailing words in %q", line))
		out = append(out, x)
	}
	return out
}
