package encode

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/tracebound/tracebound/rules"
)

// Elem is a message element of a model: an opaque handle the solver
// gives, identified by its key.
type Elem interface{ Key() string }

// Model is a satisfying assignment as a solver reports it. The solver
// package implements it; tests may fake it.
type Model interface {
	Bool(n *Node) bool
	Int(n *Node) int64
	Real(n *Node) *big.Rat
	Msg(n *Node) Elem
	// ApplyInt and ApplyMsg evaluate a unary function on an element.
	ApplyInt(f *Fun, e Elem) int64
	ApplyMsg(f *Fun, e Elem) Elem
}

// Decode turns a model of the problem into a ground trace. It fails only
// on an internal inconsistency (for example a cyclic message), which is a
// bug in the encoding.
func (p *Problem) Decode(m Model) (*rules.Trace, error) {
	d := &decoder{p: p, e: p.e, m: m, memo: map[string]*rules.Term{}, onPath: map[string]bool{},
		pubOf: map[string]string{}, usedPub: map[string]bool{}, freshName: map[int64]string{}, usedFresh: map[string]bool{}}
	return d.decode()
}

type decoder struct {
	p      *Problem
	e      *enc
	m      Model
	memo   map[string]*rules.Term
	onPath map[string]bool
	// pubOf names public elements; usedPub and usedFresh hold names
	// already taken.
	pubOf     map[string]string
	usedPub   map[string]bool
	freshName map[int64]string
	usedFresh map[string]bool
}

func (d *decoder) decode() (*rules.Trace, error) {
	e := d.e
	a := e.a
	// Public constants keep their names.
	for _, name := range a.pubNames {
		d.usedPub[name] = true
	}
	for n, id := range a.pubIDs {
		if id >= freshConstBase {
			d.usedFresh[strings.TrimPrefix(n, "~")] = true
		}
	}
	for _, name := range a.pubNames {
		el := d.m.Msg(a.pub(name))
		if _, ok := d.pubOf[el.Key()]; !ok {
			d.pubOf[el.Key()] = name
		}
	}
	tr := &rules.Trace{}
	// the rule of each node, and the nodes in time order
	type placed struct {
		in   *inst
		time *big.Rat
	}
	var order []placed
	for _, g := range e.nodes {
		var act *inst
		for _, in := range g.insts {
			if d.m.Bool(in.active) {
				if act != nil {
					return nil, fmt.Errorf("internal: node %d has two rules", g.n)
				}
				act = in
			}
		}
		if act == nil {
			if e.atMost {
				continue
			}
			return nil, fmt.Errorf("internal: node %d has no rule", g.n)
		}
		order = append(order, placed{act, d.m.Real(g.time)})
	}
	sort.Slice(order, func(i, j int) bool { return order[i].time.Cmp(order[j].time) < 0 })
	stepOf := map[*gnode]int{}
	for i, pl := range order {
		stepOf[pl.in.node] = i
		if i > 0 && order[i-1].time.Cmp(pl.time) == 0 {
			return nil, fmt.Errorf("internal: two steps at time %s", pl.time)
		}
		// name the fresh values of this step after their variables
		nfr := 0
		for _, p := range pl.in.ri.r.Premises {
			if p.Name == rules.FactFr && len(p.Args) == 1 && p.Args[0].Kind == rules.TVar {
				nfr++
				d.freshName[int64(pl.in.node.n*64+nfr)] = unique(d.usedFresh, p.Args[0].Var.Name)
			}
		}
	}
	for i, pl := range order {
		in := pl.in
		st := &rules.Step{Rule: in.ri.r, Name: in.ri.name, Subst: rules.Subst{}}
		for _, v := range in.ri.vars {
			t, err := d.term(d.m.Msg(in.orig[v]), v.Name)
			if err != nil {
				return nil, fmt.Errorf("step %d (%s), variable %s: %w", i+1, in.ri.name, v, err)
			}
			st.Subst[v] = t
		}
		st.Sources = make([]rules.Source, len(in.prem))
		for pi := range in.prem {
			st.Sources[pi] = rules.Source{Step: -1, Conclusion: -1}
			for _, ed := range in.edges[pi] {
				if d.m.Bool(ed.lit) {
					st.Sources[pi] = rules.Source{Step: stepOf[ed.from.node], Conclusion: ed.conc}
					break
				}
			}
		}
		tr.Steps = append(tr.Steps, st)
	}
	// Knowledge events, placed between the steps in the trace's time
	// scale, in the order of the solver's times. Events at one time are
	// one event (the encoding gives them one message).
	type event struct {
		ev   *kEvent
		time *big.Rat
	}
	var evs []event
	for _, ev := range e.kEvents {
		if d.m.Bool(ev.used) {
			evs = append(evs, event{ev, d.m.Real(ev.time)})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].time.Cmp(evs[j].time) < 0 })
	rank := map[int]int{}
	var last *rules.KEvent
	var lastTime *big.Rat
	for _, x := range evs {
		t, err := d.term(d.m.Msg(x.ev.msg), "m")
		if err != nil {
			return nil, fmt.Errorf("knowledge event: %w", err)
		}
		if last != nil && lastTime.Cmp(x.time) == 0 && (x.ev.in == nil || last.InStep < 0) {
			// the same timepoint: an existential event that is another
			if !last.Term.Equal(t) {
				return nil, fmt.Errorf("internal: two knowledge events at one time with messages %s and %s", last.Term, t)
			}
			last.KU = last.KU && x.ev.ku
			if x.ev.in != nil {
				last.InStep, last.InPremise = stepOf[x.ev.in.node], x.ev.prem
			}
			continue
		}
		gap := sort.Search(len(order), func(i int) bool { return order[i].time.Cmp(x.time) > 0 })
		rank[gap]++
		ke := &rules.KEvent{Term: t, Time: int64(gap)*rules.TraceTimeScale + int64(rank[gap]), InStep: -1, InPremise: -1, KU: x.ev.ku}
		if x.ev.pattern != nil {
			ke.Pattern, ke.Bind = x.ev.pattern, rules.Subst{}
			for v, n := range x.ev.binds {
				val, err := d.term(d.m.Msg(n), v.Name)
				if err != nil {
					return nil, fmt.Errorf("knowledge event: %w", err)
				}
				ke.Bind[v] = val
			}
		}
		if x.ev.in != nil {
			ke.InStep, ke.InPremise = stepOf[x.ev.in.node], x.ev.prem
		}
		tr.KEvents = append(tr.KEvents, ke)
		last, lastTime = ke, x.time
	}
	return tr, nil
}

