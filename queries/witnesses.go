package queries

import (
	"context"
	"fmt"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// Several witnesses (issue 10, --witnesses N). After the first witness
// of an exists-trace lemma, the search goes on from the shortest length
// on, depth by depth, each time excluding the multisets of rules of the
// traces found so far (Problem.UsesRules): every further witness uses
// the rules a different number of times. A found trace is replayed and
// minimized like any; when minimizing lands on a multiset already shown,
// the trace is not shown again (its multiset, and the one before
// minimizing, stay excluded). So the witnesses come shortest first, and
// no two of them use the same rules the same number of times (Answer
// asks for the first witness without the search for distinct agents, so
// that it is a shortest one too).

// moreWitnesses adds to v up to Options.Witnesses-1 further witnesses of
// l (v holds the first one).
func (c *Checker) moreWitnesses(ctx context.Context, l *rules.Lemma, v *Verdict) error {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	goal := encode.GoalForLemma(l)
	shown := []map[*rules.Rule]int{ruleCount(v.Trace)}
	excluded := append([]map[*rules.Rule]int{}, shown...)
	var (
		p    *encode.Problem
		sv   *solver.Solver
		upTo = -1
	)
	exclude := func(m map[*rules.Rule]int) error {
		excluded = append(excluded, m)
		return sv.Assert(p.B.Not(p.UsesRules(m)))
	}
	for k := v.Depth; k <= c.opts.answerDepth(v); k++ {
		if k > upTo {
			t0 := time.Now()
			var err error
			p, err = c.opts.encodeChunk(c.enc, goal, k, c.opts.answerDepth(v), p)
			if err != nil {
				if encode.IsUnsupported(err) {
					return nil
				}
				return fmt.Errorf("lemma %s, witnesses: %w", l.Name, err)
			}
			upTo = p.K
			sv = solver.New()
			if err := sv.Assert(p.Assertions...); err != nil {
				return fmt.Errorf("lemma %s, witnesses: %w", l.Name, err)
			}
			for _, m := range excluded {
				if err := sv.Assert(p.B.Not(p.UsesRules(m))); err != nil {
					return fmt.Errorf("lemma %s, witnesses: %w", l.Name, err)
				}
			}
			v.Encode += time.Since(t0)
		}
		for len(v.Witnesses)+1 < c.opts.Witnesses {
			t1 := time.Now()
			sv.Push(ctx)
			if err := sv.Assert(p.Exactly(k)); err != nil {
				return fmt.Errorf("lemma %s, witnesses, depth %d: %w", l.Name, k, err)
			}
			res, _, err := sv.CheckSat(ctx)
			var tr *rules.Trace
			var derr error
			if err == nil && res == solver.Sat {
				tr, derr = p.Decode(sv.Model())
			}
			sv.Pop()
			v.Solve += time.Since(t1)
			if err != nil {
				return fmt.Errorf("lemma %s, witnesses, depth %d: %w", l.Name, k, err)
			}
			if res == solver.Unknown {
				return nil // a timeout: the witnesses found so far
			}
			if res == solver.Unsat {
				break
			}
			t2 := time.Now()
			if derr != nil {
				return &InternalError{Lemma: l.Name, Err: derr}
			}
			if len(tr.Steps) != k {
				return &InternalError{Lemma: l.Name, Err: fmt.Errorf("a trace of %d steps at depth %d", len(tr.Steps), k), Trace: tr}
			}
			rep, err := replay.Check(c.th, tr, goal.Formula)
			if err != nil {
				return &InternalError{Lemma: l.Name, Err: err, Trace: tr}
			}
			raw := ruleCount(tr)
			if err := exclude(raw); err != nil {
				return err
			}
			tr, rep = minimize(c.th, tr, rep, goal.Formula)
			m := ruleCount(tr)
			if !sameCount(m, raw) {
				if err := exclude(m); err != nil {
					return err
				}
			}
			seen := false
			for _, s := range shown {
				seen = seen || sameCount(s, m)
			}
			if seen {
				v.Replay += time.Since(t2)
				continue
			}
			shown = append(shown, m)
			w := &Verdict{Lemma: witnessLemma(l, len(v.Witnesses)+2), Kind: WitnessFound, Depth: len(tr.Steps),
				Bounds: v.Bounds, Trace: tr, Replayed: rep}
			if err := c.presentShort(ctx, w); err != nil {
				return err
			}
			v.Replay += time.Since(t2)
			v.Witnesses = append(v.Witnesses, w)
		}
	}
	return nil
}

// witnessLemma is l under the name of its nth witness.
func witnessLemma(l *rules.Lemma, n int) *rules.Lemma {
	w := *l
	w.Name = fmt.Sprintf("%s (witness %d)", l.Name, n)
	return &w
}

// RulesUsed writes the multiset of rules a trace uses: "Init ×2, Resp".
func RulesUsed(tr *rules.Trace) string {
	var names []string
	count := map[string]int{}
	for _, st := range tr.Steps {
		if count[st.Name] == 0 {
			names = append(names, st.Name)
		}
		count[st.Name]++
	}
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
		if count[n] > 1 {
			s += fmt.Sprintf(" ×%d", count[n])
		}
	}
	return s
}
