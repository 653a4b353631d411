package replay

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// Witness names the values of the existential variables a formula's truth
// rests on: the outer block, inner blocks of conjuncts, the disjunct that
// holds, knowledge events for K atoms; nothing when it does not hold.
func TestWitness(t *testing.T) {
	const model = `theory W begin
rule Send: [ Fr(~n) ] --[ Sent($A, ~n) ]-> [ Out(~n) ]
rule Ack: [ ] --[ Ack($A, $B) ]-> [ ]
lemma l: "LEMMA"
end`
	parse := func(f string) (*rules.Theory, rules.Formula) { return withLemma(t, model, f) }
	th, _ := parse("F")
	pub := func(s string) *rules.Term { return rules.NewPub(s) }
	tr := &rules.Trace{
		Steps: []*rules.Step{
			{Rule: th.Rule("Ack"), Name: "Ack", Subst: rules.Subst{{Name: "A", Sort: rules.SortPub}: pub("A"), {Name: "B", Sort: rules.SortPub}: pub("A")}},
			{Rule: th.Rule("Send"), Name: "Send", Subst: rules.Subst{{Name: "A", Sort: rules.SortPub}: pub("B"), {Name: "n", Sort: rules.SortFresh}: rules.NewFreshConst("n")}, Sources: []rules.Source{{Step: -1, Conclusion: -1}}},
			{Rule: th.Rule("Ack"), Name: "Ack", Subst: rules.Subst{{Name: "A", Sort: rules.SortPub}: pub("B"), {Name: "B", Sort: rules.SortPub}: pub("A")}},
		},
		KEvents: []*rules.KEvent{{Term: rules.NewFreshConst("n"), Time: 2*rules.TraceTimeScale + 1, InStep: -1, InPremise: -1}},
	}
	show := func(bs []Binding) string {
		var parts []string
		for _, b := range bs {
			switch {
			case b.Term != nil:
				parts = append(parts, b.Var.String()+"="+b.Term.String())
			case b.Step >= 0:
				parts = append(parts, fmt.Sprintf("%s=step %d", b.Var, b.Step+1))
			default:
				parts = append(parts, fmt.Sprintf("%s=event %d", b.Var, b.KEvent))
			}
		}
		return strings.Join(parts, " ")
	}
	for _, c := range []struct{ f, want string }{
		// an all-traces lemma's negation: its variables, and the K event
		{`not(All a n #i. Sent(a, n) @ #i ==> not(Ex #k. K(n) @ #k))`, "a='B' n=~'n' #i=step 2 #k=event 0"},
		// the first binding in time order that makes the body true
		{`Ex a b #i. Ack(a, b) @ #i & not(a = b)`, "a='B' b='A' #i=step 3"},
		{`Ex a #i. Ack(a, a) @ #i`, "a='A' #i=step 1"},
		// conjuncts' blocks in order; a universal gives nothing
		{`(Ex #i. Sent('B', ~'n') @ #i) & (All a b #j. Ack(a, b) @ #j ==> b = 'A') & (Ex #j. Ack('B', 'A') @ #j)`, "#i=step 2 #j=step 3"},
		// the disjunct that holds
		{`(Ex #i. Ack('C', 'C') @ #i) | (Ex a #j. Ack(a, 'A') @ #j & not(a = 'A'))`, "a='B' #j=step 3"},
	} {
		th, f := parse(c.f)
		res, err := Check(th, tr, f)
		require.NoError(t, err, c.f)
		bs, ok, err := Witness(th, tr, res, f)
		require.NoError(t, err)
		require.True(t, ok, c.f)
		assert.Equal(t, c.want, show(bs), c.f)
	}
	th, f := parse(`Ex a #i. Ack(a, 'C') @ #i`)
	res, err := Check(th, tr, nil)
	require.NoError(t, err)
	_, ok, err := Witness(th, tr, res, f)
	require.NoError(t, err)
	assert.False(t, ok, "no witness for a formula that does not hold")
}
