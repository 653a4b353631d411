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

func TestConvergence(t *testing.T) {
	load := func(eqs string) (*Theory, Diagnostics) {
		src := "theory C begin\nfunctions: f/1, g/1, h/1, sign/2, blind/2, unblind/2, enc/2, dec/2, prefix/1\n" + eqs + "\nend\n"
		return Parse("c.spthy", []byte(src), Options{})
	}
	// blind signatures (Tamarin's chaum example) and prefixes of CBC
	// encryption are convergent without being subterm-convergent
	for _, eqs := range []string{
		"equations: unblind(blind(m, r), r) = m, unblind(sign(blind(m, r), k), r) = sign(m, k)",
		"equations [convergent]: dec(enc(M, k), k) = M, prefix(enc(<X, Y>, k)) = enc(X, k)",
	} {
		_, diags := load(eqs)
		assert.False(t, diags.HasErrors(), "%s: %v", eqs, diags)
	}
	// two rules for one redex with different results: not confluent
	_, diags := load("equations: f(g(x)) = x, f(g(x)) = h(x)")
	require.True(t, diags.HasErrors())
	assert.Contains(t, diags.Error(), "not convergent")
	assert.Contains(t, diags.Error(), "f(g(")
	th := dhTheory(t)
	assert.Nil(t, th.NonJoinable())
}
