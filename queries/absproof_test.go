package queries

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// A key server in the style of the SPORE models: long-term keys that
// may be revealed, a session key sent under them, a confirmation under
// the session key. Variants below break one protection each.
const aiServer = `theory AIServer
begin
builtins: symmetric-encryption

rule Init:
  [ Fr(~k) ] --[ KeyGen($X) ]-> [ !Ltk(~k, $X) ]

rule Reveal:
  [ !Ltk(k, $A) ] --[ Reveal($A) ]-> [ Out(k) ]

rule A_1:
  [ !Ltk(ka, $A), Fr(~kab) ]
  --[ Secret($A, $B, ~kab), Running_A($A, $B, ~kab) ]->
  [ Out(<$A, senc(<'1', $B, ~kab>, ka)>) ]

rule S_1:
  [ In(<a, senc(<'1', b, kab>, ka)>), !Ltk(ka, a), !Ltk(kb, b) ]
  --[ Secret(a, b, kab), Commit_S(a, b, kab) ]->
  [ Out(senc(<'2', a, kab>, kb)) ]

rule B_1:
  [ In(senc(<'2', a, kab>, kb)), !Ltk(kb, $B), Fr(~nb) ]
  --[ Secret(a, $B, kab), Commit_B(a, $B, kab), Running_B(a, $B, ~nb, kab) ]->
  [ Out(senc(<'3', ~nb>, kab)) ]

rule A_2:
  [ !Ltk(ka, $A), In(senc(<'3', nb>, kab)) ]
  --[ Commit_A($A, kab, nb) ]->
  [ ]

lemma secrecy:
  "All A B m #i. Secret(A, B, m) @ #i ==>
     not (Ex #j. K(m) @ #j) | (Ex #r. Reveal(A) @ #r) | (Ex #r. Reveal(B) @ #r)"

lemma secrecy_naive:
  "All A B m #i. Secret(A, B, m) @ #i ==> not (Ex #j. K(m) @ #j)"

lemma agreement_B:
  "All A B t #i. Commit_B(A, B, t) @ #i ==>
     (Ex #j. Running_A(A, B, t) @ #j & #j < #i) | (Ex #r. Reveal(A) @ #r) | (Ex #r. Reveal(B) @ #r)"

lemma agreement_S:
  "All A B t #i. Commit_S(A, B, t) @ #i ==>
     (Ex #j. Running_A(A, B, t) @ #j & #j < #i) | (Ex #r. Reveal(A) @ #r) | (Ex #r. Reveal(B) @ #r)"

end
`

func aiModelOf(t *testing.T, src string) *aiModel {
	t.Helper()
	th, diags := rules.Parse("ai.spthy", []byte(src), rules.Options{})
	require.False(t, diags.HasErrors(), diags.Error())
	return newAIModel(th)
}

func aiProves(t *testing.T, m *aiModel, lemma string) (string, bool) {
	t.Helper()
	l := m.th.Lemma(lemma)
	require.NotNil(t, l, lemma)
	return aiProve(m, l, aiLimit, 20*time.Second, nil)
}

func TestAIProveServer(t *testing.T) {
	m := aiModelOf(t, aiServer)
	require.Empty(t, m.why)
	for _, c := range []struct {
		lemma string
		holds bool
	}{
		{"secrecy", true},
		{"secrecy_naive", false}, // Reveal sends a key
		{"agreement_B", true},    // kab was made by A_1 with the same agents
		{"agreement_S", true},
	} {
		why, ok := aiProves(t, m, c.lemma)
		assert.Equal(t, c.holds, ok, "%s: %s", c.lemma, why)
	}
}

func TestAIProveBrokenVariants(t *testing.T) {
	for _, c := range []struct {
		name, old, new, lemma string
	}{
		// the session key also in clear
		{"leak", "[ Out(<$A, senc(<'1', $B, ~kab>, ka)>) ]", "[ Out(<$A, senc(<'1', $B, ~kab>, ka)>), Out(~kab) ]", "secrecy"},
		// the server does not check which key a message is under
		{"unkeyed", "In(<a, senc(<'1', b, kab>, ka)>), !Ltk(ka, a)", "In(<a, senc(<'1', b, kab>, kx)>), !Ltk(ka, a)", "agreement_S"},
		// a constant agent's key leaks without a Reveal: only the case
		// split on the model's constants sees it
		{"constant", "rule A_2:", "rule Leak:\n  [ !Ltk(k, 'srv') ] --> [ Out(k) ]\n\nrule A_2:", "secrecy"},
		// B takes the key from a message anyone can build
		{"plain", "In(senc(<'2', a, kab>, kb)), !Ltk(kb, $B)", "In(<'2', a, kab>), !Ltk(kb, $B)", "agreement_B"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Contains(t, aiServer, c.old)
			m := aiModelOf(t, strings.Replace(aiServer, c.old, c.new, 1))
			why, ok := aiProves(t, m, c.lemma)
			assert.False(t, ok, "the abstraction proved %s: %s", c.lemma, why)
		})
	}
}

