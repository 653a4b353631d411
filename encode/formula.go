package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// nnf is a formula in negation normal form.
type nnf struct {
	kind nnfKind
	neg  bool        // nnfAtom: negated
	atom *rules.Atom // nnfAtom
	kids []*nnf      // and, or; quantifiers have one kid
	vars []rules.Var // quantifiers
}

type nnfKind uint8

const (
	nnfAtom nnfKind = iota
	nnfAnd
	nnfOr
	nnfEx
	nnfAll
)

// toNNF pushes negations to the atoms; pos is the polarity.
func toNNF(f rules.Formula, pos bool) *nnf {
	switch f := f.(type) {
	case *rules.Atom:
		switch f.Kind {
		case rules.AtomTrue, rules.AtomFalse:
			v := (f.Kind == rules.AtomTrue) == pos
			if v {
				return &nnf{kind: nnfAnd}
			}
			return &nnf{kind: nnfOr}
		}
		return &nnf{kind: nnfAtom, atom: f, neg: !pos}
	case *rules.Not:
		return toNNF(f.F, !pos)
	case *rules.Conn:
		switch f.Op {
		case rules.And, rules.Or:
			k := nnfAnd
			if (f.Op == rules.Or) == pos {
				k = nnfOr
			}
			return &nnf{kind: k, kids: []*nnf{toNNF(f.L, pos), toNNF(f.R, pos)}}
		case rules.Imp: // ¬L ∨ R
			if pos {
				return &nnf{kind: nnfOr, kids: []*nnf{toNNF(f.L, false), toNNF(f.R, true)}}
			}
			return &nnf{kind: nnfAnd, kids: []*nnf{toNNF(f.L, true), toNNF(f.R, false)}}
		case rules.Iff: // (¬L ∨ R) ∧ (L ∨ ¬R)
			a := &nnf{kind: nnfOr, kids: []*nnf{toNNF(f.L, false), toNNF(f.R, true)}}
			c := &nnf{kind: nnfOr, kids: []*nnf{toNNF(f.L, true), toNNF(f.R, false)}}
			if pos {
				return &nnf{kind: nnfAnd, kids: []*nnf{a, c}}
			}
			// ¬(L ⇔ R) = (L ∧ ¬R) ∨ (¬L ∧ R)
			return &nnf{kind: nnfOr, kids: []*nnf{
				{kind: nnfAnd, kids: []*nnf{toNNF(f.L, true), toNNF(f.R, false)}},
				{kind: nnfAnd, kids: []*nnf{toNNF(f.L, false), toNNF(f.R, true)}},
			}}
		}
	case *rules.Quant:
		k := nnfAll
		if f.Exists == pos {
			k = nnfEx
		}
		return &nnf{kind: k, vars: f.Vars, kids: []*nnf{toNNF(f.Body, pos)}}
	}
	panic(fmt.Sprintf("toNNF: %T", f))
}

// flatten returns the operands of nested nodes of kind k.
func (n *nnf) flatten(k nnfKind) []*nnf {
	if n.kind != k {
		return []*nnf{n}
	}
	var out []*nnf
	for _, c := range n.kids {
		out = append(out, c.flatten(k)...)
	}
	return out
}

// timeRef is what a temporal variable stands for: a node (a protocol
// step) or a K event.
type timeRef struct {
	node *gnode // a protocol step
	ev   *kEvent
	// sk is a Skolem constant: the time of a protocol step chosen by the
	// solver (see quant).
	sk *Node
}

func (e *enc) timeOf(t timeRef) *Node {
	switch {
	case t.node != nil:
		return t.node.time
	case t.sk != nil:
		return t.sk
	}
	return t.ev.time
}

// env binds formula variables.
type env struct {
	msg  map[rules.Var]*Node
	time map[rules.Var]timeRef
}

