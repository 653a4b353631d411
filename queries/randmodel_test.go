package queries

import (
	"fmt"
	"math/rand"
	"strings"
)

// A generator of small random models for the differential tests: 2–4
// rules over pairs, h/1 and senc/sdec; state facts with 0–2 arguments
// built from fresh variables, public constants and variables bound
// earlier in the rule; In/Out; one action per rule; one or two lemmas of
// the shapes exists-trace, secrecy, order and injectivity. The output is
// .spthy text, deterministic in the seed.
//
// One seed in four gives a richer model: state facts may carry sdec
// applications (which may or may not reduce) and state premises may match
// hashes, so that a premise pattern meets a reducible application in a
// conclusion.
//
// Seeds 4 and 6 modulo 8 give models for the adversary's mechanisms
// (docs/bounds.md): one-argument destructors (getMessage of
// revealing-signing, a user destructor unwrap(wrap(x)) = x whose result is
// the redex's argument), an equation with a side argument the main one
// does not bind (open(c, commit(m, r)) = m), triples deeper than the
// analysis layers, values sent at variables. Seeds 5 and 7 modulo 8 give
// formulas over knowledge events: a restriction with a universal K, KU in
// a sources-style lemma, K with time order, last, and all-traces lemmas
// the empty trace decides. Seeds 0 modulo 8 give Diffie–Hellman terms
// ('g'^~n and exponentiations of other terms by fresh names).
//
// The other seeds give the same models as before these were added, so the
// seeds named in regression tests keep their models.

type genFact struct {
	name       string
	arity      int
	persistent bool
}

type genAction struct {
	name  string
	arity int
}

type modelGen struct {
	rng     *rand.Rand
	rich    bool
	adv     bool      // the adversary's mechanisms
	kform   bool      // formulas over knowledge events
	dh      bool      // Diffie–Hellman
	facts   []genFact // state fact symbols produced so far
	actions []genAction
	b       strings.Builder
}

func (g *modelGen) pick(n int) int { return g.rng.Intn(n) }

func (g *modelGen) chance(p float64) bool { return g.rng.Float64() < p }

// term builds a message from the available terms, with at most depth
// function applications on a path.
func (g *modelGen) term(avail []string, depth int, allowDestr bool) string {
	if depth <= 0 || g.chance(0.55) {
		if len(avail) == 0 || g.chance(0.15) {
			return []string{"'c1'", "'c2'"}[g.pick(2)]
		}
		return avail[g.pick(len(avail))]
	}
	sub := func() string { return g.term(avail, depth-1, allowDestr) }
	if g.dh && g.chance(0.5) {
		var fresh []string
		for _, v := range avail {
			if strings.HasPrefix(v, "~") {
				fresh = append(fresh, v)
			}
		}
		if len(fresh) > 0 {
			e := fresh[g.pick(len(fresh))]
			if g.chance(0.5) {
				return "'g'^" + e
			}
			return "(" + sub() + ")^" + e
		}
	}
	if g.adv && g.chance(0.4) {
		switch g.pick(4) {
		case 0:
			return "revealSign(" + sub() + ", " + sub() + ")"
		case 1:
			return "commit(" + sub() + ", " + sub() + ")"
		case 2:
			return "wrap(" + sub() + ")"
		default:
			return "<" + sub() + ", " + sub() + ", " + sub() + ">"
		}
	}
	switch n := g.pick(10); {
	case n < 3:
		return "h(" + sub() + ")"
	case n < 6:
		return "<" + sub() + ", " + sub() + ">"
	case n < 9 || !allowDestr:
		return "senc(" + sub() + ", " + sub() + ")"
	default:
		return "sdec(" + sub() + ", " + sub() + ")"
	}
}

