package queries

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// This file holds a brute-force explicit-state explorer, the reference for
// the differential tests. It is written from the semantics (design.md)
// and the bounds' definitions (docs/bounds.md), not from the encoder: the
// state is a multiset of ground facts, a step is a rule instance whose
// premises are in the state, Fr premises get new names, In premises get
// messages the adversary derives, and a trace has the goal property iff
// replay.Check accepts it.
//
// Two answers. Every trace with the goal property counts for the
// unbounded Dolev–Yao adversary of replay (loose); it counts within the
// engine's adversary bounds (strict) when replay.Within says the
// adversary needs no more than them. The engine must find the strict
// traces and may find only loose ones. The explorer never looks at how
// the engine models the adversary: it generates candidate messages
// generously and lets the replay package's definitions decide.
//
// Candidate values. A variable of an In premise that no state premise
// binds ranges over
//
//	B = every subterm of the messages sent so far (Out), the model's public
//	    constants and two extra public names, two adversary fresh names,
//	    the public nullary function symbols,
//
// and, when the bounds allow a construction layer, also over one layer
// f(b1,…,bn) above elements of B the unbounded adversary derives, for
// every public function symbol f whose application is in normal form.
// (A value within one construction layer is one of these: what the
// adversary knows is a subterm of what was sent.) A public variable that
// no premise binds ranges over the public constants and the two extra
// names. The extra names and the adversary's fresh names are used in
// order of first occurrence (symmetry reduction). So the explorer is
// complete for bounds with at most one construction layer.
//
// Knowledge events. The adversary's send event of every In premise is in
// the trace, just before its step; when a formula can observe sends (a K
// or KU atom under a negation or a universal), every placement of the
// sends in the gaps before their steps is tried. When the goal has K or
// KU atoms, events are added (see kEvents): after the last step, or in
// every gap when a formula compares their times; when every K atom of the
// goal is positive, sets of as many events as the goal has such atoms,
// otherwise none or one.
//
// Lengths. The engine searches traces of exactly 0, 1, 2, …, k steps, so
// the explorer answers for 0 ≤ length ≤ k.
type explorer struct {
	th     *rules.Theory
	goal   rules.Formula
	bounds replay.Bounds

	pubs     []*rules.Term // public constants and extra names
	advFresh []*rules.Term
	ctors    []*rules.FuncSym // public, arity > 0
	nullary  []*rules.Term    // public, arity 0
	goalGnd  []*rules.Term    // normalised ground terms of the goal
	kAtoms   []*rules.Atom    // the goal's K and KU atoms
	hasK     bool
	kAllGaps bool
	// kObserved: a formula can tell when the sends happen.
	kObserved bool
	// kMonotone: the goal has K atoms only positively and the
	// restrictions have none, so more knowledge events never make the
	// goal false. kPositive: the goal has a K atom at positive polarity
	// (only then can an extra event help).
	kMonotone, kPositive bool
	// required lists action names every trace with the goal property
	// has (a cheap filter before replay).
	required []string
	names    map[*rules.Rule]string

	// the search in progress
	ans   *answer
	limit int

	// maxNodes aborts the search (with an error) after that many states,
	// maxReplays after that many replays.
	maxNodes, maxReplays int
	nodes                int
	replays              int
	err                  error
}

