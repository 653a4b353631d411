package queries

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tracebound/tracebound/rules"
)

// The static part of the executability report (issue 10): what the
// model's facts and actions say before any solving. A rule whose premise
// no rule produces can never fire, and a lemma that mentions an action no
// rule records is vacuous or trivially false where it does: the most
// common modelling bugs, found in milliseconds.

// FactFlow is one fact symbol with the rules that produce it (in a
// conclusion) or consume it (in a premise).
type FactFlow struct {
	Key                 rules.FactKey
	Producers, Consumer []*rules.Rule
}

// Text writes the symbol as !Name/arity.
func (f FactFlow) Text() string { return keyText(f.Key) }

// UnrecordedAction is an action that lemmas or restrictions mention and
// no rule records, with the lemmas and restrictions that mention it.
type UnrecordedAction struct {
	Key          rules.FactKey
	Lemmas       []string
	Restrictions []string
}

// Static is the static analysis of a theory's rules.
type Static struct {
	// NeverConsumed are the facts some rule produces and no rule
	// consumes (outputs and the adversary's facts aside); NeverProduced
	// those some rule consumes and no rule produces.
	NeverConsumed, NeverProduced []FactFlow
	// Dead maps each rule that can never fire to the reason: a premise
	// no rule produces, or one produced only by rules that can never
	// fire.
	Dead map[*rules.Rule]string
	// Unrecorded are the actions lemmas and restrictions mention that no
	// rule records.
	Unrecorded []UnrecordedAction
}

// Analyse computes the static analysis of th.
func Analyse(th *rules.Theory) *Static {
	st := &Static{Dead: map[*rules.Rule]string{}}
	flows := map[rules.FactKey]*FactFlow{}
	var order []rules.FactKey
	flow := func(k rules.FactKey) *FactFlow {
		if f, ok := flows[k]; ok {
			return f
		}
		flows[k] = &FactFlow{Key: k}
		order = append(order, k)
		return flows[k]
	}
	for _, r := range th.Rules {
		for _, p := range r.Premises {
			if stateFact(p.Name) {
				f := flow(p.Key())
				f.Consumer = appendRule(f.Consumer, r)
			}
		}
		for _, c := range r.Conclusions {
			if stateFact(c.Name) {
				f := flow(c.Key())
				f.Producers = appendRule(f.Producers, r)
			}
		}
	}
	for _, k := range order {
		f := flows[k]
		switch {
		case len(f.Consumer) == 0:
			st.NeverConsumed = append(st.NeverConsumed, *f)
		case len(f.Producers) == 0:
			st.NeverProduced = append(st.NeverProduced, *f)
		}
	}
	// the rules that can fire, by the symbols of their premises: the
	// least fixpoint from the rules without state premises
	live := map[*rules.Rule]bool{}
	for changed := true; changed; {
		changed = false
		for _, r := range th.Rules {
			if !live[r] && premisesProducible(r, flows, live) {
				live[r] = true
				changed = true
			}
		}
	}
	for _, r := range th.Rules {
		if live[r] {
			continue
		}
		for _, p := range r.Premises {
			if !stateFact(p.Name) {
				continue
			}
			f := flows[p.Key()]
			if len(f.Producers) == 0 {
				st.Dead[r] = fmt.Sprintf("its premise %s is produced by no rule", p)
				break
			}
			if !anyLive(f.Producers, live) {
				st.Dead[r] = fmt.Sprintf("its premise %s is produced only by rules that can never fire (%s)", p, ruleNames(f.Producers))
				break
			}
		}
		if st.Dead[r] == "" {
			st.Dead[r] = "its premises are produced only by rules that can never fire"
		}
	}
	// actions of lemmas and restrictions that no rule records
	recorded := map[rules.FactKey]bool{}
	for _, r := range th.Rules {
		for _, a := range r.Actions {
			recorded[a.Key()] = true
		}
	}
	unrec := map[rules.FactKey]*UnrecordedAction{}
	var uorder []rules.FactKey
	mention := func(f rules.Formula, add func(*UnrecordedAction)) {
		seen := map[rules.FactKey]bool{}
		for _, k := range formulaActions(f) {
			if recorded[k] || seen[k] {
				continue
			}
			seen[k] = true
			u, ok := unrec[k]
			if !ok {
				u = &UnrecordedAction{Key: k}
				unrec[k] = u
				uorder = append(uorder, k)
			}
			add(u)
		}
	}
	for _, l := range th.Lemmas {
		mention(l.Formula, func(u *UnrecordedAction) { u.Lemmas = append(u.Lemmas, l.Name) })
	}
	for _, r := range th.Restrictions {
		mention(r.Formula, func(u *UnrecordedAction) { u.Restrictions = append(u.Restrictions, r.Name) })
	}
	for _, k := range uorder {
		st.Unrecorded = append(st.Unrecorded, *unrec[k])
	}
	return st
}

