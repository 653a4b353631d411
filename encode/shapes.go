package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// Shape inference: a static over-approximation of the values each fact
// argument can hold in any reachable state, as a term pattern. The shape
// of an argument is the least general generalisation (anti-unifier) of
// every term a rule can put there, computed to a fixpoint. A rule's
// premises are then refined by unifying them with the shapes: a variable
// that always holds a fresh name becomes a fresh variable, one that always
// holds pk(~k) becomes pk(~k') — which lets most message equalities be
// decided statically and spares the adversary encoding from taking apart
// values that cannot have structure. A premise that cannot match its
// shape makes the rule dead.
//
// The refinement is sound: by induction on traces, every fact of a
// reachable state is an instance of the shapes, so every rule instance of
// a trace is an instance of the refined rule.

// An application of a reducible symbol (a destructor such as verify or
// sdec) can take any value its equations produce, so shapes never contain
// one: a conclusion argument is abstracted first, each reducible
// application replaced by a placeholder (see abstract), and unify never
// refines through one.

// shapeNamer makes the placeholder variables of shapes and knows which
// symbols are reducible.
type shapeNamer struct {
	n         int
	reducible func(sym string) bool
}

func (s *shapeNamer) fresh(sort rules.Sort) *rules.Term {
	s.n++
	return rules.NewVar(fmt.Sprintf("_s%d", s.n), 0, sort)
}

// refinement is the result of shape inference for one rule.
type refinement struct {
	dead bool
	// sigma maps the rule's variables to refined patterns over new
	// variables; facts are the rule's facts with sigma applied.
	sigma                          rules.Subst
	premises, actions, conclusions []*rules.Fact
	vars                           []rules.Var // variables of the refined rule
}

// inferShapes computes the refinement of every rule; reducible tells which
// function symbols head an equation.
//
// The iteration reaches its fixpoint: a shape only ever changes to a
// strictly more general one (its least general generalisation with a new
// term), and a chain of strict generalisations of a term is no longer
// than the term's size, while new fact symbols are finitely many. Should
// it still run past maxShapeRounds (a guard against a bug, not a bound),
// no rule is refined or declared dead: shapes prune, they never decide.
func inferShapes(rs []*ruleInfo, reducible func(sym string) bool) []*refinement {
	shapes := map[rules.FactKey][]*rules.Term{}
	namer := &shapeNamer{reducible: reducible}
	out := make([]*refinement, len(rs))
	for round := 0; ; round++ {
		if round > maxShapeRounds {
			for i, ri := range rs {
				out[i] = identity(ri.r)
			}
			return out
		}
		changed := false
		for i, ri := range rs {
			ref := refine(ri.r, shapes, namer)
			out[i] = ref
			if ref.dead {
				continue
			}
			for _, c := range ref.conclusions {
				if c.Name == rules.FactOut {
					continue
				}
				k := c.Key()
				old, ok := shapes[k]
				if !ok {
					shapes[k] = make([]*rules.Term, len(c.Args))
					for j, a := range c.Args {
						shapes[k][j] = generalise(abstract(a, namer), namer)
					}
					changed = true
					continue
				}
				for j, a := range c.Args {
					g := lgg(old[j], abstract(a, namer), namer)
					if !sameShape(g, old[j]) {
						old[j] = g
						changed = true
					}
				}
			}
		}
		if !changed {
			return out
		}
	}
}

// maxShapeRounds guards inferShapes against not terminating.
const maxShapeRounds = 100000

// identity is the refinement that refines nothing.
func identity(r *rules.Rule) *refinement {
	ref := &refinement{sigma: rules.Subst{}, premises: r.Premises, actions: r.Actions, conclusions: r.Conclusions}
	for _, v := range r.Vars() {
		ref.sigma[v] = rules.VarTerm(v)
	}
	ref.vars = r.Vars()
	return ref
}

// refine unifies the premises of r with the current shapes.
func refine(r *rules.Rule, shapes map[rules.FactKey][]*rules.Term, namer *shapeNamer) *refinement {
	s := rules.Subst{}
	for _, p := range r.Premises {
		switch p.Name {
		case rules.FactIn:
			continue
		case rules.FactFr:
			if len(p.Args) == 1 {
				if !unify(p.Args[0], namer.fresh(rules.SortFresh), s, namer.reducible) {
					return &refinement{dead: true}
				}
			}
			continue
		}
		sh, ok := shapes[p.Key()]
		if !ok {
			return &refinement{dead: true}
		}
		for j, a := range p.Args {
			if !unify(a, rename(sh[j], namer), s, namer.reducible) {
				return &refinement{dead: true}
			}
		}
	}
	ref := &refinement{sigma: rules.Subst{}}
	for _, v := range r.Vars() {
		ref.sigma[v] = resolve(rules.VarTerm(v), s)
	}
	inst := func(fs []*rules.Fact) []*rules.Fact {
		out := make([]*rules.Fact, len(fs))
		for i, f := range fs {
			out[i] = f.Subst(ref.sigma)
		}
		return out
	}
	ref.premises, ref.actions, ref.conclusions = inst(r.Premises), inst(r.Actions), inst(r.Conclusions)
	for _, fs := range [][]*rules.Fact{ref.premises, ref.actions, ref.conclusions} {
		for _, f := range fs {
			ref.vars = f.Vars(ref.vars)
		}
	}
	return ref
}

