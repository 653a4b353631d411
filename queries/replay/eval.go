package replay

import (
	"errors"
	"fmt"
	"sort"

	"github.com/tracebound/tracebound/rules"
)

// timepoint is a step or a knowledge event of the trace.
type timepoint struct {
	time int64
	step int // index of the step, or -1
	kev  int // index of the knowledge event, or -1
}

// evaluator evaluates trace formulas on a replayed trace. Quantifiers
// range over the trace's timepoints and, for messages, over the values
// the formula's action atoms can take on the trace (for a variable no
// action atom mentions: every subterm of the trace). For guarded formulas,
// as Tamarin requires them, this is exact: any other value makes the
// guard false.
type evaluator struct {
	th     *rules.Theory
	tr     *rules.Trace
	res    *Result
	points []timepoint
	kterms []*rules.Term
	kacts  [][]*rules.Fact
	univ   []*rules.Term // every subterm of the trace, built on first use
	built  bool
	// limit, when > 0, is how many quantifier bindings the evaluation may
	// try before it gives up with ErrEvalLimit; work counts them
	limit, work int
}

// ErrEvalLimit is returned by the limited evaluations (HoldsLimited,
// HoldsAfter) when a formula needs more work than allowed: a search that
// evaluates a restriction on each of many candidates gives up rather than
// spend minutes on one.
var ErrEvalLimit = errors.New("replay: the formula's evaluation exceeds its work limit")

// EvalLimit is the work limit of HoldsLimited and HoldsAfter: quantifier
// bindings tried, some tenths of a second.
const EvalLimit = 50000

func newEvaluator(th *rules.Theory, tr *rules.Trace, res *Result) *evaluator {
	ev := &evaluator{th: th, tr: tr, res: res}
	for i := range res.Steps {
		ev.points = append(ev.points, timepoint{time: tr.Time(i), step: i, kev: -1})
	}
	for i, k := range tr.KEvents {
		ev.points = append(ev.points, timepoint{time: k.Time, step: -1, kev: i})
		ev.kterms = append(ev.kterms, th.Normalize(k.Term))
	}
	for i := range tr.KEvents {
		ev.kacts = append(ev.kacts, ev.knowledgeActions(i))
	}
	sort.SliceStable(ev.points, func(i, j int) bool { return ev.points[i].time < ev.points[j].time })
	return ev
}

// Holds evaluates f on a trace of ground steps without knowledge events,
// such as a search's partial trace (a prefix of the trace it will
// return, which Check replays in full).
func Holds(th *rules.Theory, steps []*Step, f rules.Formula) (bool, error) {
	return newEvaluator(th, &rules.Trace{}, &Result{Steps: steps}).holds(f)
}

// HoldsLimited is Holds with the work limit EvalLimit (ErrEvalLimit).
func HoldsLimited(th *rules.Theory, steps []*Step, f rules.Formula) (bool, error) {
	ev := newEvaluator(th, &rules.Trace{}, &Result{Steps: steps})
	ev.limit = EvalLimit
	return ev.holds(f)
}

// HoldsAfter evaluates f on a trace of ground steps followed by a
// knowledge event K(t) for each of terms, in order: a search's candidate,
// which Check replays in full (HoldsAfter does not ask whether the
// adversary derives the terms).
func HoldsAfter(th *rules.Theory, steps []*Step, terms []*rules.Term, f rules.Formula) (bool, error) {
	tr := &rules.Trace{}
	last := tr.Time(len(steps) - 1)
	for i, t := range terms {
		tr.KEvents = append(tr.KEvents, &rules.KEvent{Term: t, Time: last + int64(i+1), InStep: -1, InPremise: -1})
	}
	ev := newEvaluator(th, tr, &Result{Steps: steps})
	ev.limit = EvalLimit
	return ev.holds(f)
}

// subterms returns every subterm of the trace, computing it once.
func (ev *evaluator) subterms() []*rules.Term {
	if ev.built {
		return ev.univ
	}
	ev.built = true
	seen := map[string]bool{}
	addAll := func(t *rules.Term) {
		t.Walk(func(s *rules.Term) bool {
			if k := s.String(); !seen[k] {
				seen[k] = true
				ev.univ = append(ev.univ, s)
			}
			return true
		})
	}
	for _, st := range ev.res.Steps {
		for _, fs := range [][]*rules.Fact{st.Premises, st.Actions, st.Conclusions} {
			for _, f := range fs {
				for _, a := range f.Args {
					addAll(a)
				}
			}
		}
	}
	for _, t := range ev.kterms {
		addAll(t)
	}
	return ev.univ
}

