package queries

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/rules"
)

// The goal of the search for distinct agents: the goal's outermost
// existential block with the coincident variables required to differ,
// whichever way the lemma writes it.
func TestDistinctGoal(t *testing.T) {
	th, diags := rules.Parse("d.spthy", []byte(`theory D begin
rule R: [ ] --[ Run($A, $B) ]-> [ ]
lemma all: "All a b #i. Run(a, b) @ #i ==> F"
lemma none: "not(Ex a b #i. Run(a, b) @ #i)"
lemma ex: exists-trace "Ex a b #i. Run(a, b) @ #i"
lemma inner: exists-trace "(Ex #i. Run('x', 'y') @ #i) & (Ex a b #j. Run(a, b) @ #j)"
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	a, b := rules.Var{Name: "a"}, rules.Var{Name: "b"}
	pairs := []coincidence{{X: a, Y: b}}
	for _, c := range []struct{ lemma, want string }{
		{"all", "Ex a b #i. not(Run(a, b) @ #i ==> F) & not(a = b)"},
		{"none", "Ex a b #i. Run(a, b) @ #i & not(a = b)"},
		{"ex", "Ex a b #i. Run(a, b) @ #i & not(a = b)"},
	} {
		g, ok := distinctGoal(encode.GoalForLemma(th.Lemma(c.lemma)), pairs)
		require.True(t, ok, c.lemma)
		assert.Equal(t, c.want, rules.FormulaString(g.Formula), c.lemma)
		assert.Equal(t, "lemma "+c.lemma+" (with distinct agents)", g.Name)
	}
	_, ok := distinctGoal(encode.GoalForLemma(th.Lemma("inner")), pairs)
	assert.False(t, ok, "a and b are not bound by an outermost existential block")
	_, ok = distinctGoal(encode.GoalForLemma(th.Lemma("ex")), []coincidence{{X: a, Y: rules.Var{Name: "c"}}})
	assert.False(t, ok, "a pair that is not the block's")
}
