package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// Diffie–Hellman in quantifier-free UF + LIA (builtins: diffie-hellman).
//
// Exponents form a free abelian group over atoms, so a product is a vector
// of integer multiplicities over a finite set of exponent atoms A (below),
// and an exponentiation is a base that is not an exponentiation together
// with a nonzero vector. The Msg sort holds them canonically:
//
//   - mkexp(b, v1…vn) (tag exp) with selectors dbase and dexp_i, and
//     mkmul(v1…vn) (tag mult) with selectors dmul_i, are the only
//     exponentiations and proper products: a message of unknown structure
//     tagged exp equals mkexp of its own selectors (canonicity), so two
//     exponentiations are equal exactly when their bases and vectors are;
//   - the result of X^e is defined from X's exponentiation view (its base
//     and vector: X's own if X is an exponentiation, else X and 0) and e's
//     product view (its vector: a product's own, 0 for one, a unit vector
//     for an atom): base^(v_X + v_e), which is the base itself when the
//     sum is 0 (x^1 = x); x*y, inv(x) likewise on product views, a zero
//     vector being one and a unit vector the atom itself.
//
// So g^x^y and g^y^x are one element, and g^x ≠ g^y for distinct fresh
// x, y.
//
// The atoms A: the fresh names of the rules that (through state facts)
// reach an exponent a rule writes, the public constants of the model, the
// other factors a rule writes in an exponent (h(…) in g^h(…), a fresh or
// public variable), and dhAdvAtoms fresh names of the adversary's own. An
// exponent of unknown structure (a value the adversary chose) must be a
// product over A: that is the exponent bound of docs/bounds.md. Name atoms are pairwise distinct; other atoms may
// coincide, and a message counts as the first atom it equals.
//
// The adversary (Tamarin's): it knows b^(e+d) when it knows b^e (or can
// derive b, with e = 0) and d is a product of atoms it derives — that
// covers exponentiating what it knows, multiplying and inverting its own
// exponents and cancelling a known exponent, never extracting one. Likewise
// for products as messages. DH operations cost no construction layer.
type dhAlg struct {
	a        *algebra
	exp, mul int64 // tags
	one      *Node
	dbase    *Fun
	dexp     []*Fun
	dmul     []*Fun
	mkexp    *Fun
	mkmul    *Fun
	atoms    []*Node
	atomIdx  map[*Node]int
	names    int // atoms[:names] are names, pairwise distinct
	adv      []*Node
	frozen   bool
	pending  []*dhOp
	views    map[*Node]*dhView // exponentiation views of DH results
	pvecs    map[*Node][]*Node // product views of product results
	canon    map[*Node]bool
	// nonNames are the atoms other than names, registered before
	// freezing (name atoms go first, others after)
	nonNames []*Node
	// owner is the active literal of the rule instance whose patterns
	// are being built (nil otherwise); atomOwner records it per atom
	owner     *Node
	atomOwner map[*Node]*Node
}

// dhAdvAtoms is the number of fresh names of its own the adversary uses as
// exponents.
const dhAdvAtoms = 2

// dhOp is a DH operation whose result is defined once the atoms are known.
type dhOp struct {
	sym  string
	res  *Node
	args []*Node
}

type dhView struct {
	base *Node
	vec  []*Node
}

func newDH(a *algebra) *dhAlg {
	if !a.th.HasBuiltin("diffie-hellman") {
		return nil
	}
	d := &dhAlg{a: a, exp: a.tags[rules.FunExp], mul: a.tags[rules.FunMult], atomIdx: map[*Node]int{},
		views: map[*Node]*dhView{}, pvecs: map[*Node][]*Node{}, canon: map[*Node]bool{}, atomOwner: map[*Node]*Node{}}
	d.dbase = a.b.Func("dbase", []Sort{SortMsg}, SortMsg)
	d.one = a.b.MsgApp(a.funs[rules.FunOne], MsgCtor, rules.FunOne, 0)
	for i := 0; i < dhAdvAtoms; i++ {
		n := a.variable(fmt.Sprintf("advexp_%d", i+1), rules.SortFresh)
		// the adversary's own fresh names, distinct
		a.b.Axiom(a.b.Eq(a.b.App(a.freshd, n), a.b.Int(int64(-i-1))))
		d.adv = append(d.adv, n)
		d.addAtom(n, true)
	}
	// the model's public constants, which the adversary may use too
	for _, name := range a.th.PublicConstants() {
		d.addAtom(a.pub(name), true)
	}
	return d
}

