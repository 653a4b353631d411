package replay

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tracebound/tracebound/rules"
)

// The adversary's bounds, measured on a trace (docs/bounds.md). This is the
// definition the engine's bounds promise completeness for, written from
// that definition and independent of the encoder.
//
// The adversary receives each Out message of a step after the step. It
// takes apart, for free, the structure the rule wrote in the Out
// conclusion: a part that sits at a function application or constant of
// the written pattern is at a *pattern position*; one at or below a
// variable (or below an application of a reducible symbol, whose value the
// equations compute) is a *value*.
//
//   - A one-argument deconstruction (fst, snd, getMessage, a user
//     destructor of one argument) of a message at a pattern position is
//     free when the path from the equation's root to its result runs
//     within the written structure; its result is at the corresponding
//     position. Otherwise it is an analysis layer:
//     its result is a value one layer deeper than its argument (a pattern
//     position counts as layer 0). AnalysisLayers bounds the layers.
//     A value at a variable of the Out pattern that occurs in an In
//     premise of the same rule under pairs only is not received at all:
//     the adversary sent it itself.
//   - A keyed deconstruction (an equation whose left side has more than
//     one argument: a decryption, …) of any known message, whose side
//     arguments the adversary derives, counts one; KeyedDeconstructions
//     bounds how many distinct ones (equation and message) the trace
//     uses. Its result is at the corresponding pattern position when the
//     path to it runs within the written structure, else a value of layer
//     0 (a decryption starts a new run of analysis layers).
//   - To send the message of an In premise, the adversary builds the
//     structure the rule wrote in the premise for free, or uses a known
//     message whole; a value (at a variable, or an application of a
//     reducible symbol) it derives with at most ConstructionLayers layers
//     of public function applications above known messages, public names,
//     its own fresh names and public constants. The same holds for the
//     message of a K atom (its term as the formula writes it) and for the
//     side arguments of a keyed deconstruction (as the equation writes
//     them; a variable the main argument does not bind is the adversary's
//     choice).

// Bounds are the adversary bounds a trace is measured against.
type Bounds struct {
	KeyedDeconstructions int
	AnalysisLayers       int
	ConstructionLayers   int
	// OwnExponents (Diffie–Hellman) is how many fresh names of its own
	// the adversary uses as exponent atoms; every other exponent atom is a
	// public constant of the model or the value of a factor a rule writes
	// in an exponent (other than a message variable: ~x in g^~x, h(…) in
	// g^h(…)) in the trace.
	OwnExponents int
	// ForeignExponents counts the other exponent atoms: none within the
	// bounds (a trace the search found beyond them may have some).
	ForeignExponents int
}

// DefaultOwnExponents is the encoding's bound on OwnExponents.
const DefaultOwnExponents = 2

func (b Bounds) String() string {
	return fmt.Sprintf("%d keyed deconstructions, %d analysis layers, %d construction layers", b.KeyedDeconstructions, b.AnalysisLayers, b.ConstructionLayers)
}

// unbounded stands for "no bound" in a measurement.
const unbounded = 1 << 20

// maxSubsets bounds the sets of keyed deconstructions Measure and Within
// try; beyond it the keyed count is reported as at most the number used
// by the unrestricted adversary.
const maxSubsets = 50000

// Measure returns the adversary bounds a trace needs: the fewest
// construction layers, then with those the fewest analysis layers, then
// with both the fewest keyed deconstructions (one point of the trade-off,
// and a measure the trace is within). exact is false when the keyed count
// is only an upper bound (too many sets to try).
func Measure(th *rules.Theory, tr *rules.Trace) (m Bounds, exact bool, err error) {
	a := newMeasurer(th, tr)
	m.OwnExponents, m.ForeignExponents = a.exponents()
	if _, ok := a.run(nil, unbounded, unbounded); !ok {
		return Bounds{}, false, fmt.Errorf("replay: the knowledge event %s is not derivable even without bounds", abbrev(a.failed.Term.TraceString(), 200))
	}
	for m.ConstructionLayers = 0; ; m.ConstructionLayers++ {
		if _, ok := a.run(nil, unbounded, m.ConstructionLayers); ok {
			break
		}
	}
	for m.AnalysisLayers = 0; ; m.AnalysisLayers++ {
		if _, ok := a.run(nil, m.AnalysisLayers, m.ConstructionLayers); ok {
			break
		}
	}
	used, _ := a.run(nil, m.AnalysisLayers, m.ConstructionLayers)
	n, exact := a.fewestKeyed(used, m.AnalysisLayers, m.ConstructionLayers, len(used))
	m.KeyedDeconstructions = n
	return m, exact, nil
}

