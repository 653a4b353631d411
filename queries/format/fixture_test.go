package format

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// The golden tests format fixed traces, so that they test the formats and
// not the solver's choice among equally short traces, which changes with
// the encoding. The traces were found by the engine on
// examples/nspk.spthy and are stored in testdata/*.trace.json; every test
// replays them through queries/replay first, so a fixture that stopped
// being a trace of the model fails loudly. -update-traces asks the engine
// again (and then -update rewrites the goldens).
var updateTraces = flag.Bool("update-traces", false, "find the fixture traces in testdata/ anew with the engine")

// The model is loaded by the path a user would type in the repository's
// root, so that source positions in the goldens read examples/nspk.spthy.
const nspkPath = "examples/nspk.spthy"

// fixtureDepth is the search depth of the fixtures (the bounds they name).
const fixtureDepth = 7

type fixtureTrace struct {
	Lemma string `json:"lemma"`
	// Shortest is the verdict's: the length of a shortest trace, when the
	// trace (with distinct agents) is longer.
	Shortest int             `json:"shortest,omitempty"`
	Steps    []fixtureStep   `json:"steps"`
	KEvents  []fixtureKEvent `json:"kevents"`
}

type fixtureStep struct {
	Rule    int                        `json:"rule"` // index into th.Rules
	Subst   map[string]*rules.JSONTerm `json:"subst"`
	Sources []rules.Source             `json:"sources"`
}

type fixtureKEvent struct {
	Term      *rules.JSONTerm `json:"term"`
	Time      int64           `json:"time"`
	InStep    int             `json:"in_step"`
	InPremise int             `json:"in_premise"`
}

func termFromJSON(j *rules.JSONTerm) *rules.Term {
	switch {
	case j.Pub != nil:
		return rules.NewPub(*j.Pub)
	case j.Fresh != nil:
		return rules.NewFreshConst(*j.Fresh)
	}
	args := make([]*rules.Term, len(j.Args))
	for i, a := range j.Args {
		args[i] = termFromJSON(a)
	}
	return rules.NewApp(j.Fun, args...)
}

func saveFixture(th *rules.Theory, lemma string, v *queries.Verdict, path string) error {
	tr := v.Trace
	ft := fixtureTrace{Lemma: lemma, Shortest: v.Shortest, Steps: []fixtureStep{}, KEvents: []fixtureKEvent{}}
	for _, st := range tr.Steps {
		fs := fixtureStep{Rule: -1, Subst: map[string]*rules.JSONTerm{}, Sources: st.Sources}
		for i, r := range th.Rules {
			if r == st.Rule {
				fs.Rule = i
			}
		}
		for v, t := range st.Subst {
			fs.Subst[v.String()] = rules.TermJSON(t)
		}
		ft.Steps = append(ft.Steps, fs)
	}
	for _, ev := range tr.KEvents {
		ft.KEvents = append(ft.KEvents, fixtureKEvent{Term: rules.TermJSON(ev.Term), Time: ev.Time, InStep: ev.InStep, InPremise: ev.InPremise})
	}
	b, err := json.MarshalIndent(ft, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func loadFixture(th *rules.Theory, path string) (*rules.Trace, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	var ft fixtureTrace
	if err := json.Unmarshal(b, &ft); err != nil {
		return nil, 0, err
	}
	tr := &rules.Trace{}
	for _, fs := range ft.Steps {
		if fs.Rule < 0 || fs.Rule >= len(th.Rules) {
			return nil, 0, fmt.Errorf("%s: no rule %d", path, fs.Rule)
		}
		r := th.Rules[fs.Rule]
		name, same := r.Name, 0
		for _, q := range th.Rules[:fs.Rule+1] {
			if q.Name == r.Name {
				same++
			}
		}
		if same > 1 {
			name = fmt.Sprintf("%s#%d", r.Name, same)
		}
		st := &rules.Step{Rule: r, Name: name, Subst: rules.Subst{}, Sources: fs.Sources}
		for _, v := range r.Vars() {
			j, ok := fs.Subst[v.String()]
			if !ok {
				return nil, 0, fmt.Errorf("%s: rule %s: no value for %s", path, r.Name, v)
			}
			st.Subst[v] = termFromJSON(j)
		}
		tr.Steps = append(tr.Steps, st)
	}
	for _, ke := range ft.KEvents {
		tr.KEvents = append(tr.KEvents, &rules.KEvent{Term: termFromJSON(ke.Term), Time: ke.Time, InStep: ke.InStep, InPremise: ke.InPremise})
	}
	return tr, ft.Shortest, nil
}

var (
	runsOnce sync.Once
	runs     map[string]*Run
	runsErr  error
)

// nspkRun returns a Run of one verdict on examples/nspk.spthy from its
// fixture trace: "responder_nonce_secrecy" (Lowe's attack) or
// "executable" (a witness).
func nspkRun(t *testing.T, lemma string) *Run {
	t.Helper()
	runsOnce.Do(func() { runs, runsErr = loadRuns() })
	require.NoError(t, runsErr)
	r := runs[lemma]
	require.NotNil(t, r, lemma)
	cp := *r
	return &cp
}

func loadRuns() (map[string]*Run, error) {
	src, err := os.ReadFile(filepath.Join("..", "..", nspkPath))
	if err != nil {
		return nil, err
	}
	th, diags := rules.Parse(nspkPath, src, rules.Options{})
	if diags.HasErrors() {
		return nil, diags
	}
	opts := queries.DefaultOptions()
	opts.Depth = fixtureDepth
	out := map[string]*Run{}
	for _, name := range []string{"responder_nonce_secrecy", "executable"} {
		l := th.Lemma(name)
		path := filepath.Join("testdata", "nspk-"+name+".trace.json")
		if *updateTraces {
			v, err := queries.NewChecker(th, opts).Check(context.Background(), l)
			if err != nil {
				return nil, err
			}
			if v.Trace == nil {
				return nil, fmt.Errorf("%s: no trace: %s", name, v.Summary())
			}
			if err := saveFixture(th, name, v, path); err != nil {
				return nil, err
			}
		}
		tr, shortest, err := loadFixture(th, path)
		if err != nil {
			return nil, err
		}
		goal := encode.GoalForLemma(l)
		rep, err := replay.Check(th, tr, goal.Formula)
		if err != nil {
			return nil, fmt.Errorf("fixture %s no longer replays (rerun with -update-traces): %w", path, err)
		}
		v := &queries.Verdict{Lemma: l, Kind: queries.WitnessFound, Depth: len(tr.Steps), Trace: tr, Replayed: rep,
			Bindings: queries.Bindings(th, l, tr, rep), Shortest: shortest, Bounds: "≤ 7 protocol steps and " + opts.Encode.Bounds.String()}
		if shortest > 0 {
			v.Depth = shortest
		}
		if l.Quantifier == rules.AllTraces {
			v.Kind = queries.Falsified
		}
		out[name] = &Run{Model: nspkPath, Theory: th, Options: opts, Verdicts: []*queries.Verdict{v}}
	}
	return out, nil
}