// usesDH reports whether a formula applies a DH operator.
func usesDH(f rules.Formula) bool {
	found := false
	rules.WalkFormula(f, func(g rules.Formula) {
		a, ok := g.(*rules.Atom)
		if !ok {
			return
		}
		ts := []*rules.Term{a.L, a.R}
		if a.Fact != nil {
			ts = append(ts, a.Fact.Args...)
		}
		for _, t := range ts {
			if t == nil {
				continue
			}
			t.Walk(func(u *rules.Term) bool {
				if u.Kind == rules.TApp && (u.Name == rules.FunExp || u.Name == rules.FunMult || u.Name == rules.FunInv) {
					found = true
				}
				return !found
			})
		}
	})
	return found
}

// isOp reports whether sym is a DH operator handled here.
func (d *dhAlg) isOp(sym string) bool {
	return sym == rules.FunExp || sym == rules.FunMult || sym == rules.FunInv
}

// addAtom registers an exponent atom.
func (d *dhAlg) addAtom(n *Node, name bool) {
	if _, ok := d.atomIdx[n]; ok || d.frozen {
		return
	}
	if d.owner != nil {
		d.atomOwner[n] = d.owner
	}
	if name {
		d.atomIdx[n] = len(d.atoms)
		d.atoms = append(d.atoms, n)
		d.names++
		return
	}
	d.atomIdx[n] = -1
	d.nonNames = append(d.nonNames, n)
}

// isName reports whether n is a name with a fixed identity (a fresh name of
// the protocol or the adversary, a public constant).
func isName(n *Node) bool { return n.Kind == MsgFresh || n.Kind == MsgPub }

// noteExponent registers the atoms of an exponent node written in a rule:
// a name, or a factor other than a message variable (a fresh or public
// variable, an application such as h(…)).
func (d *dhAlg) noteExponent(e *Node) {
	switch {
	case e == d.one:
	case d.pvecs[e] != nil, e.Kind == MsgDH:
		// a product: its atoms were registered when it was built
	case isName(e):
		d.addAtom(e, true)
	case e.Kind == MsgCtor, e.Kind == MsgPubVar:
		// (a fresh variable holds a name of the protocol, an atom already
		// when it reaches an exponent, or one of the adversary's own)
		d.addAtom(e, false)
	}
}

// apply builds sym(args) for a DH operator.
func (d *dhAlg) apply(sym string, args []*Node) *Node {
	b := d.a.b
	res := b.MsgConst(fmt.Sprintf("dh_%d", b.Nodes()), MsgDH)
	op := &dhOp{sym: sym, res: res, args: args}
	switch sym {
	case rules.FunExp:
		d.noteExponent(args[1])
	default:
		for _, x := range args {
			d.noteExponent(x)
		}
	}
	if d.frozen {
		d.define(op)
	} else {
		d.pending = append(d.pending, op)
	}
	return res
}

// freeze fixes the atoms (no atom is added later) and defines the results
// built so far.
func (d *dhAlg) freeze() {
	if d.frozen {
		return
	}
	d.frozen = true
	for _, n := range d.nonNames {
		d.atomIdx[n] = len(d.atoms)
		d.atoms = append(d.atoms, n)
	}
	b := d.a.b
	n := len(d.atoms)
	dom := []Sort{SortMsg}
	for i := 0; i < n; i++ {
		d.dexp = append(d.dexp, b.Func(fmt.Sprintf("dexp_%d", i), []Sort{SortMsg}, SortInt))
		d.dmul = append(d.dmul, b.Func(fmt.Sprintf("dmul_%d", i), []Sort{SortMsg}, SortInt))
		dom = append(dom, SortInt)
	}
	d.mkexp = b.Func("mkexp", dom, SortMsg)
	d.mkmul = b.Func("mkmul", dom[1:], SortMsg)
	for _, op := range d.pending {
		d.define(op)
	}
	d.pending = nil
}

func (d *dhAlg) zero() []*Node {
	v := make([]*Node, len(d.atoms))
	for i := range v {
		v[i] = d.a.b.Int(0)
	}
	return v
}