// Within reports whether the trace is within the bounds b: an adversary
// within them derives every knowledge event's message at its time.
// When there are too many sets of keyed deconstructions to try, it
// answers for the sets tried (and says so with exact false).
func Within(th *rules.Theory, tr *rules.Trace, b Bounds) (ok, exact bool) {
	a := newMeasurer(th, tr)
	if own, foreign := a.exponents(); foreign > 0 || a.dh && own > b.OwnExponents {
		return false, true
	}
	used, ok := a.run(nil, b.AnalysisLayers, b.ConstructionLayers)
	if !ok {
		return false, true
	}
	n, exact := a.fewestKeyed(used, b.AnalysisLayers, b.ConstructionLayers, b.KeyedDeconstructions)
	return n <= b.KeyedDeconstructions, exact
}

// fewestKeyed returns the size of the smallest subset of cands (keyed
// deconstructions) with which the trace's events are derivable, trying
// sizes up to limit.
func (a *measurer) fewestKeyed(cands []string, an, con, limit int) (int, bool) {
	sort.Strings(cands)
	tried := 0
	var pick func(start, left int, set map[string]bool) bool
	pick = func(start, left int, set map[string]bool) bool {
		if left == 0 {
			tried++
			_, ok := a.run(set, an, con)
			return ok
		}
		for i := start; i < len(cands) && tried < maxSubsets; i++ {
			set[cands[i]] = true
			ok := pick(i+1, left-1, set)
			delete(set, cands[i])
			if ok {
				return true
			}
		}
		return false
	}
	for n := 0; n <= limit && n <= len(cands); n++ {
		if pick(0, n, map[string]bool{}) {
			return n, true
		}
		if tried >= maxSubsets {
			return len(cands), false
		}
	}
	return len(cands), true
}

// decon is a deconstruction rule from an equation: knowing an instance of
// main (argument idx of the left side) and the sides gives the right side,
// which sits at path in main.
type decon struct {
	eq    *rules.Equation
	index int
	main  *rules.Term
	path  []int
	sides []*rules.Term
}

func (d *decon) key(t *rules.Term) string { return fmt.Sprintf("%d:%s", d.index, t) }

type measurer struct {
	th          *rules.Theory
	tr          *rules.Trace
	keyless     []*decon
	keyed       []*decon
	reducible   map[string]bool
	public      map[string]bool
	protoFresh  map[string]bool
	freshConsts map[string]bool
	dh          bool
	failed      *rules.KEvent // the event the last failed run could not derive
	// sent holds the variable occurrences of Out conclusions whose
	// variable occurs in an In premise of the same rule under pairs only
	// (the encoder's knownVariables computes its own version on the
	// refined rules; this one is written from the definition)
	sent map[*rules.Term]bool
}

// markSent adds the occurrences of r's Out conclusions that hold a value
// the adversary sent itself in r's In premises (under pairs only: it
// built or forwarded that message, so it had the value).
func (a *measurer) markSent(r *rules.Rule) {
	in := map[rules.Var]bool{}
	var pairs func(t *rules.Term)
	pairs = func(t *rules.Term) {
		switch {
		case t.Kind == rules.TVar:
			in[t.Var] = true
		case t.IsApp(rules.FunPair):
			for _, x := range t.Args {
				pairs(x)
			}
		}
	}
	for _, p := range r.Premises {
		if p.Name == rules.FactIn && len(p.Args) == 1 {
			pairs(p.Args[0])
		}
	}
	var mark func(t *rules.Term)
	mark = func(t *rules.Term) {
		if t.Kind == rules.TVar && in[t.Var] {
			a.sent[t] = true
		}
		for _, x := range t.Args {
			mark(x)
		}
	}
	for _, c := range r.Conclusions {
		if c.Name == rules.FactOut {
			for _, x := range c.Args {
				mark(x)
			}
		}
	}
}

