package queries

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// Readable traces (issue 14). The shortest trace the solver returns may
// let one agent play two roles: in Lowe's attack on NSPK, the honest
// agent answers its own run, where the textbook attack has three agents.
// After a trace is found, the checker looks for one in which the values
// that coincided differ, at most readableSlack steps longer, and shows
// it instead; the verdict keeps the shortest length (Verdict.Shortest).
// Options.Shortest turns this off. Then the trace's values are named
// after the variables of the lemma and the rules that bind them
// (names.go), and the lemma's bindings are computed on the named trace.

// readableSlack is how many steps longer than a shortest trace a trace
// with distinct agents may be.
const readableSlack = 2

// Bindings returns the values the lemma's variables take on a trace that
// violates it (all-traces) or witnesses it (exists-trace): the variables
// of the lemma's outer quantifier and of the existential blocks the
// violation or witness rests on (replay.Witness). It returns nil when
// the trace does not have the property.
func Bindings(th *rules.Theory, l *rules.Lemma, tr *rules.Trace, rep *replay.Result) []replay.Binding {
	bs, ok, err := replay.Witness(th, tr, rep, encode.GoalForLemma(l).Formula)
	if err != nil || !ok {
		return nil
	}
	return bs
}

// present prepares the trace of a falsified or witnessed lemma for
// showing: a readable trace if one exists (unless Options.Shortest),
// values named after roles, the lemma's bindings.
func (c *Checker) present(ctx context.Context, v *Verdict, goal encode.Goal) error {
	if !c.opts.Shortest {
		if err := c.readable(ctx, v, goal); err != nil {
			return err
		}
	}
	return c.nameTrace(v, goal)
}

// nameTrace names the values of v's trace after roles and computes the
// lemma's bindings on it (present without the search for a readable
// trace: the forward search's traces).
func (c *Checker) nameTrace(v *Verdict, goal encode.Goal) error {
	t0 := time.Now()
	named := nameValues(c.th, v.Trace, Bindings(c.th, v.Lemma, v.Trace, v.Replayed))
	rep, err := replay.Check(c.th, named, goal.Formula)
	if err != nil {
		return &InternalError{Lemma: v.Lemma.Name, Err: fmt.Errorf("the trace with its values renamed: %w", err), Trace: named}
	}
	v.Trace, v.Replayed = named, rep
	v.Bindings = Bindings(c.th, v.Lemma, named, rep)
	// the trace with distinct agents may need another adversary
	m, exact, err := replay.Measure(c.th, named)
	if err != nil {
		return &InternalError{Lemma: v.Lemma.Name, Err: err, Trace: named}
	}
	v.Measure, v.MeasureExact = &m, exact
	v.Replay += time.Since(t0)
	return nil
}

// coincidence is a pair of variables bound to the same public name (not
// a constant of the model): of the lemma (Rule nil) or of a rule in some
// step.
type coincidence struct {
	Rule *rules.Rule
	X, Y rules.Var
}