func (d *dhAlg) add(x, y []*Node) []*Node {
	v := make([]*Node, len(x))
	for i := range v {
		v[i] = d.a.b.Add(x[i], y[i])
	}
	return v
}

func (d *dhAlg) neg(x []*Node) []*Node {
	v := make([]*Node, len(x))
	for i := range v {
		v[i] = d.a.b.Sub(d.a.b.Int(0), x[i])
	}
	return v
}

func (d *dhAlg) isZero(v []*Node) *Node {
	b := d.a.b
	conj := make([]*Node, len(v))
	for i, x := range v {
		conj[i] = b.Eq(x, b.Int(0))
	}
	return b.And(conj...)
}

// define asserts the definition of an operation's result.
func (d *dhAlg) define(op *dhOp) {
	b := d.a.b
	switch op.sym {
	case rules.FunExp:
		bv := d.expView(op.args[0])
		v := d.add(bv.vec, d.prodView(op.args[1]))
		d.views[op.res] = &dhView{base: bv.base, vec: v}
		b.Axiom(b.Eq(op.res, b.Ite(d.isZero(v), bv.base, d.mkExp(bv.base, v))))
	case rules.FunMult:
		v := d.zero()
		for _, x := range op.args {
			v = d.add(v, d.prodView(x))
		}
		d.pvecs[op.res] = v
		b.Axiom(b.Eq(op.res, d.canonProduct(v)))
	case rules.FunInv:
		v := d.neg(d.prodView(op.args[0]))
		d.pvecs[op.res] = v
		b.Axiom(b.Eq(op.res, d.canonProduct(v)))
	}
}

// mkExp returns mkexp(base, v) with its axioms.
func (d *dhAlg) mkExp(base *Node, v []*Node) *Node {
	a, b := d.a, d.a.b
	n := b.MsgApp(d.mkexp, MsgDH, "", 0, append([]*Node{base}, v...)...)
	b.Axiom(b.Eq(b.App(a.tag, n), b.Int(d.exp)))
	b.Axiom(b.Eq(b.App(d.dbase, n), base))
	for i, x := range v {
		b.Axiom(b.Eq(b.App(d.dexp[i], n), x))
	}
	return n
}

// mkMul returns mkmul(v) with its axioms.
func (d *dhAlg) mkMul(v []*Node) *Node {
	a, b := d.a, d.a.b
	n := b.MsgApp(d.mkmul, MsgDH, "", 0, v...)
	b.Axiom(b.Eq(b.App(a.tag, n), b.Int(d.mul)))
	for i, x := range v {
		b.Axiom(b.Eq(b.App(d.dmul[i], n), x))
	}
	return n
}

// canonProduct is the message of a product vector: one, an atom, or a
// proper product.
func (d *dhAlg) canonProduct(v []*Node) *Node {
	b := d.a.b
	r := d.mkMul(v)
	for i := len(d.atoms) - 1; i >= 0; i-- {
		unit := make([]*Node, len(v))
		for j := range v {
			want := int64(0)
			if j == i {
				want = 1
			}
			unit[j] = b.Eq(v[j], b.Int(want))
		}
		r = b.Ite(b.And(unit...), d.atoms[i], r)
	}
	return b.Ite(d.isZero(v), d.one, r)
}

// expView returns x's base and exponent vector.
func (d *dhAlg) expView(x *Node) *dhView {
	if v, ok := d.views[x]; ok {
		return v
	}
	a, b := d.a, d.a.b
	switch x.Kind {
	case MsgPub, MsgFresh, MsgPubVar, MsgFreshVar, MsgCtor:
		return &dhView{base: x, vec: d.zero()}
	}
	if _, ok := d.pvecs[x]; ok {
		return &dhView{base: x, vec: d.zero()}
	}
	d.canonical(x)
	isExp := a.hasTag(x, d.exp)
	v := make([]*Node, len(d.atoms))
	for i := range v {
		v[i] = b.Ite(isExp, b.App(d.dexp[i], x), b.Int(0))
	}
	return &dhView{base: b.Ite(isExp, b.App(d.dbase, x), x), vec: v}
}

