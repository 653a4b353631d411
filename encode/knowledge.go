package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// cand is a possible keyed deconstruction of a cell: under cond, the
// adversary gets child if it can derive the side arguments.
type cand struct {
	parent *cell
	cond   *Node
	child  *Node
	sides  []*Node
}

// decNode is one keyed deconstruction the adversary performs: it picks a
// candidate at a time of its choice.
type decNode struct {
	use  *Node // the node is used
	sel  *Node // Int: which candidate
	time *Node
	out  *Node   // the result
	keys []*Node // its side arguments
}

// cell is a message the adversary may know: something a rule sent, or a
// part of it obtained by deconstruction. learned says the adversary has
// it, time when (strictly increasing along deconstruction, so that no
// knowledge justifies itself).
type cell struct {
	node    *Node
	learned *Node
	time    *Node
	in      *inst  // nil for the results of decryption nodes
	dec     int    // 1-based decryption node that produced it, or 0
	g       *gnode // the node whose register this is, or nil
}

// kEvent is a K(m) event: the adversary sends m (one before every In
// premise) or a knowledge fact the goal asks for.
type kEvent struct {
	time *Node
	msg  *Node
	used *Node
	// for the events of In premises:
	in   *inst
	prem int
}

// outputs returns the messages of in's Out conclusions together with
// the parts the adversary gets from them without a key (pairs; and for a
// value of unknown structure, pairs it may turn out to be, down to the
// analysis budget). Each comes with the condition under which it is a
// part.
func (e *enc) outputs(in *inst) ([]*cell, error) {
	var out []*cell
	seen := map[*Node]bool{}
	for _, c := range in.conc {
		if c.f.Name != rules.FactOut || seen[c.args[0]] {
			continue
		}
		root := &cell{node: c.args[0], learned: in.active, time: in.node.time, in: in}
		if e.knownTerm(root.node, in.known) {
			continue
		}
		cs, err := e.keyFree(root, e.E.opts.analysisDepth(), seen)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// deconstruct applies deconstruction rule d to the message of c. It
// returns the condition, the result and the side arguments (nil when the
// rule does not apply), and whether the match was generic (tag tests on a
// message of unknown structure).
func (e *enc) deconstruct(c *cell, d *decompRule) (cond, child *Node, sides []*Node, generic bool, err error) {
	b, a := e.b, e.a
	n := c.node
	switch n.Kind {
	case MsgCtor:
		if n.Sym != d.main.Name {
			return nil, nil, nil, false, nil
		}
	case MsgClass:
		if n.Sym != d.main.Name {
			return nil, nil, nil, false, nil
		}
		generic = true
	case MsgVar, MsgOpaque:
		generic = true
	default:
		return nil, nil, nil, false, nil
	}
	sigma := map[rules.Var]*Node{}
	cond, err = a.match(d.main, n, sigma)
	if err != nil || cond == b.False {
		return nil, nil, nil, false, err
	}
	child, err = a.instantiate(d.result, sigma)
	if err != nil {
		return nil, nil, nil, false, err
	}
	for _, s := range d.sides {
		for _, v := range s.Vars(nil) {
			if _, bound := sigma[v]; !bound {
				return nil, nil, nil, false, nil
			}
		}
		sn, err := a.instantiate(s, sigma)
		if err != nil {
			return nil, nil, nil, false, err
		}
		sides = append(sides, sn)
	}
	return cond, child, sides, generic, nil
}

// keyFree returns c and the cells obtained from it by deconstructions
// that need no key. Generic deconstructions of a message of unknown
// structure cost one unit of budget.
func (e *enc) keyFree(c *cell, budget int, seen map[*Node]bool) ([]*cell, error) {
	seen[c.node] = true
	out := []*cell{c}
	for _, d := range e.E.decomps {
		if len(d.sides) > 0 {
			continue
		}
		if c.node.Kind == MsgVar || c.node.Kind == MsgOpaque {
			if budget == 0 {
				continue
			}
		}
		cond, child, _, generic, err := e.deconstruct(c, d)
		if err != nil {
			return nil, err
		}
		if cond == nil || seen[child] {
			continue
		}
		nb := budget
		if generic {
			nb--
		}
		if c.in != nil && e.knownTerm(child, c.in.known) {
			continue // the adversary knew it already
		}
		ch := &cell{node: child, learned: e.b.And(c.learned, cond), time: c.time, in: c.in, dec: c.dec}
		cs, err := e.keyFree(ch, nb, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// knownTerm reports whether n is a public name or a value the adversary
// sent itself at a variable of a pattern (see knownVariables): sending it
// teaches the adversary nothing it could not send again.
func (e *enc) knownTerm(n *Node, known map[*Node]bool) bool {
	return known[n] || n.Kind == MsgPub || n.Kind == MsgPubVar
}

// cellClass groups cells for the registers: by head symbol, "~" for fresh
// values, "*" for values of unknown structure, "" for cells that need no
// register because the adversary can always build them (public names,
// public constants).
func (e *enc) cellClass(n *Node) string {
	switch n.Kind {
	case MsgPub, MsgPubVar:
		return ""
	case MsgFresh, MsgFreshVar:
		return "~"
	case MsgCtor:
		if len(n.Args) == 0 && !e.a.private[n.Sym] {
			return ""
		}
		return n.Sym
	case MsgClass:
		return n.Sym
	}
	return "*"
}

// registers creates node g's knowledge registers: one rule fires at a
// node, so the messages its rules could send share registers, grouped by
// class (head symbol). Register (g, class, j) holds the j-th message of
// that class that g's rule sends; Known queries then compare with the
// registers instead of with every rule's messages.
func (e *enc) registers(g *gnode) error {
	b := e.b
	type slotKey struct {
		class string
		j     int
	}
	var order []slotKey
	members := map[slotKey][]*cell{}
	for _, in := range g.insts {
		cs, err := e.outputs(in)
		if err != nil {
			return err
		}
		count := map[string]int{}
		for _, c := range cs {
			cl := e.cellClass(c.node)
			if cl == "" {
				continue
			}
			k := slotKey{cl, count[cl]}
			count[cl]++
			if _, ok := members[k]; !ok {
				order = append(order, k)
			}
			members[k] = append(members[k], c)
		}
	}
	for _, k := range order {
		var reg *Node
		name := fmt.Sprintf("reg_%d_%s_%d", g.n, k.class, k.j)
		switch k.class {
		case "~":
			reg = e.a.variable(name, rules.SortFresh)
		case "*":
			reg = e.a.variable(name, rules.SortMsg)
		default:
			reg = e.a.register(name, k.class)
		}
		var valid []*Node
		for _, c := range members[k] {
			e.assert(b.Implies(c.learned, b.Eq(reg, c.node)))
			valid = append(valid, c.learned)
		}
		e.cells = append(e.cells, &cell{node: reg, learned: b.Or(valid...), time: g.time, g: g})
	}
	return nil
}

// candidates adds the keyed deconstructions of c as candidates for the
// decryption nodes.
func (e *enc) candidates(c *cell) error {
	for _, d := range e.E.decomps {
		if len(d.sides) == 0 {
			continue
		}
		if (c.node.Kind == MsgVar || c.node.Kind == MsgOpaque) && e.E.opts.analysisDepth() == 0 {
			continue
		}
		cond, child, sides, _, err := e.deconstruct(c, d)
		if err != nil {
			return err
		}
		if cond == nil {
			continue
		}
		e.cands = append(e.cands, &cand{parent: c, cond: cond, child: child, sides: sides})
	}
	return nil
}

// decryptions creates the adversary's decryption nodes. Node d picks one
// candidate (a keyed deconstruction of a cell learned before its time,
// or of an earlier node's result), derives the key, and makes the result
// and its key-free parts known from its time on.
func (e *enc) decryptions() error {
	b := e.b
	for _, c := range e.cells {
		if err := e.candidates(c); err != nil {
			return err
		}
	}
	maxSides := 0
	for _, d := range e.E.decomps {
		if len(d.sides) > maxSides {
			maxSides = len(d.sides)
		}
	}
	n := e.E.opts.decryptions()
	if len(e.cands) == 0 {
		n = 0
	}
	var prev *decNode
	for i := 1; i <= n; i++ {
		d := &decNode{
			use:  b.Const(fmt.Sprintf("dec_use_%d", i), SortBool),
			sel:  b.Const(fmt.Sprintf("dec_sel_%d", i), SortInt),
			time: b.Const(fmt.Sprintf("dec_time_%d", i), SortReal),
			out:  e.a.variable(fmt.Sprintf("dec_out_%d", i), rules.SortMsg),
		}
		for j := 0; j < maxSides; j++ {
			d.keys = append(d.keys, e.a.variable(fmt.Sprintf("dec_key_%d_%d", i, j), rules.SortMsg))
		}
		if prev != nil {
			e.assert(b.Implies(d.use, b.And(prev.use, b.Lt(prev.time, d.time))))
		}
		e.decs = append(e.decs, d)
		var opts []*Node
		for ci, c := range e.cands {
			ch := b.And(d.use, b.Eq(d.sel, b.Int(int64(ci))))
			e.used(c.parent, ch)
			conj := []*Node{c.parent.learned, b.Lt(c.parent.time, d.time), c.cond, b.Eq(d.out, c.child)}
			for j, s := range c.sides {
				conj = append(conj, b.Eq(d.keys[j], s))
			}
			e.assert(b.Implies(ch, b.And(conj...)))
			opts = append(opts, ch)
		}
		e.assert(b.Implies(d.use, b.Or(opts...)))
		// The result's key-free parts are cells; their keyed parts become
		// candidates for the later nodes.
		cs, err := e.keyFree(&cell{node: d.out, learned: d.use, time: d.time, dec: i}, e.E.opts.analysisDepth(), map[*Node]bool{})
		if err != nil {
			return err
		}
		for _, c := range cs {
			e.cells = append(e.cells, c)
			if err := e.candidates(c); err != nil {
				return err
			}
		}
		prev = d
	}
	for _, d := range e.decs {
		e.own(d.time, d.use)
		var conj []*Node
		for _, k := range d.keys {
			conj = append(conj, e.synth(k, d.time, e.E.opts.synthDepth(), e.E.opts.pairBuild()))
		}
		e.assert(b.Implies(d.use, b.And(conj...)))
	}
	return nil
}

// known says that the adversary has x as a cell learned before time t.
func (e *enc) known(x, t *Node) *Node {
	key := [2]int{x.id, t.id}
	if n, ok := e.knownMemo[key]; ok {
		return n
	}
	b := e.b
	owner := e.owners[t.id]
	if owner == nil {
		owner = b.True
	}
	var opts []*Node
	for _, c := range e.cells {
		eq := b.Eq(x, c.node)
		if eq == b.False {
			continue
		}
		d := b.And(c.learned, b.Lt(c.time, t), eq)
		opts = append(opts, d)
		e.used(c, b.And(owner, d))
	}
	n := b.Or(opts...)
	e.knownMemo[key] = n
	return n
}

// own records the owner of the knowledge queries made at time t: the
// step, knowledge event or decryption node that needs them.
func (e *enc) own(t, owner *Node) {
	if old, ok := e.owners[t.id]; ok {
		owner = e.b.Or(old, owner)
	}
	e.owners[t.id] = owner
}

// used records that under cond something needed uses cell c.
func (e *enc) used(c *cell, cond *Node) {
	switch {
	case c.g != nil:
		e.uses[c.g] = append(e.uses[c.g], cond)
	case c.dec > 0:
		e.decUses[c.dec] = append(e.decUses[c.dec], cond)
	case c.in != nil:
		e.uses[c.in.node] = append(e.uses[c.in.node], cond)
	}
}

// advFresh says x is a fresh name of the adversary's own.
func (e *enc) advFresh(x *Node) *Node {
	b, a := e.b, e.a
	switch x.Kind {
	case MsgFresh, MsgPub, MsgPubVar, MsgCtor:
		return b.False
	}
	return b.And(a.hasTag(x, TagFresh), b.Le(b.App(a.freshd, x), b.Int(0)))
}

// synth says that the adversary can derive x before time t, building at
// most d constructor layers and p pair layers below the known structure
// of x.
func (e *enc) synth(x, t *Node, d, p int) *Node {
	key := [4]int{x.id, t.id, d, p}
	if n, ok := e.synthMemo[key]; ok {
		return n
	}
	b, a := e.b, e.a
	var n *Node
	if e.assumeKnown[x] {
		e.synthMemo[key] = b.True
		return b.True
	}
	switch x.Kind {
	case MsgPub, MsgPubVar:
		n = b.True
	case MsgFresh:
		n = e.known(x, t)
	case MsgFreshVar:
		n = b.Or(e.known(x, t), e.advFresh(x))
	case MsgCtor:
		if a.private[x.Sym] {
			n = e.known(x, t)
			break
		}
		args := make([]*Node, len(x.Args))
		for i, y := range x.Args {
			args[i] = e.synth(y, t, d, p)
		}
		if x.Sym == rules.FunPair {
			// a known pair gives its components: building it from them
			// covers receiving it whole
			n = b.And(args...)
			break
		}
		n = b.Or(e.known(x, t), b.And(args...))
	default:
		opts := []*Node{e.known(x, t), a.hasTag(x, TagPub), e.advFresh(x)}
		if x.Op == OpApp && x.Sym != "" && !a.private[x.Sym] {
			// an application of a reducible symbol written in a pattern:
			// when it does not reduce, the adversary builds it from its
			// arguments like any other public function
			conj := []*Node{a.hasTag(x, a.tags[x.Sym])}
			for _, y := range x.Args {
				conj = append(conj, e.synth(y, t, d, p))
			}
			opts = append(opts, b.And(conj...))
		}
		for _, f := range a.publicSymbols {
			ar := a.arity[f]
			pair := f == rules.FunPair
			if pair && p == 0 || !pair && ar > 0 && d == 0 {
				continue
			}
			sels := make([]*Node, ar)
			for j := range sels {
				sels[j] = a.selector(x, j)
			}
			var conj []*Node
			if a.reducible(f) {
				// a stuck application: x has f's own tag, so no equation
				// reduced it
				app, err := a.apply(f, sels)
				if err != nil {
					continue
				}
				conj = []*Node{a.hasTag(x, a.tags[f]), b.Eq(x, app)}
			} else {
				conj = []*Node{b.Eq(x, b.MsgApp(a.funs[f], MsgCtor, f, 0, sels...))}
			}
			for _, s := range sels {
				if pair {
					conj = append(conj, e.synth(s, t, d, p-1))
				} else {
					conj = append(conj, e.synth(s, t, d-1, p))
				}
			}
			opts = append(opts, b.And(conj...))
		}
		n = b.Or(opts...)
	}
	e.synthMemo[key] = n
	return n
}
