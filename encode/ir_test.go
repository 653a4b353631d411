package encode

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

func TestBuilderHashConsing(t *testing.T) {
	b := NewBuilder()
	x := b.Const("x", SortBool)
	y := b.Const("y", SortBool)
	assert.Same(t, b.And(x, y), b.And(y, x), "and is built in a canonical order")
	assert.Same(t, b.Const("x", SortBool), x)
	assert.Same(t, b.True, b.And())
	assert.Same(t, b.False, b.Or())
	assert.Same(t, b.False, b.And(x, b.False))
	assert.Same(t, x, b.And(x, b.True))
	assert.Same(t, b.False, b.And(x, b.Not(x)), "x and not x")
	assert.Same(t, b.True, b.Or(x, b.Not(x)))
	assert.Same(t, x, b.Not(b.Not(x)))
	assert.Same(t, b.And(x, y), b.And(b.And(x), b.And(y, x)), "nested conjunctions flatten")
}

func TestBuilderArithmeticFolding(t *testing.T) {
	b := NewBuilder()
	assert.Same(t, b.True, b.Lt(b.Int(1), b.Int(2)))
	assert.Same(t, b.False, b.Lt(b.Int(2), b.Int(2)))
	assert.Same(t, b.True, b.Le(b.Int(2), b.Int(2)))
	assert.Same(t, b.Int(5), b.Add(b.Int(2), b.Int(3)))
	r := b.Const("r", SortReal)
	assert.Same(t, b.False, b.Lt(r, r))
	assert.Equal(t, SortReal, b.Add(r, b.Real(1)).Sort)
}

// messages builds a small algebra over the pairing and symmetric
// encryption theory.
func messages(t *testing.T) (*Builder, *algebra) {
	th, diags := rules.Parse("m.spthy", []byte("theory M begin builtins: symmetric-encryption, hashing end"), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	b := NewBuilder()
	return b, newAlgebra(b, th)
}

func TestMessageEqualityDecomposition(t *testing.T) {
	b, a := messages(t)
	x := a.variable("x", rules.SortMsg)
	y := a.variable("y", rules.SortMsg)
	pa, pb := a.pub("a"), a.pub("b")
	pair := func(l, r *Node) *Node {
		n, err := a.apply(rules.FunPair, []*Node{l, r})
		require.NoError(t, err)
		return n
	}
	h := func(m *Node) *Node {
		n, err := a.apply("h", []*Node{m})
		require.NoError(t, err)
		return n
	}
	assert.Same(t, b.False, b.Eq(pair(x, pa), h(y)), "constructor clash")
	assert.Same(t, b.False, b.Eq(pa, pb), "distinct public constants")
	assert.Same(t, b.And(b.Eq(x, y), b.True), b.Eq(pair(x, pa), pair(y, pa)), "equal constructors compare arguments")
	assert.Same(t, b.False, b.Eq(pair(x, pa), pair(y, pb)))
	fr1, fr2 := a.fresh("n1", 1), a.fresh("n2", 2)
	assert.Same(t, b.False, b.Eq(fr1, fr2), "distinct fresh names")
	assert.Same(t, b.False, b.Eq(fr1, pa), "a fresh name is not public")
	pv := a.variable("p", rules.SortPub)
	assert.Same(t, b.False, b.Eq(pv, h(x)), "a public variable is no hash")
	assert.NotSame(t, b.False, b.Eq(pv, pa), "a public variable may be a constant")
	fv := a.variable("f", rules.SortFresh)
	assert.Same(t, b.False, b.Eq(fv, pv))
}

func TestDestructorsFoldAndDefine(t *testing.T) {
	b, a := messages(t)
	m := a.variable("m", rules.SortMsg)
	k := a.variable("k", rules.SortMsg)
	enc, err := a.apply("senc", []*Node{m, k})
	require.NoError(t, err)
	dec, err := a.apply("sdec", []*Node{enc, k})
	require.NoError(t, err)
	assert.Same(t, m, dec, "sdec(senc(m,k),k) folds statically")
	x := a.variable("x", rules.SortMsg)
	before := len(b.axioms)
	stuck, err := a.apply("sdec", []*Node{x, k})
	require.NoError(t, err)
	assert.Equal(t, MsgOpaque, stuck.Kind, "an sdec of unknown argument is opaque")
	axioms := b.axioms[before:]
	text := ""
	for _, ax := range axioms {
		text += ax.String() + "\n"
	}
	assert.Contains(t, text, "sel1", "its definition reads the argument's parts")
	assert.True(t, strings.Count(text, "f_sdec") >= 1)
}

func TestMatchGenericStructure(t *testing.T) {
	b, a := messages(t)
	x := a.variable("x", rules.SortMsg)
	pat := rules.NewApp("senc", rules.NewVar("m", 0, rules.SortMsg), rules.NewVar("k", 0, rules.SortMsg))
	sigma := map[rules.Var]*Node{}
	cond, err := a.match(pat, x, sigma)
	require.NoError(t, err)
	assert.NotSame(t, b.False, cond)
	m := sigma[rules.Var{Name: "m"}]
	require.NotNil(t, m)
	assert.Equal(t, MsgOpaque, m.Kind, "an unknown message is matched through selectors")
	h, _ := a.apply("h", []*Node{x})
	cond, err = a.match(pat, h, map[rules.Var]*Node{})
	require.NoError(t, err)
	assert.Same(t, b.False, cond, "h(x) never matches senc(m, k)")
}