func newExplorer(th *rules.Theory, goal rules.Formula, bounds replay.Bounds) *explorer {
	x := &explorer{th: th, goal: goal, bounds: bounds, names: map[*rules.Rule]string{}, maxNodes: 3_000_000, maxReplays: 10_000_000}
	seen := map[string]bool{}
	addPub := func(t *rules.Term) {
		if t.Kind == rules.TPub && !seen[t.String()] {
			seen[t.String()] = true
			x.pubs = append(x.pubs, t)
		}
	}
	walkTerms := func(t *rules.Term) {
		t.Walk(func(s *rules.Term) bool { addPub(s); return true })
	}
	for _, r := range th.Rules {
		for _, fs := range [][]*rules.Fact{r.Premises, r.Actions, r.Conclusions} {
			for _, f := range fs {
				for _, a := range f.Args {
					walkTerms(a)
				}
			}
		}
	}
	for _, r := range th.Restrictions {
		formulaTerms(r.Formula, walkTerms)
	}
	formulaTerms(goal, walkTerms)
	addPub(rules.NewPub("xpub1"))
	addPub(rules.NewPub("xpub2"))
	x.advFresh = []*rules.Term{rules.NewFreshConst("adv1"), rules.NewFreshConst("adv2")}
	for _, f := range th.Functions {
		if f.Private {
			continue
		}
		if f.Arity == 0 {
			x.nullary = append(x.nullary, rules.NewApp(f.Name))
		} else {
			x.ctors = append(x.ctors, f)
		}
	}
	gseen := map[string]bool{}
	formulaTerms(goal, func(t *rules.Term) {
		t.Walk(func(s *rules.Term) bool {
			if s.IsGround() {
				n := th.Normalize(s)
				if !gseen[n.String()] {
					gseen[n.String()] = true
					x.goalGnd = append(x.goalGnd, n)
				}
			}
			return true
		})
	})
	// K atoms, and whether their times are compared with anything
	kTimes := map[rules.Var]bool{}
	rules.WalkFormula(goal, func(g rules.Formula) {
		if a, ok := g.(*rules.Atom); ok && a.Kind == rules.AtomAction && isKName(a.Fact.Name) {
			x.hasK = true
			x.kAtoms = append(x.kAtoms, a)
			if a.R != nil && a.R.Kind == rules.TVar {
				kTimes[a.R.Var] = true
			}
		}
	})
	all := []rules.Formula{goal}
	for _, r := range th.Restrictions {
		all = append(all, r.Formula)
	}
	for _, f := range all {
		rules.WalkFormula(f, func(g rules.Formula) {
			if a, ok := g.(*rules.Atom); ok && (a.Kind == rules.AtomLess || a.Kind == rules.AtomTimeEq || a.Kind == rules.AtomLast) {
				for _, t := range []*rules.Term{a.L, a.R} {
					if t != nil && t.Kind == rules.TVar && kTimes[t.Var] || a.Kind == rules.AtomLast {
						x.kAllGaps = true
					}
				}
			}
		})
		x.kObserved = x.kObserved || kPolarity(f, true, false)
	}
	x.kMonotone = !kPolarity(goal, true, false)
	x.kPositive = kPolarity(goal, false, false)
	for _, r := range th.Restrictions {
		rules.WalkFormula(r.Formula, func(g rules.Formula) {
			if a, ok := g.(*rules.Atom); ok && a.Kind == rules.AtomAction && isKName(a.Fact.Name) {
				x.kMonotone = false
				x.kAllGaps = true
			}
		})
	}
	if x.kObserved {
		x.kAllGaps = true
	}
	x.required = requiredActions(goal, true, nil)
	count := map[string]int{}
	for _, r := range th.Rules {
		count[r.Name]++
		x.names[r] = r.Name
		if count[r.Name] > 1 {
			x.names[r] = fmt.Sprintf("%s#%d", r.Name, count[r.Name])
		}
	}
	return x
}

// formulaTerms calls visit with the terms of f's atoms.
func formulaTerms(f rules.Formula, visit func(*rules.Term)) {
	rules.WalkFormula(f, func(g rules.Formula) {
		a, ok := g.(*rules.Atom)
		if !ok {
			return
		}
		if a.Fact != nil {
			for _, t := range a.Fact.Args {
				visit(t)
			}
		}
		if a.Kind == rules.AtomEq || a.Kind == rules.AtomSubterm {
			visit(a.L)
			visit(a.R)
		}
	})
}

func isKName(n string) bool { return n == rules.FactK || n == rules.FactKU || n == rules.FactKD }