func (v env) clone() env {
	w := env{msg: make(map[rules.Var]*Node, len(v.msg)+2), time: make(map[rules.Var]timeRef, len(v.time)+2)}
	for k, x := range v.msg {
		w.msg[k] = x
	}
	for k, x := range v.time {
		w.time[k] = x
	}
	return w
}

// maxExpansion bounds the number of guard bindings one quantifier may
// expand to.
const maxExpansion = 200000

type formulaEnc struct {
	e    *enc
	what string
	// collect is set while encoding an outermost existential of the goal:
	// its bindings are recorded as witnesses of the nodes they use.
	collect bool
	// final is set while the deferred universals over knowledge events
	// are expanded (finishDeferred), over the events kLo to kHi.
	final    bool
	kLo, kHi int
}

// encode encodes a closed formula as a Bool node.
func (f *formulaEnc) encode(g rules.Formula, what string) (*Node, error) {
	f.what = what
	return f.enc(toNNF(g, true), env{msg: map[rules.Var]*Node{}, time: map[rules.Var]timeRef{}})
}

// encodeGoal encodes the goal, recording which nodes witness its
// outermost existentials (for the needed-steps constraint).
func (f *formulaEnc) encodeGoal(g rules.Formula, what string) (*Node, error) {
	f.what = what
	root := toNNF(g, true)
	v := env{msg: map[rules.Var]*Node{}, time: map[rules.Var]timeRef{}}
	b := f.e.b
	var parts []*Node
	for _, c := range root.flatten(nnfAnd) {
		f.collect = c.kind == nnfEx
		x, err := f.enc(c, v)
		f.collect = false
		if err != nil {
			return nil, err
		}
		parts = append(parts, x)
	}
	return b.And(parts...), nil
}

func (f *formulaEnc) enc(n *nnf, v env) (*Node, error) {
	b := f.e.b
	switch n.kind {
	case nnfAnd, nnfOr:
		parts := make([]*Node, 0, len(n.kids))
		for _, c := range n.kids {
			x, err := f.enc(c, v)
			if err != nil {
				return nil, err
			}
			if n.kind == nnfAnd && x == b.False || n.kind == nnfOr && x == b.True {
				return x, nil
			}
			parts = append(parts, x)
		}
		if n.kind == nnfAnd {
			return b.And(parts...), nil
		}
		return b.Or(parts...), nil
	case nnfAtom:
		if n.atom.Kind == rules.AtomSubterm {
			return f.subterm(n.atom, v, n.neg)
		}
		x, err := f.atom(n.atom, v)
		if err != nil {
			return nil, err
		}
		if n.neg {
			return b.Not(x), nil
		}
		return x, nil
	case nnfEx:
		return f.quant(n, v, true)
	case nnfAll:
		return f.quant(n, v, false)
	}
	panic("unreachable")
}

