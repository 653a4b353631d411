package queries

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// Plans: an abstraction of a model in which a state fact is its name and
// the constants written at its arguments (ClientState(~tid, 'C2a', …) is
// ClientState/_,'C2a',…), a rule consumes and produces such facts, Fr and In
// premises are always available, and restrictions do not apply. Every
// trace of the model is a multiset of rule instances of the abstraction in
// which every linear premise is fed by its own conclusion of another
// instance and every persistent premise by some instance (a flow), so
//
//   - the fewest instances any abstract flow with the goal's actions needs
//     is a lower bound on the length of a trace with the goal: depths below
//     it need no search;
//   - the counts of a cheapest flow are a guess at how many instances of
//     each rule a witness needs, which a slot problem (encode.EncodeSlots)
//     can check at a fraction of the size of a depth problem.
//
// The flows are found by Z3 over integer counts (the solver package).

// absFact is a fact of the abstraction: its symbol and a label per
// argument: the constant written there, the head of a constructor term
// written there ("ClientHello/5(…)"), or "" for anything.
type absFact struct {
	key    rules.FactKey
	consts []string
	// excl: at these arguments, producers with these labels do not feed
	// the premise (the unlabeled variant of a forwarding rule, below:
	// values with those labels go to the other variants)
	excl map[int]map[string]bool
	// skel: with deep labels, each argument's label as a term skeleton
	// ("_" for anything), which two labels must unify for one to feed
	// the other
	skel []*rules.Term
	// avoid: values inside an argument's written structure that the
	// restrictions forbid (not (x = 'c') for a variable x below
	// constructors): a producer whose skeleton has c there does not feed
	// the premise
	avoid []skelAvoid
	// exact: the arguments of a forwarding variant's source premise that
	// carry the variant's label (abstractRules): a step of the variant
	// forwards a value its producer labelled exactly so
	exact []int
}

// skelAvoid is a constant forbidden at a path (argument positions through
// constructors that no equation rewrites) below a fact's argument.
type skelAvoid struct {
	arg  int
	path []int
	c    *rules.Term
}

// skelAt returns the skeleton below sk at path, or nil where sk stops
// before it.
func skelAt(sk *rules.Term, path []int) *rules.Term {
	for _, i := range path {
		if sk == nil || sk.Kind != rules.TApp || i >= len(sk.Args) {
			return nil
		}
		sk = sk.Args[i]
	}
	return sk
}

// feeds reports whether a conclusion can supply a premise in the
// abstraction.
func (c absFact) feeds(p absFact) bool {
	if c.key != p.key {
		return false
	}
	for _, av := range p.avoid {
		if c.skel == nil {
			break
		}
		// the producer's values have the constant there: the premise's
		// variable would be it
		if sk := skelAt(c.skel[av.arg], av.path); sk != nil && sk.Equal(av.c) {
			return false
		}
	}
	for i := range c.consts {
		if p.excl[i][c.consts[i]] {
			return false
		}
		if c.consts[i] != "" && p.consts[i] != "" && c.consts[i] != p.consts[i] &&
			(c.skel == nil || p.skel == nil || !skelCompatible(c.skel[i], p.skel[i])) {
			return false
		}
	}
	return true
}

// skelCompatible reports whether two skeletons can stand for one term.
func skelCompatible(a, b *rules.Term) bool {
	switch {
	case a.Kind == rules.TVar || b.Kind == rules.TVar:
		return true
	case a.Kind != b.Kind:
		return false
	case a.Kind == rules.TFresh:
		return true
	case a.Kind == rules.TPub:
		return a.Name == b.Name || a.Name == skelAnyName || b.Name == skelAnyName
	case a.Name != b.Name || len(a.Args) != len(b.Args):
		return false
	}
	for i := range a.Args {
		if !skelCompatible(a.Args[i], b.Args[i]) {
			return false
		}
	}
	return true
}

// absRule is a rule of the abstraction: a rule of the model, or one of its
// variants for the labels of the values it forwards.
type absRule struct {
	orig         int
	prems, concs []absFact
}

