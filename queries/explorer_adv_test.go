package queries

import (
	"github.com/tracebound/tracebound/rules"
)

// advKnow is the explorer's adversary with the engine's documented
// constructor-layer bound ("≤ s constructor layers beyond the rules'
// message patterns"), written from that description, not from the
// encoder:
//
//   - known: the messages sent (Out) closed under the deconstruction
//     rules of the equations (pairs apart; a decryption when its key is
//     derivable within the bound). Decryptions and pair layers are not
//     bounded here: the engine's bounds for them (3 and 3 in these tests)
//     are not reached by the models' shallow messages.
//   - a value (what a rule variable is bound to) is derivable with d
//     layers if it is known, a public name, a fresh name of the
//     adversary's, a public nullary symbol, or, when d ≥ 1, a public
//     constructor applied to values derivable with d-1 layers.
//   - a message given by a pattern (a rule's In pattern, or the term of an
//     action a K atom speaks of) is derivable if it is known, or if its
//     head is a public constructor and its arguments are derivable as
//     patterns: the pattern's own structure costs no layer; its variables'
//     values are derivable with s layers.
//
// Every public symbol may be applied, reducible ones too: a stuck
// application such as sdec('c', 'c') is a message the adversary builds
// (the engine does not, see TestDifferentialKnownEngineBugs).
type advKnow struct {
	x     *explorer
	synth int
	fresh map[string]bool // protocol fresh names
	known map[string]bool
	list  []*rules.Term
}

// newAdvKnow returns the adversary's knowledge after receiving msgs.
func (x *explorer) newAdvKnow(fresh map[string]bool, msgs [][]*rules.Term) *advKnow {
	k := &advKnow{x: x, synth: x.synth, fresh: fresh, known: map[string]bool{}}
	for _, ms := range msgs {
		for _, m := range ms {
			k.add(m)
		}
	}
	k.saturate()
	return k
}

func (k *advKnow) add(t *rules.Term) bool {
	key := t.String()
	if k.known[key] {
		return false
	}
	k.known[key] = true
	k.list = append(k.list, t)
	return true
}

// saturate closes the known messages under the deconstruction rules: for
// an equation f(…, a_i, …) = r with r a proper subterm of a_i, a known
// message matching a_i gives r's instance when the other arguments are
// derivable values.
func (k *advKnow) saturate() {
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(k.list); i++ {
			t := k.list[i]
			for _, e := range k.x.th.Equations {
				if e.LHS.Kind != rules.TApp || e.RHS.IsGround() {
					continue
				}
				for ai, a := range e.LHS.Args {
					if a.Equal(e.RHS) || !a.Contains(e.RHS) {
						continue
					}
					s := rules.Subst{}
					if !rules.Match(a, t, s) {
						continue
					}
					ok := true
					for j, side := range e.LHS.Args {
						if j == ai {
							continue
						}
						g := s.Apply(side)
						if !g.IsGround() || !k.value(k.x.th.Normalize(g), k.synth) {
							ok = false
							break
						}
					}
					if !ok {
						continue
					}
					lhs := k.x.th.Normalize(s.Apply(e.LHS))
					r := k.x.th.Normalize(s.Apply(e.RHS))
					if lhs.Equal(r) && k.add(r) {
						changed = true
					}
				}
			}
		}
	}
}

func (k *advKnow) isKnown(t *rules.Term) bool { return k.known[t.String()] }

// value reports whether the ground normal term t is derivable with at
// most d constructor layers.
func (k *advKnow) value(t *rules.Term, d int) bool {
	if k.isKnown(t) {
		return true
	}
	switch t.Kind {
	case rules.TPub:
		return true
	case rules.TFresh:
		return !k.fresh[t.Name]
	case rules.TApp:
		// any public symbol: t is normal, so applying it gives t
		if fs := k.x.th.Func(t.Name); fs == nil || fs.Private {
			return false
		}
		if len(t.Args) == 0 {
			return true
		}
		if d <= 0 {
			return false
		}
		for _, a := range t.Args {
			if !k.value(a, d-1) {
				return false
			}
		}
		return true
	}
	return false
}

// pattern reports whether the message p·sub is derivable, p's structure
// being free.
func (k *advKnow) pattern(p *rules.Term, sub rules.Subst) bool {
	switch p.Kind {
	case rules.TVar:
		v, ok := sub[p.Var]
		return ok && k.value(v, k.synth)
	case rules.TPub, rules.TFresh:
		return k.value(p, 0)
	}
	inst := k.x.th.Normalize(sub.Apply(p))
	if !inst.IsGround() {
		return false
	}
	if k.isKnown(inst) {
		return true
	}
	if fs := k.x.th.Func(p.Name); fs == nil || fs.Private {
		return false
	}
	if !inst.IsApp(p.Name) || len(inst.Args) != len(p.Args) {
		// a reducible application that reduced: its normal form is a value
		return k.value(inst, k.synth)
	}
	for i, a := range p.Args {
		if !inst.Args[i].Equal(k.x.th.Normalize(sub.Apply(a))) {
			return k.value(inst, k.synth)
		}
	}
	for _, a := range p.Args {
		if !k.pattern(a, sub) {
			return false
		}
	}
	return true
}