// coincidences lists the pairs of the lemma's variables, and of each
// step's rule variables, that the trace binds to the same chosen public
// name, in the order they are met.
func coincidences(th *rules.Theory, tr *rules.Trace, bs []replay.Binding) []coincidence {
	pubConst, _ := Constants(th)
	agent := func(t *rules.Term) bool { return t != nil && t.Kind == rules.TPub && !pubConst[t.Name] }
	var out []coincidence
	seen := map[string]bool{}
	add := func(c coincidence) {
		k := fmt.Sprintf("%p %s %s", c.Rule, c.X, c.Y)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	for i, a := range bs {
		for _, b := range bs[i+1:] {
			if agent(a.Term) && b.Term != nil && a.Term.Equal(b.Term) && a.Var != b.Var {
				add(coincidence{X: a.Var, Y: b.Var})
			}
		}
	}
	for _, st := range tr.Steps {
		vars := st.Rule.Vars()
		for i, x := range vars {
			for _, y := range vars[i+1:] {
				if agent(st.Subst[x]) && st.Subst[x].Equal(st.Subst[y]) {
					add(coincidence{Rule: st.Rule, X: x, Y: y})
				}
			}
		}
	}
	return out
}

// distinctGoal returns the goal with the variables of each pair that its
// outermost existential block binds required to differ: the goal
// Ex xs. φ (an exists-trace lemma, or an all-traces lemma All xs. ψ
// negated, or not(Ex xs. ψ) negated twice) becomes Ex xs. φ & not(x = y).
// It returns false when no pair is of that block.
func distinctGoal(goal encode.Goal, pairs []coincidence) (encode.Goal, bool) {
	f, pos := goal.Formula, true
	for {
		n, ok := f.(*rules.Not)
		if !ok {
			break
		}
		f, pos = n.F, !pos
	}
	q, ok := f.(*rules.Quant)
	if !ok || q.Exists != pos {
		return encode.Goal{}, false
	}
	body := q.Body
	if !pos {
		body = &rules.Not{F: body, Pos: q.Pos}
	}
	used := false
	for _, p := range pairs {
		if !slices.Contains(q.Vars, p.X) || !slices.Contains(q.Vars, p.Y) {
			continue
		}
		eq := &rules.Atom{Kind: rules.AtomEq, L: varTerm(p.X), R: varTerm(p.Y), Pos: q.Pos}
		body = &rules.Conn{Op: rules.And, L: body, R: &rules.Not{F: eq, Pos: q.Pos}, Pos: q.Pos}
		used = true
	}
	if !used {
		return encode.Goal{}, false
	}
	return encode.Goal{Formula: &rules.Quant{Exists: true, Vars: q.Vars, Body: body, Pos: q.Pos}, Name: goal.Name + " (with distinct agents)"}, true
}

func varTerm(x rules.Var) *rules.Term { return rules.NewVar(x.Name, x.Idx, x.Sort) }

// readable looks for a trace in which the coincidences of v's trace do
// not occur, of the same length up to readableSlack steps longer, and
// puts it in v if it finds one. First every coincidence is excluded; if
// that gives no trace, only the lemma's. A search that times out or that
// the solver gives up on leaves v as it is.
func (c *Checker) readable(ctx context.Context, v *Verdict, goal encode.Goal) error {
	var lemma, rule []coincidence
	for _, p := range coincidences(c.th, v.Trace, Bindings(c.th, v.Lemma, v.Trace, v.Replayed)) {
		if p.Rule == nil {
			lemma = append(lemma, p)
		} else {
			rule = append(rule, p)
		}
	}
	g, ok := goal, true
	if len(lemma) > 0 {
		if g, ok = distinctGoal(goal, lemma); !ok {
			g, lemma = goal, nil
		}
	}
	if len(lemma) == 0 && len(rule) == 0 {
		return nil
	}
	found, err := c.searchDistinct(ctx, v, goal, g, rule)
	if found || err != nil || ctx.Err() != nil || len(lemma) == 0 || len(rule) == 0 {
		return err
	}
	_, err = c.searchDistinct(ctx, v, goal, g, nil)
	return err
}

// searchDistinct searches traces of v.Depth to v.Depth+readableSlack
// steps for goal g under the rule coincidences' exclusion; a trace it
// finds must replay with the lemma's goal and replaces v's.
func (c *Checker) searchDistinct(ctx context.Context, v *Verdict, goal, g encode.Goal, rule []coincidence) (bool, error) {
	k := v.Depth
	t0 := time.Now()
	p, err := c.opts.encodeChunk(c.enc, g, k, k+readableSlack, nil)
	if err != nil {
		// e.g. a goal the encoder cannot take: keep the shortest trace
		return false, nil
	}
	sv := solver.New()
	asserts := append([]*encode.Node{}, p.Assertions...)
	for _, co := range rule {
		asserts = append(asserts, p.Distinct(co.Rule, co.X, co.Y))
	}
	if err := sv.Assert(asserts...); err != nil {
		return false, fmt.Errorf("lemma %s, distinct agents: %w", v.Lemma.Name, err)
	}
	encT := time.Since(t0)
	v.Encode += encT
	for j := k; j <= p.K; j++ {
		t1 := time.Now()
		sv.Push(ctx)
		if err := sv.Assert(p.Exactly(j)); err != nil {
			return false, fmt.Errorf("lemma %s, distinct agents, depth %d: %w", v.Lemma.Name, j, err)
		}
		res, _, err := sv.CheckSat(ctx)
		solveT := time.Since(t1)
		v.Solve += solveT
		st := DepthStat{Depth: j, Encode: encT, Solve: solveT, Nodes: p.B.Nodes(), Assertions: len(asserts), Result: res.String(), Readable: true}
		if j == k {
			st.Parts = p.Parts()
		}
		v.Stats = append(v.Stats, st)
		encT = 0
		if err != nil || res == solver.Unknown {
			// a timeout or the solver giving up: keep the shortest trace
			return false, nil
		}
		if res == solver.Sat {
			t2 := time.Now()
			tr, err := p.Decode(sv.Model())
			if err != nil {
				return false, &InternalError{Lemma: v.Lemma.Name, Err: err}
			}
			if len(tr.Steps) != j {
				return false, &InternalError{Lemma: v.Lemma.Name, Err: fmt.Errorf("a trace of %d steps at depth %d", len(tr.Steps), j), Trace: tr}
			}
			rep, err := replay.Check(c.th, tr, g.Formula)
			if err == nil {
				_, err = replay.Check(c.th, tr, goal.Formula)
			}
			if err != nil {
				return false, &InternalError{Lemma: v.Lemma.Name, Err: err, Trace: tr}
			}
			tr, rep = c.simpler(ctx, sv, p, j, g.Formula, tr, rep, solveT)
			tr, rep = minimize(c.th, tr, rep, g.Formula)
			v.Replay += time.Since(t2)
			if len(tr.Steps) > v.Depth {
				v.Shortest = v.Depth
			}
			v.Trace, v.Replayed = tr, rep
			return true, nil
		}
		sv.Pop()
	}
	return false, nil
}