func newMeasurer(th *rules.Theory, tr *rules.Trace) *measurer {
	a := &measurer{th: th, tr: tr, reducible: th.ReducibleSymbols(), public: map[string]bool{},
		protoFresh: map[string]bool{}, freshConsts: th.FreshConstants(), dh: th.HasBuiltin("diffie-hellman"),
		sent: map[*rules.Term]bool{}}
	for _, f := range th.Functions {
		if !f.Private {
			a.public[f.Name] = true
		}
	}
	for i, e := range th.Equations {
		if e.LHS.Kind != rules.TApp || e.RHS.IsGround() {
			continue
		}
		for ai, m := range e.LHS.Args {
			if ai != mainArgument(e) {
				continue
			}
			// nil for a right side that is no subterm: its result is a value
			p := pathOf(m, e.RHS)
			d := &decon{eq: e, index: i, main: m, path: p}
			for j, s := range e.LHS.Args {
				if j != ai {
					d.sides = append(d.sides, s)
				}
			}
			if len(d.sides) == 0 {
				a.keyless = append(a.keyless, d)
			} else {
				a.keyed = append(a.keyed, d)
			}
			break
		}
	}
	marked := map[*rules.Rule]bool{}
	for _, st := range tr.Steps {
		if !marked[st.Rule] {
			marked[st.Rule] = true
			a.markSent(st.Rule)
		}
		for _, p := range st.Rule.Premises {
			if p.Name == rules.FactFr && len(p.Args) == 1 {
				if v := st.Subst.Apply(p.Args[0]); v.Kind == rules.TFresh {
					a.protoFresh[v.Name] = true
				}
			}
		}
	}
	return a
}

// pathOf returns the path of the first occurrence of u in t, or nil.
func pathOf(t, u *rules.Term) []int {
	if t.Equal(u) {
		return []int{}
	}
	for i, c := range t.Args {
		if p := pathOf(c, u); p != nil {
			return append([]int{i}, p...)
		}
	}
	return nil
}

// status is where a known message sits: at a pattern position (pat, a
// function application or constant of a written pattern), or a value at
// an analysis layer. sent marks a value the adversary sent itself (at a
// variable of the step's own In premises under pairs): it is not
// received anew.
type status struct {
	pat   *rules.Term
	layer int
	sent  bool
}

// statusOf is the status of a part written as p.
func (a *measurer) statusOf(p *rules.Term) status {
	switch {
	case a.sent[p]:
		return status{sent: true}
	case p.Kind == rules.TPub || p.Kind == rules.TFresh:
		return status{pat: p}
	case p.Kind == rules.TApp && !a.reducible[p.Name]:
		return status{pat: p}
	}
	return status{}
}

// knowledge is what the adversary knows at one time.
type knowledge struct {
	a     *measurer
	items map[string][]status
	terms map[string]*rules.Term
	work  []string
	// keyed: the keyed deconstructions allowed (nil: all), and those
	// applied so far
	allowed map[string]bool
	applied map[string]bool
	an, con int
}

func (k *knowledge) add(t *rules.Term, st status) {
	if st.sent {
		return
	}
	key := t.String()
	for _, s := range k.items[key] {
		if s.pat == st.pat && (st.pat != nil || s.layer <= st.layer) {
			return
		}
	}
	k.items[key] = append(k.items[key], st)
	k.terms[key] = t
	k.work = append(k.work, key)
}

func (k *knowledge) known(t *rules.Term) bool { return len(k.items[t.String()]) > 0 }

// within reports whether the path to the result of a deconstruction with
// main pattern main runs within the written structure pat (every
// application on the path sits at an application of the same symbol in
// pat; the rest of the match may look into values), and returns the
// status of the part at the path.
func (a *measurer) within(main, pat *rules.Term, path []int) (status, bool) {
	if path == nil {
		return status{}, false
	}
	q, p := main, pat
	for _, i := range path {
		if p.Kind != rules.TApp || a.reducible[p.Name] || p.Name != q.Name || len(p.Args) != len(q.Args) {
			return status{}, false
		}
		q, p = q.Args[i], p.Args[i]
	}
	return a.statusOf(p), true
}