// prodView returns x's vector as an exponent.
func (d *dhAlg) prodView(x *Node) []*Node {
	if v, ok := d.pvecs[x]; ok {
		return v
	}
	a, b := d.a, d.a.b
	if x == d.one {
		return d.zero()
	}
	if i, ok := d.atomIdx[x]; ok && i < d.names {
		v := d.zero()
		v[i] = b.Int(1)
		return v
	}
	switch x.Kind {
	case MsgPub, MsgFresh:
		// a name that is no atom: outside the exponent bound
		b.Axiom(b.False)
		return d.zero()
	}
	d.canonical(x)
	isMul := a.hasTag(x, d.mul)
	v := make([]*Node, len(d.atoms))
	var earlier []*Node // x equals no earlier atom (names are distinct)
	var inA []*Node
	for i, at := range d.atoms {
		eq := b.Eq(x, at)
		inA = append(inA, eq)
		is := eq
		if i >= d.names {
			is = b.And(append([]*Node{eq}, earlier...)...)
		}
		earlier = append(earlier, b.Not(eq))
		v[i] = b.Ite(isMul, b.App(d.dmul[i], x), b.Ite(is, b.Int(1), b.Int(0)))
	}
	// an exponent is a product over the atoms, one, or an atom
	b.Axiom(b.Or(append([]*Node{isMul, b.Eq(x, d.one)}, inA...)...))
	return v
}

// canonical asserts that x, if tagged exp or mult, is the canonical
// element of its selectors, and well formed.
func (d *dhAlg) canonical(x *Node) {
	if d.canon[x] {
		return
	}
	d.canon[x] = true
	a, b := d.a, d.a.b
	base := b.App(d.dbase, x)
	ev := make([]*Node, len(d.atoms))
	mv := make([]*Node, len(d.atoms))
	for i := range ev {
		ev[i] = b.App(d.dexp[i], x)
		mv[i] = b.App(d.dmul[i], x)
	}
	b.Axiom(b.Implies(a.hasTag(x, d.exp), b.And(b.Eq(x, d.mkExp(base, ev)), b.Not(a.hasTag(base, d.exp)), b.Not(d.isZero(ev)))))
	// a proper product is neither one (Σ|v_i| = 0) nor an atom (a unit
	// vector: Σ|v_i| = 1 and Σv_i = 1); inv(a) is one (Σv_i = −1)
	abs, sum := b.Int(0), b.Int(0)
	for _, v := range mv {
		abs = b.Add(abs, b.Ite(b.Le(b.Int(0), v), v, b.Sub(b.Int(0), v)))
		sum = b.Add(sum, v)
	}
	proper := b.And(b.Le(b.Int(1), abs), b.Not(b.And(b.Eq(abs, b.Int(1)), b.Eq(sum, b.Int(1)))))
	b.Axiom(b.Implies(a.hasTag(x, d.mul), b.And(b.Eq(x, d.mkMul(mv)), proper)))
}

// exponentSources returns, for each rule (indexed like rs), the fresh
// variables whose names may become exponent atoms: those that reach an
// exponent a rule writes through state facts (the rules' own exponents,
// which the adversary may learn and use too); all of them when a formula
// applies a DH operator.
func exponentSources(rs []*ruleInfo, all bool) []map[rules.Var]bool {
	inExp := func(t *rules.Term, out map[rules.Var]bool) {
		var walk func(t *rules.Term, exp bool)
		walk = func(t *rules.Term, exp bool) {
			if t.Kind == rules.TVar {
				if exp {
					out[t.Var] = true
				}
				return
			}
			for i, a := range t.Args {
				walk(a, exp || t.Name == rules.FunExp && i == 1 || t.Name == rules.FunMult || t.Name == rules.FunInv)
			}
		}
		walk(t, false)
	}
	type pos struct {
		key rules.FactKey
		arg int
	}
	feeding := map[pos]bool{}
	feeds := make([]map[rules.Var]bool, len(rs))
	for changed := true; changed; {
		changed = false
		for i, ri := range rs {
			if ri.ref == nil || ri.ref.dead {
				continue
			}
			fv := map[rules.Var]bool{}
			for _, fs := range [][]*rules.Fact{ri.ref.premises, ri.ref.actions, ri.ref.conclusions} {
				for _, f := range fs {
					for _, a := range f.Args {
						inExp(a, fv)
					}
				}
			}
			for _, c := range ri.ref.conclusions {
				if rules.IsReserved(c.Name) {
					continue
				}
				for j, a := range c.Args {
					if feeding[pos{c.Key(), j}] {
						for _, v := range a.Vars(nil) {
							fv[v] = true
						}
					}
				}
			}
			feeds[i] = fv
			for _, p := range ri.ref.premises {
				for j, a := range p.Args {
					for _, v := range a.Vars(nil) {
						if !fv[v] {
							continue
						}
						if !rules.IsReserved(p.Name) && !feeding[pos{p.Key(), j}] {
							feeding[pos{p.Key(), j}], changed = true, true
						}
					}
				}
			}
		}
	}
	out := make([]map[rules.Var]bool, len(rs))
	for i, ri := range rs {
		out[i] = map[rules.Var]bool{}
		if ri.ref == nil || ri.ref.dead {
			continue
		}
		for _, p := range ri.ref.premises {
			if p.Name == rules.FactFr && len(p.Args) == 1 && p.Args[0].Kind == rules.TVar {
				if v := p.Args[0].Var; all || feeds[i][v] {
					out[i][v] = true
				}
			}
		}
	}
	return out
}

