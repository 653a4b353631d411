package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// Knowledge events, as in Tamarin: the adversary's isend rule records
// K(m) each time it sends m to an In premise, and its construction rules
// record KU(m) for what they build. A trace here has
//
//   - a send event K(m) before every In premise, at a time of its own
//     (the message derivable then);
//   - the events the formulas ask for: an existential K(m)@#j or
//     KU(m)@#j adds an event at a time of the solver's choice at which m
//     is derivable.
//
// K(t)@#j holds when #j is a send or a K event with message t. KU(t)@#j
// holds when #j is any event with message t, or a send whose In pattern,
// as written, has t at one of its positions (the parts the adversary
// builds or forwards: a superset of the KU events of Tamarin's
// derivation of that message, so a universal over KU events is never
// weaker than Tamarin's). KD is never an action (Tamarin logs KU only).
// Universal quantifiers over K and KU events range over all events of the
// trace, so they are encoded last (finishDeferred). Every event has a
// timepoint of its own: an existential event that falls on another
// event's time is that event.
//
// When no formula observes the sends (no K or KU atom under a universal
// or a negation), a send happens right after the last step before its
// own step, which loses no trace and lets the step take values the
// adversary already sent as known (assumeKnown).

// kEvent is a knowledge event.
type kEvent struct {
	time *Node
	msg  *Node
	used *Node
	ku   bool // an existential KU event (not a K event)
	// for the events of formulas: the atom's term and its variables
	pattern *rules.Term
	binds   map[rules.Var]*Node
	// for the sends of In premises:
	in    *inst
	prem  int
	parts []*Node // the written pattern's positions, for KU
}

// isK reports whether the event records K (a send or an existential K).
func (ev *kEvent) isK() bool { return !ev.ku }

// kuMsgs returns the messages KU holds for at the event.
func (ev *kEvent) kuMsgs() []*Node {
	if ev.in == nil {
		return []*Node{ev.msg}
	}
	return append([]*Node{ev.msg}, ev.parts...)
}