// close takes apart everything newly known.
func (k *knowledge) close() {
	a := k.a
	for {
		for len(k.work) > 0 {
			key := k.work[len(k.work)-1]
			k.work = k.work[:len(k.work)-1]
			t := k.terms[key]
			for _, st := range append([]status{}, k.items[key]...) {
				for _, d := range a.keyless {
					s := rules.Subst{}
					if !rules.Match(d.main, t, s) {
						continue
					}
					r := a.th.Normalize(s.Apply(d.eq.RHS))
					if !a.th.Normalize(s.Apply(d.eq.LHS)).Equal(r) {
						continue
					}
					if st.pat != nil {
						if rs, ok := a.within(d.main, st.pat, d.path); ok {
							k.add(r, rs)
							continue
						}
					}
					if st.layer+1 <= k.an {
						k.add(r, status{layer: st.layer + 1})
					}
				}
			}
		}
		if !k.keyedRound() {
			return
		}
	}
}

// keyedRound applies the allowed keyed deconstructions whose side
// arguments are derivable; it reports whether something was learned.
func (k *knowledge) keyedRound() bool {
	a := k.a
	progress := false
	keys := make([]string, 0, len(k.items))
	for key := range k.items {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		t := k.terms[key]
		for _, d := range a.keyed {
			id := d.key(t)
			if k.applied[id] || k.allowed != nil && !k.allowed[id] {
				continue
			}
			s := rules.Subst{}
			if !rules.Match(d.main, t, s) {
				continue
			}
			ok := true
			for _, side := range d.sides {
				for _, v := range side.Vars(nil) {
					if _, bound := s[v]; !bound {
						s[v] = choice(v)
					}
				}
				if !k.pattern(side, s, k.con) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			r := a.th.Normalize(s.Apply(d.eq.RHS))
			if !a.th.Normalize(s.Apply(d.eq.LHS)).Equal(r) {
				continue
			}
			k.applied[id] = true
			progress = true
			for _, st := range k.items[key] {
				if st.pat != nil {
					if rs, ok := a.within(d.main, st.pat, d.path); ok {
						k.add(r, rs)
						continue
					}
				}
				k.add(r, status{})
			}
		}
	}
	return progress
}

// pattern reports whether the adversary derives the message p·s, p's
// written structure being free and values having c construction layers.
func (k *knowledge) pattern(p *rules.Term, s rules.Subst, c int) bool {
	a := k.a
	t := a.th.Normalize(s.Apply(p))
	if !t.IsGround() {
		return false
	}
	if k.known(t) {
		return true
	}
	switch p.Kind {
	case rules.TVar:
		return k.value(t, c)
	case rules.TPub:
		return true
	case rules.TFresh:
		return false
	}
	if a.reducible[p.Name] || a.dh && rules.IsDHSymbol(p.Name) {
		return k.value(t, c)
	}
	if !a.public[p.Name] || t.Kind != rules.TApp || t.Name != p.Name || len(t.Args) != len(p.Args) {
		return false
	}
	for _, q := range p.Args {
		if !k.pattern(q, s, c) {
			return false
		}
	}
	return true
}

// value reports whether the adversary derives the ground normal term t
// with at most c construction layers.
func (k *knowledge) value(t *rules.Term, c int) bool {
	a := k.a
	if k.known(t) {
		return true
	}
	switch t.Kind {
	case rules.TPub:
		return true
	case rules.TFresh:
		return !a.protoFresh[t.Name] && !a.freshConsts[t.Name]
	case rules.TApp:
		if a.dh && rules.IsDHSymbol(t.Name) && t.Name != rules.FunOne {
			return k.dhValue(t, c)
		}
		if !a.public[t.Name] {
			return false
		}
		if len(t.Args) == 0 {
			return true
		}
		if c <= 0 {
			return false
		}
		for _, x := range t.Args {
			if !k.value(x, c-1) {
				return false
			}
		}
		return true
	}
	return false
}

// run replays the adversary's knowledge along the trace with the keyed
// deconstructions in allowed (nil: any) and checks every knowledge event.
// It returns the keyed deconstructions it applied and whether every event
// was derivable.
func (a *measurer) run(allowed map[string]bool, an, con int) ([]string, bool) {
	tr := a.tr
	k := &knowledge{a: a, items: map[string][]status{}, terms: map[string]*rules.Term{}, allowed: allowed,
		applied: map[string]bool{}, an: an, con: con}
	evs := append([]*rules.KEvent{}, tr.KEvents...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time < evs[j].Time })
	next := 0
	check := func(before int64) bool {
		for ; next < len(evs) && evs[next].Time < before; next++ {
			if !a.event(k, evs[next]) {
				a.failed = evs[next]
				return false
			}
		}
		return true
	}
	for i, st := range tr.Steps {
		if !check(tr.Time(i)) {
			return nil, false
		}
		for _, c := range st.Rule.Conclusions {
			if c.Name != rules.FactOut || len(c.Args) != 1 {
				continue
			}
			k.add(a.th.Normalize(st.Subst.Apply(c.Args[0])), a.statusOf(c.Args[0]))
		}
		k.close()
	}
	if !check(1 << 62) {
		return nil, false
	}
	var used []string
	for id := range k.applied {
		used = append(used, id)
	}
	sort.Strings(used)
	return used, true
}

