package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// The adversary's knowledge (docs/bounds.md gives the definitions this
// encoding is complete for):
//
//   - cells: what the adversary has learned, each with the condition
//     under which it has it and the time from which on. A step's Out
//     messages are cells from the step's time, together with every part
//     the adversary takes apart without a key (knowledge.go: keyFree):
//     the structure written in the pattern for free, values below a
//     pattern's variables down to Bounds.AnalysisLayers one-argument
//     deconstructions. Cells of one graph node are grouped into registers
//     by head symbol, since one rule fires at a node.
//   - keyed deconstruction nodes (decon.go): at most
//     Bounds.KeyedDeconstructions of them, each applies one equation with
//     side arguments to a cell learned before its time, once it can
//     derive the side arguments; the result and its key-free parts are
//     cells from then on.
//   - derivability (derive.go): a message is derivable at a time when it
//     is a cell learned before, a public name, a fresh name of the
//     adversary's, or built: the structure the pattern writes for free,
//     values with at most Bounds.ConstructionLayers layers of public
//     function applications above derivable messages.
//   - knowledge events (kevents.go): K(m) before every In premise, and
//     the K and KU events the formulas speak of.

// cell is a message the adversary may know: something a rule sent, or a
// part of it obtained by deconstruction. learned says the adversary has
// it, time when (strictly increasing along keyed deconstruction, so that
// no knowledge justifies itself).
type cell struct {
	node    *Node
	learned *Node
	time    *Node
	in      *inst  // the step that sent it, or nil
	dec     int    // 1-based deconstruction node that produced it, or 0
	g       *gnode // the node whose register this is, or nil
	// whole: a value of unknown structure the analysis did not take
	// apart (its layers were spent); only such a cell can hold a pair
	// whose parts are not cells themselves
	whole bool
	// members are the cells a register stands for (at most one holds)
	members []*cell
}