// quant expands a quantifier over the bindings its guards allow. For ∃
// the guards are the action atoms among the body's conjuncts; for ∀ the
// negated action atoms among the body's disjuncts (∀x. A(x)@i ⇒ φ is
// ∀x. ¬A(x)@i ∨ φ in NNF).
func (f *formulaEnc) quant(n *nnf, v env, exists bool) (*Node, error) {
	b := f.e.b
	collect := f.collect && exists
	f.collect = false
	body := n.kids[0]
	var parts []*nnf
	if exists {
		parts = body.flatten(nnfAnd)
	} else {
		parts = body.flatten(nnfOr)
	}
	qvars := n.vars
	parts, qvars = mergeQuantifiers(parts, qvars, exists)
	// the quantifier's variables shadow any outer ones of the same name
	v = v.clone()
	for _, x := range qvars {
		delete(v.msg, x)
		delete(v.time, x)
	}
	n = &nnf{kind: n.kind, vars: qvars, kids: n.kids}
	bound := map[rules.Var]bool{}
	for _, x := range n.vars {
		bound[x] = true
	}
	var guards, rest []*nnf
	for _, p := range parts {
		if p.kind == nnfAtom && p.atom.Kind == rules.AtomAction && p.neg != exists && f.guards(p.atom, bound) {
			guards = append(guards, p)
		} else {
			rest = append(rest, p)
		}
	}
	if !exists {
		kGuard := false
		for _, g := range guards {
			if !isKFact(g.atom.Fact.Name) || !bound[g.atom.R.Var] {
				continue
			}
			if g.atom.Fact.Name == rules.FactKD {
				return b.True, nil // KD is never an action: nothing to range over
			}
			kGuard = true
		}
		if kGuard && !f.final {
			return f.e.deferLit(&deferred{n: n, v: v.clone(), what: f.what}), nil
		}
	}
	if exists && f.expansionSize(guards, v) > skolemThreshold {
		return f.skolemize(n.vars, guards, rest, v, collect)
	}
	var results []*Node
	count := 0
	var expand func(i int, w env, conds []*Node) error
	expand = func(i int, w env, conds []*Node) error {
		if i == len(guards) {
			count++
			if count > maxExpansion {
				return errUnsupported("%s: a quantifier expands to more than %d cases at this depth", f.what, maxExpansion)
			}
			for _, x := range n.vars {
				_, isMsg := w.msg[x]
				_, isTime := w.time[x]
				if isMsg || isTime {
					continue
				}
				if x.Sort == rules.SortTemporal || !exists {
					return errUnsupported("%s: variable %s is not bound by an action of its quantifier (unguarded quantification)", f.what, x)
				}
				// an unguarded existential message: a Skolem constant
				w.msg[x] = f.e.a.variable(fmt.Sprintf("sk_%s_%d", x.Name, f.e.b.Nodes()), x.Sort)
			}
			var kids []*Node
			for _, r := range rest {
				x, err := f.enc(r, w)
				if err != nil {
					return err
				}
				kids = append(kids, x)
			}
			if exists {
				fb := b.And(append(conds, kids...)...)
				results = append(results, fb)
				if collect {
					for _, g := range guards {
						if t, ok := w.time[g.atom.R.Var]; ok && t.node != nil {
							f.e.witness[t.node] = append(f.e.witness[t.node], fb)
							f.e.goalWitness = true
						}
					}
				}
			} else {
				results = append(results, b.Implies(b.And(conds...), b.Or(kids...)))
			}
			return nil
		}
		return f.bindGuard(guards[i].atom, n.vars, w, exists, func(w2 env, c *Node) error {
			if c == b.False {
				return nil
			}
			return expand(i+1, w2, append(append([]*Node{}, conds...), c))
		})
	}
	if err := expand(0, v.clone(), nil); err != nil {
		return nil, err
	}
	if exists {
		return b.Or(results...), nil
	}
	return b.And(results...), nil
}

// mergeQuantifiers pulls quantifiers of the same kind out of the parts of
// a quantifier's body: ∃x. A ∧ (∃y. B) is ∃x y. A ∧ B, and ∀x. A ∨ (∀y. B)
// is ∀x y. A ∨ B, when y is free in no other part and differs from x.
// This exposes guards such as the action in (Ex #j. A@j) ==> φ, read as
// ∀j. ¬A@j ∨ φ.
func mergeQuantifiers(parts []*nnf, vars []rules.Var, exists bool) ([]*nnf, []rules.Var) {
	kind, conn := nnfAll, nnfOr
	if exists {
		kind, conn = nnfEx, nnfAnd
	}
	for changed := true; changed; {
		changed = false
		for i, p := range parts {
			if p.kind != kind {
				continue
			}
			clash := false
			for _, v := range p.vars {
				for _, w := range vars {
					clash = clash || v == w
				}
				for j, q := range parts {
					if j != i && q.hasFree(v) {
						clash = true
					}
				}
			}
			if clash {
				continue
			}
			rest := append(append([]*nnf{}, parts[:i]...), parts[i+1:]...)
			parts = append(rest, p.kids[0].flatten(conn)...)
			vars = append(append([]rules.Var{}, vars...), p.vars...)
			changed = true
			break
		}
	}
	return parts, vars
}

