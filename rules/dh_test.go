package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dhTheory(t *testing.T) *Theory {
	th, diags := Parse("dh.spthy", []byte("theory D begin\nbuiltins: diffie-hellman, hashing\nend\n"), Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	return th
}

func TestDHNormalForms(t *testing.T) {
	th := dhTheory(t)
	g, x, y, z := NewPub("g"), NewFreshConst("x"), NewFreshConst("y"), NewFreshConst("z")
	exp := func(a, b *Term) *Term { return NewApp(FunExp, a, b) }
	mult := func(a ...*Term) *Term { return NewApp(FunMult, a...) }
	inv := func(a *Term) *Term { return NewApp(FunInv, a) }
	one := NewApp(FunOne)
	n := th.Normalize
	cases := []struct {
		in   *Term
		want string
	}{
		{exp(exp(g, x), y), "'g'^(~'x'*~'y')"},
		{exp(exp(g, y), x), "'g'^(~'x'*~'y')"},
		{exp(g, one), "'g'"},
		{exp(exp(g, x), inv(x)), "'g'"},
		{mult(x, inv(x)), "one"},
		{mult(y, mult(x, z)), "~'x'*~'y'*~'z'"},
		{inv(inv(x)), "~'x'"},
		{inv(mult(x, y)), "inv(~'x')*inv(~'y')"},
		{mult(x, x), "~'x'*~'x'"},
		{exp(g, inv(x)), "'g'^inv(~'x')"},
		{exp(exp(exp(g, x), y), mult(inv(x), inv(y))), "'g'"},
		{NewApp("h", exp(exp(g, x), y)), "h('g'^(~'x'*~'y'))"},
		{exp(NewApp(FunDHNeu), x), "DH_neutral^~'x'"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, n(c.in).String(), "normal form of %s", c.in)
	}
	// g^x^y = g^y^x, and g^x ≠ g^y for distinct fresh x, y
	assert.True(t, n(exp(exp(g, x), y)).Equal(n(exp(exp(g, y), x))))
	assert.False(t, n(exp(g, x)).Equal(n(exp(g, y))))
	// normal forms are fixpoints
	for _, c := range cases {
		once := n(c.in)
		assert.Equal(t, once.String(), n(once).String())
	}
}

func TestDHProducts(t *testing.T) {
	x, y := NewFreshConst("x"), NewFreshConst("y")
	p := MakeProduct([]Factor{{x, 2}, {y, -1}, {x, -1}})
	assert.Equal(t, "~'x'*inv(~'y')", p.String())
	assert.Equal(t, []Factor{{x, 1}, {y, -1}}, ProductOf(p))
	assert.Equal(t, "one", MakeProduct(Quotient(ProductOf(p), ProductOf(p))).String())
}
