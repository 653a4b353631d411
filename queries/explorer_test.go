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
// the differential tests. It is written from the semantics (design.md),
// not from the encoder: the state is a multiset of ground facts, a step is
// a rule instance whose premises are in the state, Fr premises get new
// names, In premises get messages the adversary derives from a finite
// candidate set, and a trace has the goal property iff replay.Check
// accepts it.
//
// Two adversaries. Every trace is classified twice (see answer): for the
// unbounded Dolev–Yao adversary of replay (replay.Knowledge), and for the
// adversary within the engine's documented constructor-layer bound
// (advKnow, explorer_adv_test.go). The engine must find the traces of the
// second kind and may find only traces of the first.
//
// Candidate values. A variable of an In premise that no state premise
// binds ranges over
//
//	B = every subterm of the messages sent so far (Out), the model's public
//	    constants and two extra public names, two adversary fresh names,
//	    the public nullary function symbols,
//
// and, with synth = 1, also over one layer f(b1,…,bn) above derivable
// elements of B, for every public function symbol f whose application is
// in normal form (a constructor such as pair, h, senc, or a stuck
// application of fst, snd, sdec). The pattern's own structure is built
// around these values, as the engine's SynthDepth bound says
// ("constructor layers below the pattern's own structure"). A public
// variable that no premise binds ranges over the public constants and the
// two extra names. The extra names and the adversary's fresh names are
// used in order of first occurrence (symmetry reduction).
//
// Knowledge events. The adversary's send event of every In premise is in
// the trace (just before its step). When the goal has K atoms, K events
// are added (see kEvents): after the last step, or, when the goal
// compares a K atom's time with another timepoint, in every gap between
// steps. When every K atom of the goal is positive, one trace with all of
// them decides (more events only make the goal truer); otherwise each
// single extra event is tried in turn.
//
// Lengths. The engine searches traces of exactly 1, 2, …, k steps, so the
// explorer answers for 1 ≤ length ≤ k; the empty trace is not a candidate.
type explorer struct {
	th    *rules.Theory
	goal  rules.Formula
	synth int

	pubs     []*rules.Term // public constants and extra names
	advFresh []*rules.Term
	ctors    []*rules.FuncSym // public, arity > 0
	nullary  []*rules.Term    // public, arity 0
	goalGnd  []*rules.Term    // normalised ground terms of the goal
	hasK     bool
	kAllGaps bool
	// kMonotone: the goal has K atoms only positively and the
	// restrictions have none, so more knowledge events never make the
	// goal false: one trace with an event for every derivable candidate
	// term decides all extensions at once.
	kMonotone bool
	// required lists action names every trace with the goal property
	// has (a cheap filter before replay).
	required []string
	names    map[*rules.Rule]string

	// the search in progress
	ans   *answer
	limit int

	// MaxNodes aborts the search (with an error) after that many states.
	maxNodes int
	nodes    int
	replays  int
	err      error
}