// stateFact reports whether facts of this name live in the state: not
// Fr, In, Out or the adversary's knowledge.
func stateFact(name string) bool { return !rules.IsReserved(name) }

func premisesProducible(r *rules.Rule, flows map[rules.FactKey]*FactFlow, live map[*rules.Rule]bool) bool {
	for _, p := range r.Premises {
		if stateFact(p.Name) && !anyLive(flows[p.Key()].Producers, live) {
			return false
		}
	}
	return true
}

func anyLive(rs []*rules.Rule, live map[*rules.Rule]bool) bool {
	for _, r := range rs {
		if live[r] {
			return true
		}
	}
	return false
}

func appendRule(rs []*rules.Rule, r *rules.Rule) []*rules.Rule {
	if len(rs) > 0 && rs[len(rs)-1] == r {
		return rs
	}
	return append(rs, r)
}

func ruleNames(rs []*rules.Rule) string {
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

// keyText writes a fact symbol as !Name/arity.
func keyText(k rules.FactKey) string {
	s := fmt.Sprintf("%s/%d", k.Name, k.Arity)
	if k.Persistent {
		s = "!" + s
	}
	return s
}

// formulaActions lists the symbols of f's action atoms, the adversary's
// knowledge aside, in order of first occurrence.
func formulaActions(f rules.Formula) []rules.FactKey {
	var out []rules.FactKey
	seen := map[rules.FactKey]bool{}
	rules.WalkFormula(f, func(g rules.Formula) {
		a, ok := g.(*rules.Atom)
		if !ok || a.Kind != rules.AtomAction {
			return
		}
		switch a.Fact.Name {
		case rules.FactK, rules.FactKU, rules.FactKD:
			return
		}
		if k := a.Fact.Key(); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	})
	return out
}

// LemmaNotes says, for each action of l that no rule of th records,
// what that does to the lemma: every atom of that action is false on
// every trace, so the parts of the lemma that assume one (an action in a
// negative position, such as the guard of a universal) hold vacuously,
// and the parts that require one (a positive position, such as the
// guard of an existential) never hold.
func LemmaNotes(th *rules.Theory, l *rules.Lemma) []string {
	recorded := map[rules.FactKey]bool{}
	recorders := map[rules.FactKey][]*rules.Rule{}
	for _, r := range th.Rules {
		for _, a := range r.Actions {
			recorded[a.Key()] = true
			recorders[a.Key()] = appendRule(recorders[a.Key()], r)
		}
	}
	dead := Analyse(th).Dead
	pos, neg := map[rules.FactKey]bool{}, map[rules.FactKey]bool{}
	var walk func(f rules.Formula, p bool)
	walk = func(f rules.Formula, p bool) {
		switch f := f.(type) {
		case *rules.Atom:
			if f.Kind == rules.AtomAction {
				if p {
					pos[f.Fact.Key()] = true
				} else {
					neg[f.Fact.Key()] = true
				}
			}
		case *rules.Not:
			walk(f.F, !p)
		case *rules.Conn:
			switch f.Op {
			case rules.Imp:
				walk(f.L, !p)
				walk(f.R, p)
			case rules.Iff:
				walk(f.L, p)
				walk(f.L, !p)
				walk(f.R, p)
				walk(f.R, !p)
			default:
				walk(f.L, p)
				walk(f.R, p)
			}
		case *rules.Quant:
			walk(f.Body, p)
		}
	}
	walk(l.Formula, true)
	var notes []string
	for _, k := range formulaActions(l.Formula) {
		if recorded[k] {
			allDead := true
			for _, r := range recorders[k] {
				allDead = allDead && dead[r] != ""
			}
			if allDead {
				r := recorders[k][0]
				notes = append(notes, fmt.Sprintf("the action %s is recorded only by rules that can never fire (%s: %s)", keyText(k), r.Name, dead[r]))
			}
			continue
		}
		var effect string
		switch {
		case pos[k] && neg[k]:
			effect = "the parts of the lemma that assume it hold vacuously, those that require it never hold"
		case neg[k]:
			effect = "the lemma assumes it, so that part holds vacuously"
		default:
			effect = "the lemma requires it, so that part never holds"
		}
		notes = append(notes, fmt.Sprintf("no rule records the action %s: %s", keyText(k), effect))
	}
	sort.Strings(notes)
	return notes
}