// labeler gives the labels of written terms: constants, and heads of
// function symbols that no equation rewrites and that belong to no
// built-in equational theory (two such terms with different heads are
// never equal).
//
// With depth > 0 (deep labels) a label is the term's skeleton to that
// many levels of function applications, "_" for variables, names and
// what the equations may change: <'1', x> and <'2', y> are told apart,
// which the head alone ("pair/2(…)") does not.
type labeler struct {
	opaque map[string]bool
	// eqs and neqs are the theory's restrictions "A(…) ==> s = t" and
	// "A(…) ==> not (s = t)": a rule's action that makes a premise's
	// variable equal (or unequal) to a constant narrows that premise
	eqs, neqs []fwdEq
	depth     int
	skels     map[string]*rules.Term // deep labels' skeletons by label
}

func newLabeler(th *rules.Theory) labeler {
	l := labeler{opaque: th.ReducibleSymbols()}
	for _, r := range th.Restrictions {
		if eq, ok := equalityRestriction(r.Formula); ok {
			l.eqs = append(l.eqs, eq)
		}
		if neq, ok := inequalityRestriction(r.Formula); ok {
			l.neqs = append(l.neqs, neq)
		}
	}
	for _, f := range []string{rules.FunExp, rules.FunMult, rules.FunInv, rules.FunXor, rules.FunUnion,
		rules.FunNatPl, rules.FunDiff, rules.FunFst, rules.FunSnd, "pmult", "em"} {
		l.opaque[f] = true
	}
	return l
}

// newDeepLabeler returns a labeler of skeletons depth levels deep.
func newDeepLabeler(th *rules.Theory, depth int) labeler {
	l := newLabeler(th)
	l.depth, l.skels = depth, map[string]*rules.Term{}
	return l
}

const skelAnyName = "_"

var (
	skelAny   = rules.NewVar(skelAnyName, 0, rules.SortMsg)
	skelFresh = rules.NewFreshConst(skelAnyName) // some fresh name
	skelPub   = rules.NewPub(skelAnyName)        // some public name
)

func (l labeler) label(t *rules.Term) string {
	if l.depth > 0 {
		return l.skelLabel(l.skeleton(t, l.depth, false))
	}
	switch {
	case t.Kind == rules.TPub || t.Kind == rules.TFresh:
		return t.String()
	case t.Kind == rules.TApp && l.opaque[t.Name]:
		return ""
	case t.Kind == rules.TApp && len(t.Args) == 0:
		return t.String()
	case t.Kind == rules.TApp:
		return fmt.Sprintf("%s/%d(…)", t.Name, len(t.Args))
	}
	return ""
}

func (l labeler) skelLabel(sk *rules.Term) string {
	if sk.Kind == rules.TVar {
		return ""
	}
	s := sk.String()
	l.skels[s] = sk
	return s
}

// skeleton returns t to d levels of applications, skelAny elsewhere. A
// ground term of a state (concrete) is in normal form: its head is what
// it is even where an equation might rewrite a pattern, and a fresh or
// public name is one (some fresh name, some public name for a search's
// placeholder).
func (l labeler) skeleton(t *rules.Term, d int, concrete bool) *rules.Term {
	switch {
	case t.Kind == rules.TPub && strings.HasPrefix(t.Name, fwdPlaceholder):
		return skelPub
	case t.Kind == rules.TPub:
		return t
	case t.Kind == rules.TFresh, t.Kind == rules.TVar && t.Var.Sort == rules.SortFresh:
		return skelFresh
	case t.Kind == rules.TVar && t.Var.Sort == rules.SortPub:
		return skelPub
	case t.Kind != rules.TApp:
		return skelAny
	case l.opaque[t.Name] && !concrete:
		return skelAny
	case len(t.Args) == 0:
		return t
	}
	args := make([]*rules.Term, len(t.Args))
	for i, a := range t.Args {
		args[i] = skelAny
		if d > 1 && !l.opaque[t.Name] {
			args[i] = l.skeleton(a, d-1, concrete)
		}
	}
	return rules.NewApp(t.Name, args...)
}

