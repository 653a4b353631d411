package replay

import (
	"github.com/tracebound/tracebound/rules"
)

// Knowledge is the adversary's knowledge: the ground messages it received,
// closed under its deconstruction rules. It decides derivability for the
// subterm-convergent theories by saturation, written from the definition
// of the Dolev–Yao adversary and independent of the SMT encoding.
type Knowledge struct {
	th     *rules.Theory
	known  map[string]*rules.Term
	order  []*rules.Term
	dirty  bool
	how    map[string]*Derivation
	fresh  map[string]bool // fresh names the protocol generates (never the adversary's)
	consts map[string]bool // fresh constants of the model (never the adversary's)
	public map[string]bool // public function symbols: not private
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
	k := &Knowledge{th: th, known: map[string]*rules.Term{}, how: map[string]*Derivation{}, fresh: protocolFresh, consts: th.FreshConstants(), public: map[string]bool{}}
	for _, f := range th.Functions {
		if !f.Private {
			k.public[f.Name] = true
		}
	}
	return k
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
	k.how[key] = d
	k.dirty = true
}

// saturate applies the deconstruction rules until nothing new is learned.
func (k *Knowledge) saturate() {
	for k.dirty {
		k.dirty = false
		for i := 0; i < len(k.order); i++ {
			t := k.order[i]
			for _, e := range k.th.Equations {
				k.deconstruct(t, e)
			}
		}
	}
}

// deconstruct tries equation e with t as the argument that contains the
// right-hand side: if the other arguments are derivable, the adversary
// learns the right-hand side's instance.
func (k *Knowledge) deconstruct(t *rules.Term, e *rules.Equation) {
	if e.LHS.Kind != rules.TApp || e.RHS.IsGround() {
		return
	}
	for i, a := range e.LHS.Args {
		if !a.Contains(e.RHS) || a.Equal(e.RHS) {
			continue
		}
		s := rules.Subst{}
		if !rules.Match(a, t, s) {
			continue
		}
		from := []*Derivation{k.how[t.String()]}
		ok := true
		for j, side := range e.LHS.Args {
			if j == i {
				continue
			}
			for _, v := range side.Vars(nil) {
				if _, bound := s[v]; !bound {
					// the adversary's choice: a name it has
					s[v] = choice(v)
				}
			}
			st := k.th.Normalize(s.Apply(side))
			d := k.derive(st, 0)
			if d == nil {
				ok = false
				break
			}
			from = append(from, d)
		}
		if !ok {
			continue
		}
		// the equation's instance must really rewrite to the result
		lhs := k.th.Normalize(s.Apply(e.LHS))
		res := k.th.Normalize(s.Apply(e.RHS))
		if !lhs.Equal(res) {
			continue
		}
		k.add(res, &Derivation{Term: res, Rule: "deconstruct", Symbol: e.LHS.Name, From: from})
	}
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
		if k.fresh[t.Name] || k.consts[t.Name] {
			return nil
		}
		return &Derivation{Term: t, Rule: "fresh name"}
	case rules.TApp:
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