// kPolarity reports whether f, at polarity pos (or both, under <=>), has
// a K atom at negative polarity.
func kPolarity(f rules.Formula, pos, both bool) bool {
	switch f := f.(type) {
	case *rules.Atom:
		return f.Kind == rules.AtomAction && isKName(f.Fact.Name) && (!pos || both)
	case *rules.Not:
		return kPolarity(f.F, !pos, both)
	case *rules.Quant:
		return kPolarity(f.Body, pos, both)
	case *rules.Conn:
		switch f.Op {
		case rules.Imp:
			return kPolarity(f.L, !pos, both) || kPolarity(f.R, pos, both)
		case rules.Iff:
			return kPolarity(f.L, pos, true) || kPolarity(f.R, pos, true)
		}
		return kPolarity(f.L, pos, both) || kPolarity(f.R, pos, both)
	}
	return false
}

// requiredActions appends the names of the protocol actions that every
// trace satisfying f (at polarity pos) has.
func requiredActions(f rules.Formula, pos bool, out []string) []string {
	switch f := f.(type) {
	case *rules.Atom:
		if pos && f.Kind == rules.AtomAction && !isKName(f.Fact.Name) {
			out = append(out, f.Fact.Name)
		}
	case *rules.Not:
		return requiredActions(f.F, !pos, out)
	case *rules.Quant:
		if f.Exists == pos {
			return requiredActions(f.Body, pos, out)
		}
	case *rules.Conn:
		switch {
		case f.Op == rules.And && pos, f.Op == rules.Or && !pos:
			out = requiredActions(f.L, pos, out)
			return requiredActions(f.R, pos, out)
		case f.Op == rules.Imp && !pos:
			out = requiredActions(f.L, true, out)
			return requiredActions(f.R, false, out)
		}
	}
	return out
}

// stFact is a ground fact of the state with its multiplicity.
type stFact struct {
	f     *rules.Fact
	key   string
	count int
}

// exState is a node of the search: the state after a trace prefix.
type exState struct {
	facts  []stFact
	steps  []*rules.Step
	outs   [][]*rules.Term // normalised Out messages of each step
	sends  []*rules.KEvent // the send events of the In premises
	fresh  map[string]bool // protocol fresh names so far
	nfresh int
	extra  map[string]bool // the adversary's extra names used so far
}

// Symmetry: the extra public names and the adversary's fresh names occur
// nowhere in the model or the goal, so renaming them maps traces to
// equivalent traces. The search only uses the second name of each kind
// once the first is in use (in order of first occurrence), which keeps
// one trace of every class.
var extraPairs = [][2]string{{"'xpub1'", "'xpub2'"}, {"~'adv1'", "~'adv2'"}}

func isExtra(k string) bool {
	for _, p := range extraPairs {
		if k == p[0] || k == p[1] {
			return true
		}
	}
	return false
}

// extraNames adds the extra names in t to set.
func extraNames(t *rules.Term, set map[string]bool) {
	t.Walk(func(u *rules.Term) bool {
		if u.Kind == rules.TPub || u.Kind == rules.TFresh {
			if k := u.String(); isExtra(k) {
				set[k] = true
			}
		}
		return true
	})
}

// canonical reports whether assigning c next keeps the extra names in
// order of first occurrence, given the names used by the trace and by
// the step's substitution so far.
func canonical(used map[string]bool, sub rules.Subst, c *rules.Term) bool {
	names := map[string]bool{}
	extraNames(c, names)
	if len(names) == 0 {
		return true
	}
	for _, v := range sub {
		extraNames(v, names)
	}
	for k := range used {
		names[k] = true
	}
	for _, p := range extraPairs {
		if names[p[1]] && !names[p[0]] {
			return false
		}
	}
	return true
}

// answer is the explorer's answer for one goal: the lengths of shortest
// traces (0 ≤ length ≤ k; -1 for none) with the goal property
//
//   - strict: within the engine's adversary bounds (replay.Within); the
//     engine must find these;
//   - loose: for the unbounded Dolev–Yao adversary (replay's); every
//     engine trace must be one of these.
type answer struct {
	strict, loose     int
	strictTr, looseTr *rules.Trace
	// done is the largest depth searched completely (less than k when
	// the state budget ran out).
	done int
}

