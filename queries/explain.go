package queries

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// Why is it unreachable (issue 10, --explain)? When a goal has no witness
// within the bounds and the model has restrictions, the search asks
// again with every restriction behind a switch of its own
// (encode.Options.RestrictionSwitches), in one problem for all depths up
// to the bound: first with the switches free (is there a witness without
// some restrictions at all?), then with at most 1, 2, … switches off. The
// first m that gives a witness is the size of a smallest set of
// restrictions without which a witness exists within the same bounds,
// and the switches that model turns off are such a set. The witness is
// replayed on the model without those restrictions, like any trace.
// Restrictions written as lemmas' helpers (At_most_2_of_X, uniqueness)
// are where modellers lose states without noticing.

// Explain says what to add to a goal without a witness.
type Explain uint8

const (
	// ExplainNone adds nothing.
	ExplainNone Explain = iota
	// ExplainRestrictions names a smallest set of restrictions that
	// blocks a witness, with the length of the witness without them.
	ExplainRestrictions
	// ExplainWitness also shows a shortest witness without them.
	ExplainWitness
)

// Blocking is what blocks a goal: a smallest set of restrictions
// without which it has a witness within the same bounds.
type Blocking struct {
	// Restrictions are the names of a smallest set of restrictions
	// without which a witness exists, in the model's order; empty when
	// there is none (None) or the search stopped (Reason).
	Restrictions []string
	// None is set when there is no witness within the bounds even
	// without any restriction: the rules block the goal.
	None bool
	// Reason says why the search stopped without an answer (a timeout,
	// a construct the encoder does not support).
	Reason string
	// Steps is the length of the witness found without Restrictions.
	Steps int
	// Unproven: the verdict is unknown, so the restrictions are only
	// known to block the witness found without them, not every one.
	Unproven bool
	// Minimal marks a set from the forward search: no restriction of it
	// can be kept, but a smaller set may exist.
	Minimal bool
	// Witness is a shortest witness without Restrictions (replayed on
	// the model without them), with ExplainWitness.
	Witness *Verdict
	// Time is the time the search took.
	Time time.Duration
}

// Text says it in one line.
func (b *Blocking) Text() string {
	switch {
	case b.Reason != "":
		return "which restrictions block it: unknown (" + b.Reason + ")"
	case b.None:
		return "not blocked by restrictions: there is no witness within the bounds even without any restriction"
	}
	s := ""
	if len(b.Restrictions) > 1 {
		s = "s"
	}
	if b.Unproven {
		return fmt.Sprintf("without the restriction%s %s a witness of %d steps exists (forward search); with %s none was found",
			s, strings.Join(b.Restrictions, ", "), b.Steps, map[bool]string{true: "them", false: "it"}[len(b.Restrictions) > 1])
	}
	text := fmt.Sprintf("blocked by the restriction%s %s: without %s a witness of %d steps exists within the same bounds",
		s, strings.Join(b.Restrictions, ", "), map[bool]string{true: "them", false: "it"}[len(b.Restrictions) > 1], b.Steps)
	if b.Minimal && len(b.Restrictions) > 1 {
		text += " (a minimal set, from the forward search: a smaller one may exist)"
	}
	return text
}

