package queries

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// The questions of issue 10 on small models whose answers are known by
// hand. testdata/questions/blocked.spthy: Start, Left, Right and Finish
// fire (Finish after Left or after Right), Second needs two starts and is
// blocked only by the restriction only_one_start, Dead's premise is
// produced by no rule.

const blockedModel = "testdata/questions/blocked.spthy"

func answerOptions(witnesses int, explain Explain) Options {
	o := DefaultOptions()
	o.Depth = 5
	o.Witnesses, o.Explain = witnesses, explain
	return o
}

func TestExecutabilityExact(t *testing.T) {
	th := load(t, blockedModel)
	x, err := Executable(context.Background(), th, answerOptions(1, ExplainNone), func(r *rules.Rule) bool { return true })
	require.NoError(t, err)
	want := map[string]struct {
		status   RuleStatus
		steps    int
		blocking []string
	}{
		"Start":  {Reachable, 1, nil},
		"Left":   {Reachable, 2, nil},
		"Right":  {Reachable, 2, nil},
		"Finish": {Reachable, 3, nil},
		"Second": {Blocked, 3, []string{"only_one_start"}},
		"Dead":   {Dead, 0, nil},
	}
	require.Len(t, x.Rules, len(want))
	for _, rv := range x.Rules {
		w := want[rv.Name]
		assert.Equal(t, w.status, rv.Status, rv.Name)
		assert.Equal(t, w.blocking, rv.Blocking, rv.Name)
		if w.status == Reachable || w.status == Blocked {
			assert.Equal(t, w.steps, rv.Steps, rv.Name)
			require.NotNil(t, rv.Trace, rv.Name)
			assert.Len(t, rv.Trace.Steps, w.steps, "%s: the trace shown is a shortest one", rv.Name)
			assert.Equal(t, rv.Rule, rv.Trace.Steps[len(rv.Trace.Steps)-1].Rule, "%s: minimized, the trace ends with the rule", rv.Name)
		}
	}
	assert.Contains(t, x.Static.Dead[th.Rule("Dead")], "Never(x) is produced by no rule")
	assert.Equal(t, 5, x.Complete, "searched to depth 5")
	require.Len(t, x.Static.NeverProduced, 1)
	assert.Equal(t, "Never/1", x.Static.NeverProduced[0].Text())
	var consumed []string
	for _, f := range x.Static.NeverConsumed {
		consumed = append(consumed, f.Text())
	}
	assert.Equal(t, []string{"!Done/2", "Pair/2"}, consumed)
	require.Len(t, x.Static.Unrecorded, 1)
	assert.Equal(t, []string{"ghost"}, x.Static.Unrecorded[0].Lemmas)

	// the blocked rule's trace replays without the restriction, not with it
	second := x.Rules[4]
	_, err = replay.Check(withoutRestrictions(th, second.Blocking), second.Trace, nil)
	assert.NoError(t, err)
	_, err = replay.Check(th, second.Trace, nil)
	assert.Error(t, err, "the restriction rules the trace out")
}

// Every rule of the examples is reachable (issue 10 acceptance), with
// the length of its shortest trace.
func TestExecutabilityExamples(t *testing.T) {
	for _, c := range []struct {
		model string
		steps map[string]int
	}{
		{"../examples/nspk.spthy", map[string]int{"Key_setup": 1, "Corrupt": 2, "Init_send_1": 2, "Resp_recv_1_send_2": 2, "Init_recv_2_send_3": 4, "Resp_recv_3": 4}},
		{"../examples/nsl.spthy", map[string]int{"Key_setup": 1, "Corrupt": 2, "Init_send_1": 2, "Resp_recv_1_send_2": 2, "Init_recv_2_send_3": 4, "Resp_recv_3": 4}},
	} {
		th := load(t, c.model)
		x, err := Executable(context.Background(), th, DefaultOptions(), nil)
		require.NoError(t, err)
		assert.Equal(t, len(th.Rules), x.Count(Reachable), c.model)
		for _, rv := range x.Rules {
			assert.Equal(t, c.steps[rv.Name], rv.Steps, "%s %s", c.model, rv.Name)
			assert.Nil(t, rv.Trace, "no trace unless asked for")
		}
	}
}