// hasFree reports whether v occurs free in n.
func (n *nnf) hasFree(v rules.Var) bool {
	switch n.kind {
	case nnfAtom:
		a := n.atom
		for _, t := range []*rules.Term{a.L, a.R} {
			if t != nil && t.HasVar(v) {
				return true
			}
		}
		if a.Fact != nil {
			for _, t := range a.Fact.Args {
				if t.HasVar(v) {
					return true
				}
			}
		}
		return false
	case nnfEx, nnfAll:
		for _, w := range n.vars {
			if w == v {
				return false
			}
		}
	}
	for _, k := range n.kids {
		if k.hasFree(v) {
			return true
		}
	}
	return false
}

// skolemThreshold is the largest number of guard bindings an existential
// is expanded into; beyond it, its variables become Skolem constants and
// each guard an independent disjunction, which is linear instead of a
// product in the guards (measured: a four-guard existential of an
// accountability lemma shrinks from 37 000 to under 2 000 nodes at depth 10).
const skolemThreshold = 64

// expansionSize estimates the number of bindings the guards expand to.
func (f *formulaEnc) expansionSize(guards []*nnf, v env) int {
	size := 1
	for _, g := range guards {
		a := g.atom
		if isKFact(a.Fact.Name) {
			continue
		}
		nodes := f.e.nodes
		if t, ok := v.time[a.R.Var]; ok {
			if t.node == nil && t.sk == nil {
				return 0
			}
			if t.node != nil {
				nodes = []*gnode{t.node}
			}
		}
		n := 0
		for _, gn := range nodes {
			for _, in := range gn.insts {
				for _, act := range in.act {
					if act.f.Name == a.Fact.Name && len(act.args) == len(a.Fact.Args) {
						n++
					}
				}
			}
		}
		size *= n
		if size > 1<<20 {
			return size
		}
	}
	return size
}

// skolemize encodes ∃vars. guards ∧ rest with the variables as fresh
// constants: message variables as message constants, time variables of
// protocol actions as real constants equal to the time of the step that
// has the action.
func (f *formulaEnc) skolemize(vars []rules.Var, guards, rest []*nnf, v env, collect bool) (*Node, error) {
	b := f.e.b
	w := v.clone()
	kTimes := map[rules.Var]bool{}
	for _, g := range guards {
		if isKFact(g.atom.Fact.Name) {
			kTimes[g.atom.R.Var] = true
		}
	}
	for _, x := range vars {
		switch {
		case x.Sort == rules.SortTemporal && !kTimes[x]:
			w.time[x] = timeRef{sk: b.FreshConst("sktime_"+x.Name, SortReal)}
		case x.Sort != rules.SortTemporal:
			w.msg[x] = f.e.a.variable(fmt.Sprintf("sk_%s_%d", x.Name, b.Nodes()), x.Sort)
		}
	}
	var conj []*Node
	for _, g := range guards {
		if isKFact(g.atom.Fact.Name) {
			var c *Node
			err := f.bindGuard(g.atom, vars, w, true, func(w2 env, cond *Node) error {
				w, c = w2, cond
				return nil
			})
			if err != nil {
				return nil, err
			}
			if c == nil {
				return b.False, nil
			}
			conj = append(conj, c)
			continue
		}
		opts, err := f.actionAt(g.atom, w)
		if err != nil {
			return nil, err
		}
		var all []*Node
		for g, os := range opts {
			all = append(all, os...)
			if collect {
				f.e.witness[g] = append(f.e.witness[g], os...)
				f.e.goalWitness = true
			}
		}
		conj = append(conj, b.Or(all...))
	}
	for _, r := range rest {
		x, err := f.enc(r, w)
		if err != nil {
			return nil, err
		}
		conj = append(conj, x)
	}
	return b.And(conj...), nil
}