// restricted returns the values the restrictions force or forbid for
// r's variables through r's actions: a variable v with an action that an
// equality restriction turns into v = c (c ground) is c in every trace
// that satisfies the restrictions; one turned into not (v = c) is not c.
func (l labeler) restricted(r *rules.Rule) (eqAt map[rules.Var]*rules.Term, neqAt map[rules.Var][]*rules.Term) {
	eqAt, neqAt = map[rules.Var]*rules.Term{}, map[rules.Var][]*rules.Term{}
	scan := func(rs []fwdEq, add func(v rules.Var, c *rules.Term)) {
		for _, a := range r.Actions {
			for _, eq := range rs {
				if a.Name != eq.act.Name || len(a.Args) != len(eq.act.Args) {
					continue
				}
				m := rules.Subst{}
				ok := true
				for i, p := range eq.act.Args {
					ok = ok && rules.Match(p, a.Args[i], m)
				}
				if !ok {
					continue
				}
				x, y := m.Apply(eq.l), m.Apply(eq.r)
				switch {
				case x.Kind == rules.TVar && y.IsGround():
					add(x.Var, y)
				case y.Kind == rules.TVar && x.IsGround():
					add(y.Var, x)
				}
			}
		}
	}
	scan(l.eqs, func(v rules.Var, c *rules.Term) { eqAt[v] = c })
	scan(l.neqs, func(v rules.Var, c *rules.Term) { neqAt[v] = append(neqAt[v], c) })
	return eqAt, neqAt
}

// refine narrows the abstract premise a of the rule's premise p by the
// values restricted gave.
func (l labeler) refine(a *absFact, p *rules.Fact, eqAt map[rules.Var]*rules.Term, neqAt map[rules.Var][]*rules.Term) {
	for i, t := range p.Args {
		if t.Kind != rules.TVar {
			if l.depth > 0 && len(neqAt) > 0 {
				a.avoid = l.avoidBelow(a.avoid, i, nil, t, neqAt)
			}
			continue
		}
		if c, ok := eqAt[t.Var]; ok && a.consts[i] == "" {
			if lab := l.label(c); lab != "" {
				a.consts[i] = lab
				if a.skel != nil {
					a.skel[i] = l.skels[lab]
				}
			}
		}
		for _, c := range neqAt[t.Var] {
			if lab := l.label(c); lab != "" {
				ex := map[string]bool{lab: true}
				for k := range a.excl[i] {
					ex[k] = true
				}
				excl := map[int]map[string]bool{}
				for k, v := range a.excl {
					excl[k] = v
				}
				excl[i] = ex
				a.excl = excl
			}
		}
	}
}

// avoidBelow adds to avoid the constants neqAt forbids for the variables
// below t, a premise's argument arg written with constructors no equation
// rewrites, at their paths (within the skeletons' depth). Only names and
// nullary constants: their skeleton is the value itself.
func (l labeler) avoidBelow(avoid []skelAvoid, arg int, path []int, t *rules.Term, neqAt map[rules.Var][]*rules.Term) []skelAvoid {
	switch {
	case t.Kind == rules.TVar:
		if len(path) == 0 {
			return avoid
		}
		for _, c := range neqAt[t.Var] {
			if (c.Kind == rules.TPub && !strings.HasPrefix(c.Name, fwdPlaceholder)) || (c.Kind == rules.TApp && len(c.Args) == 0 && !l.opaque[c.Name]) {
				avoid = append(avoid, skelAvoid{arg: arg, path: append([]int(nil), path...), c: c})
			}
		}
	case t.Kind == rules.TApp && !l.opaque[t.Name] && len(path) < l.depth-1:
		for j, a := range t.Args {
			avoid = l.avoidBelow(avoid, arg, append(path, j), a, neqAt)
		}
	}
	return avoid
}

// concreteFact returns the abstract fact of a ground fact of a state.
func (l labeler) concreteFact(f *rules.Fact) absFact {
	a := absFact{key: f.Key(), consts: make([]string, len(f.Args)), skel: make([]*rules.Term, len(f.Args))}
	for i, t := range f.Args {
		a.skel[i] = l.skeleton(t, l.depth, true)
		a.consts[i] = l.skelLabel(a.skel[i])
	}
	return a
}

func (l labeler) fact(f *rules.Fact, sub map[rules.Var]string) absFact {
	a := absFact{key: f.Key(), consts: make([]string, len(f.Args))}
	if l.depth > 0 {
		a.skel = make([]*rules.Term, len(f.Args))
	}
	for i, t := range f.Args {
		if t.Kind == rules.TVar {
			a.consts[i] = sub[t.Var]
			if a.consts[i] == "" && l.depth > 0 {
				a.consts[i] = l.label(t) // the variable's sort
			}
		} else {
			a.consts[i] = l.label(t)
		}
		if a.skel != nil {
			a.skel[i] = skelAny
			if sk, ok := l.skels[a.consts[i]]; ok {
				a.skel[i] = sk
			}
		}
	}
	return a
}