// A rule the encoder does not take is reported on its own; the others
// are still searched, and the report says the bounds hold without it.
func TestExecutabilityUnsupportedRule(t *testing.T) {
	th, diags := rules.Parse("u.spthy", []byte(`theory U begin
rule A: [ Fr(~x) ] --[ A(~x) ]-> [ S(~x) ]
rule B: [ S(x) ] --[ B(x) ]-> [ T(x, #t) ]
rule C: [ S(x) ] --> [ ]
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	x, err := Executable(context.Background(), th, answerOptions(1, ExplainNone), nil)
	require.NoError(t, err)
	assert.Equal(t, Reachable, x.Rules[0].Status)
	assert.Equal(t, UnknownStatus, x.Rules[1].Status)
	assert.Contains(t, x.Rules[1].Reason, "temporal")
	assert.Equal(t, Reachable, x.Rules[2].Status)
	assert.Contains(t, x.Note, "B")
}

func TestReachPatterns(t *testing.T) {
	th := load(t, blockedModel)
	cases := []struct {
		pattern string
		kind    Kind
		steps   int
		last    string // the rule of the step bound to #i
	}{
		{"!Done(_, 'right')", WitnessFound, 3, "Finish"},
		{"Ready(id, side)", WitnessFound, 2, "Left"},
		{"Out(h(_))", WitnessFound, 1, "Start"},
		{"Went(_, 'right')", WitnessFound, 2, "Right"},
		{"Pair(a, b)", NoWitnessUpToBound, 0, ""},
		{"Out(h(h(x)))", NoWitnessUpToBound, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			p, diags := rules.ParsePattern(th, "<pattern>", c.pattern)
			require.False(t, diags.HasErrors(), "%v", diags)
			q := NewReach(th, p)
			v, err := q.Answer(context.Background(), NewChecker(q.Theory, answerOptions(1, ExplainRestrictions)))
			require.NoError(t, err)
			assert.Equal(t, c.kind, v.Kind, v.Summary())
			if c.kind != WitnessFound {
				assert.Contains(t, q.Summary(v), "unreachable up to bound: no trace with ≤ 5 protocol steps")
				return
			}
			require.Len(t, v.Trace.Steps, c.steps)
			step, f := q.Produced(v)
			require.NotNil(t, f, "the fact reached")
			assert.Equal(t, c.last, v.Trace.Steps[step].Name)
			for _, st := range v.Trace.Steps {
				assert.Same(t, th.Rule(st.Name), st.Rule, "the steps are the model's rules")
				for _, a := range v.Replayed.Steps[0].Actions {
					assert.NotContains(t, a.Name, "Reached_", "no marker action is shown")
				}
			}
			for _, b := range v.Bindings {
				assert.False(t, rules.IsWildcard(b.Var), "wildcards have no binding")
			}
		})
	}
	// the blocked fact names the restriction
	p, _ := rules.ParsePattern(th, "<pattern>", "Pair(a, b)")
	q := NewReach(th, p)
	v, err := q.Answer(context.Background(), NewChecker(q.Theory, answerOptions(1, ExplainWitness)))
	require.NoError(t, err)
	require.NotNil(t, v.Blocking)
	assert.Equal(t, []string{"only_one_start"}, v.Blocking.Restrictions)
	require.NotNil(t, v.Blocking.Witness)
	assert.Equal(t, "Start ×2, Second", RulesUsed(v.Blocking.Witness.Trace))
}

// Witnesses differ in their multisets of rules and come shortest first.
func TestWitnesses(t *testing.T) {
	th := load(t, blockedModel)
	c := NewChecker(th, answerOptions(5, ExplainNone))
	v, err := c.Answer(context.Background(), th.Lemma("finished"))
	require.NoError(t, err)
	require.Equal(t, WitnessFound, v.Kind)
	require.Len(t, v.Witnesses, 1, "two ways to finish: after Left and after Right")
	got := []string{RulesUsed(v.Trace), RulesUsed(v.Witnesses[0].Trace)}
	assert.ElementsMatch(t, []string{"Start, Left, Finish", "Start, Right, Finish"}, got)
	assert.Equal(t, "finished (witness 2)", v.Witnesses[0].Lemma.Name)

	// on NSPK: executability without corruption has two multisets of
	// rules (one agent or two; further steps would play no part),
	// shortest first
	nspk := load(t, "../examples/nspk.spthy")
	o := answerOptions(3, ExplainNone)
	o.Depth = 7
	c = NewChecker(nspk, o)
	v, err = c.Answer(context.Background(), nspk.Lemma("executable"))
	require.NoError(t, err)
	require.Len(t, v.Witnesses, 1)
	assert.Equal(t, "Key_setup, Init_send_1, Resp_recv_1_send_2, Init_recv_2_send_3, Resp_recv_3", RulesUsed(v.Trace))
	assert.Zero(t, v.Shortest, "with several witnesses, the first is a shortest trace")
	w := v.Witnesses[0]
	assert.Equal(t, "Key_setup ×2, Init_send_1, Resp_recv_1_send_2, Init_recv_2_send_3, Resp_recv_3", RulesUsed(w.Trace))
	_, err = replay.Check(nspk, w.Trace, nspk.Lemma("executable").Formula)
	assert.NoError(t, err)
}

func TestExplain(t *testing.T) {
	th := load(t, blockedModel)
	c := NewChecker(th, answerOptions(1, ExplainWitness))
	v, err := c.Answer(context.Background(), th.Lemma("paired"))
	require.NoError(t, err)
	require.Equal(t, NoWitnessUpToBound, v.Kind)
	require.NotNil(t, v.Blocking)
	assert.Equal(t, []string{"only_one_start"}, v.Blocking.Restrictions)
	assert.Equal(t, 3, v.Blocking.Steps)
	require.NotNil(t, v.Blocking.Witness)
	assert.Equal(t, "paired (without only_one_start)", v.Blocking.Witness.Lemma.Name)
	assert.Contains(t, v.Blocking.Text(), "blocked by the restriction only_one_start")

	v, err = c.Answer(context.Background(), th.Lemma("dead_never"))
	require.NoError(t, err)
	require.NotNil(t, v.Blocking)
	assert.True(t, v.Blocking.None, "no restriction blocks a dead rule")
	assert.Contains(t, v.Notes[0], "recorded only by rules that can never fire")

	// two restrictions must both go: a smallest set of two
	two, diags := rules.Parse("two.spthy", []byte(`theory Two begin
rule A: [ Fr(~x) ] --[ A(~x), Once() ]-> [ S(~x) ]
rule B: [ S(x) ] --[ B(x), Twice() ]-> [ ]
restriction no_a: "All x #i. A(x) @ #i ==> F"
restriction no_b: "All x #i. B(x) @ #i ==> F"
restriction unrelated: "All #i #j. Once() @ #i & Once() @ #j ==> #i = #j"
lemma b: exists-trace "Ex x #i. B(x) @ #i"
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	v, err = NewChecker(two, answerOptions(1, ExplainRestrictions)).Answer(context.Background(), two.Lemma("b"))
	require.NoError(t, err)
	require.NotNil(t, v.Blocking)
	assert.Equal(t, []string{"no_a", "no_b"}, v.Blocking.Restrictions)
	assert.Nil(t, v.Blocking.Witness, "the witness only with ExplainWitness")

	// no restrictions, nothing to explain
	nsl := load(t, "../examples/nsl.spthy")
	assert.NotEmpty(t, nsl.Restrictions)
	v, err = NewChecker(nsl, answerOptions(1, ExplainNone)).Answer(context.Background(), nsl.Lemma("executable"))
	require.NoError(t, err)
	assert.Nil(t, v.Blocking)
}

func TestLemmaNotes(t *testing.T) {
	th, diags := rules.Parse("n.spthy", []byte(`theory N begin
rule A: [ Fr(~x) ] --[ A(~x) ]-> [ ]
lemma vacuous: "All x #i. Ghost(x) @ #i ==> Ex #j. A(x) @ #j"
lemma impossible: exists-trace "Ex x #i. Ghost(x) @ #i"
lemma fine: exists-trace "Ex x #i. A(x) @ #i"
end`), rules.Options{})
	require.False(t, diags.HasErrors())
	assert.Equal(t, []string{"no rule records the action Ghost/1: the lemma assumes it, so that part holds vacuously"}, LemmaNotes(th, th.Lemma("vacuous")))
	assert.Equal(t, []string{"no rule records the action Ghost/1: the lemma requires it, so that part never holds"}, LemmaNotes(th, th.Lemma("impossible")))
	assert.Empty(t, LemmaNotes(th, th.Lemma("fine")))
}

// The executability report of the TLS 1.3 model runs to completion, rule
// by rule (at depth 2 here, for time; docs/executability-tls13.md has the
// full run).
func TestExecutabilityTLS13(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	path := corpusDir + "/tls13/tls13.spthy"
	th, diags := rules.Load(path, rules.Options{Defines: []string{"reachability"}})
	if th == nil && len(diags) > 0 {
		t.Skipf("the TLS 1.3 model is not available: %v", diags)
	}
	require.False(t, diags.HasErrors(), "%v", diags)
	o := DefaultOptions()
	o.Depth = 2
	x, err := Executable(context.Background(), th, o, nil)
	require.NoError(t, err)
	require.Len(t, x.Rules, 54)
	assert.Equal(t, 2, x.Complete)
	for _, rv := range x.Rules {
		switch rv.Status {
		case Reachable:
			assert.LessOrEqual(t, rv.Steps, 2, rv.Name)
		case NotReachable, Blocked:
		default:
			t.Errorf("rule %s: %s %s", rv.Name, rv.Status, rv.Reason)
		}
	}
	assert.GreaterOrEqual(t, x.Count(Reachable), 9, "the setup rules and the first messages")
	assert.Len(t, x.Static.Unrecorded, 2, "C_ZeroRTT_Auth and S_RecvZeroRTTAuth")
}