// outputs returns the messages of in's Out conclusions together with
// the parts the adversary gets from them without a key. Each comes with
// the condition under which it is a part.
func (e *enc) outputs(in *inst) ([]*cell, error) {
	var out []*cell
	seen := map[[2]int]bool{}
	for _, c := range in.conc {
		if c.f.Name != rules.FactOut {
			continue
		}
		root := &cell{node: c.args[0], learned: in.active, time: in.node.time, in: in}
		if e.knownTerm(root.node, in.known) || in.sent[root.node] {
			continue
		}
		cs, err := e.keyFree(root, e.E.opts.Bounds.AnalysisLayers, seen)
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
// message of unknown structure at its root). A variable of a side
// argument that the main argument does not bind is the adversary's
// choice: a new message variable, which the side's derivation constrains.
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
	generic = generic || d.built
	child, err = a.instantiate(d.result, sigma)
	if err != nil {
		return nil, nil, nil, false, err
	}
	for _, s := range d.sides {
		for _, v := range s.Vars(nil) {
			if _, bound := sigma[v]; !bound {
				sigma[v] = a.variable(fmt.Sprintf("side_%d", b.Nodes()), v.Sort)
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
// that need no key. A deconstruction of a message of unknown structure
// (a value below a pattern's variable) costs one layer of budget; the
// structure the pattern writes costs none. seen keeps one cell for each
// message and condition.
func (e *enc) keyFree(c *cell, budget int, seen map[[2]int]bool) ([]*cell, error) {
	key := [2]int{c.node.id, c.learned.id}
	if seen[key] {
		return nil, nil
	}
	seen[key] = true
	out := []*cell{c}
	if budget == 0 && (c.node.Kind == MsgVar || c.node.Kind == MsgOpaque || c.node.Kind == MsgClass) {
		c.whole = true
	}
	for _, d := range e.E.decomps {
		if len(d.sides) > 0 {
			continue
		}
		if (c.node.Kind == MsgVar || c.node.Kind == MsgOpaque || c.node.Kind == MsgClass || d.built) && budget == 0 {
			continue
		}
		cond, child, _, generic, err := e.deconstruct(c, d)
		if err != nil {
			return nil, err
		}
		if cond == nil {
			continue
		}
		nb := budget
		if generic {
			nb--
		}
		if c.in != nil && (e.knownTerm(child, c.in.known) || c.in.sent[child]) {
			continue // the adversary knew it already, or sent it itself
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

// knownTerm reports whether n is a public name, or a fresh name the
// adversary sent itself at a variable of a pattern (see knownVariables):
// receiving it teaches the adversary nothing. (A value at a variable of
// the step's own In premises under pairs is not received either, by the
// definition of the bounds: inst.sent.)
func (e *enc) knownTerm(n *Node, known map[*Node]bool) bool {
	switch n.Kind {
	case MsgPub, MsgPubVar:
		return true
	case MsgFresh, MsgFreshVar:
		return known[n]
	}
	return false
}

// cellClass groups cells for the registers: by head symbol, "~" for fresh
// values, "*" for values of unknown structure ("*0" for those left whole),
// "" for cells that need no register because the adversary can always
// build them (public names, public constants).
func (e *enc) cellClass(c *cell) string {
	n := c.node
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
	if c.whole {
		return "*0"
	}
	return "*"
}

// group puts cells of which at most one alternative holds (the outputs of
// the rules that may fire at one node, or the results of the candidates of
// one deconstruction node) into registers by class: register (class, j)
// holds the j-th cell of that class of the alternative that holds. Known
// queries then compare with the registers instead of with every cell.
func (e *enc) group(prefix string, alternatives [][]*cell, time *Node, g *gnode, dec int) {
	b := e.b
	type slotKey struct {
		class string
		j     int
	}
	var order []slotKey
	members := map[slotKey][]*cell{}
	for _, cs := range alternatives {
		count := map[string]int{}
		for _, c := range cs {
			cl := e.cellClass(c)
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
		name := fmt.Sprintf("%s_%s_%d", prefix, k.class, k.j)
		switch k.class {
		case "~":
			reg = e.a.variable(name, rules.SortFresh)
		case "*", "*0":
			reg = e.a.variable(name, rules.SortMsg)
		default:
			reg = e.a.register(name, k.class)
		}
		var valid []*Node
		for _, c := range members[k] {
			e.assert(b.Implies(c.learned, b.Eq(reg, c.node)))
			valid = append(valid, c.learned)
		}
		e.cells = append(e.cells, &cell{node: reg, learned: b.Or(valid...), time: time, g: g, dec: dec, whole: k.class == "*0", members: members[k]})
	}
}

// registers creates node g's knowledge registers from the outputs of the
// rules that may fire there.
func (e *enc) registers(g *gnode) error {
	var alts [][]*cell
	for _, in := range g.insts {
		cs, err := e.outputs(in)
		if err != nil {
			return err
		}
		alts = append(alts, cs)
	}
	e.group(fmt.Sprintf("reg_%d", g.n), alts, g.time, g, 0)
	return nil
}

// known says that the adversary has x as a cell learned before time t.
func (e *enc) known(x, t *Node) *Node { return e.knownIn(x, t, false) }

// knownWhole says that the adversary has x as a cell learned before time
// t that the analysis left whole.
func (e *enc) knownWhole(x, t *Node) *Node { return e.knownIn(x, t, true) }

func (e *enc) knownIn(x, t *Node, whole bool) *Node {
	key := [3]int{x.id, t.id, 0}
	if whole {
		key[2] = 1
	}
	if n, ok := e.knownMemo[key]; ok {
		return n
	}
	defer e.knowledgeQuery()()
	b := e.b
	owner := e.owners[t.id]
	if owner == nil {
		owner = b.True
	}
	var opts []*Node
	for _, c := range e.cells {
		if whole && !c.whole {
			continue
		}
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
// step, knowledge event or deconstruction node that needs them.
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