// maxVariants bounds the variants of one rule (for the flow problem:
// each is a count for Z3).
const maxVariants = 8

// deepVariants bounds them for deep labels (the forward search, where a
// variant costs only time in its heuristic).
const deepVariants = 64

// deepSingleVariants bounds them, with deep labels, for a rule that
// forwards one value (one variant per label: MessageOut → Out → In →
// F_MessageIn keeps every message apart).
const deepSingleVariants = 256

func (l labeler) maxVariants() int {
	if l.depth > 0 {
		return deepVariants
	}
	return maxVariants
}

// abstractRules returns the abstraction's rules: every live rule, and for
// a rule that forwards a value (a variable that is a whole argument of a
// premise and of a conclusion, as in [ MessageOut(m) ] --> [ In'(m) ]) one
// variant per label its producers give that argument, and an unlabeled
// variant fed by every producer of another label (or none). A step is an
// instance of one variant: the one of its forwarded value's producer's
// label if there is one, else the unlabeled one; so every trace is still
// a flow of the abstraction. The labels at a fact's argument come from the
// variants too: they are computed to a fixpoint (a round that is not one
// only loses precision).
func abstractRules(lb labeler, rs []*rules.Rule, live []bool, split bool) []absRule {
	type pos struct {
		key rules.FactKey
		i   int
	}
	type fwd struct {
		v    rules.Var
		prem int // the premise that is its source
		arg  int
	}
	// forwarded variables per rule
	fwds := make([][]fwd, len(rs))
	for ri, r := range rs {
		if !live[ri] {
			continue
		}
		inConc := map[rules.Var]bool{}
		for _, c := range r.Conclusions {
			if rules.IsReserved(c.Name) {
				continue
			}
			for _, t := range c.Args {
				if t.Kind == rules.TVar {
					inConc[t.Var] = true
				}
			}
		}
		seen := map[rules.Var]bool{}
		for pi, p := range r.Premises {
			if rules.IsReserved(p.Name) {
				continue
			}
			for ai, t := range p.Args {
				if t.Kind == rules.TVar && inConc[t.Var] && !seen[t.Var] {
					seen[t.Var] = true
					fwds[ri] = append(fwds[ri], fwd{t.Var, pi, ai})
				}
			}
		}
	}
	// useful: the argument positions whose labels tell consumers apart: a
	// premise writes a label there, or a rule forwards the value from
	// there to a useful position. Only forwarded values that reach one are
	// split.
	useful := map[pos]bool{}
	for ri, r := range rs {
		if !live[ri] {
			continue
		}
		for _, p := range r.Premises {
			for i, t := range p.Args {
				if t.Kind != rules.TVar && lb.label(t) != "" {
					useful[pos{p.Key(), i}] = true
				}
			}
		}
	}
	concPos := func(r *rules.Rule, v rules.Var) []pos {
		var out []pos
		for _, c := range r.Conclusions {
			if rules.IsReserved(c.Name) {
				continue
			}
			for i, t := range c.Args {
				if t.Kind == rules.TVar && t.Var == v {
					out = append(out, pos{c.Key(), i})
				}
			}
		}
		return out
	}
	for changed := true; changed; {
		changed = false
		for ri, r := range rs {
			for _, f := range fwds[ri] {
				src := pos{r.Premises[f.prem].Key(), f.arg}
				if useful[src] {
					continue
				}
				for _, cp := range concPos(r, f.v) {
					if useful[cp] {
						useful[src], changed = true, true
						break
					}
				}
			}
		}
	}
	for ri, r := range rs {
		var keep []fwd
		for _, f := range fwds[ri] {
			if !split {
				break
			}
			for _, cp := range concPos(r, f.v) {
				if useful[cp] {
					keep = append(keep, f)
					break
				}
			}
		}
		fwds[ri] = keep
	}
	var out []absRule
	labels := map[pos]map[string]bool{}
	for round := 0; round < 8; round++ {
		out = out[:0]
		for ri, r := range rs {
			if !live[ri] {
				continue
			}
			// the forwarded variables to split, while the variants stay few
			type split struct {
				f   fwd
				lbs []string
			}
			var splits []split
			n := 1
			for _, f := range fwds[ri] {
				var lbs []string
				for l := range labels[pos{r.Premises[f.prem].Key(), f.arg}] {
					if l != "" {
						lbs = append(lbs, l)
					}
				}
				if len(lbs) == 0 {
					continue
				}
				sort.Strings(lbs)
				lbs = append(lbs, "") // the unlabeled variant, always
				if n*len(lbs) > lb.maxVariants() && !(lb.depth > 0 && n == 1 && len(lbs) <= deepSingleVariants) {
					continue
				}
				n *= len(lbs)
				splits = append(splits, split{f, lbs})
			}
			for v := 0; v < n; v++ {
				sub := map[rules.Var]string{}
				excl := map[int]map[int]map[string]bool{} // premise → argument → labels
				exact := map[int][]int{}                  // premise → arguments
				k := v
				for _, sp := range splits {
					l := sp.lbs[k%len(sp.lbs)]
					k /= len(sp.lbs)
					sub[sp.f.v] = l
					if l != "" {
						exact[sp.f.prem] = append(exact[sp.f.prem], sp.f.arg)
					}
					if l == "" {
						if excl[sp.f.prem] == nil {
							excl[sp.f.prem] = map[int]map[string]bool{}
						}
						ex := map[string]bool{}
						for _, o := range sp.lbs[:len(sp.lbs)-1] {
							ex[o] = true
						}
						excl[sp.f.prem][sp.f.arg] = ex
					}
				}
				ar := absRule{orig: ri}
				eqAt, neqAt := lb.restricted(r)
				for pi, p := range r.Premises {
					if rules.IsReserved(p.Name) {
						continue
					}
					a := lb.fact(p, sub)
					a.excl, a.exact = excl[pi], exact[pi]
					lb.refine(&a, p, eqAt, neqAt)
					ar.prems = append(ar.prems, a)
				}
				for _, c := range r.Conclusions {
					if !rules.IsReserved(c.Name) {
						ar.concs = append(ar.concs, lb.fact(c, sub))
					}
				}
				out = append(out, ar)
			}
		}
		next := map[pos]map[string]bool{}
		for _, ar := range out {
			for _, c := range ar.concs {
				for i, l := range c.consts {
					p := pos{c.key, i}
					if next[p] == nil {
						next[p] = map[string]bool{}
					}
					next[p][l] = true
				}
			}
		}
		same := len(next) == len(labels)
		for p, set := range next {
			if len(set) != len(labels[p]) {
				same = false
			}
		}
		labels = next
		if same {
			break
		}
	}
	return out
}