// explainForward looks for the blocking restrictions with the forward
// search (forward.go): a witness without any restriction, the
// restrictions it violates, and then each of them kept again if a
// witness exists without the others (a minimal set). It reports done
// when it found a set; when the search finds no witness even without
// restrictions it leaves the question to the solver.
func (c *Checker) explainForward(ctx context.Context, l *rules.Lemma, v *Verdict, b *Blocking) (bool, error) {
	if c.enc == nil {
		return false, nil
	}
	goal := encode.GoalForLemma(l)
	rs := c.enc.SlotRules()
	live := make([]bool, len(rs))
	for i := range rs {
		live[i] = !c.enc.Dead(i)
	}
	depth := c.opts.answerDepth(v)
	search := func(drop []string) (*rules.Trace, error) {
		fs, err := newForward(withoutRestrictions(c.th, drop), rs, live, goal.Formula)
		if err != nil {
			return nil, nil
		}
		return fs.run(ctx, depth, fwdExpansions)
	}
	// first without the counting restrictions only (bounds a model puts
	// on its own search, as TLS 1.3's At_most_2_of_RPostHS), then without
	// any: the search without the ordinary restrictions is a blind one
	var all, counting []string
	for _, r := range c.th.Restrictions {
		all = append(all, r.Name)
		if _, _, _, ok := encode.CountingRestriction(r.Formula); ok {
			counting = append(counting, r.Name)
		}
	}
	var tr *rules.Trace
	var err error
	for _, drop := range [][]string{counting, all} {
		if len(drop) == 0 || ctx.Err() != nil {
			continue
		}
		if tr, err = search(drop); err != nil {
			return false, err
		}
		if tr != nil {
			all = drop
			break
		}
	}
	if tr == nil {
		return false, nil
	}
	rep, err := replay.Check(withoutRestrictions(c.th, all), tr, goal.Formula)
	if err != nil {
		return false, &InternalError{Lemma: l.Name, Err: fmt.Errorf("forward search, without restrictions: %w", err), Trace: tr}
	}
	var drop []string
	for _, r := range c.th.Restrictions {
		if ok, err := replay.Holds(c.th, rep.Steps, r.Formula); err != nil || !ok {
			drop = append(drop, r.Name)
		}
	}
	for i := 0; i < len(drop) && ctx.Err() == nil; i++ {
		if drop[i] == v.countedOut {
			continue // every witness violates it (countingDecides)
		}
		keep := append(append([]string{}, drop[:i]...), drop[i+1:]...)
		t2, err := search(keep)
		if err != nil {
			return false, err
		}
		if t2 != nil {
			drop, tr = keep, t2
			i--
		}
	}
	without := withoutRestrictions(c.th, drop)
	rep, err = replay.Check(without, tr, goal.Formula)
	if err != nil {
		return false, &InternalError{Lemma: l.Name, Err: fmt.Errorf("forward search, without %s: %w", strings.Join(drop, ", "), err), Trace: tr}
	}
	tr, rep = minimize(without, tr, rep, goal.Formula)
	b.Restrictions, b.Steps, b.Minimal = drop, len(tr.Steps), true
	if c.opts.Explain >= ExplainWitness {
		wl := *l
		wl.Name = fmt.Sprintf("%s (without %s)", l.Name, strings.Join(drop, ", "))
		w := &Verdict{Lemma: &wl, Kind: WitnessFound, Depth: len(tr.Steps), Bounds: v.Bounds, Trace: tr, Replayed: rep, Forward: true}
		if m, exact, err := replay.Measure(without, tr); err == nil {
			w.Measure, w.MeasureExact = &m, exact
		}
		plain := &Checker{th: without, opts: c.opts, enc: c.enc}
		if err := plain.presentShort(ctx, w); err != nil {
			return false, err
		}
		b.Witness = w
	}
	return true, nil
}

