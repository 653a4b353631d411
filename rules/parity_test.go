package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tamarin parity on well-formedness: what Tamarin reports as a warning
// and still checks is a warning here too, with the caret on the culprit.
func TestWellformednessWarnings(t *testing.T) {
	src := "theory T begin\n" +
		"rule A: [ Fr(~n) ] --> [ St(~n) ]\n" +
		"rule B: [ St(x, y) ] --[ Two(x) ]-> [ ]\n" +
		"rule C: [ In(y) ] --[ Got(y, z) ]-> [ Out(<y, ~m>) ]\n" +
		"lemma l: \"All x #i. Strat(x) @ i ==> F\"\n" +
		"lemma m: exists-trace \"Ex x #i. Two(x) @ i & Got(x, x) @ i\"\n" +
		"end\n"
	th, diags := Parse("p.spthy", []byte(src), Options{ReadFile: noFiles})
	require.False(t, diags.HasErrors(), diagString(diags))
	byCheck := map[string]*Diagnostic{}
	for _, d := range diags {
		assert.Equal(t, SevWarning, d.Severity, d.Error())
		byCheck[d.Check] = d
	}
	// a fact used with two arities: two different facts (Tamarin's issue527)
	require.Contains(t, byCheck, "fact-usage")
	assert.Equal(t, "p.spthy:3:11: warning: fact St is used inconsistently (arity): St/2 here, St/1 in rule A (conclusion); they are different facts [fact-usage]",
		byCheck["fact-usage"].Error())
	// the caret is on the first unbound variable, not on its fact
	require.Contains(t, byCheck, "unbound-variables")
	d := byCheck["unbound-variables"]
	assert.Equal(t, 4, d.Pos.Line)
	assert.Equal(t, 30, d.Pos.Column, "the z of Got(y, z)")
	assert.Contains(t, d.Msg, "rule C has unbound variables: z, ~m;")
	assert.Equal(t, []Var{{Name: "z"}, {Name: "m", Sort: SortFresh}}, th.Rules[2].UnboundVars())
	// an action no rule records
	assert.Equal(t, []string{"Strat/1"}, th.MissingActions(th.Lemma("l").Formula))
	assert.Empty(t, th.MissingActions(th.Lemma("m").Formula))
	assert.Equal(t, 2, th.UnboundDepth(), "one more than the deepest term, <y, ~m>")
}
