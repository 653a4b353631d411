package replay

import "github.com/tracebound/tracebound/rules"

// Binding is the value a variable of a formula takes on a trace: a
// message for a message variable, a timepoint for a temporal one.
type Binding struct {
	Var rules.Var
	// Term is a message variable's value.
	Term *rules.Term
	// Step (0-based) or KEvent (an index into the trace's knowledge
	// events) is a temporal variable's value; the other is -1.
	Step, KEvent int
}

// Witness returns the values the existential quantifiers of f take on
// the trace where f holds: the variables of each existential block (a
// universal under negation counts as one) that f's truth rests on, outer
// blocks first, then the blocks of conjuncts from left to right, and of
// a disjunction the first disjunct that holds. Universal quantifiers,
// equivalences and atoms contribute no bindings. It returns false when f
// does not hold on the trace.
//
// res must be the trace's replay (Check's result). The candidates for
// each variable are the evaluator's, so for a guarded formula the first
// witness found is the one of least timepoints in the order the
// quantifiers name them.
func Witness(th *rules.Theory, tr *rules.Trace, res *Result, f rules.Formula) ([]Binding, bool, error) {
	ev := newEvaluator(th, tr, res)
	return ev.witness(f, true, evalEnv{msg: rules.Subst{}, time: map[rules.Var]timepoint{}})
}

// witness finds bindings under which f has the truth value pos.
func (ev *evaluator) witness(f rules.Formula, pos bool, env evalEnv) ([]Binding, bool, error) {
	switch f := f.(type) {
	case *rules.Not:
		return ev.witness(f.F, !pos, env)
	case *rules.Conn:
		lpos := pos
		if f.Op == rules.Imp {
			lpos = !pos // a ==> b is not(a) | b
		}
		switch {
		case f.Op == rules.And && pos, f.Op == rules.Or && !pos, f.Op == rules.Imp && !pos:
			// both sides must have their value
			l, ok, err := ev.witness(f.L, lpos, env)
			if !ok || err != nil {
				return nil, false, err
			}
			r, ok, err := ev.witness(f.R, pos, env)
			if !ok || err != nil {
				return nil, false, err
			}
			return append(l, r...), true, nil
		case f.Op == rules.Or && pos, f.Op == rules.And && !pos, f.Op == rules.Imp && pos:
			// one side suffices: the first that has its value
			l, ok, err := ev.witness(f.L, lpos, env)
			if ok || err != nil {
				return l, ok, err
			}
			return ev.witness(f.R, pos, env)
		}
	case *rules.Quant:
		if f.Exists == pos {
			return ev.witnessQuant(f, 0, pos, env)
		}
	}
	v, err := ev.eval(f, env)
	return nil, err == nil && v == pos, err
}

// witnessQuant binds f.Vars[i:] in turn, as quant does, until the body
// has the value pos.
func (ev *evaluator) witnessQuant(f *rules.Quant, i int, pos bool, env evalEnv) ([]Binding, bool, error) {
	if i == len(f.Vars) {
		inner, ok, err := ev.witness(f.Body, pos, env)
		if !ok || err != nil {
			return nil, false, err
		}
		out := make([]Binding, 0, len(f.Vars)+len(inner))
		for _, x := range f.Vars {
			b := Binding{Var: x, Step: -1, KEvent: -1}
			if x.Sort == rules.SortTemporal {
				tp := env.time[x]
				b.Step, b.KEvent = tp.step, tp.kev
			} else {
				b.Term = env.msg[x]
			}
			out = append(out, b)
		}
		return append(out, inner...), true, nil
	}
	x := f.Vars[i]
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
			bs, ok, err := ev.witnessQuant(f, i+1, pos, env)
			delete(env.time, x)
			if ok || err != nil {
				return bs, ok, err
			}
		}
		return nil, false, nil
	}
	for _, t := range ev.msgCandidates(f.Body, x, env) {
		if !x.Sort.Admits(t) {
			continue
		}
		env.msg[x] = t
		bs, ok, err := ev.witnessQuant(f, i+1, pos, env)
		delete(env.msg, x)
		if ok || err != nil {
			return bs, ok, err
		}
	}
	return nil, false, nil
}
