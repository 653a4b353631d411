package encode

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// Problem.Parts accounts for every node the encoding built, each once,
// and puts the adversary's knowledge queries in a part of their own.
func TestParts(t *testing.T) {
	const model = `theory P begin
builtins: symmetric-encryption
rule Setup: [ Fr(~k) ] --> [ !Key(~k) ]
rule Send: [ !Key(k), Fr(~n) ] --[ Secret(~n) ]-> [ Out(senc(~n, k)) ]
rule Recv: [ !Key(k), In(senc(x, k)) ] --[ Got(x) ]-> [ ]
lemma secret: "All n #i. Secret(n) @ i ==> not (Ex #j. K(n) @ j)"
end`
	th, diags := rules.Parse("p.spthy", []byte(model), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	E, err := New(th, DefaultOptions())
	require.NoError(t, err)
	p, err := E.EncodeAtMost(GoalForLemma(th.Lemma("secret")), 3)
	require.NoError(t, err)
	sum, names := 0, map[string]bool{}
	for _, part := range p.Parts() {
		assert.Positive(t, part.Nodes, part.Name)
		assert.False(t, names[part.Name], "part %s twice", part.Name)
		names[part.Name] = true
		sum += part.Nodes
	}
	assert.Equal(t, p.B.Nodes(), sum, "the parts are the problem's nodes")
	assert.True(t, names[knowledgePart], "%v", p.Parts())
	assert.True(t, names["premises"], "%v", p.Parts())
}
