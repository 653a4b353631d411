package queries

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/rules"
)

// A forwarding rule (Fwd) is split by the labels of what it forwards, so
// the abstraction knows that B needs a hello and E a hello and a bye: its
// lower bounds are the shortest traces' lengths, and the check finds
// those traces (the bound never exceeds a real trace's length).
const planModel = `theory Plan begin
functions: hello/1, bye/1
rule A: [ Fr(~x) ] --> [ Msg(hello(~x)) ]
rule D: [ Fr(~x) ] --> [ Msg(bye(~x)) ]
rule Fwd: [ Msg(m) ] --> [ Inbox(m) ]
rule B: [ Inbox(hello(x)) ] --[ Got(x) ]-> [ ]
rule E: [ Inbox(bye(x)), Inbox(hello(y)) ] --[ Both(x, y) ]-> [ ]
rule Loop: [ St(s) ] --[ Looped(s) ]-> [ St(s) ]
lemma got: exists-trace "Ex x #i. Got(x) @ #i"
lemma both: exists-trace "Ex x y #i. Both(x, y) @ #i"
lemma never_got: "All x #i. Got(x) @ #i ==> F"
lemma loop: exists-trace "Ex s #i. Looped(s) @ #i"
end`

func TestPlanLowerBound(t *testing.T) {
	th, diags := rules.Parse("plan.spthy", []byte(planModel), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	c := NewChecker(th, DefaultOptions())
	for _, tc := range []struct {
		lemma string
		lo    int // the abstraction's bound (0: no flow)
		steps int // a shortest trace (0: none)
	}{{"got", 3, 3}, {"both", 5, 5}, {"never_got", 3, 3}, {"loop", 0, 0}} {
		pl, err := newPlanner(th, c.enc, encode.GoalForLemma(th.Lemma(tc.lemma)).Formula)
		require.NoError(t, err)
		counts, err := pl.cheapest(context.Background(), 10)
		require.NoError(t, err)
		n := 0
		for _, k := range counts {
			n += k
		}
		assert.Equal(t, tc.lo, n, tc.lemma)
		v, err := c.Check(context.Background(), th.Lemma(tc.lemma))
		require.NoError(t, err)
		if tc.steps == 0 {
			// St is never produced: no flow reaches Looped
			assert.Equal(t, NoWitnessUpToBound, v.Kind, v.Summary())
			continue
		}
		require.NotNil(t, v.Trace, v.Summary())
		assert.Len(t, v.Trace.Steps, tc.steps, tc.lemma)
	}
}

// Without any flow to the goal's action within the depth, the abstraction
// decides the lemma.
func TestPlanNoFlow(t *testing.T) {
	th, diags := rules.Parse("plan.spthy", []byte(`theory NoFlow begin
functions: hello/1, bye/1
rule A: [ Fr(~x) ] --> [ Msg(hello(~x)) ]
rule B: [ Msg(bye(x)) ] --[ Got(x) ]-> [ ]
lemma got: exists-trace "Ex x #i. Got(x) @ #i"
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	v, err := NewChecker(th, DefaultOptions()).Check(context.Background(), th.Lemma("got"))
	require.NoError(t, err)
	assert.Equal(t, NoWitnessUpToBound, v.Kind, v.Summary())
	require.NotEmpty(t, v.Stats)
	assert.Equal(t, "none (abstraction)", v.Stats[len(v.Stats)-1].Result)
}

// Counting restrictions bound the plans' flows: the third Post of
// testdata/verdicts/counting.spthy is decided by the abstraction alone,
// at any depth; without the restriction it has a witness.
func TestPlanCounting(t *testing.T) {
	src, err := os.ReadFile("testdata/verdicts/counting.spthy")
	require.NoError(t, err)
	th := parseModel(t, "counting", string(src))
	o := DefaultOptions()
	o.Depth = 60
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma("third"))
	require.NoError(t, err)
	require.Equal(t, NoWitnessUpToBound, v.Kind, v.Summary())
	var results []string
	for _, st := range v.Stats {
		results = append(results, st.Result)
	}
	assert.Contains(t, results, "none (abstraction: every trace with the goal has steps of First, Second, Third, more than restriction At_most_2_of_Post allows)",
		"decided by the landmark rules before any search")
	// without the landmark argument (off with --no-incremental), the
	// plans' flows decide it
	o.NotIncremental = true
	v, err = NewChecker(th, o).Check(context.Background(), th.Lemma("third"))
	require.NoError(t, err)
	require.Equal(t, NoWitnessUpToBound, v.Kind, v.Summary())
	results = nil
	for _, st := range v.Stats {
		results = append(results, st.Result)
	}
	assert.Contains(t, results, "none (abstraction)", "decided by the plans' flows (after the forward search's first look)")
	o.NotIncremental = false
	free := withoutRestrictions(th, []string{"At_most_2_of_Post"})
	v, err = NewChecker(free, o).Check(context.Background(), free.Lemma("third"))
	require.NoError(t, err)
	assert.Equal(t, WitnessFound, v.Kind, v.Summary())
}