// minLength answers the goal for traces of at most k steps. Iterative
// deepening: at limit n only traces of exactly n steps are checked
// (shorter ones were checked before). When the search exceeds its state
// budget, err says so and done is the largest depth searched completely.
func (x *explorer) minLength(k int) (answer, error) {
	a := answer{strict: -1, loose: -1}
	for n := 0; n <= k; n++ {
		x.ans = &a
		x.limit = n
		x.search(&exState{fresh: map[string]bool{}, extra: map[string]bool{}})
		if x.err != nil {
			a.done = n - 1
			return a, x.err
		}
		if a.strict >= 0 {
			break
		}
	}
	a.done = k
	return a, nil
}

// errBudget is the error of a search that exceeded its state budget.
var errBudget = errors.New("explorer: state budget exceeded")

// search explores the traces extending s up to x.limit steps; it returns
// false to stop (a strict answer was found, or an error).
func (x *explorer) search(s *exState) bool {
	if x.err != nil {
		return false
	}
	x.nodes++
	if x.maxNodes > 0 && x.nodes > x.maxNodes {
		x.err = fmt.Errorf("%w (%d states)", errBudget, x.maxNodes)
		return false
	}
	if len(s.steps) == x.limit {
		x.satisfies(s)
		return x.ans.strict < 0 && x.err == nil
	}
	for _, r := range x.th.Rules {
		cont := true
		x.successors(s, r, func(ns *exState) bool {
			cont = x.search(ns)
			return cont
		})
		if !cont {
			return false
		}
	}
	return true
}

// knowledge returns the unbounded adversary's knowledge (replay's) after
// the first n steps.
func (x *explorer) knowledge(s *exState, n int, fresh map[string]bool) *replay.Knowledge {
	k := replay.NewKnowledge(x.th, fresh)
	for i := 0; i < n && i < len(s.outs); i++ {
		for _, m := range s.outs[i] {
			k.Add(m)
		}
	}
	return k
}

// candidates returns the adversary's candidate values in state s.
func (x *explorer) candidates(s *exState, know *replay.Knowledge) []*rules.Term {
	var base []*rules.Term
	seen := map[string]bool{}
	add := func(list *[]*rules.Term, t *rules.Term) {
		if k := t.String(); !seen[k] {
			seen[k] = true
			*list = append(*list, t)
		}
	}
	for _, os := range s.outs {
		for _, m := range os {
			m.Walk(func(t *rules.Term) bool { add(&base, t); return true })
		}
	}
	for _, t := range x.pubs {
		add(&base, t)
	}
	for _, t := range x.advFresh {
		add(&base, t)
	}
	for _, t := range x.nullary {
		add(&base, t)
	}
	out := append([]*rules.Term{}, base...)
	if x.th.HasBuiltin("diffie-hellman") {
		// the adversary's DH moves, free of construction layers: known
		// bases and exponentiations raised to its own exponents, and its
		// own exponents as products
		var more []*rules.Term
		for _, b := range base {
			if b.IsApp(rules.FunMult) || b.IsApp(rules.FunInv) || know.Derive(b) == nil {
				continue
			}
			for _, e := range x.advFresh[:1] {
				more = append(more, x.th.Normalize(rules.NewApp(rules.FunExp, b, e)))
			}
		}
		more = append(more, x.th.Normalize(rules.NewApp(rules.FunInv, x.advFresh[0])),
			x.th.Normalize(rules.NewApp(rules.FunMult, x.advFresh[0], x.advFresh[1])))
		for _, t := range more {
			add(&out, t)
		}
	}
	if x.bounds.ConstructionLayers <= 0 {
		return out
	}
	var deriv []*rules.Term
	for _, t := range base {
		if know.Derive(t) != nil {
			deriv = append(deriv, t)
		}
	}
	for _, f := range x.ctors {
		args := make([]*rules.Term, f.Arity)
		var rec func(i int)
		rec = func(i int) {
			if i == f.Arity {
				t := rules.NewApp(f.Name, append([]*rules.Term{}, args...)...)
				if x.th.Normalize(t).Equal(t) {
					add(&out, t)
				}
				return
			}
			for _, d := range deriv {
				args[i] = d
				rec(i + 1)
			}
		}
		rec(0)
	}
	return out
}

