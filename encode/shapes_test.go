package encode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

const shapeModel = `theory S begin
builtins: asymmetric-encryption
rule Key: [ Fr(~k) ] --> [ !Key($A, ~k), !Pk($A, pk(~k)) ]
rule Use: [ !Pk(A, pkA), !Key(B, kB) ] --[ Used(A, pkA, kB) ]-> [ ]
rule Dead: [ !Pk(A, 'c') ] --> [ ]
rule Loop0: [ ] --> [ L('0') ]
rule Loop1: [ L(x) ] --> [ L(<x, 'i'>) ]
end`

func TestShapeInference(t *testing.T) {
	th, diags := rules.Parse("s.spthy", []byte(shapeModel), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	E, err := New(th, Options{})
	require.NoError(t, err)
	byName := map[string]*ruleInfo{}
	for _, ri := range E.rules {
		byName[ri.name] = ri
	}
	use := byName["Use"].ref
	require.False(t, use.dead)
	sigma := func(ref *refinement, name string) *rules.Term {
		for v, t := range ref.sigma {
			if v.Name == name {
				return t
			}
		}
		return nil
	}
	assert.Equal(t, rules.SortPub, sigma(use, "A").Var.Sort, "A is always a public name")
	pk := sigma(use, "pkA")
	require.True(t, pk.IsApp("pk"), "pkA is always pk(~k): got %s", pk)
	assert.Equal(t, rules.SortFresh, pk.Args[0].Var.Sort)
	assert.Equal(t, rules.SortFresh, sigma(use, "kB").Var.Sort)
	assert.True(t, byName["Dead"].ref.dead, "a premise that cannot match its shape kills the rule")
	x := sigma(byName["Loop1"].ref, "x")
	assert.True(t, x.IsVar(), "a growing loop generalises to a variable: %s", x)
}

func TestAdversaryKnownVariables(t *testing.T) {
	th, diags := rules.Parse("k.spthy", []byte(`theory K begin
builtins: hashing
rule A: [ In(<x, y>), Fr(~n) ] --> [ St(x, ~n, h(y)) ]
rule B: [ St(x, n, hy) ] --[ Got(x, n, hy) ]-> [ ]
end`), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	E, err := New(th, Options{})
	require.NoError(t, err)
	var b *ruleInfo
	for _, ri := range E.rules {
		if ri.name == "B" {
			b = ri
		}
	}
	image := func(name string) *rules.Term {
		for v, t := range b.ref.sigma {
			if v.Name == name {
				return t
			}
		}
		t.Fatalf("no variable %s", name)
		return nil
	}
	x, n, hy := image("x"), image("n"), image("hy")
	assert.True(t, b.knownState[x.Var], "x was sent by the adversary, so B's x is known")
	assert.False(t, b.knownState[n.Var], "the fresh n is not known")
	require.True(t, hy.IsApp("h"), "shape inference refines hy to h(y'): %s", hy)
	assert.False(t, b.knownState[hy.Args[0].Var], "only h(y) is known, not y")
	assert.Len(t, b.knownState, 1)
}

// TestShapeInferenceLongChain: a chain of facts longer than any fixed
// number of rounds (rules listed against the chain's order, so each
// round moves one step) reaches its end: shape inference runs to its
// fixpoint and never declares a reachable rule dead.
func TestShapeInferenceLongChain(t *testing.T) {
	const n = 150
	var b strings.Builder
	b.WriteString("theory Chain begin\n")
	fmt.Fprintf(&b, "rule End: [ F%d(x) ] --[ End(x) ]-> [ ]\n", n)
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "rule R%d: [ F%d(x) ] --> [ F%d(<x, '%d'>) ]\n", i, i, i+1, i)
	}
	b.WriteString("rule Start: [ Fr(~s) ] --> [ F0(~s) ]\nend\n")
	th, diags := rules.Parse("chain.spthy", []byte(b.String()), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	E, err := New(th, Options{})
	require.NoError(t, err)
	for _, ri := range E.rules {
		assert.False(t, ri.ref.dead, "rule %s is reachable", ri.name)
	}
}
