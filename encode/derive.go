package encode

import "github.com/tracebound/tracebound/rules"

// derivable says that the adversary can derive x before time t, where x
// is a message at a pattern position: an In premise's argument, a K
// atom's term, a side argument of a deconstruction. The structure the
// pattern writes is built for free; values get Bounds.ConstructionLayers.
func (e *enc) derivable(x, t *Node) *Node {
	return e.synth(x, t, e.E.opts.Bounds.ConstructionLayers)
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

// synth says that the adversary can derive x before time t: x is known
// (a cell learned before t), a public name, a fresh name of its own, or
// built. The structure of x the encoding knows statically (a constructor
// application: the pattern's own structure, or what shape inference
// found) is built for free; below it, where x is a value of unknown
// structure, at most c layers of public function applications.
func (e *enc) synth(x, t *Node, c int) *Node {
	key := [4]int{x.id, t.id, c, e.noDH}
	if n, ok := e.synthMemo[key]; ok {
		return n
	}
	b, a := e.b, e.a
	var n *Node
	if e.assumeKnown[x] {
		e.synthMemo[key] = b.True
		return b.True
	}
	defer e.knowledgeQuery()()
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
			args[i] = e.synth(y, t, c)
		}
		// known whole (a pair deeper than the analysis took apart, a
		// ciphertext to forward), or built from its arguments
		if x.Sym == rules.FunPair {
			// a pair the analysis took apart is built from its parts; only
			// one it left whole (deeper than the analysis layers) may be
			// needed as a whole
			n = b.Or(e.knownWhole(x, t), b.And(args...))
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
				conj = append(conj, e.synth(y, t, c))
			}
			opts = append(opts, b.And(conj...))
		}
		for _, f := range a.publicSymbols {
			ar := a.arity[f]
			if ar > 0 && c == 0 {
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
				conj = append(conj, e.synth(s, t, c-1))
			}
			opts = append(opts, b.And(conj...))
		}
		if a.dh != nil && a.dh.frozen && e.noDH == 0 {
			// mark the query first: dhDerivable derives atoms and bases,
			// which may lead back here
			e.synthMemo[key] = b.False
			opts = append(opts, e.dhDerivable(x, t, c))
		}
		n = b.Or(opts...)
	}
	e.synthMemo[key] = n
	return n
}

// isKFact reports whether name is one of the adversary's knowledge facts.
func isKFact(name string) bool {
	return name == rules.FactK || name == rules.FactKU || name == rules.FactKD
}