// successors calls yield with every state reached from s by one instance
// of r; yield returns false to stop.
func (x *explorer) successors(s *exState, r *rules.Rule, yield func(*exState) bool) {
	var statePrem, frPrem, inPrem []int
	for i, p := range r.Premises {
		switch {
		case p.Name == rules.FactFr:
			frPrem = append(frPrem, i)
		case p.Name == rules.FactIn:
			inPrem = append(inPrem, i)
		default:
			statePrem = append(statePrem, i)
		}
	}
	var know *replay.Knowledge
	var cands []*rules.Term
	used := make([]int, len(s.facts))
	cont := true
	// stage 3: unbound variables, then build the step: public variables
	// range over the public names; other variables (which Tamarin only
	// warns about) over the candidate values
	finish := func(sub rules.Subst, inMsgs []*rules.Term) {
		var free []rules.Var
		for _, v := range r.Vars() {
			if _, ok := sub[v]; !ok {
				free = append(free, v)
			}
		}
		var rec func(i int, sub rules.Subst)
		rec = func(i int, sub rules.Subst) {
			if !cont {
				return
			}
			if i == len(free) {
				cont = yield(x.apply(s, r, sub, inPrem, inMsgs, used))
				return
			}
			vals := x.pubs
			if free[i].Sort != rules.SortPub {
				if cands == nil {
					cands = x.candidates(s, x.knowledge(s, len(s.outs), s.fresh))
				}
				vals = cands
			}
			for _, p := range vals {
				if !free[i].Sort.Admits(p) || !canonical(s.extra, sub, p) {
					continue
				}
				sub[free[i]] = p
				rec(i+1, sub)
				if !cont {
					break
				}
			}
			delete(sub, free[i])
		}
		rec(0, sub)
	}
	// stage 2: In premises, one after the other
	var ins func(j int, sub rules.Subst, msgs []*rules.Term)
	ins = func(j int, sub rules.Subst, msgs []*rules.Term) {
		if !cont {
			return
		}
		if j == len(inPrem) {
			finish(sub, msgs)
			return
		}
		pat := r.Premises[inPrem[j]].Args[0]
		var vars []rules.Var
		for _, v := range pat.Vars(nil) {
			if _, ok := sub[v]; !ok {
				vars = append(vars, v)
			}
		}
		var rec func(i int, sub rules.Subst)
		rec = func(i int, sub rules.Subst) {
			if !cont {
				return
			}
			if i == len(vars) {
				m := x.th.Normalize(sub.Apply(pat))
				if !m.IsGround() || know.Derive(m) == nil {
					return
				}
				ins(j+1, sub, append(msgs[:len(msgs):len(msgs)], m))
				return
			}
			for _, c := range cands {
				if !vars[i].Sort.Admits(c) || !canonical(s.extra, sub, c) {
					continue
				}
				sub[vars[i]] = c
				rec(i+1, sub)
				if !cont {
					break
				}
			}
			delete(sub, vars[i])
		}
		rec(0, sub)
	}
	// stage 1: state premises against the state's facts; then Fr
	var states func(j int, sub rules.Subst)
	states = func(j int, sub rules.Subst) {
		if !cont {
			return
		}
		if j == len(statePrem) {
			sub = sub.Copy()
			n := s.nfresh
			for _, pi := range frPrem {
				a := r.Premises[pi].Args[0]
				if a.Kind != rules.TVar {
					continue // Fr of a constant: replay rejects it
				}
				if _, ok := sub[a.Var]; !ok {
					n++
					sub[a.Var] = rules.NewFreshConst(fmt.Sprintf("n%d", n))
				}
			}
			if len(inPrem) > 0 && know == nil {
				fresh := map[string]bool{}
				for k := range s.fresh {
					fresh[k] = true
				}
				for _, t := range sub {
					if t.Kind == rules.TFresh {
						fresh[t.Name] = true
					}
				}
				know = x.knowledge(s, len(s.outs), fresh)
				cands = x.candidates(s, know)
			}
			ins(0, sub, nil)
			return
		}
		p := r.Premises[statePrem[j]]
		for fi := range s.facts {
			sf := &s.facts[fi]
			g := sf.f
			if g.Name != p.Name || g.Persistent != p.Persistent || len(g.Args) != len(p.Args) {
				continue
			}
			if !p.Persistent && sf.count-used[fi] <= 0 {
				continue
			}
			s2 := sub.Copy()
			ok := true
			for ai := range p.Args {
				if !rules.Match(p.Args[ai], g.Args[ai], s2) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if !p.Persistent {
				used[fi]++
			}
			states(j+1, s2)
			if !p.Persistent {
				used[fi]--
			}
			if !cont {
				return
			}
		}
	}
	states(0, rules.Subst{})
}

// apply builds the state after the step r·sub from s; used gives the
// state facts the linear premises consume.
func (x *explorer) apply(s *exState, r *rules.Rule, sub rules.Subst, inPrem []int, inMsgs []*rules.Term, used []int) *exState {
	ns := &exState{fresh: map[string]bool{}, nfresh: s.nfresh, extra: map[string]bool{}}
	for k := range s.fresh {
		ns.fresh[k] = true
	}
	for k := range s.extra {
		ns.extra[k] = true
	}
	for _, t := range sub {
		extraNames(t, ns.extra)
	}
	idx := map[string]int{}
	for i, sf := range s.facts {
		c := sf.count
		if !sf.f.Persistent {
			c -= used[i]
		}
		if c > 0 {
			idx[sf.key] = len(ns.facts)
			ns.facts = append(ns.facts, stFact{f: sf.f, key: sf.key, count: c})
		}
	}
	step := &rules.Step{Rule: r, Name: x.names[r], Subst: rules.Subst{}}
	for _, v := range r.Vars() {
		step.Subst[v] = sub[v]
	}
	for range r.Premises {
		step.Sources = append(step.Sources, rules.Source{Step: -1, Conclusion: -1})
	}
	for _, p := range r.Premises {
		if p.Name == rules.FactFr && p.Args[0].Kind == rules.TVar {
			if t := sub[p.Args[0].Var]; t.Kind == rules.TFresh && !ns.fresh[t.Name] {
				ns.fresh[t.Name] = true
				ns.nfresh++
			}
		}
	}
	var outs []*rules.Term
	for _, c := range r.Conclusions {
		g := c.Subst(sub)
		for i, a := range g.Args {
			g.Args[i] = x.th.Normalize(a)
		}
		if g.Name == rules.FactOut {
			outs = append(outs, g.Args[0])
			continue
		}
		key := g.Ident()
		if i, ok := idx[key]; ok {
			if !g.Persistent {
				ns.facts[i].count++
			}
			continue
		}
		idx[key] = len(ns.facts)
		ns.facts = append(ns.facts, stFact{f: g, key: key, count: 1})
	}
	n := len(s.steps)
	ns.steps = append(append([]*rules.Step{}, s.steps...), step)
	ns.outs = append(append([][]*rules.Term{}, s.outs...), outs)
	ns.sends = append([]*rules.KEvent{}, s.sends...)
	for j, pi := range inPrem {
		ns.sends = append(ns.sends, &rules.KEvent{Term: inMsgs[j], Time: sendTime(n, n, j), InStep: n, InPremise: pi})
	}
	return ns
}

// Times of events in the gap before step g (0-based; g = number of steps
// for after the last one): sends first, in order, then other events.
func sendTime(g, step, j int) int64 {
	return int64(g)*rules.TraceTimeScale + 100 + int64(step)*10 + int64(j)
}

func extraTime(g, i int) int64 { return int64(g)*rules.TraceTimeScale + 500 + int64(i) }

// kCand is a candidate knowledge event: a term and the K atom of the goal
// it was made for.
type kCand struct {
	term    *rules.Term
	pattern *rules.Term
	bind    rules.Subst
	ku      bool
}

// satisfies checks the trace of s, with the send placements and extra
// knowledge events to try, against the goal and records it in x.ans.
func (x *explorer) satisfies(s *exState) {
	if len(x.required) > 0 {
		have := map[string]bool{}
		for _, st := range s.steps {
			for _, a := range st.Rule.Actions {
				have[a.Name] = true
			}
		}
		for _, n := range x.required {
			if !have[n] {
				return
			}
		}
	}
	for _, sends := range x.placements(s) {
		if x.tryEvents(s, sends) || x.err != nil {
			return
		}
	}
}

// placements returns the ways to place the sends: before their steps, or
// in every gap up to their step when formulas observe sends.
func (x *explorer) placements(s *exState) [][]*rules.KEvent {
	if !x.kObserved || len(s.sends) == 0 {
		return [][]*rules.KEvent{s.sends}
	}
	var out [][]*rules.KEvent
	cur := make([]*rules.KEvent, len(s.sends))
	var rec func(i int)
	rec = func(i int) {
		if i == len(s.sends) {
			out = append(out, append([]*rules.KEvent{}, cur...))
			return
		}
		ev := s.sends[i]
		for g := 0; g <= ev.InStep; g++ {
			e := *ev
			e.Time = sendTime(g, ev.InStep, ev.InPremise)
			cur[i] = &e
			rec(i + 1)
		}
	}
	rec(0)
	return out
}

// tryEvents tries the trace with the sends and sets of extra events; it
// reports whether a strict answer was found.
func (x *explorer) tryEvents(s *exState, sends []*rules.KEvent) bool {
	with := func(extra []*rules.KEvent) *rules.Trace {
		all := append(append([]*rules.KEvent{}, sends...), extra...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].Time < all[j].Time })
		return &rules.Trace{Steps: s.steps, KEvents: all}
	}
	try := func(extra []*rules.KEvent) bool {
		tr := with(extra)
		if !x.check(tr) {
			return false
		}
		if x.ans.loose < 0 {
			x.ans.loose, x.ans.looseTr = len(tr.Steps), tr
		}
		if ok, _ := replay.Within(x.th, tr, x.bounds); ok && x.ans.strict < 0 {
			x.ans.strict, x.ans.strictTr = len(tr.Steps), tr
			return true
		}
		return false
	}
	if try(nil) {
		return true
	}
	if !x.kPositive || x.err != nil {
		return false
	}
	evs := x.kEvents(s)
	size := 1
	if x.kMonotone {
		size = min(len(x.kAtoms), 2)
	}
	var rec func(start int, set []*rules.KEvent) bool
	rec = func(start int, set []*rules.KEvent) bool {
		if len(set) > 0 && try(set) {
			return true
		}
		if len(set) == size || x.err != nil {
			return false
		}
		for i := start; i < len(evs); i++ {
			if rec(i+1, append(set[:len(set):len(set)], evs[i])) {
				return true
			}
		}
		return false
	}
	return rec(0, nil)
}