// guards reports whether an action atom mentions a variable of the
// quantifier (only then does it bind anything).
func (f *formulaEnc) guards(a *rules.Atom, bound map[rules.Var]bool) bool {
	if a.R.Kind == rules.TVar && bound[a.R.Var] {
		return true
	}
	for _, t := range a.Fact.Args {
		for _, x := range t.Vars(nil) {
			if bound[x] {
				return true
			}
		}
	}
	return false
}

// bindGuard enumerates the ways the action atom a can hold, calling yield
// with the extended environment and the condition of each.
func (f *formulaEnc) bindGuard(a *rules.Atom, qvars []rules.Var, v env, exists bool, yield func(env, *Node) error) error {
	e, b := f.e, f.e.b
	tv := a.R.Var
	if isKFact(a.Fact.Name) {
		if len(a.Fact.Args) != 1 {
			return errUnsupported("%s: %s with %d arguments", f.what, a.Fact.Name, len(a.Fact.Args))
		}
		if _, ok := v.time[tv]; ok { // time already bound: an ordinary atom
			x, err := f.atom(a, v)
			if err != nil {
				return err
			}
			return yield(v, x)
		}
		if a.Fact.Name == rules.FactKD {
			return nil // KD is never an action
		}
		if exists {
			// a new knowledge event of the adversary at a time of its choice
			w := v.clone()
			msg, cond, err := f.termBind(a.Fact.Args[0], w)
			if err != nil {
				return err
			}
			ev := e.newKEvent(msg, a.Fact.Name == rules.FactKU)
			ev.pattern, ev.binds = a.Fact.Args[0], map[rules.Var]*Node{}
			for _, x := range ev.pattern.Vars(nil) {
				ev.binds[x] = w.msg[x]
			}
			w.time[tv] = timeRef{ev: ev}
			return yield(w, b.And(cond, ev.used))
		}
		// ∀ over the trace's knowledge events (see finishDeferred)
		for _, ev := range e.kEvents[f.kLo:f.kHi] {
			msgs := []*Node{ev.msg}
			if a.Fact.Name == rules.FactK && !ev.isK() {
				continue
			}
			if a.Fact.Name == rules.FactKU {
				msgs = ev.kuMsgs()
			}
			for _, m := range msgs {
				w := v.clone()
				cond, err := e.a.match(a.Fact.Args[0], m, w.msg)
				if err != nil {
					return err
				}
				if cond == b.False {
					continue
				}
				w.time[tv] = timeRef{ev: ev}
				if err := yield(w, b.And(ev.used, cond)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	nodes := e.nodes
	var sk *Node
	if t, ok := v.time[tv]; ok {
		switch {
		case t.node != nil:
			nodes = []*gnode{t.node}
		case t.sk != nil:
			sk = t.sk
		default:
			return nil // a K event has no protocol actions
		}
	}
	for _, g := range nodes {
		for _, in := range g.insts {
			for _, act := range in.act {
				if act.f.Name != a.Fact.Name || len(act.args) != len(a.Fact.Args) {
					continue
				}
				w := v.clone()
				conds := []*Node{in.active}
				if sk != nil {
					conds = append(conds, b.Eq(g.time, sk))
				}
				for j, t := range a.Fact.Args {
					c, err := e.a.match(t, act.args[j], w.msg)
					if err != nil {
						return err
					}
					conds = append(conds, c)
				}
				c := b.And(conds...)
				if c == b.False {
					continue
				}
				if sk == nil {
					w.time[tv] = timeRef{node: g}
				}
				if err := yield(w, c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// termBind instantiates a formula term, binding its unbound variables to
// new constants (grounded by the atom that uses them).
func (f *formulaEnc) termBind(t *rules.Term, v env) (*Node, *Node, error) {
	for _, x := range t.Vars(nil) {
		if _, ok := v.msg[x]; !ok {
			v.msg[x] = f.e.a.variable(fmt.Sprintf("sk_%s_%d", x.Name, f.e.b.Nodes()), x.Sort)
		}
	}
	n, err := f.term(t, v)
	return n, f.e.b.True, err
}

// term instantiates a formula term under v; all its variables are bound.
func (f *formulaEnc) term(t *rules.Term, v env) (*Node, error) {
	n, err := f.e.a.instantiate(t, v.msg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.what, err)
	}
	return n, nil
}

func (f *formulaEnc) timeVar(t *rules.Term, v env) (timeRef, error) {
	r, ok := v.time[t.Var]
	if !ok {
		return timeRef{}, errUnsupported("%s: time variable %s is not bound by an action (unguarded)", f.what, t.Var)
	}
	return r, nil
}

// terms encodes the terms ts (their variables bound in v).
func (f *formulaEnc) terms(ts []*rules.Term, v env) ([]*Node, error) {
	out := make([]*Node, len(ts))
	for i, x := range ts {
		var err error
		if out[i], err = f.term(x, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// actionAt returns, for each node, the conditions under which the
// protocol action atom a (its variables bound) holds there.
func (f *formulaEnc) actionAt(a *rules.Atom, v env) (map[*gnode][]*Node, error) {
	e, b := f.e, f.e.b
	t, err := f.timeVar(a.R, v)
	if err != nil {
		return nil, err
	}
	args, err := f.terms(a.Fact.Args, v)
	if err != nil {
		return nil, err
	}
	out := map[*gnode][]*Node{}
	nodes := []*gnode{t.node}
	switch {
	case t.sk != nil:
		nodes = e.nodes
	case t.node == nil:
		return out, nil
	}
	for _, g := range nodes {
		for _, in := range g.insts {
			for _, act := range in.act {
				if act.f.Name != a.Fact.Name || len(act.args) != len(args) {
					continue
				}
				conj := []*Node{in.active}
				if t.sk != nil {
					conj = append(conj, b.Eq(g.time, t.sk))
				}
				for j := range args {
					conj = append(conj, b.Eq(args[j], act.args[j]))
				}
				out[g] = append(out[g], b.And(conj...))
			}
		}
	}
	return out, nil
}

// atom encodes an atom whose variables are all bound.
func (f *formulaEnc) atom(a *rules.Atom, v env) (*Node, error) {
	e, b := f.e, f.e.b
	switch a.Kind {
	case rules.AtomTrue:
		return b.True, nil
	case rules.AtomFalse:
		return b.False, nil
	case rules.AtomEq:
		l, err := f.term(a.L, v)
		if err != nil {
			return nil, err
		}
		r, err := f.term(a.R, v)
		if err != nil {
			return nil, err
		}
		return b.Eq(l, r), nil
	case rules.AtomTimeEq, rules.AtomLess:
		l, err := f.timeVar(a.L, v)
		if err != nil {
			return nil, err
		}
		r, err := f.timeVar(a.R, v)
		if err != nil {
			return nil, err
		}
		if a.Kind == rules.AtomLess {
			return b.Lt(e.timeOf(l), e.timeOf(r)), nil
		}
		switch {
		case l.node != nil && r.node != nil:
			return b.Bool(l.node == r.node), nil // nodes have distinct times
		case l.node != nil && r.ev != nil || l.ev != nil && r.node != nil:
			return b.False, nil // a K event is never a protocol step
		case l.ev != nil && l.ev == r.ev:
			return b.True, nil
		}
		return b.Eq(e.timeOf(l), e.timeOf(r)), nil
	case rules.AtomLast:
		t, err := f.timeVar(a.L, v)
		if err != nil {
			return nil, err
		}
		e.usedLast = true
		var later []*Node
		for _, g := range e.nodes {
			switch {
			case t.node == g:
			case t.node != nil:
				later = append(later, b.Implies(g.active, b.Lt(g.time, t.node.time)))
			case t.sk != nil:
				later = append(later, b.Implies(g.active, b.Le(g.time, t.sk)))
			default:
				later = append(later, b.Implies(g.active, b.Lt(g.time, t.ev.time)))
			}
		}
		// and no knowledge event after it, once every event exists
		tr := t
		later = append(later, e.deferLit(&deferred{last: &tr, what: f.what}))
		return b.And(later...), nil
	case rules.AtomSubterm:
		return nil, fmt.Errorf("%s: internal: << outside an atom", f.what)
	case rules.AtomAction:
		t, err := f.timeVar(a.R, v)
		if err != nil {
			return nil, err
		}
		if isKFact(a.Fact.Name) {
			// a knowledge atom at a bound time: its variables not bound
			// yet are the event's to choose
			if t.ev == nil || len(a.Fact.Args) != 1 || a.Fact.Name == rules.FactKD {
				return b.False, nil
			}
			msgs := []*Node{t.ev.msg}
			if a.Fact.Name == rules.FactKU {
				msgs = t.ev.kuMsgs()
			} else if !t.ev.isK() {
				return b.False, nil
			}
			arg, _, err := f.termBind(a.Fact.Args[0], v)
			if err != nil {
				return nil, err
			}
			var eqs []*Node
			for _, m := range msgs {
				eqs = append(eqs, b.Eq(arg, m))
			}
			return b.And(t.ev.used, b.Or(eqs...)), nil
		}
		opts, err := f.actionAt(a, v)
		if err != nil {
			return nil, err
		}
		var all []*Node
		for _, g := range e.nodes {
			all = append(all, opts[g]...)
		}
		return b.Or(all...), nil
	}
	return nil, fmt.Errorf("%s: unexpected atom", f.what)
}

// subterm encodes x << y (x a proper subterm of y). The structure of y the
// encoding knows statically is searched completely; below it, where y
// holds a value of unknown structure, Bounds.SubtermLevels levels of its
// arguments. Deeper, the answer is approximated towards the formula's
// side, so that a trace never satisfies the formula by the approximation:
// at positive polarity a deeper x counts as no subterm, at negative
// polarity (neg) as a subterm. That makes the level bound a bound of the
// search like the others (named in the verdict, see Encoder.Describe).
func (f *formulaEnc) subterm(a *rules.Atom, v env, neg bool) (*Node, error) {
	l, err := f.term(a.L, v)
	if err != nil {
		return nil, err
	}
	r, err := f.term(a.R, v)
	if err != nil {
		return nil, err
	}
	memo := map[[2]int]*Node{}
	x := f.e.properSub(l, r, f.e.E.opts.Bounds.SubtermLevels, neg, memo)
	if neg {
		return f.e.b.Not(x), nil
	}
	return x, nil
}

// properSub says x is a proper subterm of y, looking h levels below y's
// static structure; over approximates the unknown rest as "may be".
func (e *enc) properSub(x, y *Node, h int, over bool, memo map[[2]int]*Node) *Node {
	key := [2]int{y.id, h}
	if n, ok := memo[key]; ok {
		return n
	}
	b, a := e.b, e.a
	var n *Node
	switch y.Kind {
	case MsgPub, MsgFresh, MsgPubVar, MsgFreshVar:
		n = b.False
	case MsgCtor:
		var opts []*Node
		for _, arg := range y.Args {
			opts = append(opts, b.Eq(x, arg), e.properSub(x, arg, h, over, memo))
		}
		n = b.Or(opts...)
	default:
		atomic := b.Or(a.hasTag(y, TagPub), a.hasTag(y, TagFresh))
		if h == 0 {
			if over {
				n = b.Not(atomic)
			} else {
				n = b.False
			}
			break
		}
		var opts []*Node
		for j := range a.sel {
			var heads []*Node
			for _, f := range a.th.Functions {
				if f.Arity > j {
					heads = append(heads, a.hasTag(y, a.tags[f.Name]))
				}
			}
			s := a.selector(y, j)
			opts = append(opts, b.And(b.Or(heads...), b.Or(b.Eq(x, s), e.properSub(x, s, h-1, over, memo))))
		}
		n = b.Or(opts...)
	}
	memo[key] = n
	return n
}
