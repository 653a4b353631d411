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

// A premise with many possible sources names its source by a number
// (graph.go): NSL's depth-6 problem is smaller that way than with one
// equality per source and argument.
func TestNumberedSources(t *testing.T) {
	th, diags := rules.Load("../examples/nsl.spthy", rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	goal := GoalForLemma(th.Lemma("responder_nonce_secrecy"))
	size := func(eager bool) int {
		o := DefaultOptions()
		o.EagerEdges = eager
		E, err := New(th, o)
		require.NoError(t, err)
		p, err := E.EncodeAtMost(goal, 6)
		require.NoError(t, err)
		return p.B.Nodes()
	}
	assert.Less(t, size(false), size(true))
}

// mayEqual agrees with Builder.Eq: false exactly where Eq folds to false.
func TestMayEqual(t *testing.T) {
	th, diags := rules.Parse("m.spthy", []byte("theory M begin\nbuiltins: hashing\nend"), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	b := NewBuilder()
	a := newAlgebra(b, th)
	x, y := b.FreshConst("x", SortMsg), b.FreshConst("y", SortMsg)
	pa, pb := a.pub("a"), a.pub("b")
	h := func(m *Node) *Node {
		n, err := a.apply("h", []*Node{m})
		require.NoError(t, err)
		return n
	}
	pair := func(m, n *Node) *Node {
		p, err := a.apply(rules.FunPair, []*Node{m, n})
		require.NoError(t, err)
		return p
	}
	for _, c := range []struct{ x, y *Node }{
		{x, y}, {pa, pb}, {pa, x}, {h(pa), h(pb)}, {h(x), h(pa)}, {pair(pa, x), pair(pb, y)},
		{pair(x, pa), pair(y, pa)}, {h(pa), pair(pa, pa)}, {a.fresh("n", 1), a.fresh("n", 2)}, {a.fresh("n", 1), pa},
		{b.Int(1), b.Int(2)}, {b.Int(1), b.FreshConst("i", SortInt)},
	} {
		assert.Equal(t, b.Eq(c.x, c.y) != b.False, mayEqual(c.x, c.y), "%v = %v", c.x, c.y)
	}
}

// Slot problems number their premises' sources too (EncodeSlots once
// built its encoding without the numbering's table and panicked).
func TestSlotsNumberedSources(t *testing.T) {
	th, diags := rules.Load("../examples/nsl.spthy", rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	E, err := New(th, DefaultOptions())
	require.NoError(t, err)
	slots := make([]int, len(E.rules))
	for i := range slots {
		slots[i] = edgeFunctionSources
	}
	p, err := E.EncodeSlots(GoalForLemma(th.Lemma("executable")), slots, 0)
	require.NoError(t, err)
	assert.NotEmpty(t, p.e.concIDs, "some premise has %d sources or more", edgeFunctionSources)
}