// kEvents returns the knowledge events that may be added to the trace of
// s: after the last step, or in every gap when the goal compares a K
// atom's time. Their terms are every subterm of the trace's facts, the
// public names and the goal's ground terms that the unbounded adversary
// derives there; each is made for a K atom of the goal whose term
// matches it (its pattern for the bounds).
func (x *explorer) kEvents(s *exState) []*rules.KEvent {
	var terms []*rules.Term
	seen := map[string]bool{}
	addTerms := func(t *rules.Term) {
		t.Walk(func(u *rules.Term) bool {
			if k := u.String(); !seen[k] {
				seen[k] = true
				terms = append(terms, u)
			}
			return true
		})
	}
	for _, st := range s.steps {
		for _, fs := range [][]*rules.Fact{st.Rule.Premises, st.Rule.Actions, st.Rule.Conclusions} {
			for _, f := range fs {
				for _, a := range f.Args {
					addTerms(x.th.Normalize(st.Subst.Apply(a)))
				}
			}
		}
	}
	for _, t := range x.goalGnd {
		addTerms(t)
	}
	for _, t := range x.pubs {
		addTerms(t)
	}
	n := len(s.steps)
	first := n
	if x.kAllGaps {
		first = 0
	}
	var out []*rules.KEvent
	i := 0
	for g := n; g >= first; g-- {
		lk := x.knowledge(s, g, s.fresh)
		for _, t := range terms {
			if lk.Derive(t) == nil {
				continue
			}
			for _, c := range x.kCands(t) {
				i++
				out = append(out, &rules.KEvent{Term: c.term, Time: extraTime(g, i), InStep: -1, InPremise: -1,
					KU: c.ku, Pattern: c.pattern, Bind: c.bind})
			}
		}
	}
	return out
}