func TestAIProveUnsupported(t *testing.T) {
	m := aiModelOf(t, `theory DH begin builtins: diffie-hellman
rule R: [ Fr(~x) ] --[ S(~x) ]-> [ Out('g'^~x) ]
lemma s: "All x #i. S(x) @ #i ==> not (Ex #j. K(x) @ #j)"
end`)
	assert.Contains(t, m.why, "diffie-hellman")
	_, ok := aiProves(t, m, "s")
	assert.False(t, ok)
}

// TestAIProveRandom checks the abstraction against the explorer of
// explorer_test.go, which shares none of its code: on random models,
// every all-traces lemma the abstraction proves must have no
// counterexample for the unbounded adversary within the explorer's
// depth. Some lemmas must be proved, or the test checks nothing.
func TestAIProveRandom(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	proved, checked := 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		src := genModel(seed)
		th, diags := rules.Parse(fmt.Sprintf("random%d.spthy", seed), []byte(src), rules.Options{})
		if diags.HasErrors() {
			continue
		}
		m := newAIModel(th)
		for _, l := range th.Lemmas {
			if l.Quantifier != rules.AllTraces {
				continue
			}
			checked++
			why, ok := aiProve(m, l, aiLimit, 5*time.Second, nil)
			if !ok {
				continue
			}
			proved++
			x := newExplorer(th, goalOf(l), replay.Bounds{KeyedDeconstructions: 2, AnalysisLayers: 2, ConstructionLayers: 1, OwnExponents: replay.DefaultOwnExponents})
			x.maxNodes, x.maxReplays = 20_000, 200_000
			a, err := x.minLength(3)
			if err != nil && !errors.Is(err, errBudget) {
				require.NoError(t, err, "seed %d", seed)
			}
			if a.loose >= 0 {
				t.Errorf("seed %d lemma %s: the abstraction proved it (%s), the explorer has a counterexample of %d steps:\n%s\nmodel:\n%s",
					seed, l.Name, why, a.loose, traceText(a.looseTr), src)
			}
		}
	}
	t.Logf("%d of %d all-traces lemmas proved by the abstraction and checked by the explorer", proved, checked)
	assert.Greater(t, proved, 0, "no lemma proved: the comparison checks nothing")
}

// TestAIProveCorpus runs the abstraction on every all-traces lemma of the
// corpus's models: it must never prove a lemma Tamarin falsified. The
// lemmas it proves are logged (docs/corpus.md counts them).
func TestAIProveCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus abstraction skipped in -short mode")
	}
	expected := tamarinVerdicts(t)
	models := map[string]bool{}
	for k := range expected {
		models[k[0]] = true
	}
	proved, falsified := 0, 0
	for model := range models {
		if filepath.Ext(model) != ".spthy" {
			continue
		}
		path := filepath.Join(corpusDir, model)
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		th, diags := rules.Parse(path, src, rules.Options{})
		if diags.HasErrors() {
			continue
		}
		m := newAIModel(th)
		if m.why != "" {
			continue
		}
		for _, l := range th.Lemmas {
			e, ok := expected[[2]string{model, l.Name}]
			if !ok || e[0] != "all-traces" {
				continue
			}
			t0 := time.Now()
			why, ok := aiProve(m, l, aiLimit, aiBudget, nil)
			if ok {
				proved++
				t.Logf("%s %s (%s): %s in %v", model, l.Name, e[1], why, time.Since(t0).Round(time.Millisecond))
			}
			if e[1] == "falsified" {
				falsified++
				assert.False(t, ok, "%s %s: Tamarin falsified it, the abstraction proved it: %s", model, l.Name, why)
			}
		}
	}
	t.Logf("%d lemmas proved; %d that Tamarin falsified checked", proved, falsified)
	assert.Greater(t, falsified, 0)
}

