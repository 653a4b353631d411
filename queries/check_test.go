package queries

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

func load(t *testing.T, path string) *rules.Theory {
	t.Helper()
	th, diags := rules.Load(path, rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	return th
}

func check(t *testing.T, th *rules.Theory, lemma string, depth int) *Verdict {
	t.Helper()
	l := th.Lemma(lemma)
	require.NotNil(t, l, lemma)
	v, err := NewChecker(th, depthOptions(depth)).Check(context.Background(), l)
	require.NoError(t, err)
	return v
}

// The examples' verdicts (issue #3 acceptance): Lowe's attack on NSPK for
// the responder's nonce secrecy and injective agreement, executability,
// and the initiator's guarantees holding. A shortest trace lets one agent
// play two roles; the trace shown has distinct agents and is one step
// longer (issue 14), and Depth keeps the shortest length. The deepening
// alone (the forward search's first look finds executable's trace with
// distinct agents: TestForwardDistinctAgents).
func TestNSPK(t *testing.T) {
	th := load(t, "../examples/nspk.spthy")
	cases := []struct {
		lemma           string
		kind            Kind
		steps, shortest int
	}{
		{"executable", WitnessFound, 6, 5},
		{"responder_nonce_secrecy", Falsified, 8, 7},
		{"responder_agreement", Falsified, 8, 7},
		{"initiator_nonce_secrecy", HoldsUpToBound, 0, 0},
		{"initiator_agreement", HoldsUpToBound, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.lemma, func(t *testing.T) {
			o := depthOptions(7)
			o.Forward = ForwardOff
			o.NoAbstraction = true // the deepening is under test
			v, err := NewChecker(th, o).Check(context.Background(), th.Lemma(c.lemma))
			require.NoError(t, err)
			assert.Equal(t, c.kind, v.Kind, v.Summary())
			if c.steps > 0 {
				require.NotNil(t, v.Trace)
				assert.Len(t, v.Trace.Steps, c.steps, "a trace with distinct agents")
				assert.Equal(t, c.shortest, v.Depth, "iterative deepening finds a shortest trace first")
				assert.Equal(t, c.shortest, v.Shortest)
				assert.Contains(t, v.Summary(), fmt.Sprintf("%d steps (shortest: %d steps, with an agent in two roles)", c.steps, c.shortest))
			} else {
				assert.Nil(t, v.Trace)
				assert.Equal(t, 7, v.Depth)
				assert.Contains(t, v.Summary(), "≤ 7 protocol steps")
			}
		})
	}
	// --shortest: the shortest trace, one agent in two roles
	l := th.Lemma("responder_nonce_secrecy")
	o := depthOptions(7)
	o.Shortest = true
	v, err := NewChecker(th, o).Check(context.Background(), l)
	require.NoError(t, err)
	require.NotNil(t, v.Trace)
	assert.Len(t, v.Trace.Steps, 7)
	assert.Zero(t, v.Shortest)
	assert.Equal(t, "falsified: counterexample with 7 steps", v.Summary())
	assert.Equal(t, 2, len(agents(th, v)), "the shortest attack has two agents")
}

// agents returns the public names, other than the model's constants, in
// a trace's actions.
func agents(th *rules.Theory, v *Verdict) map[string]bool {
	consts, _ := Constants(th)
	out := map[string]bool{}
	for _, st := range v.Replayed.Steps {
		for _, f := range st.Actions {
			for _, a := range f.Args {
				a.Walk(func(s *rules.Term) bool {
					if s.Kind == rules.TPub && !consts[s.Name] {
						out[s.Name] = true
					}
					return true
				})
			}
		}
	}
	return out
}

// Lowe's attack as the textbook draws it: honest A runs with the
// corrupted agent, whose key the adversary uses to pose as A to honest B;
// three agents, named after the lemma's variables and the rules' roles,
// and the lemma's bindings.
func TestNSPKAttackShape(t *testing.T) {
	th := load(t, "../examples/nspk.spthy")
	v := check(t, th, "responder_nonce_secrecy", 7)
	require.Equal(t, Falsified, v.Kind)
	count := map[string]int{}
	for _, st := range v.Trace.Steps {
		count[st.Name]++
	}
	assert.Equal(t, 1, count["Corrupt"])
	assert.Equal(t, 1, count["Init_send_1"])
	assert.Equal(t, 1, count["Resp_recv_3"])
	assert.Equal(t, 3, count["Key_setup"])
	assert.Equal(t, map[string]bool{"A": true, "B": true, "X": true}, agents(th, v), "three agents: $A, $B and the corrupted $X")
	// the adversary decrypts with the corrupted key and re-encrypts
	var rebuilt bool
	for _, st := range v.Replayed.Steps {
		for _, d := range st.Derivations {
			if d.Rule == "construct" && d.Symbol == "aenc" {
				rebuilt = true
			}
		}
	}
	assert.True(t, rebuilt, "some In message is built by the adversary")
	// the bindings: A, B, nb, #i (the responder's commit, the last step)
	// and #k (the adversary knows nb)
	var got []string
	for _, b := range v.Bindings {
		switch {
		case b.Term != nil:
			got = append(got, b.Var.String()+" = "+b.Term.String())
		case b.Step >= 0:
			got = append(got, fmt.Sprintf("%s = step %d", b.Var, b.Step+1))
		default:
			got = append(got, fmt.Sprintf("%s = K(%s)", b.Var, v.Trace.KEvents[b.KEvent].Term))
		}
	}
	assert.Equal(t, []string{"A = 'A'", "B = 'B'", "nb = ~'nb'", "#i = step 8", "#k = K(~'nb')"}, got)
	last := v.Replayed.Steps[7]
	assert.Equal(t, "Resp_recv_3", v.Trace.Steps[7].Name)
	assert.Equal(t, "RespSecret('B', 'A', ~'nb')", last.Actions[1].String())
}

func TestNSL(t *testing.T) {
	if testing.Short() {
		t.Skip("NSL proofs up to depth 6 take a few seconds")
	}
	th := load(t, "../examples/nsl.spthy")
	v := check(t, th, "executable", 6)
	assert.Equal(t, WitnessFound, v.Kind)
	for _, l := range []string{"responder_nonce_secrecy", "initiator_nonce_secrecy", "responder_agreement", "initiator_agreement"} {
		v := check(t, th, l, 6)
		assert.Equal(t, HoldsUpToBound, v.Kind, "%s: %s", l, v.Summary())
	}
}

// The replay checker rejects traces that are not traces of the theory or
// lack the claimed property.
func TestReplayRejects(t *testing.T) {
	th := load(t, "../examples/nspk.spthy")
	v := check(t, th, "executable", 5)
	require.Equal(t, WitnessFound, v.Kind)
	goal := th.Lemma("executable").Formula
	tr := v.Trace
	_, err := replay.Check(th, tr, goal)
	require.NoError(t, err, "the engine's trace replays")

	// drop the first step: later premises lose their source
	dropped := &rules.Trace{Steps: tr.Steps[1:]}
	_, err = replay.Check(th, dropped, nil)
	assert.Error(t, err)

	// the same fresh name twice
	dup := &rules.Trace{Steps: []*rules.Step{tr.Steps[0], tr.Steps[0]}}
	_, err = replay.Check(th, dup, nil)
	assert.ErrorContains(t, err, "generated twice")

	// the property must hold: the trace's first step alone witnesses nothing
	_, err = replay.Check(th, &rules.Trace{Steps: tr.Steps[:1]}, goal)
	assert.ErrorContains(t, err, "does not have the claimed property")

	// a message the adversary cannot build: replace the In message of the
	// responder by one encrypted under an unknown key
	var resp int = -1
	for i, st := range tr.Steps {
		if st.Name == "Resp_recv_1_send_2" {
			resp = i
		}
	}
	require.GreaterOrEqual(t, resp, 0)
	forged := *tr.Steps[resp]
	forged.Subst = forged.Subst.Copy()
	for v := range forged.Subst {
		if v.Name == "na" {
			forged.Subst[v] = rules.NewFreshConst("secret.99")
		}
	}
	steps := append(append([]*rules.Step{}, tr.Steps[:resp]...), &forged)
	steps = append(steps, tr.Steps[resp+1:]...)
	_, err = replay.Check(th, &rules.Trace{Steps: steps}, nil)
	assert.ErrorContains(t, err, "cannot derive")
}

func TestUnsupportedIsUnknown(t *testing.T) {
	th, diags := rules.Parse("x.spthy", []byte(`theory X begin
builtins: xor
rule R: [ Fr(~a), Fr(~b) ] --[ A(~a XOR ~b) ]-> [ ]
lemma l: exists-trace "Ex x #i. A(x)@i"
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	v := check(t, th, "l", 3)
	assert.Equal(t, Unknown, v.Kind)
	assert.Contains(t, v.Reason, "xor")
}

// Regression: a quantifier that reuses the name of an outer variable
// shadows it (found by the replay check on a corpus model, where
// "Ex #r. K(m)@r" and "not(Ex #r. Reveal(B)@r)" share #r).
func TestShadowedQuantifiers(t *testing.T) {
	th, diags := rules.Parse("s.spthy", []byte(`theory S begin
rule A: [ Fr(~n) ] --[ A(~n) ]-> [ Out(~n) ]
rule B: [ ] --[ B('c') ]-> [ ]
lemma no_b_after_a: "All x #i. A(x)@i ==> not(Ex #i. B('c')@i)"
lemma a_without_b: exists-trace "Ex x #r. A(x)@r & (Ex #r. K(x)@r) & not(Ex #r. B('c')@r)"
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	v := check(t, th, "no_b_after_a", 3)
	assert.Equal(t, Falsified, v.Kind, v.Summary())
	assert.Len(t, v.Trace.Steps, 2)
	v = check(t, th, "a_without_b", 3)
	assert.Equal(t, WitnessFound, v.Kind, v.Summary())
	assert.Len(t, v.Trace.Steps, 1)
}

// depthOptions returns the default options with depth k.
func depthOptions(k int) Options {
	o := DefaultOptions()
	o.Depth = k
	return o
}

func withTimeout(o Options, d time.Duration) Options {
	o.Timeout = d
	return o
}

// TestReplayRejectsDH: the replay checker decides Diffie–Hellman equalities
// by normal forms: a trace of a DH key agreement replays, and the same
// trace with the responder's key computed on a different exponent is
// rejected (its state premise no longer matches what was produced).
func TestReplayRejectsDH(t *testing.T) {
	th := parseModel(t, "dhreplay", `theory DHReplay begin
builtins: diffie-hellman
rule A: [ Fr(~x) ] --> [ Out('g'^~x), StA(~x) ]
rule B: [ Fr(~y), In(X) ] --[ KeyB(X^~y) ]-> [ Out('g'^~y), StB(X^~y) ]
rule A2: [ StA(x), In(Y) ] --[ KeyA(Y^x) ]-> [ ]
rule Done: [ StB(k) ] --[ Done(k) ]-> [ ]
lemma agree: exists-trace "Ex k #i #j #l. KeyA(k) @ #i & KeyB(k) @ #j & Done(k) @ #l"
end
`)
	l := th.Lemma("agree")
	v, err := NewChecker(th, depthOptions(4)).Check(context.Background(), l)
	require.NoError(t, err)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	_, err = replay.Check(th, v.Trace, l.Formula)
	require.NoError(t, err, "the engine's trace replays: g^x^y = g^y^x")

	// Done's premise StB(k) with k = 'g'^(~y*~y) instead of the produced key
	tr := *v.Trace
	tr.Steps = append([]*rules.Step{}, v.Trace.Steps...)
	for i, st := range tr.Steps {
		if st.Name != "Done" {
			continue
		}
		forged := *st
		forged.Subst = st.Subst.Copy()
		for x, val := range forged.Subst {
			if x.Name == "k" {
				base, e := rules.ExpOf(th.Normalize(val))
				forged.Subst[x] = rules.MakeExp(base, append(e, e[0]))
			}
		}
		tr.Steps[i] = &forged
	}
	_, err = replay.Check(th, &tr, nil)
	assert.ErrorContains(t, err, "not in the state")
}

// A chunk of depths shares one problem unless the problem is larger than
// Options.ChunkNodes; then its first depth gets a problem of its own.
func TestEncodeChunk(t *testing.T) {
	th := load(t, "../examples/nsl.spthy")
	goal := encode.GoalForLemma(th.Lemma("responder_nonce_secrecy"))
	c := NewChecker(th, DefaultOptions())
	require.NoError(t, c.err)
	p, err := c.opts.encodeChunk(c.enc, goal, 5, 12, nil)
	require.NoError(t, err)
	assert.Equal(t, 5+incrementalChunk-1, p.K)
	assert.Less(t, p.B.Nodes(), DefaultChunkNodes, "the example's chunk fits the default")
	o := DefaultOptions()
	o.ChunkNodes = 1 << 30
	p, err = o.encodeChunk(c.enc, goal, 11, 12, nil)
	require.NoError(t, err)
	assert.Equal(t, 12, p.K, "no depth beyond the maximum")

	o.ChunkNodes = p.B.Nodes() - 1
	p, err = o.encodeChunk(c.enc, goal, 11, 12, nil)
	require.NoError(t, err)
	assert.Equal(t, 11, p.K, "a chunk larger than ChunkNodes is one depth")

	// after a problem larger than ChunkNodes only the next depth is
	// encoded: the chunk's would be larger still, and replaced
	o.ChunkNodes = 1000
	p5, err := o.encodeChunk(c.enc, goal, 5, 12, nil)
	require.NoError(t, err)
	require.Equal(t, 5, p5.K)
	p6, err := o.encodeChunk(c.enc, goal, 6, 12, p5)
	require.NoError(t, err)
	assert.Equal(t, 6, p6.K)
	big, err := c.enc.EncodeAtMost(goal, 9)
	require.NoError(t, err)
	assert.Greater(t, big.B.Nodes(), p5.B.Nodes(), "an encoding for more depths is larger")

	// the skip itself: a chunk that would fit is not tried after a
	// problem over the limit
	chunk, err := DefaultOptions().encodeChunk(c.enc, goal, 5, 12, nil)
	require.NoError(t, err)
	require.Equal(t, 8, chunk.K)
	o.ChunkNodes = chunk.B.Nodes()
	p, err = o.encodeChunk(c.enc, goal, 5, 12, nil)
	require.NoError(t, err)
	assert.Equal(t, 8, p.K, "the chunk fits")
	p, err = o.encodeChunk(c.enc, goal, 5, 12, big)
	require.NoError(t, err)
	assert.Equal(t, 5, p.K, "after a problem over the limit, depth 5 alone")
}