// maxFlows bounds the flow problem: past it, variants are not split, and
// past it without them there is no plan (Z3 takes longer to take in the
// flow problem than the plan saves).
const maxFlows = 20000

// countFlows returns the number of (conclusion, premise) pairs that feed.
func countFlows(ars []absRule) int {
	n := 0
	for _, p := range ars {
		for _, pf := range p.prems {
			for _, c := range ars {
				for _, cf := range c.concs {
					if cf.feeds(pf) {
						n++
					}
				}
			}
		}
	}
	return n
}

// planner holds the flow problem of a theory for one goal.
type planner struct {
	th    *rules.Theory
	rs    []*rules.Rule
	live  []bool
	b     *encode.Builder
	count []*encode.Node // instances of each rule
	sv    *solver.Solver
	total *encode.Node
	skip  map[string]bool // counting restrictions left out
}

// newPlanner builds the flow problem: counts per rule and per variant,
// flows per (conclusion, premise) pair, and the goal's required actions.
func newPlanner(th *rules.Theory, E *encode.Encoder, goal rules.Formula, skip ...string) (*planner, error) {
	pl := &planner{th: th, rs: E.SlotRules(), b: encode.NewBuilder(), skip: map[string]bool{}}
	for _, n := range skip {
		pl.skip[n] = true
	}
	b := pl.b
	pl.live = make([]bool, len(pl.rs))
	for i := range pl.rs {
		pl.live[i] = !E.Dead(i)
	}
	ars := abstractRules(newLabeler(th), pl.rs, pl.live, true)
	if countFlows(ars) > maxFlows {
		ars = abstractRules(newLabeler(th), pl.rs, pl.live, false)
		if countFlows(ars) > maxFlows {
			return nil, fmt.Errorf("plan: more than %d flows", maxFlows)
		}
	}
	var asserts []*encode.Node
	vcount := make([]*encode.Node, len(ars))
	sums := make([]*encode.Node, len(pl.rs))
	for i := range sums {
		sums[i] = b.Int(0)
	}
	for i, ar := range ars {
		vcount[i] = b.Const(fmt.Sprintf("vcount_%d", i), encode.SortInt)
		asserts = append(asserts, b.Le(b.Int(0), vcount[i]))
		sums[ar.orig] = b.Add(sums[ar.orig], vcount[i])
	}
	pl.count = make([]*encode.Node, len(pl.rs))
	pl.total = b.Int(0)
	for i := range pl.rs {
		pl.count[i] = b.Const(fmt.Sprintf("count_%d", i), encode.SortInt)
		asserts = append(asserts, b.Eq(pl.count[i], sums[i]))
		pl.total = b.Add(pl.total, pl.count[i])
	}
	out := map[[2]int][]*encode.Node{} // flows out of a linear conclusion
	for pv, par := range ars {
		for pj, p := range par.prems {
			var in, producers []*encode.Node
			for cv, car := range ars {
				for cj, c := range car.concs {
					if !c.feeds(p) {
						continue
					}
					if p.key.Persistent {
						producers = append(producers, b.Le(b.Int(1), vcount[cv]))
						continue
					}
					y := b.Const(fmt.Sprintf("flow_%d_%d_%d_%d", cv, cj, pv, pj), encode.SortInt)
					asserts = append(asserts, b.Le(b.Int(0), y))
					in = append(in, y)
					out[[2]int{cv, cj}] = append(out[[2]int{cv, cj}], y)
				}
			}
			if p.key.Persistent {
				asserts = append(asserts, b.Implies(b.Le(b.Int(1), vcount[pv]), b.Or(producers...)))
				continue
			}
			sum := b.Int(0)
			for _, y := range in {
				sum = b.Add(sum, y)
			}
			asserts = append(asserts, b.Eq(sum, vcount[pv]))
		}
	}
	for k, ys := range out {
		sum := b.Int(0)
		for _, y := range ys {
			sum = b.Add(sum, y)
		}
		asserts = append(asserts, b.Le(sum, vcount[k[0]]))
	}
	// counting restrictions: at most max steps record the action, so the
	// instances of the rules that record it are at most max in all
	for _, r := range th.Restrictions {
		name, arity, most, ok := encode.CountingRestriction(r.Formula)
		if !ok || pl.skip[r.Name] {
			continue
		}
		sum := b.Int(0)
		for i, rule := range pl.rs {
			for _, a := range rule.Actions {
				if a.Name == name && len(a.Args) == arity {
					sum = b.Add(sum, pl.count[i])
					break
				}
			}
		}
		asserts = append(asserts, b.Le(sum, b.Int(int64(most))))
	}
	// the goal's actions
	for _, name := range requiredActionNames(goal) {
		var opts []*encode.Node
		for i, r := range pl.rs {
			for _, a := range r.Actions {
				if a.Name == name {
					opts = append(opts, b.Le(b.Int(1), pl.count[i]))
					break
				}
			}
		}
		asserts = append(asserts, b.Or(opts...))
	}
	pl.sv = solver.New()
	if err := pl.sv.Assert(asserts...); err != nil {
		return nil, err
	}
	return pl, nil
}