// observesSends reports whether a formula can tell when the adversary's
// sends happen: a K or KU atom under a universal quantifier or a negation.
func observesSends(f rules.Formula) bool {
	found := false
	var walk func(n *nnf)
	walk = func(n *nnf) {
		if n.kind == nnfAtom {
			if n.neg && n.atom.Kind == rules.AtomAction && (n.atom.Fact.Name == rules.FactK || n.atom.Fact.Name == rules.FactKU) {
				found = true
			}
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(toNNF(f, true))
	return found
}

// sendEvent creates the send event of In premise pi of in.
func (e *enc) sendEvent(in *inst, pi int) *kEvent {
	b := e.b
	ev := &kEvent{msg: in.prem[pi].args[0], used: in.active, in: in, prem: pi}
	ev.time = b.FreshConst("intime", SortReal)
	e.assert(b.Implies(in.active, b.Lt(ev.time, in.node.time)))
	if !e.unpinned {
		// right after every step before it, so that it knows what those
		// steps sent
		for _, o := range e.nodes {
			if o != in.node {
				e.assert(b.Implies(b.And(in.active, b.Lt(o.time, in.node.time)), b.Lt(o.time, ev.time)))
			}
		}
	}
	return ev
}

// sends asserts that the adversary can derive every sent message at its
// send time, and gives the sends their KU parts and, when formulas
// observe them, times of their own.
func (e *enc) sends() error {
	b := e.b
	var sends []*kEvent
	for _, ev := range e.kEvents {
		if ev.in != nil {
			sends = append(sends, ev)
		}
	}
	for _, ev := range sends {
		in := ev.in
		// the parts of the written pattern, for KU
		written := in.ri.r.Premises[ev.prem].Args[0]
		seen := map[*Node]bool{}
		var err error
		written.Walk(func(t *rules.Term) bool {
			n, err2 := e.a.instantiate(t, in.orig)
			if err2 != nil {
				err = err2
				return false
			}
			if n != ev.msg && !seen[n] {
				seen[n] = true
				ev.parts = append(ev.parts, n)
			}
			return true
		})
		if err != nil {
			return err
		}
		if e.unpinned {
			e.assert(b.Implies(ev.used, b.Lt(b.Real(0), ev.time)))
			for _, g := range e.nodes {
				e.assert(b.Not(b.Eq(ev.time, g.time)))
			}
		} else {
			// values the step got from state premises at adversary-known
			// positions need no derivation; the event's time is unique
			// to it, so the memoised answers do not leak to other queries
			e.assumeKnown = in.knownState
		}
		e.own(ev.time, ev.used)
		e.assert(b.Implies(ev.used, e.derivable(ev.msg, ev.time)))
		e.assumeKnown = nil
	}
	if e.unpinned {
		// every send is a timepoint of its own
		for i, x := range sends {
			for _, y := range sends[i+1:] {
				e.assert(b.Implies(b.And(x.used, y.used), b.Not(b.Eq(x.time, y.time))))
			}
		}
	}
	return nil
}

// newKEvent creates a knowledge event for msg at a time of the solver's
// choice: strictly between protocol steps, up to after the last one. An
// event at the time of another event is that event: it has its message.
func (e *enc) newKEvent(msg *Node, ku bool) *kEvent {
	b := e.b
	ev := &kEvent{time: b.FreshConst("ktime", SortReal), msg: msg, used: b.FreshConst("kused", SortBool), ku: ku}
	conj := []*Node{b.Lt(b.Real(0), ev.time)}
	for _, g := range e.nodes {
		conj = append(conj, b.Not(b.Eq(ev.time, g.time)))
	}
	e.own(ev.time, ev.used)
	conj = append(conj, e.derivable(msg, ev.time))
	for _, o := range e.kEvents {
		conj = append(conj, b.Implies(b.And(o.used, b.Eq(o.time, ev.time)), b.Eq(o.msg, ev.msg)))
	}
	e.assert(b.Implies(ev.used, b.And(conj...)))
	e.kEvents = append(e.kEvents, ev)
	return ev
}

// deferred is a universal quantifier over knowledge events (or a last()
// atom), encoded once every event exists: lit stands for it in the
// formula.
type deferred struct {
	lit *Node
	n   *nnf // the quantifier
	v   env
	// done is how many events the quantifier has been expanded over
	done int
	// last: the time of a last() atom
	last *timeRef
	what string
}

// maxDeferredRounds bounds the rounds of finishDeferred: a universal over
// events whose body asks for new events needs one more round for those.
const maxDeferredRounds = 4

// finishDeferred encodes the deferred universals over every knowledge
// event, and the last() atoms.
func (e *enc) finishDeferred(f *formulaEnc) error {
	b := e.b
	for round := 0; ; round++ {
		progress := false
		for i := 0; i < len(e.deferred); i++ {
			d := e.deferred[i]
			if d.last != nil || d.done == len(e.kEvents) {
				continue
			}
			if round >= maxDeferredRounds {
				return errUnsupported("%s: a universal over knowledge events whose body asks for more knowledge events", d.what)
			}
			lo, hi := d.done, len(e.kEvents)
			if lo > 0 && countKGuards(d.n) > 1 {
				return errUnsupported("%s: a universal over several knowledge events whose body asks for more knowledge events", d.what)
			}
			f.what = d.what
			f.kLo, f.kHi, f.final = lo, hi, true
			x, err := f.quant(d.n, d.v, false)
			f.kLo, f.kHi, f.final = 0, 0, false
			if err != nil {
				return err
			}
			e.assert(b.Implies(d.lit, x))
			d.done = hi
			progress = true
		}
		if !progress {
			break
		}
	}
	for _, d := range e.deferred {
		if d.last == nil {
			continue
		}
		t := e.timeOf(*d.last)
		var conj []*Node
		for _, ev := range e.kEvents {
			if d.last.ev == ev {
				continue
			}
			conj = append(conj, b.Implies(ev.used, b.Lt(ev.time, t)))
		}
		e.assert(b.Eq(d.lit, b.And(conj...)))
	}
	return nil
}

// countKGuards counts the knowledge atoms among the guards of a universal.
func countKGuards(n *nnf) int {
	c := 0
	for _, p := range n.kids[0].flatten(nnfOr) {
		if p.kind == nnfAtom && p.neg && p.atom.Kind == rules.AtomAction && isKFact(p.atom.Fact.Name) {
			c++
		}
	}
	return c
}

// deferLit returns a new literal for a deferred formula part.
func (e *enc) deferLit(d *deferred) *Node {
	d.lit = e.b.Const(fmt.Sprintf("deferred_%d", len(e.deferred)), SortBool)
	e.deferred = append(e.deferred, d)
	return d.lit
}