func (g *modelGen) rule(i int) {
	var prem, concl []string
	var avail []string // variables usable in actions and conclusions
	var stateVars []string
	// a state premise, from a fact an earlier rule produces
	if len(g.facts) > 0 && g.chance(0.6) {
		f := g.facts[g.pick(len(g.facts))]
		var args []string
		for j := 0; j < f.arity; j++ {
			if g.chance(0.15) {
				args = append(args, []string{"'c1'", "'c2'"}[g.pick(2)])
				continue
			}
			v := fmt.Sprintf("s%d_%d", i, j)
			if g.rich && g.chance(0.2) {
				args = append(args, "h("+v+")")
			} else {
				args = append(args, v)
			}
			stateVars = append(stateVars, v)
		}
		bang := ""
		if f.persistent {
			bang = "!"
		}
		prem = append(prem, fmt.Sprintf("%s%s(%s)", bang, f.name, strings.Join(args, ", ")))
	}
	avail = append(avail, stateVars...)
	// a fresh name
	if g.chance(0.5) {
		v := fmt.Sprintf("~n%d", i)
		prem = append(prem, "Fr("+v+")")
		avail = append(avail, v)
	}
	// a message from the adversary, with at most one new variable
	if len(prem) == 0 || g.chance(0.5) {
		y := fmt.Sprintf("y%d", i)
		bound := func() string {
			if len(stateVars) > 0 && g.chance(0.7) {
				return stateVars[g.pick(len(stateVars))]
			}
			return []string{"'c1'", "'c2'"}[g.pick(2)]
		}
		var pat string
		switch g.pick(7) {
		case 0, 1:
			pat = y
		case 2:
			pat = "<" + y + ", " + bound() + ">"
		case 3:
			pat = "h(" + y + ")"
		case 4:
			pat = "senc(" + y + ", " + bound() + ")"
		case 5:
			pat = "<" + bound() + ", " + y + ">"
		default:
			if len(stateVars) > 0 {
				pat = stateVars[g.pick(len(stateVars))]
				y = ""
			} else {
				pat = y
			}
		}
		prem = append(prem, "In("+pat+")")
		if y != "" {
			avail = append(avail, y)
		}
	}
	// sometimes a public variable that no premise binds
	if g.chance(0.15) {
		avail = append(avail, fmt.Sprintf("$P%d", i))
	}
	// conclusions: state facts and an Out
	nf := g.pick(3)
	for j := 0; j < nf; j++ {
		var f genFact
		if len(g.facts) > 0 && g.chance(0.3) {
			f = g.facts[g.pick(len(g.facts))]
		} else {
			f = genFact{name: fmt.Sprintf("St%d_%d", i, j), arity: g.pick(3), persistent: g.chance(0.25)}
			g.facts = append(g.facts, f)
		}
		var args []string
		for k := 0; k < f.arity; k++ {
			if g.rich && g.chance(0.3) && len(avail) > 0 {
				k := g.term(avail, 0, false)
				m := g.term(avail, 1, false)
				if g.chance(0.6) {
					m = "senc(" + g.term(avail, 1, false) + ", " + k + ")" // reduces
				}
				args = append(args, "sdec("+m+", "+k+")")
				continue
			}
			args = append(args, g.term(avail, 1, false))
		}
		bang := ""
		if f.persistent {
			bang = "!"
		}
		concl = append(concl, fmt.Sprintf("%s%s(%s)", bang, f.name, strings.Join(args, ", ")))
	}
	if g.chance(0.6) {
		concl = append(concl, "Out("+g.term(avail, 1, false)+")")
	}
	// one action
	a := genAction{name: fmt.Sprintf("A%d", i), arity: g.pick(3)}
	if a.arity == 0 && g.chance(0.5) {
		a.arity = 1
	}
	var args []string
	for k := 0; k < a.arity; k++ {
		args = append(args, g.term(avail, 1, true))
	}
	g.actions = append(g.actions, a)
	fmt.Fprintf(&g.b, "rule R%d:\n  [ %s ]\n  --[ %s(%s) ]->\n  [ %s ]\n\n", i, strings.Join(prem, ", "), a.name, strings.Join(args, ", "), strings.Join(concl, ", "))
}

// atom writes the action a with x at position pos (if pos ≥ 0) and new
// variables prefix1, prefix2, … elsewhere; it returns the atom and the
// new variables.
func atomWith(a genAction, x string, pos int, prefix string) (string, []string) {
	var args, vars []string
	for k := 0; k < a.arity; k++ {
		if k == pos {
			args = append(args, x)
			continue
		}
		v := fmt.Sprintf("%s%d", prefix, k)
		args = append(args, v)
		vars = append(vars, v)
	}
	return fmt.Sprintf("%s(%s)", a.name, strings.Join(args, ", ")), vars
}

func qvars(vs ...[]string) string {
	var all []string
	for _, v := range vs {
		all = append(all, v...)
	}
	if len(all) == 0 {
		return ""
	}
	return strings.Join(all, " ") + " "
}