type evalEnv struct {
	msg  rules.Subst
	time map[rules.Var]timepoint
}

func (ev *evaluator) holds(f rules.Formula) (bool, error) {
	return ev.eval(f, evalEnv{msg: rules.Subst{}, time: map[rules.Var]timepoint{}})
}

func (ev *evaluator) eval(f rules.Formula, env evalEnv) (bool, error) {
	switch f := f.(type) {
	case *rules.Not:
		v, err := ev.eval(f.F, env)
		return !v, err
	case *rules.Conn:
		l, err := ev.eval(f.L, env)
		if err != nil {
			return false, err
		}
		switch f.Op {
		case rules.And:
			if !l {
				return false, nil
			}
			return ev.eval(f.R, env)
		case rules.Or:
			if l {
				return true, nil
			}
			return ev.eval(f.R, env)
		case rules.Imp:
			if !l {
				return true, nil
			}
			return ev.eval(f.R, env)
		}
		r, err := ev.eval(f.R, env)
		return l == r, err
	case *rules.Quant:
		return ev.quant(f, 0, env)
	case *rules.Atom:
		return ev.atom(f, env)
	}
	return false, fmt.Errorf("unknown formula %T", f)
}

// quant binds f.Vars[i:] in turn and evaluates the body.
func (ev *evaluator) quant(f *rules.Quant, i int, env evalEnv) (bool, error) {
	if i == len(f.Vars) {
		return ev.eval(f.Body, env)
	}
	if ev.work++; ev.limit > 0 && ev.work > ev.limit {
		return false, ErrEvalLimit
	}
	x := f.Vars[i]
	// x shadows an outer variable of the same name: restore it afterwards
	if old, ok := env.time[x]; ok {
		defer func() { env.time[x] = old }()
	}
	if old, ok := env.msg[x]; ok {
		defer func() { env.msg[x] = old }()
	}
	delete(env.time, x)
	delete(env.msg, x)
	if x.Sort == rules.SortTemporal {
		for _, tp := range ev.timeCandidates(f.Body, x, env) {
			env.time[x] = tp
			v, err := ev.quant(f, i+1, env)
			delete(env.time, x)
			if err != nil {
				return false, err
			}
			if v == f.Exists {
				return v, nil
			}
		}
		return !f.Exists, nil
	}
	for _, t := range ev.msgCandidates(f.Body, x, env) {
		if !x.Sort.Admits(t) {
			continue
		}
		env.msg[x] = t
		v, err := ev.quant(f, i+1, env)
		delete(env.msg, x)
		if err != nil {
			return false, err
		}
		if v == f.Exists {
			return v, nil
		}
	}
	return !f.Exists, nil
}

// actionsAt returns the action facts at a timepoint: a step's actions, or
// at a knowledge event K(t) and KU(t) (KU(t) only for an event that
// records a construction), and for a send KU of every part of its In
// premise as the rule writes it. KD is never an action: Tamarin logs the
// adversary's constructions (KU) and sends (K) only.
func (ev *evaluator) actionsAt(tp timepoint) []*rules.Fact {
	if tp.step >= 0 {
		return ev.res.Steps[tp.step].Actions
	}
	return ev.kacts[tp.kev]
}

// knowledgeActions returns the actions of knowledge event i.
func (ev *evaluator) knowledgeActions(i int) []*rules.Fact {
	k := ev.tr.KEvents[i]
	t := ev.kterms[i]
	var out []*rules.Fact
	if !k.KU {
		out = append(out, &rules.Fact{Name: rules.FactK, Args: []*rules.Term{t}})
	}
	out = append(out, &rules.Fact{Name: rules.FactKU, Args: []*rules.Term{t}})
	if k.InStep >= 0 && k.InStep < len(ev.tr.Steps) {
		st := ev.tr.Steps[k.InStep]
		if k.InPremise < len(st.Rule.Premises) && len(st.Rule.Premises[k.InPremise].Args) == 1 {
			seen := map[string]bool{t.String(): true}
			st.Rule.Premises[k.InPremise].Args[0].Walk(func(p *rules.Term) bool {
				u := ev.th.Normalize(st.Subst.Apply(p))
				if !seen[u.String()] {
					seen[u.String()] = true
					out = append(out, &rules.Fact{Name: rules.FactKU, Args: []*rules.Term{u}})
				}
				return true
			})
		}
	}
	return out
}