// rename gives a shape's placeholder variables new names.
func rename(t *rules.Term, namer *shapeNamer) *rules.Term {
	m := map[rules.Var]*rules.Term{}
	return t.Map(func(u *rules.Term) *rules.Term {
		if u.Kind != rules.TVar {
			return u
		}
		if r, ok := m[u.Var]; ok {
			return r
		}
		r := namer.fresh(u.Var.Sort)
		m[u.Var] = r
		return r
	})
}

// abstract replaces every application of a reducible symbol in t by a new
// placeholder of sort msg.
func abstract(t *rules.Term, namer *shapeNamer) *rules.Term {
	return t.Map(func(u *rules.Term) *rules.Term {
		if u.Kind == rules.TApp && namer.reducible(u.Name) {
			return namer.fresh(rules.SortMsg)
		}
		return u
	})
}

// generalise turns a term of a rule into a shape: its variables become
// placeholders of the same sort.
func generalise(t *rules.Term, namer *shapeNamer) *rules.Term { return rename(t, namer) }

// lgg returns the least general generalisation of two shapes (without
// sharing variables between positions).
func lgg(a, b *rules.Term, namer *shapeNamer) *rules.Term {
	if a.Kind == rules.TApp && b.Kind == rules.TApp && a.Name == b.Name && len(a.Args) == len(b.Args) {
		args := make([]*rules.Term, len(a.Args))
		for i := range a.Args {
			args[i] = lgg(a.Args[i], b.Args[i], namer)
		}
		return rules.NewApp(a.Name, args...)
	}
	if a.Kind != rules.TVar && a.Kind == b.Kind && a.Name == b.Name && a.Kind != rules.TApp {
		return a
	}
	sa, sb := shapeSort(a), shapeSort(b)
	if sa == sb {
		return namer.fresh(sa)
	}
	return namer.fresh(rules.SortMsg)
}

// shapeSort is the sort of values a shape stands for.
func shapeSort(t *rules.Term) rules.Sort {
	switch t.Kind {
	case rules.TVar:
		if t.Var.Sort == rules.SortPub || t.Var.Sort == rules.SortFresh {
			return t.Var.Sort
		}
	case rules.TPub:
		return rules.SortPub
	case rules.TFresh:
		return rules.SortFresh
	}
	return rules.SortMsg
}

// sameShape compares shapes up to renaming of placeholders.
func sameShape(a, b *rules.Term) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case rules.TVar:
		return a.Var.Sort == b.Var.Sort
	case rules.TApp:
		if a.Name != b.Name || len(a.Args) != len(b.Args) {
			return false
		}
		for i := range a.Args {
			if !sameShape(a.Args[i], b.Args[i]) {
				return false
			}
		}
		return true
	}
	return a.Name == b.Name
}

// resolve applies the unifier s to t fully.
func resolve(t *rules.Term, s rules.Subst) *rules.Term {
	return t.Map(func(u *rules.Term) *rules.Term {
		if u.Kind == rules.TVar {
			if r, ok := s[u.Var]; ok {
				return resolve(r, s)
			}
		}
		return u
	})
}

// unify extends s to a unifier of a and b (syntactic, with sorts: a
// public variable only takes public names, a fresh one fresh names).
// Applications of reducible symbols are not decomposed; unify then keeps
// both sides as they are and succeeds, refining nothing.
func unify(a, b *rules.Term, s rules.Subst, reducible func(string) bool) bool {
	a, b = walk(a, s), walk(b, s)
	if a.Kind == rules.TApp && reducible(a.Name) || b.Kind == rules.TApp && reducible(b.Name) {
		return true
	}
	if a.Kind == rules.TVar && b.Kind == rules.TVar && a.Var == b.Var {
		return true
	}
	if a.Kind != rules.TVar && b.Kind == rules.TVar {
		a, b = b, a
	}
	if a.Kind == rules.TVar {
		if b.Kind == rules.TVar {
			// bind the less specific sort to the more specific one
			if a.Var.Sort == rules.SortMsg {
				s[a.Var] = b
				return true
			}
			if b.Var.Sort == rules.SortMsg {
				s[b.Var] = a
				return true
			}
			if a.Var.Sort != b.Var.Sort {
				return false
			}
			s[a.Var] = b
			return true
		}
		if shapeSort(b) != a.Var.Sort && a.Var.Sort != rules.SortMsg {
			return false
		}
		if occurs(a.Var, b, s) {
			return false
		}
		s[a.Var] = b
		return true
	}
	switch {
	case a.Kind == rules.TApp && b.Kind == rules.TApp:
		if a.Name != b.Name || len(a.Args) != len(b.Args) {
			return false
		}
		for i := range a.Args {
			if !unify(a.Args[i], b.Args[i], s, reducible) {
				return false
			}
		}
		return true
	case a.Kind == rules.TApp || b.Kind == rules.TApp:
		return false
	}
	return a.Kind == b.Kind && a.Name == b.Name
}

func walk(t *rules.Term, s rules.Subst) *rules.Term {
	for t.Kind == rules.TVar {
		r, ok := s[t.Var]
		if !ok {
			return t
		}
		t = r
	}
	return t
}

func occurs(v rules.Var, t *rules.Term, s rules.Subst) bool {
	t = walk(t, s)
	switch t.Kind {
	case rules.TVar:
		return t.Var == v
	case rules.TApp:
		for _, a := range t.Args {
			if occurs(v, a, s) {
				return true
			}
		}
	}
	return false
}