// event checks one knowledge event.
func (a *measurer) event(k *knowledge, ev *rules.KEvent) bool {
	if ev.InStep >= 0 && ev.InStep < len(a.tr.Steps) {
		st := a.tr.Steps[ev.InStep]
		if ev.InPremise < len(st.Rule.Premises) {
			p := st.Rule.Premises[ev.InPremise]
			if p.Name == rules.FactIn && len(p.Args) == 1 {
				return k.pattern(p.Args[0], st.Subst, k.con)
			}
		}
	}
	if ev.Pattern != nil {
		return k.pattern(ev.Pattern, ev.Bind, k.con)
	}
	return k.value(a.th.Normalize(ev.Term), k.con)
}

// MeasureText describes a measure for people.
func MeasureText(m Bounds, exact bool) string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	s := strings.Join([]string{
		plural(m.KeyedDeconstructions, "keyed deconstruction", "keyed deconstructions"),
		plural(m.AnalysisLayers, "analysis layer", "analysis layers"),
		plural(m.ConstructionLayers, "construction layer", "construction layers"),
	}, ", ")
	if m.OwnExponents > 0 {
		s += ", " + plural(m.OwnExponents, "exponent of its own", "exponents of its own")
	}
	if m.ForeignExponents > 0 {
		s += ", " + plural(m.ForeignExponents, "exponent beyond the definitions", "exponents beyond the definitions")
	}
	if !exact {
		s = "at most " + s
	}
	return s
}

// dhValue reports whether the adversary derives an exponentiation or a
// product t with its DH abilities, which cost no construction layer:
// b^(e*d) from a known b^e or from a base b it derives (e = 1), where d is
// a product of atoms it derives (with c construction layers); a product
// likewise. An atom of a known product with multiplicity ±1 is derived
// when the product's other atoms are.
func (k *knowledge) dhValue(t *rules.Term, c int) bool {
	atoms := func(fs []rules.Factor) bool {
		for _, f := range fs {
			if !k.dhAtom(f.Atom, c) {
				return false
			}
		}
		return true
	}
	if t.IsApp(rules.FunExp) {
		base, e := rules.ExpOf(t)
		for _, kt := range k.terms {
			kb, f := rules.ExpOf(kt)
			if len(f) > 0 && kb.Equal(base) && atoms(rules.Quotient(e, f)) {
				return true
			}
		}
		return k.value(base, c) && atoms(e)
	}
	p := rules.ProductOf(t)
	for _, kt := range k.terms {
		if (kt.IsApp(rules.FunMult) || kt.IsApp(rules.FunInv)) && atoms(rules.Quotient(p, rules.ProductOf(kt))) {
			return true
		}
	}
	return atoms(p)
}

// dhAtom reports whether the adversary derives an atom of a product.
func (k *knowledge) dhAtom(a *rules.Term, c int) bool {
	if k.value(a, c) {
		return true
	}
	for _, kt := range k.terms {
		if !kt.IsApp(rules.FunMult) && !kt.IsApp(rules.FunInv) {
			continue
		}
		found, ok := false, true
		for _, f := range rules.ProductOf(kt) {
			if f.Atom.Equal(a) && (f.N == 1 || f.N == -1) {
				found = true
			} else if !k.value(f.Atom, c) {
				ok = false
			}
		}
		if found && ok {
			return true
		}
	}
	return false
}