func (g *modelGen) lemma(i int) {
	withArgs := []genAction{}
	for _, a := range g.actions {
		if a.arity > 0 {
			withArgs = append(withArgs, a)
		}
	}
	kind := g.pick(5)
	if g.kform {
		kind = 5 + g.pick(4)
	}
	if len(withArgs) == 0 && kind != 5 {
		kind = 0
	}
	switch kind {
	case 5: // all-traces: an action happens (the empty trace falsifies it)
		a := g.actions[g.pick(len(g.actions))]
		at, vs := atomWith(a, "", -1, "v")
		fmt.Fprintf(&g.b, "lemma L%d_always:\n  \"Ex %s#i. %s @ #i\"\n\n", i, qvars(vs), at)
	case 6: // sources-style: a value in an action was built by the adversary before, or sent by a rule
		a, b := withArgs[g.pick(len(withArgs))], withArgs[g.pick(len(withArgs))]
		at, vs := atomWith(a, "x", g.pick(a.arity), "v")
		bt, ws := atomWith(b, "x", g.pick(b.arity), "w")
		fmt.Fprintf(&g.b, "lemma L%d_sources:\n  \"All x %s#i. %s @ #i ==> (Ex #j. KU(x) @ #j & #j < #i) | (Ex %s#j. %s @ #j)\"\n\n", i, qvars(vs), at, qvars(ws), bt)
	case 7: // exists-trace: the adversary knows a value before an action
		a := withArgs[g.pick(len(withArgs))]
		at, vs := atomWith(a, "x", g.pick(a.arity), "v")
		fmt.Fprintf(&g.b, "lemma L%d_known_before:\n  exists-trace\n  \"Ex x %s#i #j. %s @ #i & K(x) @ #j & #j < #i\"\n\n", i, qvars(vs), at)
	case 8: // exists-trace: an action last, after every knowledge event
		a := g.actions[g.pick(len(g.actions))]
		at, vs := atomWith(a, "", -1, "v")
		fmt.Fprintf(&g.b, "lemma L%d_last:\n  exists-trace\n  \"Ex %s#i. %s @ #i & last(#i)\"\n\n", i, qvars(vs), at)
	case 0: // exists-trace: the rule's action happens
		a := g.actions[g.pick(len(g.actions))]
		at, vs := atomWith(a, "", -1, "v")
		fmt.Fprintf(&g.b, "lemma L%d_exists:\n  exists-trace\n  \"Ex %s#i. %s @ #i\"\n\n", i, qvars(vs), at)
	case 1: // exists-trace: two actions sharing a value, in order
		a, b := withArgs[g.pick(len(withArgs))], withArgs[g.pick(len(withArgs))]
		at, vs := atomWith(a, "x", g.pick(a.arity), "v")
		bt, ws := atomWith(b, "x", g.pick(b.arity), "w")
		fmt.Fprintf(&g.b, "lemma L%d_exists_order:\n  exists-trace\n  \"Ex x %s#i #j. %s @ #i & %s @ #j & #j < #i\"\n\n", i, qvars(vs, ws), at, bt)
	case 2: // secrecy
		a := withArgs[g.pick(len(withArgs))]
		at, vs := atomWith(a, "x", g.pick(a.arity), "v")
		fmt.Fprintf(&g.b, "lemma L%d_secrecy:\n  \"All x %s#i. %s @ #i ==> not (Ex #j. K(x) @ #j)\"\n\n", i, qvars(vs), at)
	case 3: // order: B(x) is preceded by A(x)
		a, b := withArgs[g.pick(len(withArgs))], withArgs[g.pick(len(withArgs))]
		bt, vs := atomWith(b, "x", g.pick(b.arity), "v")
		at, ws := atomWith(a, "x", g.pick(a.arity), "w")
		fmt.Fprintf(&g.b, "lemma L%d_order:\n  \"All x %s#i. %s @ #i ==> Ex %s#j. %s @ #j & #j < #i\"\n\n", i, qvars(vs), bt, qvars(ws), at)
	default: // injectivity
		a := withArgs[g.pick(len(withArgs))]
		pos := g.pick(a.arity)
		at, vs := atomWith(a, "x", pos, "v")
		bt, ws := atomWith(a, "x", pos, "w")
		fmt.Fprintf(&g.b, "lemma L%d_injective:\n  \"All x %s#i #j. %s @ #i & %s @ #j ==> #i = #j\"\n\n", i, qvars(vs, ws), at, bt)
	}
}

// genModel returns a random model for the seed.
func genModel(seed int64) string {
	g := &modelGen{rng: rand.New(rand.NewSource(seed)), rich: seed%4 == 1, adv: seed%8 == 4 || seed%8 == 6, kform: seed%8 == 5 || seed%8 == 7,
		dh: seed%8 == 0}
	fmt.Fprintf(&g.b, "theory Random%d\nbegin\n\nbuiltins: hashing, symmetric-encryption\n\n", seed)
	if g.dh {
		g.b.WriteString("builtins: diffie-hellman\n\n")
	}
	if g.adv {
		g.b.WriteString("builtins: revealing-signing\nfunctions: commit/2, open/2, wrap/1, unwrap/1\n")
		g.b.WriteString("equations: open(c, commit(m, r)) = m, unwrap(wrap(x)) = x\n\n")
	}
	if g.kform && g.chance(0.5) {
		g.b.WriteString("restriction NoC1:\n  \"All m #k. K(m) @ #k ==> not (m = 'c1')\"\n\n")
	}
	n := 2 + g.pick(3)
	for i := 0; i < n; i++ {
		g.rule(i)
	}
	if g.dh {
		// a Diffie–Hellman exchange half: the adversary's share meets a
		// fresh exponent
		fmt.Fprintf(&g.b, "rule D%d:\n  [ Fr(~d), In(X) ]\n  --[ DHK(X^~d) ]->\n  [ Out('g'^~d) ]\n\n", n)
		g.actions = append(g.actions, genAction{name: "DHK", arity: 1})
	}
	nl := 1 + g.pick(2)
	for i := 0; i < nl; i++ {
		g.lemma(i)
	}
	g.b.WriteString("end\n")
	return g.b.String()
}
