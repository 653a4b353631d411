package queries

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// Values are named after the lemma's variables first, then after the
// rule variables that bind them (a name only one value has before a
// shared one), with #2, #3 where a name is taken; constants keep their
// names, and the adversary's own fresh values are ~adv.
func TestNameValues(t *testing.T) {
	th, diags := rules.Parse("n.spthy", []byte(`theory N begin
rule Reg: [ Fr(~k) ] --[ Reg($P) ]-> [ !Key($P, ~k) ]
rule Use: [ !Key($S, kS), Fr(~n) ] --[ Use($S, 'P') ]-> [ Out(<kS, ~n>) ]
lemma l: exists-trace "Ex who #i. Use(who, 'P') @ #i"
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	v := func(name string, s rules.Sort) rules.Var { return rules.Var{Name: name, Sort: s} }
	pub, fresh := rules.NewPub, rules.NewFreshConst
	reg, use := th.Rule("Reg"), th.Rule("Use")
	tr := &rules.Trace{Steps: []*rules.Step{
		{Rule: reg, Name: "Reg", Subst: rules.Subst{v("k", rules.SortFresh): fresh("f1"), v("P", rules.SortPub): pub("p1")}, Sources: []rules.Source{{Step: -1, Conclusion: -1}}},
		{Rule: reg, Name: "Reg", Subst: rules.Subst{v("k", rules.SortFresh): fresh("f2"), v("P", rules.SortPub): pub("P")}, Sources: []rules.Source{{Step: -1, Conclusion: -1}}},
		{Rule: reg, Name: "Reg", Subst: rules.Subst{v("k", rules.SortFresh): fresh("f3"), v("P", rules.SortPub): pub("p3")}, Sources: []rules.Source{{Step: -1, Conclusion: -1}}},
		{Rule: use, Name: "Use", Subst: rules.Subst{v("S", rules.SortPub): pub("p3"), v("kS", rules.SortMsg): fresh("f3"), v("n", rules.SortFresh): fresh("f4")},
			Sources: []rules.Source{{Step: 2, Conclusion: 0}, {Step: -1, Conclusion: -1}}},
	}, KEvents: []*rules.KEvent{{Term: fresh("a9"), Time: 4*rules.TraceTimeScale + 1, InStep: -1, InPremise: -1}}}
	goal := encode.GoalForLemma(th.Lemma("l")).Formula
	rep, err := replay.Check(th, tr, goal)
	require.NoError(t, err)
	bs := Bindings(th, th.Lemma("l"), tr, rep)
	named := nameValues(th, tr, bs)
	_, err = replay.Check(th, named, goal)
	require.NoError(t, err, "renaming keeps the trace a trace")
	val := func(step int, name string, s rules.Sort) string { return named.Steps[step].Subst[v(name, s)].String() }
	// p1 is a Reg agent: $P, but 'P' is a constant of the model, so P#2
	assert.Equal(t, "'P#2'", val(0, "P", rules.SortPub))
	assert.Equal(t, "'P'", val(1, "P", rules.SortPub), "a constant keeps its name")
	assert.Equal(t, "'who'", val(2, "P", rules.SortPub), "the lemma's variable first")
	// keys: f3 alone is called kS; the others share k
	assert.Equal(t, "~'k'", val(0, "k", rules.SortFresh))
	assert.Equal(t, "~'k#2'", val(1, "k", rules.SortFresh))
	assert.Equal(t, "~'kS'", val(2, "k", rules.SortFresh))
	assert.Equal(t, "~'n'", val(3, "n", rules.SortFresh))
	assert.Equal(t, "~'adv'", named.KEvents[0].Term.String(), "the adversary's own fresh name")
}
