package replay

import (
	"github.com/tracebound/tracebound/rules"
)

// Knowledge is the adversary's knowledge: the ground messages it received,
// closed under its deconstruction rules. It decides derivability for the
// subterm-convergent theories by saturation, written from the definition
// of the Dolev–Yao adversary and independent of the SMT encoding.
type Knowledge struct {
	th    *rules.Theory
	known map[string]*rules.Term
	order []*rules.Term
	keys  []string // order's terms printed: the maps' keys
	// settled[i][e] is set once equation e needs no more tries on
	// order[i]: it did not apply, or its result is known; a try that
	// failed for want of a side argument is made again after news
	settled [][]bool
	mains   []int // per equation: its main argument (mainArgument)
	dirty   bool
	how     map[string]*Derivation
	dh      bool            // builtins: diffie-hellman
	fresh   map[string]bool // fresh names the protocol generates (never the adversary's)
	consts  map[string]bool // fresh constants of the model (never the adversary's)
	public  map[string]bool // public function symbols: not private
	noOwn   bool            // every fresh name is the protocol's
}

// Derivation says how the adversary obtained a message.
type Derivation struct {
	Term *rules.Term
	// Rule is "received", "public name", "fresh name", "construct",
	// or "deconstruct".
	Rule string
	// Symbol is the function applied (construct) or the equation's head
	// (deconstruct).
	Symbol string
	From   []*Derivation
}

// NewKnowledge returns empty knowledge for th. protocolFresh lists the
// fresh names the protocol generates anywhere in the trace: the
// adversary's own fresh names are all others.
func NewKnowledge(th *rules.Theory, protocolFresh map[string]bool) *Knowledge {
	k := &Knowledge{th: th, known: map[string]*rules.Term{}, how: map[string]*Derivation{}, fresh: protocolFresh, consts: th.FreshConstants(),
		public: map[string]bool{}, dh: th.HasBuiltin("diffie-hellman")}
	for _, e := range th.Equations {
		k.mains = append(k.mains, mainArgument(e))
	}
	for _, f := range th.Functions {
		if !f.Private {
			k.public[f.Name] = true
		}
	}
	return k
}

// NewSearchKnowledge returns empty knowledge for th in which the
// adversary has no fresh names of its own: every fresh name is the
// protocol's (for a search that has not generated all of them yet).
func NewSearchKnowledge(th *rules.Theory) *Knowledge {
	k := NewKnowledge(th, nil)
	k.noOwn = true
	return k
}

// Known returns the messages the adversary received or deconstructed
// (not those it only constructs), in the order it learned them.
func (k *Knowledge) Known() []*rules.Term {
	k.saturate()
	return k.order
}

// Add records a message the adversary received.
func (k *Knowledge) Add(t *rules.Term) {
	k.add(t, &Derivation{Term: t, Rule: "received"})
}

func (k *Knowledge) add(t *rules.Term, d *Derivation) {
	key := t.String()
	if _, ok := k.known[key]; ok {
		return
	}
	k.known[key] = t
	k.order = append(k.order, t)
	k.keys = append(k.keys, key)
	k.settled = append(k.settled, make([]bool, len(k.th.Equations)))
	k.how[key] = d
	k.dirty = true
}

// saturate applies the deconstruction rules until nothing new is learned.
func (k *Knowledge) saturate() {
	for k.dirty {
		k.dirty = false
		for i := 0; i < len(k.order); i++ {
			for ei, e := range k.th.Equations {
				if !k.settled[i][ei] {
					k.settled[i][ei] = k.deconstruct(i, e, k.mains[ei])
				}
			}
		}
	}
}

// deconstruct tries equation e (main argument m) with the i-th known
// message as the argument that contains the right-hand side: if the other
// arguments are derivable, the adversary learns the right-hand side's
// instance. It reports whether the try is settled: false when a side
// argument was not derivable (later knowledge may change that).
func (k *Knowledge) deconstruct(i int, e *rules.Equation, m int) bool {
	if e.LHS.Kind != rules.TApp || e.RHS.IsGround() || m < 0 {
		return true
	}
	t := k.order[i]
	s := rules.Subst{}
	if !rules.Match(e.LHS.Args[m], t, s) {
		return true
	}
	from := []*Derivation{k.how[k.keys[i]]}
	for j, side := range e.LHS.Args {
		if j == m {
			continue
		}
		for _, v := range side.Vars(nil) {
			if _, bound := s[v]; !bound {
				// the adversary's choice: a name it has
				s[v] = choice(v)
			}
		}
		d := k.derive(k.th.Normalize(s.Apply(side)), 0)
		if d == nil {
			return false
		}
		from = append(from, d)
	}
	// the equation's instance must really rewrite to the result
	lhs := k.th.Normalize(s.Apply(e.LHS))
	res := k.th.Normalize(s.Apply(e.RHS))
	if lhs.Equal(res) {
		k.add(res, &Derivation{Term: res, Rule: "deconstruct", Symbol: e.LHS.Name, From: from})
	}
	return true
}

// Derive returns how the adversary derives the ground normal term t, or
// nil when it cannot.
func (k *Knowledge) Derive(t *rules.Term) *Derivation {
	k.saturate()
	return k.derive(t, 0)
}

const maxDeriveDepth = 64