// term reads the ground term of element el; hint names public values.
func (d *decoder) term(el Elem, hint string) (*rules.Term, error) {
	key := el.Key()
	if t, ok := d.memo[key]; ok {
		return t, nil
	}
	if d.onPath[key] {
		return nil, fmt.Errorf("internal: cyclic message (element %s contains itself)", key)
	}
	d.onPath[key] = true
	defer delete(d.onPath, key)
	a := d.e.a
	tag := d.m.ApplyInt(a.tag, el)
	var t *rules.Term
	switch {
	case tag == TagPub:
		name, ok := d.pubOf[key]
		if !ok {
			name = d.newPubName(hint)
			d.pubOf[key] = name
		}
		t = rules.NewPub(name)
	case tag == TagFresh:
		id := d.m.ApplyInt(a.freshd, el)
		name, ok := d.freshName[id]
		switch {
		case ok:
		case id >= freshConstBase:
			for n, i := range a.pubIDs {
				if i == id {
					name = strings.TrimPrefix(n, "~")
				}
			}
		default:
			// the adversary's own fresh names; elements tell them apart
			name = unique(d.usedFresh, "adv")
		}
		t = rules.NewFreshConst(name)
	case a.dh != nil && (tag == a.dh.exp || tag == a.dh.mul):
		var err error
		t, err = d.dhTerm(el, tag == a.dh.exp, hint)
		if err != nil {
			return nil, err
		}
	default:
		sym, ok := a.symOf[tag]
		if !ok {
			return nil, fmt.Errorf("internal: message element %s has tag %d, which is no symbol", key, tag)
		}
		args := make([]*rules.Term, a.arity[sym])
		for j := range args {
			arg, err := d.term(d.m.ApplyMsg(a.sel[j], el), hint)
			if err != nil {
				return nil, err
			}
			args[j] = arg
		}
		t = rules.NewApp(sym, args...)
	}
	d.memo[key] = t
	return t, nil
}

func (d *decoder) newPubName(hint string) string {
	base := strings.TrimLeft(hint, "$~")
	if base == "" {
		base = "p"
	}
	return unique(d.usedPub, base)
}

// unique returns base, or base#2, base#3, … if taken, and takes it. The
// checker renames a trace's values after the roles that bind them
// (queries: names.go) with the same suffixes.
func unique(used map[string]bool, base string) string {
	name := base
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s#%d", base, i)
	}
	used[name] = true
	return name
}

// dhTerm reads an exponentiation or a product: its base and the atoms of
// its vector with their multiplicities, in normal form.
func (d *decoder) dhTerm(el Elem, isExp bool, hint string) (*rules.Term, error) {
	dh := d.e.a.dh
	fs := d.e.a.dh.dexp
	if !isExp {
		fs = dh.dmul
	}
	var factors []rules.Factor
	for i, at := range dh.atoms {
		n := d.m.ApplyInt(fs[i], el)
		if n == 0 {
			continue
		}
		t, err := d.term(d.m.Msg(at), hint)
		if err != nil {
			return nil, err
		}
		factors = append(factors, rules.Factor{Atom: t, N: int(n)})
	}
	if !isExp {
		return rules.MakeProduct(factors), nil
	}
	base, err := d.term(d.m.ApplyMsg(dh.dbase, el), hint)
	if err != nil {
		return nil, err
	}
	return rules.MakeExp(base, factors), nil
}