// cheapest returns the counts of a flow with the fewest instances, at most
// max in all, or nil when there is none.
func (pl *planner) cheapest(ctx context.Context, max int) ([]int, error) {
	b := pl.b
	// is there a flow at all within max? (one call, however large max)
	pl.sv.Push(ctx)
	if err := pl.sv.Assert(b.Le(pl.total, b.Int(int64(max)))); err != nil {
		return nil, err
	}
	res, _, err := pl.sv.CheckSat(ctx)
	if err != nil || res != solver.Sat {
		pl.sv.Pop()
		return nil, err
	}
	hi := int(pl.sv.Model().Int(pl.total))
	pl.sv.Pop()
	for n := 0; n <= hi; n++ {
		pl.sv.Push(ctx)
		if err := pl.sv.Assert(b.Le(pl.total, b.Int(int64(n)))); err != nil {
			return nil, err
		}
		res, _, err := pl.sv.CheckSat(ctx)
		if err != nil {
			pl.sv.Pop()
			return nil, err
		}
		if res == solver.Sat {
			m := pl.sv.Model()
			counts := make([]int, len(pl.rs))
			for i := range counts {
				counts[i] = int(m.Int(pl.count[i]))
			}
			pl.sv.Pop()
			return counts, nil
		}
		pl.sv.Pop()
		if res == solver.Unknown {
			return nil, nil
		}
	}
	return nil, nil
}