func (k *Knowledge) derive(t *rules.Term, depth int) *Derivation {
	if d, ok := k.how[t.String()]; ok {
		return d
	}
	if depth > maxDeriveDepth {
		return nil
	}
	switch t.Kind {
	case rules.TPub:
		return &Derivation{Term: t, Rule: "public name"}
	case rules.TFresh:
		if k.noOwn || k.fresh[t.Name] || k.consts[t.Name] {
			return nil
		}
		return &Derivation{Term: t, Rule: "fresh name"}
	case rules.TApp:
		if k.dh && (rules.IsDHSymbol(t.Name) && t.Name != rules.FunOne) {
			return k.deriveDH(t, depth)
		}
		if !k.public[t.Name] {
			return nil
		}
		// applying f to the arguments must give t itself (t is normal, so
		// this fails only for a reducible application that is not stuck)
		d := &Derivation{Term: t, Rule: "construct", Symbol: t.Name}
		for _, a := range t.Args {
			ad := k.derive(a, depth+1)
			if ad == nil {
				return nil
			}
			d.From = append(d.From, ad)
		}
		if !k.th.Normalize(t).Equal(t) {
			return nil
		}
		return d
	}
	return nil
}

// choice is the adversary's value for a variable of a side argument that
// the main argument does not bind: a public name (or a fresh name of its
// own), which it always derives.
func choice(v rules.Var) *rules.Term {
	if v.Sort == rules.SortFresh {
		return rules.NewFreshConst("adv.side")
	}
	return rules.NewPub("side")
}

// deriveDH derives an exponentiation or a product (t normal) with the
// adversary's DH abilities: b^(e*d) from a known b^e, or from b it derives
// (e = 1), where d is a product of atoms it derives; a product likewise
// from a known product or from nothing.
func (k *Knowledge) deriveDH(t *rules.Term, depth int) *Derivation {
	atomsOK := func(fs []rules.Factor, from []*Derivation) []*Derivation {
		for _, f := range fs {
			d := k.deriveAtom(f.Atom, depth+1)
			if d == nil {
				return nil
			}
			from = append(from, d)
		}
		return from
	}
	if t.IsApp(rules.FunExp) {
		base, e := rules.ExpOf(t)
		for _, kt := range k.order {
			kb, f := rules.ExpOf(kt)
			if len(f) == 0 || !kb.Equal(base) {
				continue
			}
			if from := atomsOK(rules.Quotient(e, f), []*Derivation{k.how[kt.String()]}); from != nil {
				return &Derivation{Term: t, Rule: "construct", Symbol: rules.FunExp, From: from}
			}
		}
		bd := k.derive(base, depth+1)
		if bd == nil {
			return nil
		}
		if from := atomsOK(e, []*Derivation{bd}); from != nil {
			return &Derivation{Term: t, Rule: "construct", Symbol: rules.FunExp, From: from}
		}
		return nil
	}
	p := rules.ProductOf(t)
	for _, kt := range k.order {
		if !kt.IsApp(rules.FunMult) && !kt.IsApp(rules.FunInv) {
			continue
		}
		if from := atomsOK(rules.Quotient(p, rules.ProductOf(kt)), []*Derivation{k.how[kt.String()]}); from != nil {
			return &Derivation{Term: t, Rule: "construct", Symbol: rules.FunMult, From: from}
		}
	}
	if from := atomsOK(p, nil); from != nil {
		return &Derivation{Term: t, Rule: "construct", Symbol: rules.FunMult, From: from}
	}
	return nil
}

// deriveAtom derives an atom of a product: as a message, or from a known
// product in which it has multiplicity ±1 and whose other atoms it
// derives.
func (k *Knowledge) deriveAtom(a *rules.Term, depth int) *Derivation {
	if d := k.derive(a, depth); d != nil {
		return d
	}
	if depth > maxDeriveDepth {
		return nil
	}
	for _, kt := range k.order {
		if !kt.IsApp(rules.FunMult) && !kt.IsApp(rules.FunInv) {
			continue
		}
		var rest []*Derivation
		found, ok := false, true
		for _, f := range rules.ProductOf(kt) {
			if f.Atom.Equal(a) && (f.N == 1 || f.N == -1) {
				found = true
				continue
			}
			d := k.derive(f.Atom, depth+1)
			if d == nil {
				ok = false
				break
			}
			rest = append(rest, d)
		}
		if found && ok {
			return &Derivation{Term: a, Rule: "construct", Symbol: rules.FunMult, From: append([]*Derivation{k.how[kt.String()]}, rest...)}
		}
	}
	return nil
}

// mainArgument returns the argument of an equation's left side that the
// adversary must know to use it: the one the right side is a subterm of,
// or for an equation that is not subterm-convergent the first application
// holding all of the right side's variables; -1 if none.
func mainArgument(e *rules.Equation) int {
	for i, a := range e.LHS.Args {
		if a.Contains(e.RHS) && !a.Equal(e.RHS) {
			return i
		}
	}
	for i, a := range e.LHS.Args {
		if a.Kind != rules.TApp {
			continue
		}
		all := true
		for _, v := range e.RHS.Vars(nil) {
			all = all && a.HasVar(v)
		}
		if all {
			return i
		}
	}
	return -1
}