// TestAIBeside runs the abstraction beside the deepening (two cores, no
// head start) and checks that the verdict does not depend on which of
// the two answers first: for every all-traces lemma of the examples and
// of the key server, the same kind, bound and argument as on one core
// (the abstraction first) and as when the deepening waits for the
// abstraction, and a trace in all or none.
// The key server's lemmas also run without the forward search, so that
// the deepening's own trace ends the abstraction.
func TestAIBeside(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	server, diags := rules.Parse("server.spthy", []byte(aiServer), rules.Options{})
	require.False(t, diags.HasErrors(), diags.Error())
	type model struct {
		name    string
		th      *rules.Theory
		forward ForwardMode
	}
	models := []model{
		{"nsl", load(t, "../examples/nsl.spthy"), ForwardAuto},
		{"nspk", load(t, "../examples/nspk.spthy"), ForwardAuto},
		{"server", server, ForwardAuto},
		{"server-no-forward", server, ForwardOff},
	}
	everyDepth, traces := 0, 0
	for _, m := range models {
		for _, l := range m.th.Lemmas {
			if l.Quantifier != rules.AllTraces {
				continue
			}
			// at depth 1 the deepening ends long before the abstraction
			for _, depth := range []int{1, 5} {
				t.Run(fmt.Sprintf("%s/%s/depth%d", m.name, l.Name, depth), func(t *testing.T) {
					o := depthOptions(depth)
					o.Forward = m.forward
					// one core: the abstraction first, then the deepening
					runtime.GOMAXPROCS(1)
					a, err := NewChecker(m.th, o).Check(context.Background(), l)
					runtime.GOMAXPROCS(2)
					require.NoError(t, err)
					// two cores, a head start the abstraction always answers in
					first := NewChecker(m.th, o)
					first.aiHead = time.Hour
					// two cores, no head start
					beside := NewChecker(m.th, o)
					beside.aiHead = 0
					w, err := first.Check(context.Background(), l)
					require.NoError(t, err)
					b, err := beside.Check(context.Background(), l)
					require.NoError(t, err)
					for _, x := range []*Verdict{w, b} {
						assert.Equal(t, a.Kind, x.Kind, x.Summary())
						assert.Equal(t, a.EveryDepth, x.EveryDepth)
						assert.Equal(t, a.Bounds, x.Bounds)
						assert.Equal(t, a.Trace == nil, x.Trace == nil)
					}
					if b.Trace != nil {
						traces++
						return
					}
					if b.EveryDepth != "" {
						everyDepth++
					}
					rows := 0
					for _, st := range b.Stats {
						if strings.HasPrefix(st.Result, "abstraction: not proved") || strings.HasPrefix(st.Result, "holds at every depth") {
							rows++
						}
					}
					assert.Equal(t, 1, rows, "the abstraction's row: %+v", b.Stats)
				})
			}
		}
	}
	assert.NotZero(t, everyDepth, "no lemma was proved beside the deepening")
	assert.NotZero(t, traces, "no lemma was falsified beside the abstraction")
}

// TestAIRefuteStopped: a fixpoint whose time ends during a refutation
// matches nothing from then on, which must refute nothing. The key
// server's naive secrecy has a counterexample (Reveal sends the key);
// its fixpoints are computed, then marked over as the end of the time
// would, and the refutation is tried again on them.
func TestAIRefuteStopped(t *testing.T) {
	m := aiModelOf(t, aiServer)
	l := m.th.Lemma("secrecy_naive")
	require.NotNil(t, l)
	d := &aiDNF{}
	djs := d.dnf(l.Formula, false, rules.Subst{})
	require.NotEmpty(t, djs)
	p := &aiProof{m: m, fixes: map[string]*aiFix{}, limit: aiLimit, clk: wallClock(time.Minute), split: m.agentSplit()}
	refuted := true
	for _, dj := range djs {
		refuted = refuted && p.disjunct(dj)
	}
	require.False(t, refuted, "the naive secrecy has a counterexample")
	require.NotEmpty(t, p.fixes)
	for _, f := range p.fixes {
		if f != nil {
			f.over = true
		}
	}
	for _, dj := range djs {
		assert.False(t, p.disjunct(dj), "a stopped fixpoint refuted a disjunct")
	}
	assert.Equal(t, "the abstraction ran out of time", p.failed)
}

// TestAIBesideParallel checks a model's lemmas on two workers sharing one
// Checker, as `check -j 2` does, with the abstraction beside each
// deepening: the pool of fixpoints and the record of outgrown ones are
// shared (make test runs it under the race detector). The verdicts are
// those of one worker.
func TestAIBesideParallel(t *testing.T) {
	// four cores: two lemmas at a time leave two free for the abstraction
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	th := load(t, "../examples/nsl.spthy")
	one := NewChecker(th, depthOptions(4))
	want := map[string]string{}
	for _, l := range th.Lemmas {
		v, err := one.Check(context.Background(), l)
		require.NoError(t, err)
		want[l.Name] = v.Kind.String() + " " + v.Bounds
	}
	two := NewChecker(th, depthOptions(4))
	two.aiHead = 0
	got := make([]string, len(th.Lemmas))
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(th.Lemmas); i += 2 {
				v, err := two.Check(context.Background(), th.Lemmas[i])
				if err != nil {
					got[i] = err.Error()
					continue
				}
				got[i] = v.Kind.String() + " " + v.Bounds
			}
		}()
	}
	wg.Wait()
	for i, l := range th.Lemmas {
		assert.Equal(t, want[l.Name], got[i], l.Name)
	}
}
