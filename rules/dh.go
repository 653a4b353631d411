package rules

import "sort"

// Diffie–Hellman normal forms (builtins: diffie-hellman), Tamarin's
// theory:
//
//	(x^y)^z  = x^(y*z)        x^1      = x
//	x*y      = y*x            (x*y)*z  = x*(y*z)
//	x*1      = x              x*inv(x) = 1
//
// The exponents form a free abelian group over atoms (any message that is
// not a product, an inverse or 1), so a product in normal form is a map
// from atoms to nonzero integer multiplicities. It is written as a term
// with the atoms in Compare order, each repeated by its multiplicity, as
// inv(atom) when negative: one atom with multiplicity 1 is the atom, −1
// is inv(atom), none is one, anything else an n-ary mult. An
// exponentiation in normal form is base^e with a base that is not itself
// an exponentiation and an exponent e ≠ 1 in normal form. DH_neutral is a
// constant without equations.
//
// The representation extends to the other AC theories: each is a map from
// atoms to multiplicities in its own monoid (xor: modulo 2, multisets:
// naturals).

// Factor is an atom of a product with its multiplicity.
type Factor struct {
	Atom *Term
	N    int
}

// IsDHSymbol reports whether f is one of the Diffie–Hellman operators whose
// applications the equations above normalise.
func IsDHSymbol(f string) bool {
	return f == FunExp || f == FunMult || f == FunInv || f == FunOne
}

// ProductOf returns the factors of a normal term read as a product:
// mult's factors, inv(a) as a^-1, one as no factors, any other term as an
// atom with multiplicity 1. The factors are in Compare order of atoms.
func ProductOf(t *Term) []Factor {
	// products have few atoms: a linear search by Equal is cheaper than a
	// map keyed by the atoms' printed forms (which was a tenth of the
	// forward search's time on a Diffie–Hellman model)
	var order []Factor
	var add func(t *Term, n int)
	add = func(t *Term, n int) {
		switch {
		case t.IsApp(FunMult):
			for _, a := range t.Args {
				add(a, n)
			}
			return
		case t.IsApp(FunInv) && len(t.Args) == 1:
			add(t.Args[0], -n)
			return
		case t.IsApp(FunOne) && len(t.Args) == 0:
			return
		}
		for i := range order {
			if order[i].Atom.Equal(t) {
				order[i].N += n
				return
			}
		}
		order = append(order, Factor{Atom: t, N: n})
	}
	add(t, 1)
	out := order[:0]
	for _, f := range order {
		if f.N != 0 {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Atom.Compare(out[j].Atom) < 0 })
	return out
}

// MakeProduct returns the normal term of a product with the given factors
// (in any order; equal atoms are added up).
func MakeProduct(fs []Factor) *Term {
	var parts []*Term
	for _, f := range ProductOf(productTerm(fs)) {
		for i := 0; i < f.N; i++ {
			parts = append(parts, f.Atom)
		}
		for i := 0; i > f.N; i-- {
			parts = append(parts, NewApp(FunInv, f.Atom))
		}
	}
	switch len(parts) {
	case 0:
		return NewApp(FunOne)
	case 1:
		return parts[0]
	}
	return NewApp(FunMult, parts...)
}