func newExplorer(th *rules.Theory, goal rules.Formula, synth int) *explorer {
	x := &explorer{th: th, goal: goal, synth: synth, names: map[*rules.Rule]string{}, maxNodes: 3_000_000}
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
	formulaTerms := func(f rules.Formula, visit func(*rules.Term)) {
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
			if a.R != nil && a.R.Kind == rules.TVar {
				kTimes[a.R.Var] = true
			}
		}
	})
	rules.WalkFormula(goal, func(g rules.Formula) {
		if a, ok := g.(*rules.Atom); ok && (a.Kind == rules.AtomLess || a.Kind == rules.AtomTimeEq || a.Kind == rules.AtomLast) {
			for _, t := range []*rules.Term{a.L, a.R} {
				if t != nil && t.Kind == rules.TVar && kTimes[t.Var] {
					x.kAllGaps = true
				}
			}
		}
	})
	x.kMonotone = !kPolarity(goal, true, false)
	for _, r := range th.Restrictions {
		rules.WalkFormula(r.Formula, func(g rules.Formula) {
			if a, ok := g.(*rules.Atom); ok && a.Kind == rules.AtomAction && isKName(a.Fact.Name) {
				x.kMonotone = false
			}
		})
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
	inEv   []*rules.KEvent
	fresh  map[string]bool // protocol fresh names so far
	nfresh int
	extra  map[string]bool // the adversary's extra names used so far
	// strict: every In message so far is derivable within the engine's
	// constructor-layer bound (advKnow), not only by the unbounded
	// adversary of replay.
	strict bool
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
// traces (1 ≤ length ≤ k; 0 for none) with the goal property
//
//   - strict: for the adversary within the engine's documented
//     constructor-layer bound (advKnow); the engine must find these;
//   - loose: for the unbounded Dolev–Yao adversary (replay's); every
//     engine trace must be one of these.
//
// The engine's own reach lies in between (its shape inference gives some
// variables structure the strict bound does not assume).
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
	var a answer
	for n := 1; n <= k; n++ {
		x.ans = &a
		x.limit = n
		x.search(&exState{fresh: map[string]bool{}, extra: map[string]bool{}, strict: true})
		if x.err != nil {
			a.done = n - 1
			return a, x.err
		}
		if a.strict > 0 {
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
	if !s.strict && x.ans.loose > 0 {
		return true // nothing new below: no strict trace, loose known
	}
	x.nodes++
	if x.maxNodes > 0 && x.nodes > x.maxNodes {
		x.err = fmt.Errorf("%w (%d states)", errBudget, x.maxNodes)
		return false
	}
	if len(s.steps) == x.limit {
		x.satisfies(s)
		return x.ans.strict == 0 && x.err == nil
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

// knowledge returns the bounded adversary's knowledge after the first n
// steps.
func (x *explorer) knowledge(s *exState, n int) *advKnow {
	if n > len(s.outs) {
		n = len(s.outs)
	}
	return x.newAdvKnow(s.fresh, s.outs[:n])
}

// looseKnowledge returns the unbounded adversary's knowledge (replay's)
// after the first n steps.
func (x *explorer) looseKnowledge(s *exState, n int) *replay.Knowledge {
	k := replay.NewKnowledge(x.th, s.fresh)
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
	if x.synth <= 0 {
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
	var know *advKnow           // bounded
	var lknow *replay.Knowledge // unbounded
	var cands []*rules.Term
	used := make([]int, len(s.facts))
	cont := true
	// stage 3: unbound public variables, then build the step
	finish := func(sub rules.Subst, inMsgs []*rules.Term, strict bool) {
		var free []rules.Var
		for _, v := range r.Vars() {
			if _, ok := sub[v]; !ok {
				if v.Sort != rules.SortPub {
					x.err = fmt.Errorf("explorer: rule %s: variable %s is not bound by a premise", r.Name, v)
					cont = false
					return
				}
				free = append(free, v)
			}
		}
		var rec func(i int, sub rules.Subst)
		rec = func(i int, sub rules.Subst) {
			if !cont {
				return
			}
			if i == len(free) {
				ns := x.apply(s, r, sub, inPrem, inMsgs, used)
				ns.strict = s.strict && strict
				cont = yield(ns)
				return
			}
			for _, p := range x.pubs {
				if !canonical(s.extra, sub, p) {
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
	var ins func(j int, sub rules.Subst, msgs []*rules.Term, strict bool)
	ins = func(j int, sub rules.Subst, msgs []*rules.Term, strict bool) {
		if !cont {
			return
		}
		if j == len(inPrem) {
			finish(sub, msgs, strict)
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
				if !m.IsGround() {
					return
				}
				if lknow.Derive(m) == nil {
					return
				}
				st := strict && s.strict && know.pattern(pat, sub)
				if !st && x.ans.loose > 0 {
					return // only strict traces are still of interest
				}
				ins(j+1, sub, append(msgs[:len(msgs):len(msgs)], m), st)
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
				know = x.newAdvKnow(fresh, s.outs)
				lknow = replay.NewKnowledge(x.th, fresh)
				for _, os := range s.outs {
					for _, m := range os {
						lknow.Add(m)
					}
				}
				cands = x.candidates(s, lknow)
			}
			ins(0, sub, nil, true)
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
	ns.inEv = append([]*rules.KEvent{}, s.inEv...)
	t := int64(n+1) * rules.TraceTimeScale
	for j, pi := range inPrem {
		ns.inEv = append(ns.inEv, &rules.KEvent{Term: inMsgs[j], Time: t - int64(len(inPrem)-j), InStep: n, InPremise: pi})
	}
	return ns
}

// satisfies checks the trace of s (with knowledge events as needed)
// against the goal and the restrictions and records it in x.ans.
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
	wantLoose := x.ans.loose == 0
	if !s.strict && !wantLoose {
		return
	}
	found := func(tr *rules.Trace, strict bool) {
		if strict && x.ans.strict == 0 {
			x.ans.strict, x.ans.strictTr = len(tr.Steps), tr
		}
		if x.ans.loose == 0 {
			x.ans.loose, x.ans.looseTr = len(tr.Steps), tr
		}
	}
	with := func(evs []*rules.KEvent) *rules.Trace {
		all := append(append([]*rules.KEvent{}, s.inEv...), evs...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].Time < all[j].Time })
		return &rules.Trace{Steps: s.steps, KEvents: all}
	}
	base := &rules.Trace{Steps: s.steps, KEvents: s.inEv}
	if !x.hasK || !x.kMonotone {
		if x.check(base) {
			found(base, s.strict)
			return
		}
		if !x.hasK || x.err != nil {
			return
		}
	}
	strictEvs, looseEvs := x.kEvents(s)
	if x.kMonotone {
		// more events only make the goal truer: all of them at once
		if s.strict {
			if tr := with(strictEvs); x.check(tr) {
				found(tr, true)
				return
			}
		}
		if wantLoose && x.err == nil {
			if tr := with(looseEvs); x.check(tr) {
				found(tr, false)
			}
		}
		return
	}
	// otherwise one extra event at a time
	if s.strict {
		for _, ev := range strictEvs {
			if tr := with([]*rules.KEvent{ev}); x.check(tr) {
				found(tr, true)
				return
			}
			if x.err != nil {
				return
			}
		}
	}
	if wantLoose {
		for _, ev := range looseEvs {
			if tr := with([]*rules.KEvent{ev}); x.check(tr) {
				found(tr, false)
				return
			}
			if x.err != nil {
				return
			}
		}
	}
}

// kEvents returns the knowledge events that may be added to the trace of
// s: after the last step, or in every gap when the goal compares a K
// atom's time. The strict ones are about the terms of the trace's actions
// and their subterms, each derivable with its pattern in the rule, whose
// structure the adversary builds freely (see advKnow), and the ground
// terms of the goal. The loose ones are about every subterm of the
// trace's facts, the public names and the goal's ground terms that the
// unbounded adversary derives.
func (x *explorer) kEvents(s *exState) (strict, loose []*rules.KEvent) {
	type kCand struct {
		pat *rules.Term
		sub rules.Subst
	}
	var cands []kCand
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
		for _, f := range st.Rule.Actions {
			for _, a := range f.Args {
				a.Walk(func(p *rules.Term) bool {
					cands = append(cands, kCand{p, st.Subst})
					return true
				})
			}
		}
		for _, fs := range [][]*rules.Fact{st.Rule.Premises, st.Rule.Actions, st.Rule.Conclusions} {
			for _, f := range fs {
				for _, a := range f.Args {
					addTerms(x.th.Normalize(st.Subst.Apply(a)))
				}
			}
		}
	}
	for _, t := range x.goalGnd {
		cands = append(cands, kCand{t, rules.Subst{}})
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
	for g := n; g >= first; g-- {
		tm := int64(g)*rules.TraceTimeScale + rules.TraceTimeScale/2
		ev := func(t *rules.Term) *rules.KEvent {
			return &rules.KEvent{Term: t, Time: tm, InStep: -1, InPremise: -1}
		}
		if s.strict {
			know := x.knowledge(s, g)
			done := map[string]bool{}
			for _, c := range cands {
				t := x.th.Normalize(c.sub.Apply(c.pat))
				if !t.IsGround() || done[t.String()] || !know.pattern(c.pat, c.sub) {
					continue
				}
				done[t.String()] = true
				strict = append(strict, ev(t))
			}
		}
		lk := x.looseKnowledge(s, g)
		for _, t := range terms {
			if lk.Derive(t) != nil {
				loose = append(loose, ev(t))
			}
		}
	}
	return strict, loose
}

// check replays tr; a failure other than a restriction or the goal not
// holding means the explorer built an invalid trace, which is recorded as
// its error.
func (x *explorer) check(tr *rules.Trace) bool {
	x.replays++
	_, err := replay.Check(x.th, tr, x.goal)
	if err == nil {
		return true
	}
	var re *replay.Error
	if errors.As(err, &re) && re.Step < 0 && (strings.HasPrefix(re.Msg, "restriction ") && strings.HasSuffix(re.Msg, " does not hold on the trace") ||
		strings.HasPrefix(re.Msg, "the trace does not have the claimed property")) {
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
		fmt.Fprintf(&b, "  K(%s) @ %d (In step %d premise %d)\n", ev.Term.TraceString(), ev.Time, ev.InStep, ev.InPremise)
	}
	return b.String()
}