// exponents returns how many fresh names of its own the adversary uses as
// exponent atoms, and how many other exponent atoms of the trace are
// neither public constants of the model nor values of factors a rule
// writes in an exponent (other than a message variable).
func (a *measurer) exponents() (own, foreign int) {
	if !a.dh {
		return 0, 0
	}
	allowed := map[string]bool{}
	for _, c := range quotedPublicConstants(a.th) {
		allowed[c] = true
	}
	if formulasUseDH(a.th) {
		// the formulas may speak of any name as an exponent
		for n := range a.protoFresh {
			allowed[rules.NewFreshConst(n).String()] = true
		}
	}
	var terms []*rules.Term
	written := func(arg *rules.Term, sub rules.Subst) {
		arg.Walk(func(p *rules.Term) bool {
			if p.Kind == rules.TApp && rules.IsDHSymbol(p.Name) && p.Name != rules.FunOne {
				args := p.Args
				if p.Name == rules.FunExp {
					args = args[1:]
				}
				for _, x := range args {
					factors(x, func(w *rules.Term) {
						if w.Kind != rules.TVar || w.Var.Sort != rules.SortMsg {
							for _, f := range rules.ProductOf(a.th.Normalize(sub.Apply(w))) {
								allowed[f.Atom.String()] = true
							}
						}
					})
				}
			}
			return true
		})
	}
	for _, ev := range a.tr.KEvents {
		if ev.Pattern != nil {
			written(ev.Pattern, ev.Bind)
		}
	}
	for _, st := range a.tr.Steps {
		for _, fs := range [][]*rules.Fact{st.Rule.Premises, st.Rule.Actions, st.Rule.Conclusions} {
			for _, f := range fs {
				for _, arg := range f.Args {
					written(arg, st.Subst)
					terms = append(terms, a.th.Normalize(st.Subst.Apply(arg)))
				}
			}
		}
	}
	for _, ev := range a.tr.KEvents {
		terms = append(terms, a.th.Normalize(ev.Term))
	}
	ownAtoms, foreignAtoms := map[string]bool{}, map[string]bool{}
	check := func(t *rules.Term) {
		switch {
		case allowed[t.String()]:
		case t.Kind == rules.TFresh && !a.freshConsts[t.Name] && !a.protoFresh[t.Name]:
			ownAtoms[t.Name] = true
		default:
			foreignAtoms[t.String()] = true
		}
	}
	for _, t := range terms {
		t.Walk(func(u *rules.Term) bool {
			switch {
			case u.IsApp(rules.FunExp):
				for _, f := range rules.ProductOf(u.Args[1]) {
					check(f.Atom)
				}
			case u.IsApp(rules.FunMult), u.IsApp(rules.FunInv):
				for _, f := range rules.ProductOf(u) {
					check(f.Atom)
				}
			}
			return true
		})
	}
	return len(ownAtoms), len(foreignAtoms)
}

// factors calls visit with the factors of a written exponent: the parts
// of products and inverses that are no DH operation themselves.
func factors(t *rules.Term, visit func(*rules.Term)) {
	if t.Kind == rules.TApp && (t.Name == rules.FunMult || t.Name == rules.FunInv) {
		for _, a := range t.Args {
			factors(a, visit)
		}
		return
	}
	if t.IsApp(rules.FunOne) {
		return
	}
	visit(t)
}

// formulasUseDH reports whether a lemma or restriction applies a
// Diffie–Hellman operator.
func formulasUseDH(th *rules.Theory) bool {
	var fs []rules.Formula
	for _, r := range th.Restrictions {
		fs = append(fs, r.Formula)
	}
	for _, l := range th.Lemmas {
		fs = append(fs, l.Formula)
	}
	found := false
	for _, f := range fs {
		rules.WalkFormula(f, func(g rules.Formula) {
			at, ok := g.(*rules.Atom)
			if !ok {
				return
			}
			ts := []*rules.Term{at.L, at.R}
			if at.Fact != nil {
				ts = append(ts, at.Fact.Args...)
			}
			for _, t := range ts {
				if t != nil && hasDH(t) {
					found = true
				}
			}
		})
	}
	return found
}

// abbrev shortens s to at most n bytes for messages.
func abbrev(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// quotedPublicConstants returns the public constants a theory writes, as
// terms print them ('c').
func quotedPublicConstants(th *rules.Theory) []string {
	out := th.PublicConstants()
	for i, n := range out {
		out[i] = "'" + n + "'"
	}
	return out
}
