package queries

import (
	"context"
	"fmt"

	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// Reachability of a fact (issue 10, tracebound reach). "Is there a trace
// in which a rule instance produces a fact matching PATTERN, or records
// an action matching it?" is asked as an exists-trace lemma of a copy of
// the model in which every rule that has a conclusion of the pattern's
// symbol also records it as an action of a name no rule uses (a marker):
//
//	Ex vars #i. Marker(pattern's arguments) @ #i
//
// (or'ed with Ex vars #i. Fact(…) @ #i when rules record the pattern's
// symbol as an action). Actions have no effect on which traces exist, so
// the copy has the model's traces, each with the markers of the facts it
// produces; the encoder, the replay checker, minimizing, several
// witnesses and blocking restrictions all work on the question as on
// any lemma, matching modulo the equations included. The verdict is then
// shown on the model itself: the trace's steps are instances of the
// model's rules again (replayed once more on the model), and the step
// that produces the fact is the one bound to #i.

// Reach is a reachability question about a theory.
type Reach struct {
	Pattern *rules.Pattern
	// Theory is the model with the markers, Lemma the question as its
	// exists-trace lemma.
	Theory *rules.Theory
	Lemma  *rules.Lemma
	model  *rules.Theory
	// display is the question as shown: Ex vars #i. PATTERN @ #i.
	display *rules.Lemma
}

// NewReach prepares the question whether th reaches pattern.
func NewReach(th *rules.Theory, pattern *rules.Pattern) *Reach {
	q := &Reach{Pattern: pattern, model: th}
	pf := pattern.Fact
	key := pf.Key()
	marker := markerName(th, pf)
	cp := *th
	cp.Rules = make([]*rules.Rule, len(th.Rules))
	for i, r := range th.Rules {
		cp.Rules[i] = r
		var marks []*rules.Fact
		for _, c := range r.Conclusions {
			if c.Key() == key {
				marks = append(marks, &rules.Fact{Name: marker, Args: c.Args, Pos: c.Pos})
			}
		}
		if len(marks) > 0 {
			r2 := *r
			r2.Actions = append(append([]*rules.Fact{}, r.Actions...), marks...)
			cp.Rules[i] = &r2
		}
	}
	vars := pf.Vars(nil)
	now := rules.Var{Name: "i", Sort: rules.SortTemporal}
	ex := func(f *rules.Fact) rules.Formula {
		return &rules.Quant{Exists: true, Vars: append(append([]rules.Var{}, vars...), now), Pos: pf.Pos,
			Body: &rules.Atom{Kind: rules.AtomAction, Fact: f, R: rules.VarTerm(now), Pos: pf.Pos}}
	}
	markerFact := &rules.Fact{Name: marker, Args: pf.Args, Pos: pf.Pos}
	var goal rules.Formula
	switch {
	case pattern.Recorded && pattern.Produced:
		goal = &rules.Conn{Op: rules.Or, L: ex(markerFact), R: ex(pf), Pos: pf.Pos}
	case pattern.Recorded:
		goal = ex(pf)
	default:
		goal = ex(markerFact)
	}
	q.Lemma = &rules.Lemma{Name: "reach", Quantifier: rules.ExistsTrace, Formula: goal, Pos: pf.Pos}
	q.display = &rules.Lemma{Name: "reach", Quantifier: rules.ExistsTrace, Formula: ex(pf), Pos: pf.Pos}
	cp.Lemmas = []*rules.Lemma{q.Lemma}
	q.Theory = &cp
	return q
}

// markerName returns a name for the marker action of f's symbol that no
// rule uses for a fact or an action.
func markerName(th *rules.Theory, f *rules.Fact) string {
	used := map[string]bool{}
	for _, r := range th.Rules {
		for _, fs := range [][]*rules.Fact{r.Premises, r.Actions, r.Conclusions} {
			for _, g := range fs {
				used[g.Name] = true
			}
		}
	}
	name := "Reached_" + f.Name
	if f.Persistent {
		name = "Reached_persistent_" + f.Name
	}
	for used[name] {
		name += "_"
	}
	return name
}

// Answer answers the question with c, a checker of q.Theory, and shows
// the verdict on the model.
func (q *Reach) Answer(ctx context.Context, c *Checker) (*Verdict, error) {
	v, err := c.Answer(ctx, q.Lemma)
	if err != nil {
		var ie *InternalError
		if asInternal(err, &ie) && ie.Trace != nil {
			q.restoreTrace(ie.Trace)
		}
		return nil, err
	}
	if err := q.restore(v, q.model, q.display); err != nil {
		return nil, err
	}
	for i, w := range v.Witnesses {
		if err := q.restore(w, q.model, witnessLemma(q.display, i+2)); err != nil {
			return nil, err
		}
	}
	if b := v.Blocking; b != nil && b.Witness != nil {
		wl := *q.display
		wl.Name = b.Witness.Lemma.Name
		if err := q.restore(b.Witness, withoutRestrictions(q.model, b.Restrictions), &wl); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// restore shows a verdict of the question on the model th as the lemma
// shown: the steps are instances of the model's rules, replayed on th;
// the bindings of the wildcards are left out.
func (q *Reach) restore(v *Verdict, th *rules.Theory, shown *rules.Lemma) error {
	name := v.Lemma.Name
	v.Lemma = shown
	if v.Trace == nil {
		return nil
	}
	q.restoreTrace(v.Trace)
	rep, err := replay.Check(th, v.Trace, nil)
	if err != nil {
		return &InternalError{Lemma: name, Err: fmt.Errorf("the trace on the model without the marker actions: %w", err), Trace: v.Trace}
	}
	v.Replayed = rep
	var bs []replay.Binding
	for _, b := range v.Bindings {
		if !rules.IsWildcard(b.Var) {
			bs = append(bs, b)
		}
	}
	v.Bindings = bs
	return nil
}

// restoreTrace points the steps of a trace of q.Theory at the model's
// rules.
func (q *Reach) restoreTrace(tr *rules.Trace) {
	for _, st := range tr.Steps {
		for i, r := range q.Theory.Rules {
			if st.Rule == r {
				st.Rule = q.model.Rules[i]
			}
		}
	}
}

// Produced returns the step (0-based) of v's trace bound to the
// question's #i and the fact it produces or records there that matches
// the pattern (the pattern with the bindings applied), or -1.
func (q *Reach) Produced(v *Verdict) (int, *rules.Fact) {
	if v.Replayed == nil {
		return -1, nil
	}
	s := rules.Subst{}
	step := -1
	for _, b := range v.Bindings {
		switch {
		case b.Term != nil:
			s[b.Var] = b.Term
		case b.Step >= 0 && b.Var.Sort == rules.SortTemporal:
			step = b.Step
		}
	}
	if step < 0 || step >= len(v.Replayed.Steps) {
		return -1, nil
	}
	st := v.Replayed.Steps[step]
	want := q.Pattern.Fact.Key()
	for _, fs := range [][]*rules.Fact{st.Conclusions, st.Actions} {
		for _, f := range fs {
			if f.Key() == want && matches(q.model, q.Pattern.Fact, f, s) {
				return step, f
			}
		}
	}
	return step, nil
}

// matches reports whether the ground fact g is the pattern f under s,
// its wildcards matching anything.
func matches(th *rules.Theory, f, g *rules.Fact, s rules.Subst) bool {
	for i, a := range f.Args {
		ok := true
		a.Walk(func(t *rules.Term) bool {
			if t.Kind == rules.TVar && rules.IsWildcard(t.Var) {
				ok = false
			}
			return ok
		})
		if !ok {
			continue // a wildcard below: the replay checker has matched it
		}
		if !th.Normalize(s.Apply(a)).Equal(g.Args[i]) {
			return false
		}
	}
	return true
}

func asInternal(err error, ie **InternalError) bool {
	x, ok := err.(*InternalError)
	if ok {
		*ie = x
	}
	return ok
}

// Summary is the one-line answer: reachable (with the trace's length),
// unreachable up to bound (with every bound), or unknown.
func (q *Reach) Summary(v *Verdict) string {
	switch v.Kind {
	case WitnessFound:
		return fmt.Sprintf("reachable: a trace of %d steps%s", len(v.Trace.Steps), v.lengthNote())
	case NoWitnessUpToBound:
		return "unreachable up to bound: no trace with " + v.Bounds
	}
	return v.Summary()
}