// mayBeDH reports whether a message node may hold an exponentiation or a
// product.
func mayBeDH(n *Node) bool {
	switch n.Kind {
	case MsgVar, MsgOpaque, MsgDH:
		return true
	}
	return false
}

// dhDerivable says that x is an exponentiation or a product the adversary
// derives before t with its DH abilities: b^(e+d) from a known b^e (or
// from b itself, which it derives, with e = 0), where d is a product of
// atoms it derives; likewise a product from a known product or from
// nothing. Atoms and bases are derived with c construction layers.
func (e *enc) dhDerivable(x, t *Node, c int) *Node {
	d, a, b := e.a.dh, e.a, e.b
	owner := e.owners[t.id]
	if owner == nil {
		owner = b.True
	}
	known := make([]*Node, len(d.atoms))
	for i, at := range d.atoms {
		known[i] = e.synth(at, t, c)
	}
	differ := func(v, w []*Node) *Node {
		conj := make([]*Node, len(v))
		for i := range v {
			conj[i] = b.Or(b.Eq(v[i], w[i]), known[i])
		}
		return b.And(conj...)
	}
	xv := d.expView(x)
	isExp := a.hasTag(x, d.exp)
	e.noDH++
	base := e.synth(xv.base, t, c)
	e.noDH--
	expOpts := []*Node{b.And(base, differ(xv.vec, d.zero()))}
	mv := make([]*Node, len(d.atoms))
	for i := range mv {
		mv[i] = b.App(d.dmul[i], x)
	}
	isMul := a.hasTag(x, d.mul)
	mulOpts := []*Node{differ(mv, d.zero())}
	for _, cl := range e.cells {
		if !mayBeDH(cl.node) {
			continue
		}
		kv := d.expView(cl.node)
		o := b.And(cl.learned, b.Lt(cl.time, t), a.hasTag(cl.node, d.exp), b.Eq(kv.base, xv.base), differ(xv.vec, kv.vec))
		e.used(cl, b.And(owner, isExp, o))
		expOpts = append(expOpts, o)
		kw := make([]*Node, len(d.atoms))
		for i := range kw {
			kw[i] = b.App(d.dmul[i], cl.node)
		}
		p := b.And(cl.learned, b.Lt(cl.time, t), a.hasTag(cl.node, d.mul), differ(mv, kw))
		e.used(cl, b.And(owner, isMul, p))
		mulOpts = append(mulOpts, p)
	}
	d.canonical(x)
	return b.Or(b.And(isExp, b.Or(expOpts...)), b.And(isMul, b.Or(mulOpts...)))
}