// explain sets v.Blocking for a lemma without a witness.
func (c *Checker) explain(ctx context.Context, l *rules.Lemma, v *Verdict) error {
	t0 := time.Now()
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	b := &Blocking{}
	v.Blocking = b
	defer func() { b.Time = time.Since(t0) }()
	if c.opts.Forward != ForwardOff {
		if done, err := c.explainForward(ctx, l, v, b); err != nil || done {
			return err
		}
	}
	opts := c.opts.Encode
	opts.RestrictionSwitches = true
	enc, err := encode.New(c.th, opts)
	if err != nil {
		b.Reason = err.Error()
		return nil
	}
	goal := encode.GoalForLemma(l)
	p, err := enc.EncodeAtMost(goal, c.opts.answerDepth(v))
	if err != nil {
		if encode.IsUnsupported(err) {
			b.Reason = err.Error()
			return nil
		}
		return fmt.Errorf("lemma %s, blocking restrictions: %w", l.Name, err)
	}
	sv := solver.New()
	if err := sv.Assert(p.Assertions...); err != nil {
		return fmt.Errorf("lemma %s, blocking restrictions: %w", l.Name, err)
	}
	drop, tr, err := smallestBlocking(ctx, sv, p, p.B.True, b)
	if d := c.opts.answerDepth(v); b.None && d < v.StepBound {
		// searched less deep than the verdict's bound: no claim for it
		b.None = false
		b.Reason = fmt.Sprintf("no witness even without restrictions up to %d steps; from there to the verdict's %d not searched", d, v.StepBound)
	}
	if err != nil || tr == nil {
		if err != nil && !IsInternal(err) {
			err = fmt.Errorf("lemma %s, blocking restrictions: %w", l.Name, err)
		}
		return err
	}
	b.Restrictions = c.restrictionNames(drop)
	without := withoutRestrictions(c.th, b.Restrictions)
	if _, err := replay.Check(without, tr, goal.Formula); err != nil {
		return &InternalError{Lemma: l.Name, Err: fmt.Errorf("the witness without %s: %w", strings.Join(b.Restrictions, ", "), err), Trace: tr}
	}
	b.Steps = len(tr.Steps)
	if c.opts.Explain < ExplainWitness {
		return nil
	}
	// a shortest witness without them
	sv.Push(ctx)
	defer sv.Pop()
	on := onSwitches(p, drop)
	if err := sv.Assert(on); err != nil {
		return err
	}
	for k := 0; k <= c.opts.answerDepth(v); k++ {
		sv.Push(ctx)
		err := sv.Assert(p.Exactly(k))
		var res solver.Result
		if err == nil {
			res, _, err = sv.CheckSat(ctx)
		}
		if err == nil && res == solver.Sat {
			tr, err = p.Decode(sv.Model())
			if err != nil {
				sv.Pop()
				return &InternalError{Lemma: l.Name, Err: err}
			}
		}
		sv.Pop()
		if err != nil {
			return err
		}
		if res == solver.Unknown {
			return nil // a timeout: the set is known, the shortest witness not
		}
		if res == solver.Sat {
			break
		}
	}
	rep, err := replay.Check(without, tr, goal.Formula)
	if err != nil {
		return &InternalError{Lemma: l.Name, Err: err, Trace: tr}
	}
	tr, rep = minimize(without, tr, rep, goal.Formula)
	wl := *l
	wl.Name = fmt.Sprintf("%s (without %s)", l.Name, strings.Join(b.Restrictions, ", "))
	w := &Verdict{Lemma: &wl, Kind: WitnessFound, Depth: len(tr.Steps), Bounds: v.Bounds, Trace: tr, Replayed: rep}
	plain := &Checker{th: without, opts: c.opts, enc: c.enc}
	if err := plain.presentShort(ctx, w); err != nil {
		return err
	}
	b.Witness = w
	return nil
}

// smallestBlocking finds a smallest set of restrictions of a problem
// with switches (asserted in sv) without which cond holds on some trace,
// and that trace; it sets b.None when there is none even without any
// restriction and b.Reason when the solver stops. The set is the
// indexes of the restrictions, in the model's order.
func smallestBlocking(ctx context.Context, sv *solver.Solver, p *encode.Problem, cond *encode.Node, b *Blocking) ([]int, *rules.Trace, error) {
	check := func(extra ...*encode.Node) (solver.Result, []int, *rules.Trace, error) {
		sv.Push(ctx)
		defer sv.Pop()
		if err := sv.Assert(append(extra, cond)...); err != nil {
			return solver.Unknown, nil, nil, err
		}
		res, reason, err := sv.CheckSat(ctx)
		if err != nil || res != solver.Sat {
			if res == solver.Unknown && err == nil {
				b.Reason = "solver: " + reason
			}
			return res, nil, nil, err
		}
		m := sv.Model()
		var off []int
		for i, sw := range p.Switches() {
			if !m.Bool(sw) {
				off = append(off, i)
			}
		}
		tr, err := p.Decode(m)
		if err != nil {
			return res, nil, nil, &InternalError{Lemma: "(blocking restrictions)", Err: err}
		}
		return res, off, tr, nil
	}
	res, _, _, err := check()
	switch {
	case err != nil:
		return nil, nil, err
	case res == solver.Unsat:
		b.None = true
		return nil, nil, nil
	case res == solver.Unknown:
		return nil, nil, nil
	}
	for m := 1; m <= len(p.Switches()); m++ {
		res, off, tr, err := check(p.AtMostOff(m))
		switch {
		case err != nil:
			return nil, nil, err
		case res == solver.Unknown:
			return nil, nil, nil
		case res == solver.Sat:
			return off, tr, nil
		}
	}
	return nil, nil, fmt.Errorf("no smallest set of restrictions, though dropping some gives a witness")
}

// onSwitches returns the condition that every restriction but those of
// drop holds.
func onSwitches(p *encode.Problem, drop []int) *encode.Node {
	var on []*encode.Node
	for i, sw := range p.Switches() {
		dropped := false
		for _, d := range drop {
			dropped = dropped || d == i
		}
		if !dropped {
			on = append(on, sw)
		}
	}
	return p.B.And(on...)
}

func (c *Checker) restrictionNames(idx []int) []string {
	var names []string
	for _, i := range idx {
		names = append(names, c.th.Restrictions[i].Name)
	}
	return names
}