// kCands returns the events for term t: one per K or KU atom of the goal
// whose term matches t, or one without a pattern.
func (x *explorer) kCands(t *rules.Term) []kCand {
	var out []kCand
	done := map[string]bool{}
	for _, a := range x.kAtoms {
		if len(a.Fact.Args) != 1 || a.Fact.Name == rules.FactKD {
			continue
		}
		s := rules.Subst{}
		if !rules.Match(a.Fact.Args[0], t, s) {
			continue
		}
		key := a.Fact.Name + a.Fact.Args[0].String()
		if done[key] {
			continue
		}
		done[key] = true
		out = append(out, kCand{term: t, pattern: a.Fact.Args[0], bind: s, ku: a.Fact.Name == rules.FactKU})
	}
	if len(out) == 0 {
		out = append(out, kCand{term: t})
	}
	return out
}

// check replays tr; a failure other than a restriction or the goal not
// holding means the explorer built an invalid trace, which is recorded as
// its error.
func (x *explorer) check(tr *rules.Trace) bool {
	x.replays++
	if x.maxReplays > 0 && x.replays > x.maxReplays {
		x.err = fmt.Errorf("%w (%d replays)", errBudget, x.maxReplays)
		return false
	}
	_, err := replay.Check(x.th, tr, x.goal)
	if err == nil {
		return true
	}
	var re *replay.Error
	if errors.As(err, &re) && re.Step < 0 && (strings.HasPrefix(re.Msg, "restriction ") && strings.HasSuffix(re.Msg, " does not hold on the trace") ||
		strings.HasPrefix(re.Msg, "the trace does not have the claimed property") ||
		strings.HasPrefix(re.Msg, "the adversary cannot derive")) {
		return false
	}
	x.err = fmt.Errorf("explorer built a trace replay rejects: %v\n%s", err, traceText(tr))
	return false
}

// traceText prints a trace for failure messages.
func traceText(tr *rules.Trace) string {
	if tr == nil {
		return "  (no trace)\n"
	}
	var b strings.Builder
	for i, st := range tr.Steps {
		var vs []rules.Var
		for v := range st.Subst {
			vs = append(vs, v)
		}
		rules.SortVars(vs)
		var parts []string
		for _, v := range vs {
			parts = append(parts, v.String()+"="+st.Subst[v].TraceString())
		}
		fmt.Fprintf(&b, "  %d. %s {%s}\n", i+1, st.Name, strings.Join(parts, ", "))
	}
	for _, ev := range tr.KEvents {
		kind := "K"
		if ev.KU {
			kind = "KU"
		}
		fmt.Fprintf(&b, "  %s(%s) @ %d (In step %d premise %d)\n", kind, ev.Term.TraceString(), ev.Time, ev.InStep, ev.InPremise)
	}
	return b.String()
}