// Small returns conditions, strongest first, that keep the exponents of
// the messages of unknown structure simple: multiplicities in −1…1 and no
// exponent atom of a rule instance that is not in the trace, then
// multiplicities in −2…2. They are no bound of the search but a preference
// for readable traces, tried in further checks after a trace was found
// (none without Diffie–Hellman).
func (p *Problem) Small() []*Node {
	d, b := p.e.a.dh, p.B
	if d == nil || !d.frozen {
		return nil
	}
	// an atom is in the trace when its rule instance is, or it equals an
	// atom that is
	inTrace := make([]*Node, len(d.atoms))
	for i, at := range d.atoms {
		owner := d.atomOwner[at]
		if owner == nil {
			continue
		}
		opts := []*Node{owner}
		if i >= d.names {
			for j, other := range d.atoms {
				if j != i && j >= d.names {
					o := d.atomOwner[other]
					if o == nil {
						o = b.True
					}
					opts = append(opts, b.And(o, b.Eq(at, other)))
				}
			}
		}
		inTrace[i] = b.Or(opts...)
	}
	var plain, small []*Node
	for x := range d.canon {
		for i := range d.atoms {
			e, m := b.App(d.dexp[i], x), b.App(d.dmul[i], x)
			if inTrace[i] != nil {
				plain = append(plain, b.Implies(b.Not(inTrace[i]), b.And(b.Eq(e, b.Int(0)), b.Eq(m, b.Int(0)))))
			}
			for _, v := range []*Node{e, m} {
				small = append(small, b.Le(b.Int(-2), v), b.Le(v, b.Int(2)))
				plain = append(plain, b.Le(b.Int(-1), v), b.Le(v, b.Int(1)))
			}
		}
	}
	return []*Node{b.And(plain...), b.And(small...)}
}

// match matches a pattern headed by a DH operator against x, binding in
// sigma a variable the pattern's exponent or product has as its one
// unbound factor (with multiplicity ±1): in a group, that factor is the
// quotient. Otherwise every variable must be bound, and the values are
// compared.
func (d *dhAlg) match(p *rules.Term, x *Node, sigma map[rules.Var]*Node) (*Node, error) {
	a, b := d.a, d.a.b
	var free []rules.Var
	for _, v := range p.Vars(nil) {
		if _, ok := sigma[v]; !ok {
			free = append(free, v)
		}
	}
	if len(free) == 1 && d.frozen {
		var prod *rules.Term
		var have []*Node // x's vector, to divide
		cond := b.True
		switch {
		case p.Name == rules.FunExp && len(p.Args) == 2 && !p.Args[0].HasVar(free[0]):
			bn, err := a.instantiate(p.Args[0], sigma)
			if err != nil {
				return nil, err
			}
			xv, bv := d.expView(x), d.expView(bn)
			cond = b.Eq(xv.base, bv.base)
			have = d.add(xv.vec, d.neg(bv.vec))
			prod = p.Args[1]
		case p.Name == rules.FunMult || p.Name == rules.FunInv:
			have = d.prodView(x)
			prod = p
		}
		var known []*rules.Term
		var v *rules.Term
		mult, ok := 0, prod != nil
		if ok {
			factorsOf(prod, 1, func(t *rules.Term, m int) {
				switch {
				case t.Kind == rules.TVar && t.Var == free[0]:
					if v != nil {
						ok = false
					}
					v, mult = t, m
				case t.HasVar(free[0]):
					ok = false
				case m < 0:
					known = append(known, rules.NewApp(rules.FunInv, t))
				default:
					known = append(known, t)
				}
			})
		}
		if ok && v != nil && (mult == 1 || mult == -1) {
			vec := have
			for _, k := range known {
				kn, err := a.instantiate(k, sigma)
				if err != nil {
					return nil, err
				}
				vec = d.add(vec, d.neg(d.prodView(kn)))
			}
			if mult == -1 {
				vec = d.neg(vec)
			}
			sigma[v.Var] = d.canonProduct(vec)
			t, err := a.instantiate(p, sigma)
			if err != nil {
				return nil, err
			}
			return b.And(cond, b.Eq(t, x)), nil
		}
	}
	t, err := a.instantiate(p, sigma)
	if err != nil {
		return nil, err
	}
	return b.Eq(t, x), nil
}

// factorsOf calls visit with the factors of a written product and their
// multiplicities' signs.
func factorsOf(t *rules.Term, n int, visit func(*rules.Term, int)) {
	switch {
	case t.IsApp(rules.FunMult):
		for _, a := range t.Args {
			factorsOf(a, n, visit)
		}
	case t.IsApp(rules.FunInv) && len(t.Args) == 1:
		factorsOf(t.Args[0], -n, visit)
	case t.IsApp(rules.FunOne):
	default:
		visit(t, n)
	}
}
