package queries

import (
	"fmt"
	"sort"

	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// Constants returns the public and the fresh constants written in the
// theory ('c' and ~'c', by name): the names a trace must show as they
// are. Every other public or fresh name in a trace is a value the trace
// chose, named after a variable.
func Constants(th *rules.Theory) (pub, fresh map[string]bool) {
	pub, fresh = map[string]bool{}, map[string]bool{}
	add := func(t *rules.Term) {
		if t == nil {
			return
		}
		t.Walk(func(s *rules.Term) bool {
			switch s.Kind {
			case rules.TPub:
				pub[s.Name] = true
			case rules.TFresh:
				fresh[s.Name] = true
			}
			return true
		})
	}
	facts := func(fs []*rules.Fact) {
		for _, f := range fs {
			for _, a := range f.Args {
				add(a)
			}
		}
	}
	formula := func(f rules.Formula) {
		if f == nil {
			return
		}
		rules.WalkFormula(f, func(g rules.Formula) {
			if a, ok := g.(*rules.Atom); ok {
				if a.Fact != nil {
					facts([]*rules.Fact{a.Fact})
				}
				add(a.L)
				add(a.R)
			}
		})
	}
	for _, r := range th.Rules {
		facts(r.Premises)
		facts(r.Actions)
		facts(r.Conclusions)
	}
	for _, e := range th.Equations {
		add(e.LHS)
		add(e.RHS)
	}
	for _, r := range th.Restrictions {
		formula(r.Formula)
	}
	for _, l := range th.Lemmas {
		formula(l.Formula)
	}
	return pub, fresh
}

// Role names (docs/formats.md, "How terms are written"): the public and
// fresh names a trace chose are named after the variables that bind them,
// so that a reader meets the lemma's A and B and the rules' ~na as $A, $B
// and ~na:
//
//  1. a value bound to a variable of the lemma (Bindings) takes that
//     variable's name, the lemma's first variable first;
//  2. a fresh value takes the name of the variable of the Fr premise that
//     created it; the adversary's own fresh values are ~adv;
//  3. any other value takes the name of the rule variable that binds it
//     most often in the trace (the first met on a tie);
//
// and a name already taken by another value, or by a constant of the
// model, gets the suffix #2, #3, … in the order values first appear in
// the trace. Public and fresh names are separate name spaces ($A and ~A
// may both occur).

// nameValues returns tr with its chosen names renamed after the roles
// that bind them; bs are the lemma's bindings on tr.
func nameValues(th *rules.Theory, tr *rules.Trace, bs []replay.Binding) *rules.Trace {
	pubConst, freshConst := Constants(th)
	type value struct {
		t       *rules.Term
		lemma   []string       // lemma variables bound to it, in order
		gen     string         // the Fr variable that created it
		votes   map[string]int // rule variables bound to it
		first   map[string]int // the order those were first met
		renamed string
	}
	var order []*value
	byKey := map[string]*value{}
	chosen := func(t *rules.Term) bool {
		switch t.Kind {
		case rules.TPub:
			return !pubConst[t.Name]
		case rules.TFresh:
			return !freshConst[t.Name]
		}
		return false
	}
	seq := 0
	meet := func(t *rules.Term) {
		t.Walk(func(s *rules.Term) bool {
			if !chosen(s) {
				return true
			}
			k := s.String()
			if byKey[k] == nil {
				v := &value{t: s, votes: map[string]int{}, first: map[string]int{}}
				byKey[k] = v
				order = append(order, v)
			}
			return true
		})
	}
	vote := func(t *rules.Term, name string) {
		if v := byKey[t.String()]; v != nil && chosen(t) {
			if _, ok := v.first[name]; !ok {
				v.first[name] = seq
				seq++
			}
			v.votes[name]++
		}
	}
	for _, st := range tr.Steps {
		vars := st.Rule.Vars()
		for _, x := range vars {
			if t, ok := st.Subst[x]; ok {
				meet(t)
			}
		}
		for _, p := range st.Rule.Premises {
			if p.Name == rules.FactFr && len(p.Args) == 1 && p.Args[0].Kind == rules.TVar {
				if t, ok := st.Subst[p.Args[0].Var]; ok {
					if v := byKey[t.String()]; v != nil && v.gen == "" && chosen(t) {
						v.gen = p.Args[0].Var.Name
					}
				}
			}
		}
		for _, x := range vars {
			if t, ok := st.Subst[x]; ok {
				vote(t, x.Name)
			}
		}
	}
	for _, ev := range tr.KEvents {
		meet(ev.Term)
	}
	for _, b := range bs {
		// a wildcard of a reach pattern names nothing
		if b.Term != nil && chosen(b.Term) && !rules.IsWildcard(b.Var) {
			if v := byKey[b.Term.String()]; v != nil {
				v.lemma = append(v.lemma, b.Var.Name)
			}
		}
	}
	takenPub, takenFresh := map[string]bool{}, map[string]bool{}
	for n := range pubConst {
		takenPub[n] = true
	}
	for n := range freshConst {
		takenFresh[n] = true
	}
	taken := func(v *value) map[string]bool {
		if v.t.Kind == rules.TPub {
			return takenPub
		}
		return takenFresh
	}
	// 1. the lemma's names
	for _, v := range order {
		for _, n := range v.lemma {
			if !taken(v)[n] {
				v.renamed = n
				taken(v)[n] = true
				break
			}
		}
	}
	// how many values of a kind each rule variable name is a candidate for
	shared := map[rules.TermKind]map[string]int{rules.TPub: {}, rules.TFresh: {}}
	for _, v := range order {
		for n := range v.votes {
			shared[v.t.Kind][n]++
		}
	}
	// 2. and 3. the rules' names, suffixed where taken
	for _, v := range order {
		if v.renamed != "" {
			continue
		}
		var cands []string
		if v.t.Kind == rules.TFresh && v.gen == "" {
			cands = []string{"adv"}
		} else {
			cands = byVotes(v.votes, v.first, shared[v.t.Kind])
		}
		cands = append(cands, v.lemma...)
		if len(cands) == 0 {
			cands = []string{"x"}
			if v.t.Kind == rules.TFresh {
				cands = []string{"n"}
			}
		}
		for _, n := range cands {
			if !taken(v)[n] {
				v.renamed = n
				break
			}
		}
		if v.renamed == "" {
			base := cands[0]
			for i := 2; ; i++ {
				if n := fmt.Sprintf("%s#%d", base, i); !taken(v)[n] {
					v.renamed = n
					break
				}
			}
		}
		taken(v)[v.renamed] = true
	}
	rename := func(t *rules.Term) *rules.Term {
		return mapNames(t, func(s *rules.Term) *rules.Term {
			if v := byKey[s.String()]; v != nil && chosen(s) && v.renamed != s.Name {
				if s.Kind == rules.TPub {
					return rules.NewPub(v.renamed)
				}
				return rules.NewFreshConst(v.renamed)
			}
			return s
		})
	}
	out := &rules.Trace{}
	for _, st := range tr.Steps {
		s := *st
		s.Subst = rules.Subst{}
		for x, t := range st.Subst {
			s.Subst[x] = rename(t)
		}
		out.Steps = append(out.Steps, &s)
	}
	for _, ev := range tr.KEvents {
		e := *ev
		e.Term = rename(ev.Term)
		if ev.Bind != nil {
			e.Bind = rules.Subst{}
			for x, t := range ev.Bind {
				e.Bind[x] = rename(t)
			}
		}
		out.KEvents = append(out.KEvents, &e)
	}
	return out
}

// byVotes orders a value's candidate names: the names no other value has
// first (~skA, the key only A's steps call skA, before ~sk, which every
// key is called in Key_setup), then by votes, then in the order they
// were first met.
func byVotes(votes, first, shared map[string]int) []string {
	out := make([]string, 0, len(votes))
	for n := range votes {
		out = append(out, n)
	}
	better := func(a, b string) bool {
		if (shared[a] == 1) != (shared[b] == 1) {
			return shared[a] == 1
		}
		if votes[a] != votes[b] {
			return votes[a] > votes[b]
		}
		return first[a] < first[b]
	}
	sort.Slice(out, func(i, j int) bool { return better(out[i], out[j]) })
	return out
}

// mapNames rebuilds t with f applied to its names.
func mapNames(t *rules.Term, f func(*rules.Term) *rules.Term) *rules.Term {
	switch t.Kind {
	case rules.TPub, rules.TFresh:
		return f(t)
	case rules.TApp:
		args := make([]*rules.Term, len(t.Args))
		changed := false
		for i, a := range t.Args {
			args[i] = mapNames(a, f)
			changed = changed || args[i] != a
		}
		if changed {
			return rules.NewApp(t.Name, args...)
		}
	}
	return t
}
