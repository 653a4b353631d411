package encode

import "github.com/tracebound/tracebound/rules"

// Unbound variables. Tamarin only warns about a rule variable that no
// premise binds, and checks the model: the variable takes any value of
// its sort. A fresh or public one is a variable with its sort's tag (any
// fresh or public name); a message variable is a term of at most
// th.UnboundDepth() layers of constructors over names. Without
// that bound the solver could pick an element that is its own argument
// (the algebra's acyclicity comes from how bound variables are built),
// which no finite message is.

// unboundVars returns the message variables of r that no premise binds.
func unboundVars(r *rules.Rule) []rules.Var {
	var out []rules.Var
	for _, v := range r.UnboundVars() {
		if v.Sort == rules.SortMsg {
			out = append(out, v)
		}
	}
	return out
}

// constrainUnbound asserts, for an instance of a rule with unbound
// message variables, that each is a term of bounded height.
func (e *enc) constrainUnbound(in *inst) {
	vs := unboundVars(in.ri.r)
	if len(vs) == 0 {
		return
	}
	depth := e.E.th.UnboundDepth()
	memo := map[layerKey]*Node{}
	for _, v := range vs {
		e.assert(e.b.Implies(in.active, e.layers(in.orig[v], depth, memo)))
	}
}

type layerKey struct {
	n *Node
	d int
}

// layers returns the condition that n is a name, or an application of a
// function symbol to arguments that are each at most d-1 layers high.
// The arguments are n's selectors, one node per position whatever the
// symbol, so memo keeps the formula as large as the positions (at most
// 64, see rules.Theory.UnboundDepth) times the symbols.
func (e *enc) layers(n *Node, d int, memo map[layerKey]*Node) *Node {
	if c, ok := memo[layerKey{n, d}]; ok {
		return c
	}
	b, a := e.b, e.a
	cases := []*Node{a.hasTag(n, TagPub), a.hasTag(n, TagFresh)}
	if d > 0 {
		for _, f := range e.E.th.Functions {
			if acSymbols[f.Name] || a.reducible(f.Name) {
				continue // stuck destructor terms are messages too, but only confuse a trace
			}
			conj := []*Node{a.hasTag(n, a.tags[f.Name])}
			for j := 0; j < f.Arity; j++ {
				conj = append(conj, e.layers(a.selector(n, j), d-1, memo))
			}
			cases = append(cases, b.And(conj...))
		}
	}
	c := b.Or(cases...)
	memo[layerKey{n, d}] = c
	return c
}
