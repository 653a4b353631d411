package replay

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// A trace whose In premise has no send event cannot be judged by a formula
// about K or KU: Tamarin logs K(m) before every receive. Without the
// event, the negation of a lemma that holds ("every received message was
// known before") would be accepted as a counterexample.
func TestSendEventsRequired(t *testing.T) {
	const model = `theory S begin
rule Send: [ Fr(~n) ] --[ ]-> [ Out(~n) ]
rule Recv: [ In(x) ] --[ Got(x) ]-> [ ]
lemma l: "LEMMA"
end`
	th, known := withLemma(t, model, `not(All x #i. Got(x) @ #i ==> Ex #j. K(x) @ #j & #j < #i)`)
	_, plain := withLemma(t, model, `Ex x #i. Got(x) @ #i`)
	n := rules.NewFreshConst("n")
	x := rules.Var{Name: "x", Sort: rules.SortMsg}
	steps := func() []*rules.Step {
		return []*rules.Step{
			{Rule: th.Rule("Send"), Name: "Send", Subst: rules.Subst{{Name: "n", Sort: rules.SortFresh}: n}, Sources: []rules.Source{{Step: -1, Conclusion: -1}}},
			{Rule: th.Rule("Recv"), Name: "Recv", Subst: rules.Subst{x: n}, Sources: []rules.Source{{Step: -1, Conclusion: -1}}},
		}
	}
	bare := &rules.Trace{Steps: steps()}
	_, err := Check(th, bare, known)
	require.Error(t, err, "a receive without its send event, judged by a formula about K")
	assert.Contains(t, err.Error(), "no send event")
	_, err = Check(th, bare, plain)
	assert.NoError(t, err, "no formula sees the sends")

	sent := &rules.Trace{Steps: steps(), KEvents: []*rules.KEvent{{Term: n, Time: rules.TraceTimeScale + 1, InStep: 1, InPremise: 0}}}
	_, err = Check(th, sent, known)
	require.Error(t, err, "with its send event the trace satisfies the lemma, so it is no counterexample")
	assert.Contains(t, err.Error(), "claimed property")
}

// withLemma parses model with its lemma's formula "LEMMA" replaced by f,
// and returns the theory and the formula.
func withLemma(t *testing.T, model, f string) (*rules.Theory, rules.Formula) {
	t.Helper()
	th, d := rules.Parse("m.spthy", []byte(strings.Replace(model, "LEMMA", f, 1)), rules.Options{})
	require.False(t, d.HasErrors(), "%v", d)
	return th, th.Lemmas[0].Formula
}