// exclude keeps later plans from being within an earlier one: some rule
// gets more instances than counts gives it.
func (pl *planner) exclude(counts []int) error {
	b := pl.b
	var more []*encode.Node
	for i, n := range counts {
		if pl.live[i] {
			more = append(more, b.Lt(b.Int(int64(n)), pl.count[i]))
		}
	}
	return pl.sv.Assert(b.Or(more...))
}

// requiredActionNames returns the names of the protocol actions every
// trace satisfying f has (goalActionAtoms).
func requiredActionNames(f rules.Formula) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range goalActionAtoms(f) {
		if !seen[a.Name] {
			seen[a.Name] = true
			out = append(out, a.Name)
		}
	}
	return out
}

// planThreshold is the lower bound on a trace's length from which a check
// first looks for a witness from plans: shorter traces are found fast by
// deepening.
const planThreshold = 8

// planTries is how many plans a check tries before it deepens.
const planTries = 6

// planned computes the abstraction's lower bound on the length of a trace
// with the goal (depths below it hold none), and when that bound is
// planThreshold or more, looks for a trace from the cheapest plans with
// slot problems; before them it calls before (the forward search), which
// may decide the verdict. It reports done when the verdict is decided: a
// trace was found, or no flow of the abstraction reaches the goal within
// the depth (then no trace does).
func (c *Checker) planned(ctx context.Context, v *Verdict, goal encode.Goal, before func() (bool, error)) (lo int, done bool, err error) {
	t0 := time.Now()
	pl, err := newPlanner(c.th, c.enc, goal.Formula)
	if err != nil {
		return 0, false, nil // no plan: deepen from 0
	}
	counts, err := pl.cheapest(ctx, c.opts.maxDepth())
	v.Encode += time.Since(t0)
	if err != nil || ctx.Err() != nil {
		return 0, false, nil
	}
	if counts == nil {
		// no abstract flow reaches the goal within the depth
		v.Depth = c.opts.maxDepth()
		v.StepBound, v.Bounds = v.Depth, c.enc.Describe(goal, v.Depth)
		v.Stats = append(v.Stats, DepthStat{Depth: c.opts.maxDepth(), Encode: time.Since(t0), Result: "none (abstraction)"})
		if v.Lemma.Quantifier == rules.ExistsTrace {
			v.Kind = NoWitnessUpToBound
		} else {
			v.Kind = HoldsUpToBound
		}
		return 0, true, nil
	}
	for _, n := range counts {
		lo += n
	}
	if lo < planThreshold || c.opts.NotIncremental {
		return lo, false, nil
	}
	if lo > 0 {
		v.Depth = lo - 1
	}
	if before != nil {
		if done, err := before(); err != nil || done {
			return lo, done, err
		}
	}
	for try := 0; try < planTries && counts != nil && ctx.Err() == nil; try++ {
		sum := 0
		for _, n := range counts {
			sum += n
		}
		t1 := time.Now()
		p, err := c.enc.EncodeSlots(goal, counts, c.opts.maxDepth())
		if err != nil {
			return lo, false, nil
		}
		sv := solver.NewOneShot()
		if err := sv.Assert(p.Assertions...); err != nil {
			return lo, false, err
		}
		encT := time.Since(t1)
		v.Encode += encT
		t2 := time.Now()
		res, _, err := sv.CheckSat(ctx)
		solveT := time.Since(t2)
		v.Solve += solveT
		v.Stats = append(v.Stats, DepthStat{Depth: sum, Encode: encT, Solve: solveT, Nodes: p.B.Nodes(), Assertions: len(p.Assertions),
			Result: res.String() + " (plan)", Parts: p.Parts()})
		if err != nil {
			return lo, false, err
		}
		if res == solver.Sat {
			if _, err := c.found(ctx, v, goal, sv, p, -1, solveT); err != nil {
				return lo, false, err
			}
			if len(v.Trace.Steps) > lo {
				v.AtLeast = lo
			}
			return lo, true, nil
		}
		if err := pl.exclude(counts); err != nil {
			return lo, false, nil
		}
		if counts, err = pl.cheapest(ctx, c.opts.maxDepth()); err != nil {
			return lo, false, nil
		}
	}
	return lo, false, nil
}
