package queries

import (
	"context"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// Answer checks a lemma like Check and adds what the questions of issue
// 10 ask for: the notes of the static analysis (actions the lemma
// mentions that no rule records), further witnesses of an exists-trace
// lemma (Options.Witnesses), and for one without a witness, the
// restrictions that block it (Options.Explain). The extra searches have
// Options.Timeout each; one that runs out leaves what it found so far.
func (c *Checker) Answer(ctx context.Context, l *rules.Lemma) (*Verdict, error) {
	check := c
	if c.opts.Witnesses > 1 && l.Quantifier == rules.ExistsTrace {
		// witnesses come shortest first: no search for a longer trace
		// with distinct agents (it is one of the further witnesses if its
		// rules differ)
		check = &Checker{th: c.th, opts: c.opts, enc: c.enc, err: c.err}
		check.opts.Shortest = true
	}
	v, err := check.Check(ctx, l)
	if err != nil || v == nil {
		return v, err
	}
	t0 := time.Now()
	defer func() { v.Time += time.Since(t0) }()
	v.Notes = LemmaNotes(c.th, l)
	if c.err != nil || l.Accountability != nil {
		return v, nil
	}
	switch v.Kind {
	case WitnessFound:
		if c.opts.Witnesses > 1 {
			return v, c.moreWitnesses(ctx, l, v)
		}
	case NoWitnessUpToBound:
		if c.opts.Explain != ExplainNone && len(c.th.Restrictions) > 0 {
			return v, c.explain(ctx, l, v)
		}
	case Unknown:
		// the search stopped: a witness without some restrictions is
		// still worth knowing, when the forward search finds one
		if c.opts.Explain != ExplainNone && c.opts.Forward != ForwardOff && len(c.th.Restrictions) > 0 &&
			l.Quantifier == rules.ExistsTrace && !v.Internal {
			b := &Blocking{Unproven: true}
			t1 := time.Now()
			// the lemma's time is spent: a quarter of it more, so that
			// --timeout stays close to a limit
			ectx, cancel := c.withTimeoutShare(ctx, 4)
			defer cancel()
			if done, err := c.explainForward(ectx, l, v, b); err != nil {
				return v, err
			} else if done {
				b.Time = time.Since(t1)
				v.Blocking = b
			}
		}
	}
	return v, nil
}

// withTimeout applies Options.Timeout to one search, or without a depth
// the time budget.
func (c *Checker) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return c.withTimeoutShare(ctx, 1)
}

// withTimeoutShare is withTimeout with 1/share of the time.
func (c *Checker) withTimeoutShare(ctx context.Context, share int) (context.Context, context.CancelFunc) {
	if d := max(c.opts.Timeout, c.opts.Budget()); d > 0 {
		return context.WithTimeout(ctx, d/time.Duration(share))
	}
	return context.WithCancel(ctx)
}

// ruleCount is the multiset of the rules a trace uses.
func ruleCount(tr *rules.Trace) map[*rules.Rule]int {
	m := map[*rules.Rule]int{}
	for _, st := range tr.Steps {
		m[st.Rule]++
	}
	return m
}

func sameCount(a, b map[*rules.Rule]int) bool {
	if len(a) != len(b) {
		return false
	}
	for r, n := range a {
		if b[r] != n {
			return false
		}
	}
	return true
}

// presentShort prepares a further trace of l for showing, as present
// does for the first one but without the search for distinct agents:
// values named after roles, the lemma's bindings, the measure.
func (c *Checker) presentShort(ctx context.Context, v *Verdict) error {
	plain := &Checker{th: c.th, opts: c.opts, enc: c.enc}
	plain.opts.Shortest = true
	return plain.present(ctx, v, encode.GoalForLemma(v.Lemma))
}

// minimizeKeeping is minimize for a property that is no formula: keep
// says whether a smaller trace still has it.
func minimizeKeeping(th *rules.Theory, tr *rules.Trace, rep *replay.Result, keep func(*rules.Trace) bool) (*rules.Trace, *replay.Result) {
	try := func(cand *rules.Trace) {
		if !keep(cand) {
			return
		}
		if r, err := replay.Check(th, cand, nil); err == nil {
			tr, rep = cand, r
		}
	}
	for i := len(tr.KEvents) - 1; i >= 0; i-- {
		if tr.KEvents[i].InStep >= 0 {
			continue
		}
		try(&rules.Trace{Steps: tr.Steps, KEvents: append(append([]*rules.KEvent{}, tr.KEvents[:i]...), tr.KEvents[i+1:]...)})
	}
	for i := len(tr.Steps) - 1; i >= 0; i-- {
		if cand, ok := dropStep(tr, i); ok {
			try(cand)
		}
	}
	return tr, rep
}

// withoutRestrictions returns th without the restrictions named in drop.
func withoutRestrictions(th *rules.Theory, drop []string) *rules.Theory {
	out := *th
	out.Restrictions = nil
	for _, r := range th.Restrictions {
		keep := true
		for _, d := range drop {
			keep = keep && r.Name != d
		}
		if keep {
			out.Restrictions = append(out.Restrictions, r)
		}
	}
	return &out
}

// answersJSON adds to j what Answer added to v.
func (v *Verdict) answersJSON(j *VerdictJSON, th *rules.Theory, o Options) {
	j.Notes = v.Notes
	if len(v.Witnesses) > 0 && v.Trace != nil {
		j.RulesUsed = RulesUsed(v.Trace)
	}
	for _, w := range v.Witnesses {
		wj := w.JSON(th, o)
		wj.RulesUsed = RulesUsed(w.Trace)
		wj.Index = j.Index // the lemma's place: a witness is one of its answers
		j.Witnesses = append(j.Witnesses, wj)
	}
	if b := v.Blocking; b != nil {
		j.Blocking = &BlockingJSON{Restrictions: b.Restrictions, None: b.None, Reason: b.Reason, Steps: b.Steps, Text: b.Text()}
		if j.Blocking.Restrictions == nil {
			j.Blocking.Restrictions = []string{}
		}
		if b.Witness != nil {
			j.Blocking.Witness = b.Witness.JSON(th, o)
			j.Blocking.Witness.Index = j.Index
		}
	}
}

// TraceJSONOf returns the JSON form of a replayed trace of th, as a
// verdict's trace (for reports other than check's).
func TraceJSONOf(th *rules.Theory, tr *rules.Trace, rep *replay.Result) *TraceJSON {
	return newNames(th).traceJSON(th, tr, rep)
}