// actionAtoms returns the action atoms of f.
func actionAtoms(f rules.Formula) []*rules.Atom {
	var out []*rules.Atom
	rules.WalkFormula(f, func(g rules.Formula) {
		if a, ok := g.(*rules.Atom); ok && a.Kind == rules.AtomAction {
			out = append(out, a)
		}
	})
	return out
}

// timeCandidates returns the timepoints x can take: where an action atom
// with time x can match, or every timepoint.
func (ev *evaluator) timeCandidates(body rules.Formula, x rules.Var, env evalEnv) []timepoint {
	var out []timepoint
	mentioned := false
	for _, a := range actionAtoms(body) {
		if a.R.Kind != rules.TVar || a.R.Var != x {
			continue
		}
		mentioned = true
		for _, tp := range ev.points {
			if ev.canMatch(a.Fact, tp, env) {
				out = append(out, tp)
			}
		}
	}
	if !mentioned {
		return ev.points
	}
	return dedupPoints(out)
}

func dedupPoints(ps []timepoint) []timepoint {
	seen := map[timepoint]bool{}
	var out []timepoint
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// canMatch reports whether some action at tp matches the fact pattern
// under env (unbound variables are wildcards).
func (ev *evaluator) canMatch(p *rules.Fact, tp timepoint, env evalEnv) bool {
	dh := false
	for _, a := range p.Args {
		dh = dh || hasDH(a)
	}
	for _, g := range ev.actionsAt(tp) {
		if g.Name == p.Name && len(g.Args) == len(p.Args) && (dh || matchArgs(p.Args, g.Args, env.msg.Copy())) {
			return true
		}
	}
	return false
}

func matchArgs(ps, ts []*rules.Term, s rules.Subst) bool {
	for i := range ps {
		if !rules.Match(ps[i], ts[i], s) {
			return false
		}
	}
	return true
}

// msgCandidates returns the values x can take: its values in matches of
// the action atoms that mention it, or every subterm of the trace.
func (ev *evaluator) msgCandidates(body rules.Formula, x rules.Var, env evalEnv) []*rules.Term {
	var out []*rules.Term
	seen := map[string]bool{}
	mentioned, dh := false, false
	for _, a := range actionAtoms(body) {
		if !factHasVar(a.Fact, x) {
			continue
		}
		mentioned = true
		for _, t := range a.Fact.Args {
			dh = dh || underDH(t, x)
		}
		dh = dh && ev.th.HasBuiltin("diffie-hellman")
		pts := ev.points
		if a.R.Kind == rules.TVar {
			if tp, ok := env.time[a.R.Var]; ok {
				pts = []timepoint{tp}
			}
		}
		for _, tp := range pts {
			for _, g := range ev.actionsAt(tp) {
				if g.Name != a.Fact.Name || len(g.Args) != len(a.Fact.Args) {
					continue
				}
				s := env.msg.Copy()
				if matchArgs(a.Fact.Args, g.Args, s) {
					if v, ok := s[x]; ok && !seen[v.String()] {
						seen[v.String()] = true
						out = append(out, v)
					}
				}
				if dh {
					for _, s := range ev.matchDHArgs(a.Fact.Args, g.Args, env.msg) {
						if v, ok := s[x]; ok && !seen[v.String()] {
							seen[v.String()] = true
							out = append(out, v)
						}
					}
				}
			}
		}
	}
	if !mentioned {
		return ev.universe(body)
	}
	if dh {
		// a syntactic match finds only some of the values modulo the
		// Diffie–Hellman equations: try every subterm as well
		for _, t := range ev.universe(body) {
			if !seen[t.String()] {
				seen[t.String()] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// underDH reports whether x occurs in t below a Diffie–Hellman operator.
func underDH(t *rules.Term, x rules.Var) bool {
	found := false
	t.Walk(func(u *rules.Term) bool {
		if u.Kind == rules.TApp && rules.IsDHSymbol(u.Name) && u.HasVar(x) {
			found = true
		}
		return !found
	})
	return found
}

// hasDH reports whether t applies a Diffie–Hellman operator.
func hasDH(t *rules.Term) bool {
	found := false
	t.Walk(func(u *rules.Term) bool {
		found = found || u.Kind == rules.TApp && rules.IsDHSymbol(u.Name)
		return !found
	})
	return found
}

func factHasVar(f *rules.Fact, x rules.Var) bool {
	for _, a := range f.Args {
		if a.HasVar(x) {
			return true
		}
	}
	return false
}

// universe is every subterm of the trace and every ground subterm of f.
func (ev *evaluator) universe(f rules.Formula) []*rules.Term {
	out := append([]*rules.Term{}, ev.subterms()...)
	rules.WalkFormula(f, func(g rules.Formula) {
		if a, ok := g.(*rules.Atom); ok {
			for _, t := range []*rules.Term{a.L, a.R} {
				if t != nil && t.IsGround() {
					out = append(out, ev.th.Normalize(t))
				}
			}
		}
	})
	return out
}

func (ev *evaluator) ground(t *rules.Term, env evalEnv) (*rules.Term, error) {
	g := env.msg.Apply(t)
	if !g.IsGround() {
		return nil, fmt.Errorf("unbound variable in %s", t)
	}
	return ev.th.Normalize(g), nil
}

func (ev *evaluator) timeOf(t *rules.Term, env evalEnv) (timepoint, error) {
	tp, ok := env.time[t.Var]
	if !ok {
		return timepoint{}, fmt.Errorf("unbound time variable %s", t.Var)
	}
	return tp, nil
}

func (ev *evaluator) atom(a *rules.Atom, env evalEnv) (bool, error) {
	switch a.Kind {
	case rules.AtomTrue:
		return true, nil
	case rules.AtomFalse:
		return false, nil
	case rules.AtomEq:
		l, err := ev.ground(a.L, env)
		if err != nil {
			return false, err
		}
		r, err := ev.ground(a.R, env)
		if err != nil {
			return false, err
		}
		return l.Equal(r), nil
	case rules.AtomTimeEq, rules.AtomLess:
		l, err := ev.timeOf(a.L, env)
		if err != nil {
			return false, err
		}
		r, err := ev.timeOf(a.R, env)
		if err != nil {
			return false, err
		}
		if a.Kind == rules.AtomLess {
			return l.time < r.time, nil
		}
		return l == r, nil
	case rules.AtomLast:
		t, err := ev.timeOf(a.L, env)
		if err != nil {
			return false, err
		}
		return t == ev.points[len(ev.points)-1], nil
	case rules.AtomSubterm:
		l, err := ev.ground(a.L, env)
		if err != nil {
			return false, err
		}
		r, err := ev.ground(a.R, env)
		if err != nil {
			return false, err
		}
		return !l.Equal(r) && r.Contains(l), nil
	case rules.AtomAction:
		tp, err := ev.timeOf(a.R, env)
		if err != nil {
			return false, err
		}
		args := make([]*rules.Term, len(a.Fact.Args))
		for i, x := range a.Fact.Args {
			if args[i], err = ev.ground(x, env); err != nil {
				return false, err
			}
		}
		for _, g := range ev.actionsAt(tp) {
			if g.Name != a.Fact.Name || len(g.Args) != len(args) {
				continue
			}
			eq := true
			for i := range args {
				eq = eq && args[i].Equal(g.Args[i])
			}
			if eq {
				return true, nil
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("unknown atom")
}

// matchDHArgs matches patterns against ground arguments modulo DH.
func (ev *evaluator) matchDHArgs(ps, ts []*rules.Term, s rules.Subst) []rules.Subst {
	out := []rules.Subst{s}
	for i := range ps {
		var next []rules.Subst
		for _, s1 := range out {
			next = append(next, ev.th.MatchDH(ps[i], ts[i], s1)...)
		}
		out = next
	}
	return out
}