// productTerm writes factors as a (not normal) product term.
func productTerm(fs []Factor) *Term {
	var parts []*Term
	for _, f := range fs {
		for i := 0; i < f.N; i++ {
			parts = append(parts, f.Atom)
		}
		for i := 0; i > f.N; i-- {
			parts = append(parts, NewApp(FunInv, f.Atom))
		}
	}
	if len(parts) == 0 {
		return NewApp(FunOne)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return NewApp(FunMult, parts...)
}

// ExpOf splits a normal term into base and exponent: base^e gives (base, e's
// factors); any other term is its own base with no factors.
func ExpOf(t *Term) (base *Term, e []Factor) {
	if t.IsApp(FunExp) && len(t.Args) == 2 {
		return t.Args[0], ProductOf(t.Args[1])
	}
	return t, nil
}

// MakeExp returns the normal term of base^e for a normal base (which may
// itself be an exponentiation) and exponent factors.
func MakeExp(base *Term, e []Factor) *Term {
	b, f := ExpOf(base)
	all := append(append([]Factor{}, f...), e...)
	p := MakeProduct(all)
	if p.IsApp(FunOne) && len(p.Args) == 0 {
		return b
	}
	return NewApp(FunExp, b, p)
}

// normalizeDH rewrites an application of a DH operator whose arguments
// are normal to its normal form.
func normalizeDH(t *Term) *Term {
	switch {
	case t.IsApp(FunExp) && len(t.Args) == 2:
		return MakeExp(t.Args[0], ProductOf(t.Args[1]))
	case t.IsApp(FunMult), t.IsApp(FunInv) && len(t.Args) == 1:
		return MakeProduct(ProductOf(t))
	}
	return t
}

// Negate returns the factors with their multiplicities negated.
func Negate(fs []Factor) []Factor {
	out := make([]Factor, len(fs))
	for i, f := range fs {
		out[i] = Factor{f.Atom, -f.N}
	}
	return out
}

// Quotient returns the factors of a / b.
func Quotient(a, b []Factor) []Factor {
	return ProductOf(productTerm(append(append([]Factor{}, a...), Negate(b)...)))
}

// MatchDH matches pattern p against the normal ground term t modulo the
// Diffie–Hellman theory, extending s (which it does not change). It
// returns the matches it finds: all of them where the pattern's products
// have at most one factor that is a variable not bound yet (that factor is
// then the quotient), and syntactic matches elsewhere.
func (th *Theory) MatchDH(p, t *Term, s Subst) []Subst {
	switch {
	case p.Kind == TVar:
		if old, ok := s[p.Var]; ok {
			if th.Normalize(old).Equal(t) {
				return []Subst{s}
			}
			return nil
		}
		if !p.Var.Sort.Admits(t) {
			return nil
		}
		s2 := s.Copy()
		s2[p.Var] = t
		return []Subst{s2}
	case p.Kind != TApp:
		if p.Kind == t.Kind && p.Name == t.Name {
			return []Subst{s}
		}
		return nil
	case p.Name == FunExp && len(p.Args) == 2:
		tb, te := ExpOf(t)
		var out []Subst
		for _, s1 := range th.MatchDH(p.Args[0], tb, s) {
			out = append(out, th.matchProduct(p.Args[1], te, s1)...)
		}
		return out
	case p.Name == FunMult || p.Name == FunInv:
		return th.matchProduct(p, ProductOf(t), s)
	}
	if t.Kind != TApp || t.Name != p.Name || len(t.Args) != len(p.Args) {
		return nil
	}
	out := []Subst{s}
	for i := range p.Args {
		var next []Subst
		for _, s1 := range out {
			next = append(next, th.MatchDH(p.Args[i], t.Args[i], s1)...)
		}
		out = next
	}
	return out
}

// matchProduct matches a product pattern against a product's factors.
func (th *Theory) matchProduct(p *Term, want []Factor, s Subst) []Subst {
	var known []Factor
	var free []Factor // unbound variables with their multiplicities
	var walk func(t *Term, n int)
	walk = func(t *Term, n int) {
		switch {
		case t.IsApp(FunMult):
			for _, a := range t.Args {
				walk(a, n)
			}
		case t.IsApp(FunInv) && len(t.Args) == 1:
			walk(t.Args[0], -n)
		case t.IsApp(FunOne):
		case t.Kind == TVar:
			if v, ok := s[t.Var]; ok {
				known = append(known, Factor{th.Normalize(v), n})
			} else {
				free = append(free, Factor{t, n})
			}
		default:
			known = append(known, Factor{th.Normalize(s.Apply(t)), n})
		}
	}
	walk(p, 1)
	var k []Factor
	for _, f := range known {
		for _, g := range ProductOf(f.Atom) {
			k = append(k, Factor{g.Atom, g.N * f.N})
		}
	}
	rest := Quotient(want, ProductOf(productTerm(k)))
	switch {
	case len(free) == 0:
		if len(rest) == 0 {
			return []Subst{s}
		}
		return nil
	case len(free) == 1 && (free[0].N == 1 || free[0].N == -1):
		if free[0].N == -1 {
			rest = Negate(rest)
		}
		s2 := s.Copy()
		s2[free[0].Atom.Var] = MakeProduct(rest)
		if !free[0].Atom.Var.Sort.Admits(s2[free[0].Atom.Var]) {
			return nil
		}
		return []Subst{s2}
	}
	return nil
}
