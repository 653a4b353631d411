package replay

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// An inner quantifier that reuses a variable's name must not lose or see
// the outer binding.
func TestShadowedVariables(t *testing.T) {
	th, diags := rules.Parse("s.spthy", []byte(`theory S begin
rule A: [ Fr(~n) ] --[ A(~n) ]-> [ ]
rule B: [ ] --[ B('c') ]-> [ ]
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	tr := &rules.Trace{Steps: []*rules.Step{
		{Rule: th.Rule("A"), Name: "A", Subst: rules.Subst{rules.Var{Name: "n", Sort: rules.SortFresh}: rules.NewFreshConst("n.1")}},
		{Rule: th.Rule("B"), Name: "B", Subst: rules.Subst{}},
	}}
	parse := func(f string) rules.Formula {
		th2, d := rules.Parse("f.spthy", []byte(`theory F begin
rule A: [ Fr(~n) ] --[ A(~n) ]-> [ ]
rule B: [ ] --[ B('c') ]-> [ ]
lemma l: "`+f+`"
end`), rules.Options{})
		require.False(t, d.HasErrors(), "%v", d)
		return th2.Lemmas[0].Formula
	}
	cases := []struct {
		f    string
		want bool
	}{
		// the inner #i ranges over B's step, the outer stays at A's
		{`Ex x #i. A(x)@i & (Ex #i. B('c')@i) & A(x)@i`, true},
		{`Ex x #i. A(x)@i & not(Ex #i. A(x)@i)`, false},
		{`All x #i. A(x)@i ==> (Ex #i. B('c')@i) & A(x)@i`, true},
	}
	for _, c := range cases {
		_, err := Check(th, tr, parse(c.f))
		if c.want {
			assert.NoError(t, err, c.f)
		} else {
			assert.Error(t, err, c.f)
		}
	}
}

// The limited evaluation gives up with ErrEvalLimit where the full one
// answers after trying more bindings than the limit allows.
func TestHoldsLimited(t *testing.T) {
	th, diags := rules.Parse("l.spthy", []byte(`theory L begin
rule A: [ Fr(~n) ] --[ A(~n) ]-> [ ]
lemma l: "All x y z #i #j #k. A(x)@i & A(y)@j & A(z)@k ==> x = x"
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	var steps []*Step
	for i := 0; i < 40; i++ {
		n := rules.NewFreshConst("n." + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		steps = append(steps, &Step{Actions: []*rules.Fact{{Name: "A", Args: []*rules.Term{n}}}})
	}
	f := th.Lemmas[0].Formula
	ok, err := Holds(th, steps, f)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = HoldsLimited(th, steps, f)
	assert.ErrorIs(t, err, ErrEvalLimit)
	// a small trace stays within the limit
	ok, err = HoldsLimited(th, steps[:3], f)
	require.NoError(t, err)
	assert.True(t, ok)
}
