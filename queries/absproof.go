package queries

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tracebound/tracebound/rules"
)

// An abstract interpretation that proves lemmas at every depth, in the
// style of ProVerif's Horn-clause abstraction (docs/design.md, "Proofs
// at every depth"). Every trace of the model is covered by one
// over-approximating fixpoint: facts are never consumed, each fresh value
// is named by the rule and variable that created it and by the public
// names its rule instance was about (in a second pass, also by the
// adversary's inputs and other fresh values), and a message the adversary
// chose is "some term it can derive". A lemma holds at every depth when
// the negation of each of its disjuncts is impossible in that fixpoint:
//
//   - secrecy: the terms of its K(t) atoms are not derivable for any
//     abstract instance of one of its actions;
//   - agreement: the other action it asks for was recorded when the
//     fresh value in the first action's arguments was created, or by
//     every sender of a received message the adversary cannot build;
//   - an action it needs is never recorded.
//
// A disjunct's conditions "not (Ex #r. Reveal(A) @ #r)" (guards) are used
// by a case split: each variable such a guard names is one public
// constant of the model, a distinguished public name no constant is, or
// no public name at all, and in the first two cases no rule instance
// whose action is Reveal(that name) is part of the fixpoint. Every other
// conjunct of the lemma's negation (time order, equalities, further
// negations) is dropped, which only makes the attack easier. The
// theory's restrictions are ignored, which only adds traces.
//
// The abstraction takes the free theories only: no AC operator, rules
// without destructors in premises and conclusions, equations whose right
// side is a variable of the left or ground.

type akind uint8

const (
	aPub     akind = iota // a public constant 'c' of the model
	aStar                 // a public name that is neither a constant nor distinguished
	aDist                 // distinguished public name n (an agent of the case)
	aName                 // a fresh value: site and index
	aFreshC               // a fresh constant ~'c'
	aApp                  // f(args)
	aKnown                // some term the adversary can derive
	aAny                  // any term at all
	aNP                   // (lemma variables only) any term that is not a public name
	aKnownNP              // some term the adversary can derive that is not a public name
)

// aterm is an abstract term, interned: equal abstract terms are the same
// pointer.
type aterm struct {
	kind  akind
	name  string // pub constant, function symbol, site
	n     int    // aDist
	args  []*aterm
	depth int
	id    int
	key   string
}

func (t *aterm) public() bool { return t.kind == aPub || t.kind == aStar || t.kind == aDist }

// exact reports whether t stands for one concrete term (fresh values
// apart, which stand for several).
func (t *aterm) exact() bool {
	switch t.kind {
	case aPub, aDist, aFreshC:
		return true
	case aApp:
		for _, a := range t.args {
			if !a.exact() {
				return false
			}
		}
		return true
	}
	return false
}

func (t *aterm) String() string {
	switch t.kind {
	case aPub:
		return "'" + t.name + "'"
	case aStar:
		return "$other"
	case aDist:
		return "$agent" + strconv.Itoa(t.n)
	case aFreshC:
		return "~'" + t.name + "'"
	case aKnown:
		return "⊤K"
	case aKnownNP:
		return "⊤Knp"
	case aAny:
		return "⊤"
	case aNP:
		return "⊤np"
	}
	var b strings.Builder
	if t.kind == aName {
		b.WriteString("~" + t.name + "[")
	} else {
		b.WriteString(t.name + "(")
	}
	for i, a := range t.args {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(a.String())
	}
	if t.kind == aName {
		b.WriteString("]")
	} else {
		b.WriteString(")")
	}
	return b.String()
}

// pat is a compiled pattern: a rule's or a formula's term over numbered
// variables.
type pat struct {
	kind uint8 // pVar, pPub, pFresh, pApp, pOpaque
	v    int
	sort rules.Sort
	name string
	args []*pat
}

const (
	pVar uint8 = iota
	pPub
	pFresh
	pApp
	pOpaque // a destructor application in an action: any term
)

// aiRule is a rule prepared for the fixpoint.
type aiRule struct {
	r       *rules.Rule
	nvars   int
	vars    []rules.Var
	state   [][]*pat // state premises' arguments
	stateK  []rules.FactKey
	ins     []*pat
	fresh   []int // variables of Fr premises
	pubFree []int // $-variables bound by no premise
	msgFree []int // other variables bound by no premise
	acts    []aiFact
	concl   []aiFact
	outs    []*pat
}

type aiFact struct {
	name string // name/arity for actions
	key  rules.FactKey
	args []*pat
}

type aiEq struct {
	lhs []*pat // the left side's arguments
	rhs *pat
	nv  int
}

// tupleSet is a set of abstract facts' arguments.
type tupleSet struct {
	tuples [][]*aterm
	seen   map[string]bool
}

func (s *tupleSet) add(tu []*aterm) bool {
	k := envKey(tu, 0)
	if s.seen[k] {
		return false
	}
	s.seen[k] = true
	s.tuples = append(s.tuples, tu)
	return true
}

// aiModel is the part of the abstraction that depends on the theory only.
type aiModel struct {
	th      *rules.Theory
	rs      []*aiRule
	eqs     []aiEq
	private map[string]bool
	consts  []string
	dmax    int
	why     string // why the theory is not supported, or ""
	// sitePub marks, per fresh value's site, the places of its index
	// that are $-variables: always a public name, never "any".
	sitePub map[string][]bool
	// outgrown are the fixpoints that outgrew their limits in an earlier
	// proof (of another lemma, or of the same one on another worker), by
	// key: how long each ran before its time was over, 0 for one past its
	// instance limit. A later proof does not compute them again, unless it
	// has at least twice that time left.
	mu       sync.Mutex
	outgrown map[string]time.Duration
	// pool keeps the fixpoints earlier proofs completed, by key, for the
	// proofs of the model's other lemmas (the same cases recur: NSL's
	// three proofs share their 26 fixpoints); a proof takes one out while
	// it uses it, since a refutation writes to it. pooled is the pool's
	// abstract rule instances, at most aiPoolLimit.
	pool   map[string]*aiFix
	pooled int
}

// aiPoolLimit bounds the abstract rule instances a model keeps in its
// pool of fixpoints: about 600 bytes each (AS_Concrete_RPC's 320 000
// hold 182 MB of heap).
const aiPoolLimit = aiLimit

// take removes the fixpoint of key from the pool, or returns nil.
func (m *aiModel) take(key string) *aiFix {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.pool[key]
	if f != nil {
		delete(m.pool, key)
		m.pooled -= f.size
	}
	return f
}

// keep puts the completed fixpoint f of key in the pool, if there is room.
func (m *aiModel) keep(key string, f *aiFix) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pool == nil {
		m.pool = map[string]*aiFix{}
	}
	if m.pool[key] != nil || m.pooled+f.size > aiPoolLimit {
		return
	}
	m.pool[key] = f
	m.pooled += f.size
}

// hopeless reports whether the fixpoint of key outgrew its limits before
// and would again within left.
func (m *aiModel) hopeless(key string, left time.Duration) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.outgrown[key]
	return ok && (d == 0 || left < 2*d)
}

func (m *aiModel) outgrew(key string, ran time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.outgrown == nil {
		m.outgrown = map[string]time.Duration{}
	}
	if d, ok := m.outgrown[key]; !ok || d != 0 && ran > d {
		m.outgrown[key] = ran
	}
}

// guardBlock drops the rule instances recording action name with exactly
// these arguments.
type guardBlock struct {
	action string // name/arity
	args   []*aterm
}

// aiFix is one fixpoint: the abstraction with nd distinguished names and
// the blocks of one case.
type aiFix struct {
	m       *aiModel
	terms   map[string]*aterm
	pubVals []*aterm
	known   *aterm
	knownNP *aterm
	any     *aterm
	facts   map[rules.FactKey]*tupleSet
	// created records, per site, the abstract instances' actions with
	// the created value: for the agreement argument.
	created map[string][]createdAt
	know    []*aterm
	inKnow  map[*aterm]bool
	byHead  map[string][]*aterm
	// bySig and wild index the learnt applications by the outline of
	// their first argument (termSig); wild are those it leaves open.
	bySig map[string][]*aterm
	wild  map[string][]*aterm
	// bySig2 and wild2 index them by the first argument's outline and
	// the last's (a key: names with their public names).
	bySig2  map[string][]*aterm
	wild2   map[string][]*aterm
	topKnow bool
	kver    int
	dmemo   map[*aterm]bool
	dver    int
	blocks  []guardBlock
	fired   map[string]bool
	rich    bool    // rich names (free)
	split   [][]int // per rule, the variables free splits (agentSplit)
	keyBuf  []byte
	insts   [][][]*aterm // per rule, its abstract instances
	actRecs map[string][]actRec
	stop    <-chan struct{}
	steps   int
	changed bool
	size    int
	limit   int
	clk     *aiClock
	over    bool // past the instance limit or the time, or stopped
	stopped bool // stopped from outside (the lemma's context)
}

// actRec is an abstract instance's action: its arguments, the rule and
// the instance's values of the rule's variables.
type actRec struct {
	args []*aterm
	rule int
	env  []*aterm
}

type createdAt struct {
	name *aterm
	rule int
	acts [][]*aterm // per action of the rule
	site int        // variable of the created value
}

func newAIModel(th *rules.Theory) *aiModel {
	m := &aiModel{th: th, private: map[string]bool{}, consts: th.PublicConstants()}
	for _, b := range th.Builtins {
		switch b {
		case "diffie-hellman", "bilinear-pairing", "xor", "multiset", "natural-numbers", "reliable-channel":
			m.why = "builtin " + b
			return m
		}
	}
	for _, f := range th.Functions {
		if f.Private {
			m.private[f.Name] = true
		}
	}
	red := th.ReducibleSymbols()
	depth := 1
	for _, r := range th.Rules {
		if r.Modulo == "AC" {
			m.why = "rule " + r.Name + " modulo AC"
			return m
		}
		ar := &aiRule{r: r}
		idx := map[rules.Var]int{}
		var bad string
		var compile func(t *rules.Term, inAction bool) *pat
		compile = func(t *rules.Term, inAction bool) *pat {
			depth = max(depth, t.Depth())
			switch t.Kind {
			case rules.TVar:
				i, ok := idx[t.Var]
				if !ok {
					if t.Var.Sort == rules.SortNat || t.Var.Sort == rules.SortTemporal {
						bad = "variable " + t.Var.String()
					}
					i = len(ar.vars)
					idx[t.Var] = i
					ar.vars = append(ar.vars, t.Var)
				}
				return &pat{kind: pVar, v: i, sort: t.Var.Sort}
			case rules.TPub:
				return &pat{kind: pPub, name: t.Name}
			case rules.TFresh:
				return &pat{kind: pFresh, name: t.Name}
			}
			if red[t.Name] || t.Name == rules.FunFst || t.Name == rules.FunSnd || t.Name == rules.FunDiff {
				if inAction {
					t.Walk(func(u *rules.Term) bool {
						if u.Kind == rules.TVar {
							compile(u, true)
						}
						return true
					})
					return &pat{kind: pOpaque}
				}
				bad = "destructor " + t.Name + " in rule " + r.Name
			}
			p := &pat{kind: pApp, name: t.Name}
			for _, a := range t.Args {
				p.args = append(p.args, compile(a, inAction))
			}
			return p
		}
		compileFact := func(f *rules.Fact, inAction bool) aiFact {
			af := aiFact{name: f.Name + "/" + strconv.Itoa(len(f.Args)), key: f.Key()}
			for _, a := range f.Args {
				af.args = append(af.args, compile(a, inAction))
			}
			return af
		}
		for _, f := range r.Premises {
			switch f.Name {
			case rules.FactIn:
				if len(f.Args) != 1 {
					bad = "In/" + strconv.Itoa(len(f.Args))
					break
				}
				ar.ins = append(ar.ins, compile(f.Args[0], false))
			case rules.FactFr:
				if len(f.Args) != 1 || f.Args[0].Kind != rules.TVar {
					bad = "Fr of a non-variable"
					break
				}
				ar.fresh = append(ar.fresh, compile(f.Args[0], false).v)
			case rules.FactK, rules.FactKU, rules.FactKD, rules.FactOut:
				bad = f.Name + " premise"
			default:
				af := compileFact(f, false)
				ar.state = append(ar.state, af.args)
				ar.stateK = append(ar.stateK, af.key)
			}
		}
		// the premises bind the variables so far; the others are free
		nPrem := len(ar.vars)
		for _, f := range r.Actions {
			ar.acts = append(ar.acts, compileFact(f, true))
		}
		for _, f := range r.Conclusions {
			switch f.Name {
			case rules.FactOut:
				if len(f.Args) != 1 {
					bad = "Out/" + strconv.Itoa(len(f.Args))
					break
				}
				ar.outs = append(ar.outs, compile(f.Args[0], false))
			case rules.FactIn, rules.FactFr, rules.FactK, rules.FactKU, rules.FactKD:
				bad = f.Name + " conclusion"
			default:
				ar.concl = append(ar.concl, compileFact(f, false))
			}
		}
		for i := nPrem; i < len(ar.vars); i++ {
			if ar.vars[i].Sort == rules.SortPub {
				ar.pubFree = append(ar.pubFree, i)
			} else {
				ar.msgFree = append(ar.msgFree, i)
			}
		}
		ar.nvars = len(ar.vars)
		if bad != "" {
			m.why = bad
			return m
		}
		m.rs = append(m.rs, ar)
	}
	for _, e := range th.Equations {
		if e.LHS.Kind != rules.TApp {
			m.why = "equation " + e.String()
			return m
		}
		idx := map[rules.Var]int{}
		var comp func(t *rules.Term) *pat
		comp = func(t *rules.Term) *pat {
			switch t.Kind {
			case rules.TVar:
				i, ok := idx[t.Var]
				if !ok {
					i = len(idx)
					idx[t.Var] = i
				}
				return &pat{kind: pVar, v: i, sort: t.Var.Sort}
			case rules.TPub:
				return &pat{kind: pPub, name: t.Name}
			case rules.TFresh:
				return &pat{kind: pFresh, name: t.Name}
			}
			p := &pat{kind: pApp, name: t.Name}
			for _, a := range t.Args {
				p.args = append(p.args, comp(a))
			}
			return p
		}
		eq := aiEq{}
		for _, a := range e.LHS.Args {
			eq.lhs = append(eq.lhs, comp(a))
		}
		if e.RHS.IsGround() {
			continue // a ground right side is a public constant
		}
		if e.RHS.Kind != rules.TVar || !e.LHS.HasVar(e.RHS.Var) {
			m.why = "equation " + e.String()
			return m
		}
		eq.rhs = comp(e.RHS)
		eq.nv = len(idx)
		m.eqs = append(m.eqs, eq)
	}
	m.dmax = 2*depth + 4
	m.sitePub = map[string][]bool{}
	pubVars := m.alwaysPublic()
	for ri, ar := range m.rs {
		for _, v := range ar.fresh {
			m.sitePub[ar.r.Name+"/"+ar.vars[v].String()] = pubVars[ri]
		}
	}
	return m
}

// alwaysPublic returns, per rule, the variables whose value is a public
// name in every instance: $-variables, and those at a state premise's
// place that every rule producing the fact fills with a public name.
func (m *aiModel) alwaysPublic() [][]bool {
	type place struct {
		key rules.FactKey
		i   int
	}
	notPub := map[place]bool{}
	vars := make([][]bool, len(m.rs))
	for changed := true; changed; {
		changed = false
		for ri, ar := range m.rs {
			pv := make([]bool, len(ar.vars))
			for i, v := range ar.vars {
				pv[i] = v.Sort == rules.SortPub
			}
			for j, args := range ar.state {
				for i, q := range args {
					if q.kind == pVar && !notPub[place{ar.stateK[j], i}] {
						pv[q.v] = true
					}
				}
			}
			vars[ri] = pv
			for _, c := range ar.concl {
				for i, q := range c.args {
					pub := q.kind == pPub || q.kind == pVar && pv[q.v]
					if !pub && !notPub[place{c.key, i}] {
						notPub[place{c.key, i}], changed = true, true
					}
				}
			}
		}
	}
	return vars
}

// agentSplit chooses the variables a rule instance splits when the
// adversary chose them: those at an agent's position (a top-level
// argument of an action or a state fact where some rule has a public
// variable, or a variable at such a position elsewhere in the rule).
func (m *aiModel) agentSplit() [][]int {
	type posKey struct {
		fact string
		i    int
	}
	agent := map[posKey]bool{}
	factName := func(f aiFact) string { return fmt.Sprint(f.key) }
	each := func(ar *aiRule, visit func(k posKey, q *pat)) {
		for i, args := range ar.state {
			for j, q := range args {
				visit(posKey{fmt.Sprint(ar.stateK[i]), j}, q)
			}
		}
		for _, f := range ar.concl {
			for j, q := range f.args {
				visit(posKey{factName(f), j}, q)
			}
		}
		for _, f := range ar.acts {
			for j, q := range f.args {
				visit(posKey{"@" + f.name, j}, q)
			}
		}
	}
	// a place that some rule fills with a $-variable is an agent's
	for _, ar := range m.rs {
		each(ar, func(k posKey, q *pat) {
			if q.kind == pVar && q.sort == rules.SortPub {
				agent[k] = true
			}
		})
	}
	isAgent := make([]map[int]bool, len(m.rs))
	for changed := true; changed; {
		changed = false
		for ri, ar := range m.rs {
			if isAgent[ri] == nil {
				isAgent[ri] = map[int]bool{}
			}
			av := isAgent[ri]
			each(ar, func(k posKey, q *pat) {
				if q.kind == pVar && agent[k] && !av[q.v] {
					av[q.v], changed = true, true
				}
			})
			each(ar, func(k posKey, q *pat) {
				if q.kind == pVar && av[q.v] && !agent[k] {
					agent[k], changed = true, true
				}
			})
		}
	}
	split := make([][]int, len(m.rs))
	for ri, ar := range m.rs {
		for v := range ar.vars {
			if isAgent[ri][v] && ar.vars[v].Sort == rules.SortMsg {
				split[ri] = append(split[ri], v)
			}
		}
	}
	return split
}

func (f *aiFix) intern(t *aterm) *aterm {
	kb := f.keyBuf[:0]
	kb = append(kb, byte(t.kind))
	kb = binary.AppendUvarint(kb, uint64(t.n))
	kb = append(kb, t.name...)
	kb = append(kb, 0)
	d := 0
	for _, a := range t.args {
		kb = binary.AppendUvarint(kb, uint64(a.id))
		d = max(d, a.depth)
	}
	f.keyBuf = kb
	if u, ok := f.terms[string(kb)]; ok {
		return u
	}
	k := string(kb)
	t.key = k
	t.depth = d + 1
	t.id = len(f.terms) + 1
	f.terms[k] = t
	return t
}

func (f *aiFix) app(name string, args []*aterm) *aterm {
	t := f.intern(&aterm{kind: aApp, name: name, args: args})
	if t.depth > f.m.dmax {
		return f.any
	}
	return t
}

// meet returns an abstract term for the terms both a and b stand for, or
// nil when there are none. It may stand for more (an over-approximation).
func (f *aiFix) meet(a, b *aterm) *aterm {
	if a == b {
		return a
	}
	switch {
	case a.kind == aAny:
		return b
	case b.kind == aAny:
		return a
	case a.kind == aNP:
		if b.public() {
			return nil
		}
		return b
	case b.kind == aNP:
		return f.meet(b, a)
	case a.kind == aKnownNP:
		switch {
		case b.public():
			return nil
		case b.kind == aKnown:
			return a
		case f.derivable(b):
			return b
		}
		return nil
	case b.kind == aKnownNP:
		return f.meet(b, a)
	case a.kind == aKnown:
		if f.derivable(b) {
			return b
		}
		return nil
	case b.kind == aKnown:
		return f.meet(b, a)
	case a.kind != b.kind || a.name != b.name || len(a.args) != len(b.args):
		return nil
	case a.kind == aApp || a.kind == aName:
		args := make([]*aterm, len(a.args))
		for i := range a.args {
			if args[i] = f.meet(a.args[i], b.args[i]); args[i] == nil {
				return nil
			}
		}
		return f.intern(&aterm{kind: a.kind, name: a.name, args: args})
	}
	return nil // distinct constants, distinguished names
}

// derivable reports whether the adversary may derive a term t stands for.
func (f *aiFix) derivable(t *aterm) bool {
	switch t.kind {
	case aKnown, aKnownNP, aAny, aNP, aPub, aStar, aDist:
		return true
	}
	if f.topKnow {
		return true
	}
	if f.dver != f.kver {
		clear(f.dmemo)
		f.dver = f.kver
	}
	if r, ok := f.dmemo[t]; ok {
		return r
	}
	f.dmemo[t] = false // a term is not derived from itself
	r := false
	if t.kind == aApp && !f.m.private[t.name] {
		r = true
		for _, a := range t.args {
			if !f.derivable(a) {
				r = false
				break
			}
		}
	}
	if !r && t.kind == aApp {
		sg, ok := "", false
		if len(t.args) > 0 {
			sg, ok = termSig(t.args[0], 0)
		}
		sl, ok2 := "", false
		if len(t.args) > 1 {
			sl, ok2 = f.lastSig(t.args[len(t.args)-1])
		}
		f.learnt(t.name, func() (string, bool, string, bool) { return sg, ok, sl, ok2 }, func(s *aterm) {
			if !r && f.meet(s, t) != nil {
				r = true
			}
		})
	} else if !r {
		for _, s := range f.byHead[headOf(t)] {
			if f.meet(s, t) != nil {
				r = true
				break
			}
		}
	}
	f.dmemo[t] = r
	return r
}

// termSig outlines t for the index of learnt terms: its head, and for a
// pair its first part's, to two levels; false when a part at those levels
// is open (⊤K, ⊤), which may meet any outline.
func termSig(t *aterm, lvl int) (string, bool) {
	var sg string
	switch t.kind {
	case aApp:
		sg = "A" + t.name
		if t.name == rules.FunPair && lvl < 2 {
			sub, ok := termSig(t.args[0], lvl+1)
			if !ok {
				return "", false
			}
			sg += "(" + sub
		}
	case aPub:
		sg = "P" + t.name
	case aName:
		sg = "N" + t.name
	case aFreshC:
		sg = "F" + t.name
	case aDist:
		sg = "D" + strconv.Itoa(t.n)
	case aStar:
		sg = "S"
	default:
		return "", false
	}
	return sg, true
}

// lastSig outlines a last argument (a key): exact public values, and
// fresh values by their site and the public names of their index at the
// site's $-variables (never "any" there); false otherwise.
func (f *aiFix) lastSig(t *aterm) (string, bool) {
	switch t.kind {
	case aPub, aDist, aStar, aFreshC:
		return t.key, true
	case aName:
		b := []byte("N" + t.name + "[")
		for i, pub := range f.m.sitePub[t.name] {
			if pub && i < len(t.args) {
				b = binary.AppendUvarint(b, uint64(t.args[i].id))
			}
		}
		return string(b), true
	case aApp:
		if len(t.args) == 1 {
			s, ok := f.lastSig(t.args[0])
			return t.name + "(" + s, ok
		}
	}
	return "", false
}

// patSig is termSig for p's first argument under env, and lastSig for
// its last, computed when asked.
func (f *aiFix) patSig(p *pat, env []*aterm) func() (string, bool, string, bool) {
	return func() (string, bool, string, bool) {
		if len(p.args) == 0 {
			return "", false, "", false
		}
		sg, ok := patOutline(p.args[0], env, 0)
		sl, ok2 := "", false
		if len(p.args) > 1 {
			sl, ok2 = f.patLast(p.args[len(p.args)-1], env)
		}
		return sg, ok, sl, ok2
	}
}

func (f *aiFix) patLast(p *pat, env []*aterm) (string, bool) {
	switch p.kind {
	case pVar:
		if env[p.v] == nil {
			return "", false
		}
		return f.lastSig(env[p.v])
	case pApp:
		if len(p.args) == 1 {
			s, ok := f.patLast(p.args[0], env)
			return p.name + "(" + s, ok
		}
	}
	return "", false
}

func patOutline(p *pat, env []*aterm, lvl int) (string, bool) {
	switch p.kind {
	case pVar:
		if env[p.v] == nil {
			return "", false
		}
		return termSig(env[p.v], lvl)
	case pPub:
		return "P" + p.name, true
	case pFresh:
		return "F" + p.name, true
	case pApp:
		sg := "A" + p.name
		if p.name == rules.FunPair && lvl < 2 {
			sub, ok := patOutline(p.args[0], env, lvl+1)
			if !ok {
				return "", false
			}
			sg += "(" + sub
		}
		return sg, true
	}
	return "", false
}

// learnt calls visit with the learnt applications of f that may meet a
// term whose first argument has the outline sig gives.
func (f *aiFix) learnt(fn string, sig func() (string, bool, string, bool), visit func(*aterm)) {
	sg, ok, sl, ok2 := sig()
	if ok && ok2 {
		for _, s := range f.bySig2[fn+"\x00"+sg+"\x00"+sl] {
			visit(s)
		}
		for _, s := range f.wild2[fn] {
			visit(s)
		}
		return
	}
	if !ok {
		for _, s := range f.byHead[strconv.Itoa(int(aApp))+fn] {
			visit(s)
		}
		return
	}
	for _, s := range f.bySig[fn+"\x00"+sg] {
		visit(s)
	}
	for _, s := range f.wild[fn] {
		visit(s)
	}
}

func headOf(t *aterm) string { return strconv.Itoa(int(t.kind)) + t.name }

// addKnow adds t and its pairs' parts to the adversary's knowledge.
func (f *aiFix) addKnow(t *aterm) {
	switch t.kind {
	case aKnown, aKnownNP, aPub, aStar, aDist, aNP:
		return
	case aAny:
		if !f.topKnow {
			f.topKnow, f.changed = true, true
			f.kver++
		}
		return
	}
	if f.inKnow[t] {
		return
	}
	f.inKnow[t] = true
	f.know = append(f.know, t)
	f.byHead[headOf(t)] = append(f.byHead[headOf(t)], t)
	if t.kind == aApp && len(t.args) > 0 {
		sg, ok := termSig(t.args[0], 0)
		if ok {
			k := t.name + "\x00" + sg
			f.bySig[k] = append(f.bySig[k], t)
		} else {
			f.wild[t.name] = append(f.wild[t.name], t)
		}
		if len(t.args) > 1 {
			if sl, ok2 := f.lastSig(t.args[len(t.args)-1]); ok && ok2 {
				k := t.name + "\x00" + sg + "\x00" + sl
				f.bySig2[k] = append(f.bySig2[k], t)
			} else {
				f.wild2[t.name] = append(f.wild2[t.name], t)
			}
		}
	}
	f.changed = true
	f.kver++
	if t.kind == aApp && t.name == rules.FunPair {
		f.addKnow(t.args[0])
		f.addKnow(t.args[1])
	}
}

// envKey identifies a tuple of interned terms (nil allowed).
func envKey(tu []*aterm, extra int) string {
	b := make([]byte, 0, 4*len(tu)+4)
	for _, t := range tu {
		id := 0
		if t != nil {
			id = t.id
		}
		b = binary.AppendUvarint(b, uint64(id))
	}
	b = binary.AppendUvarint(b, uint64(extra))
	return string(b)
}

func cloneEnv(env []*aterm) []*aterm { return append([]*aterm(nil), env...) }

// match calls yield with every extension of env under which p may stand
// for a term v stands for.
func (f *aiFix) match(p *pat, v *aterm, env []*aterm, yield func([]*aterm)) {
	if f.over {
		return
	}
	if f.steps++; f.steps%(1<<16) == 0 {
		f.checkStop()
	}
	switch p.kind {
	case pOpaque:
		yield(env)
	case pVar:
		// env is bound in place and restored after yield: a caller
		// that keeps an env copies it
		if cur := env[p.v]; cur != nil {
			m := f.meet(cur, v)
			if m == nil {
				return
			}
			env[p.v] = m
			yield(env)
			env[p.v] = cur
			return
		}
		bind := func(w *aterm) {
			env[p.v] = w
			yield(env)
			env[p.v] = nil
		}
		switch p.sort {
		case rules.SortPub:
			switch {
			case v.public():
				bind(v)
			case v.kind == aKnown || v.kind == aAny:
				for _, w := range f.pubVals {
					bind(w)
				}
			}
		case rules.SortFresh:
			switch v.kind {
			case aName, aFreshC, aKnown, aKnownNP, aAny:
				bind(v)
			}
		default:
			bind(v)
		}
	case pPub:
		if v.kind == aPub && v.name == p.name || v.kind == aKnown || v.kind == aAny {
			yield(env)
		}
	case pFresh:
		if v.kind == aFreshC && v.name == p.name || v.kind == aAny || (v.kind == aKnown || v.kind == aKnownNP) && f.derivable(f.intern(&aterm{kind: aFreshC, name: p.name})) {
			yield(env)
		}
	case pApp:
		switch {
		case v.kind == aApp && v.name == p.name && len(v.args) == len(p.args):
			f.matchArgs(p.args, v.args, 0, env, yield)
		case v.kind == aAny:
			anys := make([]*aterm, len(p.args))
			for i := range anys {
				anys[i] = f.any
			}
			f.matchArgs(p.args, anys, 0, env, yield)
		case v.kind == aKnown || v.kind == aKnownNP:
			f.matchK(p, env, yield)
		}
	}
}

func (f *aiFix) matchArgs(ps []*pat, vs []*aterm, i int, env []*aterm, yield func([]*aterm)) {
	if i == len(ps) {
		yield(env)
		return
	}
	f.match(ps[i], vs[i], env, func(e []*aterm) { f.matchArgs(ps, vs, i+1, e, yield) })
}

// matchK calls yield with every extension of env under which p may stand
// for a term the adversary derives: one it learnt, or one it builds.
func (f *aiFix) matchK(p *pat, env []*aterm, yield func([]*aterm)) {
	if f.over {
		return
	}
	if f.topKnow {
		f.match(p, f.any, env, yield)
		return
	}
	switch p.kind {
	case pVar:
		f.match(p, f.known, env, yield)
		return
	case pPub, pOpaque:
		yield(env)
		return
	case pFresh:
		f.match(p, f.known, env, yield)
		return
	}
	// a learnt pair's parts are learnt too: building it covers it
	if p.name != rules.FunPair {
		f.learnt(p.name, f.patSig(p, env), func(s *aterm) {
			f.match(p, s, env, yield)
		})
	}
	if !f.m.private[p.name] {
		f.matchKArgs(p.args, 0, env, yield)
	}
}

func (f *aiFix) matchKArgs(ps []*pat, i int, env []*aterm, yield func([]*aterm)) {
	if i == len(ps) {
		yield(env)
		return
	}
	f.matchK(ps[i], env, func(e []*aterm) { f.matchKArgs(ps, i+1, e, yield) })
}

// inst instantiates p under env; an unbound variable is any term.
func (f *aiFix) inst(p *pat, env []*aterm) *aterm {
	switch p.kind {
	case pVar:
		if env[p.v] == nil {
			return f.any
		}
		return env[p.v]
	case pPub:
		return f.intern(&aterm{kind: aPub, name: p.name})
	case pFresh:
		return f.intern(&aterm{kind: aFreshC, name: p.name})
	case pOpaque:
		return f.any
	}
	args := make([]*aterm, len(p.args))
	for i, a := range p.args {
		args[i] = f.inst(a, env)
	}
	return f.app(p.name, args)
}

func (f *aiFix) tick() {
	f.size++
	if f.size > f.limit {
		f.over = true
	}
	if f.size%1024 == 0 {
		f.checkStop()
	}
}

// checkStop ends the fixpoint when its context or its time is over.
func (f *aiFix) checkStop() {
	select {
	case <-f.stop:
		f.over, f.stopped = true, true
	default:
		f.over = f.over || f.clk.over()
	}
}

// fire adds every abstract instance of rule ri.
func (f *aiFix) fire(ri int) {
	ar := f.m.rs[ri]
	env := make([]*aterm, ar.nvars)
	var state func(i int, env []*aterm)
	var ins func(i int, env []*aterm)
	state = func(i int, env []*aterm) {
		if i == len(ar.state) {
			ins(0, env)
			return
		}
		ts := f.facts[ar.stateK[i]]
		if ts == nil {
			return
		}
		for j := 0; j < len(ts.tuples); j++ {
			f.matchArgs(ar.state[i], ts.tuples[j], 0, env, func(e []*aterm) { state(i+1, e) })
		}
	}
	ins = func(i int, env []*aterm) {
		if i == len(ar.ins) {
			f.free(ar, ri, 0, env)
			return
		}
		f.matchK(ar.ins[i], env, func(e []*aterm) { ins(i+1, e) })
	}
	state(0, env)
}

// free binds the variables no premise binds: a $-variable to every
// public name, another to any term; then the fresh values.
func (f *aiFix) free(ar *aiRule, ri, i int, env []*aterm) {
	if f.over {
		return
	}
	if i == 0 {
		// the premises' bindings decide the rest: each once
		k := envKey(env, ri)
		if f.fired[k] {
			return
		}
		f.fired[k] = true
	}
	split := f.split[ri]
	if i < len(split) {
		// a derived term an action or a state fact keeps is a public
		// name or not: one case each, so that a name stays apart
		v := split[i]
		if env[v] != f.known {
			f.free(ar, ri, i+1, env)
			return
		}
		for _, w := range append(f.pubVals, f.knownNP) {
			e := cloneEnv(env)
			e[v] = w
			f.free(ar, ri, i+1, e)
		}
		return
	}
	if i < len(split)+len(ar.pubFree) {
		i -= len(split)
		v := ar.pubFree[i]
		if env[v] != nil {
			f.free(ar, ri, len(split)+i+1, env)
			return
		}
		for _, w := range f.pubVals {
			e := cloneEnv(env)
			e[v] = w
			f.free(ar, ri, len(split)+i+1, e)
		}
		return
	}
	env = cloneEnv(env)
	for _, v := range ar.msgFree {
		if env[v] == nil && !containsInt(ar.fresh, v) {
			env[v] = f.any
		}
	}
	// a fresh value is named by its site and the instance's values of the
	// rule's variables that are public names (or derived terms that are
	// not); with rich names also adversary-derived terms and fresh values
	// (their names nested at most aiNameDepth deep); every other value is
	// "_": any
	idx := make([]*aterm, 0, len(ar.vars))
	for v := range ar.vars {
		w := env[v]
		switch {
		case containsInt(ar.fresh, v) || w == nil:
			w = f.any
		case w.public(), w.kind == aKnownNP:
		case f.rich && w.kind == aKnown:
		case f.rich && w.kind == aName && w.depth < aiNameDepth:
		default:
			w = f.any
		}
		idx = append(idx, w)
	}
	for _, v := range ar.fresh {
		n := f.intern(&aterm{kind: aName, name: ar.r.Name + "/" + ar.vars[v].String(), args: idx})
		if env[v] != nil {
			if n = f.meet(env[v], n); n == nil {
				return
			}
		}
		env[v] = n
	}
	acts := make([][]*aterm, len(ar.acts))
	for i, a := range ar.acts {
		tu := make([]*aterm, len(a.args))
		for j, p := range a.args {
			tu[j] = f.inst(p, env)
		}
		acts[i] = tu
		for _, b := range f.blocks {
			if b.action == a.name && equalTuple(b.args, tu) {
				return // an instance the case excludes
			}
		}
	}
	f.tick()
	f.insts[ri] = append(f.insts[ri], env)
	for i, a := range ar.acts {
		f.actRecs[a.name] = append(f.actRecs[a.name], actRec{acts[i], ri, env})
	}
	for _, v := range ar.fresh {
		site := env[v].name
		dup := false
		for _, c := range f.created[site] {
			if c.name == env[v] && c.rule == ri && equalActs(c.acts, acts) {
				dup = true
				break
			}
		}
		if !dup {
			f.created[site] = append(f.created[site], createdAt{name: env[v], rule: ri, acts: acts, site: v})
		}
	}
	for _, c := range ar.concl {
		tu := make([]*aterm, len(c.args))
		for j, p := range c.args {
			tu[j] = f.inst(p, env)
		}
		s := f.facts[c.key]
		if s == nil {
			s = &tupleSet{seen: map[string]bool{}}
			f.facts[c.key] = s
		}
		if s.add(tu) {
			f.changed = true
		}
	}
	for _, o := range ar.outs {
		f.addKnow(f.inst(o, env))
	}
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func equalTuple(a, b []*aterm) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != nil && a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalActs(a, b [][]*aterm) bool {
	for i := range a {
		if !equalTuple(a[i], b[i]) {
			return false
		}
	}
	return true
}

// analyse applies the equations to the knowledge: a destructor on a
// learnt term whose other arguments the adversary derives.
func (f *aiFix) analyse() {
	for k := 0; k < len(f.know); k++ {
		s := f.know[k]
		if s.kind != aApp {
			continue
		}
		for _, eq := range f.m.eqs {
			for i, q := range eq.lhs {
				if q.kind != pApp || q.name != s.name {
					continue
				}
				env := make([]*aterm, eq.nv)
				f.match(q, s, env, func(e []*aterm) {
					var rest func(j int, e []*aterm)
					rest = func(j int, e []*aterm) {
						if j == len(eq.lhs) {
							f.addKnow(f.inst(eq.rhs, e))
							return
						}
						if j == i {
							rest(j+1, e)
							return
						}
						f.matchK(eq.lhs[j], e, func(e2 []*aterm) { rest(j+1, e2) })
					}
					rest(0, e)
				})
			}
		}
	}
}

// run computes the fixpoint; false when it grew beyond its limits.

func (f *aiFix) run() bool {
	// a rule fires again only when what it reads grew: the facts of its
	// premises or the knowledge
	stamp := make([]int, len(f.m.rs))
	for i := range stamp {
		stamp[i] = -1
	}
	analysed := -1
	for {
		f.changed = false
		for ri, ar := range f.m.rs {
			st := f.kver
			for _, k := range ar.stateK {
				if ts := f.facts[k]; ts != nil {
					st += len(ts.tuples)
				}
			}
			if st == stamp[ri] {
				continue
			}
			stamp[ri] = st
			f.fire(ri)
		}
		if f.kver != analysed {
			analysed = f.kver
			f.analyse()
		}
		if f.over {
			return false
		}
		if !f.changed {
			return true
		}
	}
}

func (m *aiModel) newFix(nd int, blocks []guardBlock, limit int, clk *aiClock) *aiFix {
	f := &aiFix{m: m, terms: map[string]*aterm{}, facts: map[rules.FactKey]*tupleSet{},
		created: map[string][]createdAt{}, inKnow: map[*aterm]bool{}, byHead: map[string][]*aterm{}, bySig: map[string][]*aterm{}, wild: map[string][]*aterm{}, bySig2: map[string][]*aterm{}, wild2: map[string][]*aterm{}, dmemo: map[*aterm]bool{},
		blocks: blocks, limit: limit, clk: clk, fired: map[string]bool{}, insts: make([][][]*aterm, len(m.rs)), actRecs: map[string][]actRec{}}
	f.known = f.intern(&aterm{kind: aKnown})
	f.knownNP = f.intern(&aterm{kind: aKnownNP})
	f.any = f.intern(&aterm{kind: aAny})
	for _, c := range m.consts {
		f.pubVals = append(f.pubVals, f.intern(&aterm{kind: aPub, name: c}))
	}
	for i := 0; i < nd; i++ {
		f.pubVals = append(f.pubVals, f.intern(&aterm{kind: aDist, n: i}))
	}
	f.pubVals = append(f.pubVals, f.intern(&aterm{kind: aStar}))
	return f
}

// ---- the lemma's side ----

// aiLit is a literal of a disjunct of the lemma's negation.
type aiLit struct {
	kind  uint8 // litAction, litK, litGuard, litNeg
	fact  *rules.Fact
	time  *rules.Term
	k     *rules.Term
	neg   rules.Formula // litNeg: the negated formula
	qvars []rules.Var   // litNeg: its existential variables
	subst rules.Subst   // litNeg: the renaming of its free variables
}

const (
	litAction uint8 = iota
	litK
	litGuard
	litNeg
)

const aiMaxDisjuncts = 64

type aiDNF struct {
	n    int // renaming counter
	over bool
}

// dnf returns the disjuncts of f (or of its negation when !pos), each a
// conjunction of the literals kept; conjuncts it cannot use are dropped.
func (d *aiDNF) dnf(f rules.Formula, pos bool, s rules.Subst) [][]aiLit {
	and := func(a, b [][]aiLit) [][]aiLit {
		var out [][]aiLit
		for _, x := range a {
			for _, y := range b {
				out = append(out, append(append([]aiLit(nil), x...), y...))
			}
		}
		if len(out) > aiMaxDisjuncts {
			d.over = true
			return nil
		}
		return out
	}
	or := func(a, b [][]aiLit) [][]aiLit {
		out := append(append([][]aiLit(nil), a...), b...)
		if len(out) > aiMaxDisjuncts {
			d.over = true
			return nil
		}
		return out
	}
	truth := [][]aiLit{{}}
	switch g := f.(type) {
	case *rules.Atom:
		switch g.Kind {
		case rules.AtomTrue:
			if pos {
				return truth
			}
			return nil
		case rules.AtomFalse:
			if pos {
				return nil
			}
			return truth
		case rules.AtomAction:
			if !pos {
				return truth
			}
			fa := g.Fact.Subst(s)
			if (fa.Name == rules.FactK || fa.Name == rules.FactKU || fa.Name == rules.FactKD) && len(fa.Args) == 1 {
				return [][]aiLit{{{kind: litK, k: fa.Args[0]}}}
			}
			return [][]aiLit{{{kind: litAction, fact: fa, time: s.Apply(g.R)}}}
		}
		return truth
	case *rules.Not:
		return d.dnf(g.F, !pos, s)
	case *rules.Conn:
		switch {
		case g.Op == rules.And && pos, g.Op == rules.Or && !pos:
			return and(d.dnf(g.L, pos, s), d.dnf(g.R, pos, s))
		case g.Op == rules.Or && pos, g.Op == rules.And && !pos:
			return or(d.dnf(g.L, pos, s), d.dnf(g.R, pos, s))
		case g.Op == rules.Imp && pos:
			return or(d.dnf(g.L, false, s), d.dnf(g.R, true, s))
		case g.Op == rules.Imp && !pos:
			return and(d.dnf(g.L, true, s), d.dnf(g.R, false, s))
		case g.Op == rules.Iff && pos:
			return or(and(d.dnf(g.L, true, s), d.dnf(g.R, true, s)), and(d.dnf(g.L, false, s), d.dnf(g.R, false, s)))
		default: // Iff, negated
			return or(and(d.dnf(g.L, true, s), d.dnf(g.R, false, s)), and(d.dnf(g.L, false, s), d.dnf(g.R, true, s)))
		}
	case *rules.Quant:
		if g.Exists == pos {
			s2 := rules.Subst{}
			for k, v := range s {
				s2[k] = v
			}
			for _, v := range g.Vars {
				d.n++
				s2[v] = rules.VarTerm(rules.Var{Name: v.Name, Idx: 100000 + d.n, Sort: v.Sort})
			}
			return d.dnf(g.Body, pos, s2)
		}
		if !g.Exists {
			return truth // a universal conjunct: dropped
		}
		// not (Ex vs. body): a guard or a negative literal
		return [][]aiLit{{negLit(g, s)}}
	}
	return truth
}

// negLit makes "not (Ex vs. body)" a literal: a guard when the body is one
// action atom at the quantified time whose arguments are the formula's
// own variables or constants.
func negLit(q *rules.Quant, s rules.Subst) aiLit {
	s2 := rules.Subst{}
	for k, v := range s {
		s2[k] = v
	}
	for _, v := range q.Vars {
		delete(s2, v)
	}
	if a, ok := q.Body.(*rules.Atom); ok && a.Kind == rules.AtomAction && len(q.Vars) == 1 &&
		a.R.IsVar() && a.R.Var == q.Vars[0] && !rules.IsReserved(a.Fact.Name) {
		fa := a.Fact.Subst(s2)
		ok := true
		for _, t := range fa.Args {
			if t.Kind != rules.TVar && t.Kind != rules.TPub || t.IsVar() && t.Var == q.Vars[0] {
				ok = false
			}
		}
		if ok {
			return aiLit{kind: litGuard, fact: fa}
		}
	}
	return aiLit{kind: litNeg, neg: q.Body, qvars: q.Vars, subst: s2}
}

// provBody is the usable shape of a negative literal for the agreement
// argument: not (Ex #j. R(args) @ #j [& #j < #i]).
type provBody struct {
	fact   *rules.Fact
	before *rules.Term // #i of "#j < #i", or nil
}

func (l aiLit) provenance() (provBody, bool) {
	if l.kind != litNeg || len(l.qvars) != 1 || l.qvars[0].Sort != rules.SortTemporal {
		return provBody{}, false
	}
	j := l.qvars[0]
	var atoms []*rules.Atom
	var flat func(f rules.Formula) bool
	flat = func(f rules.Formula) bool {
		switch g := f.(type) {
		case *rules.Atom:
			atoms = append(atoms, g)
			return true
		case *rules.Conn:
			return g.Op == rules.And && flat(g.L) && flat(g.R)
		}
		return false
	}
	if !flat(l.neg) {
		return provBody{}, false
	}
	var b provBody
	for _, a := range atoms {
		switch {
		case a.Kind == rules.AtomAction && b.fact == nil && a.R.IsVar() && a.R.Var == j && !rules.IsReserved(a.Fact.Name):
			b.fact = a.Fact.Subst(l.subst)
			if slicesHasVar(b.fact, j) {
				return provBody{}, false
			}
		case a.Kind == rules.AtomLess && b.before == nil && a.L.IsVar() && a.L.Var == j && a.R.IsVar() && a.R.Var != j:
			b.before = l.subst.Apply(a.R)
		default:
			return provBody{}, false
		}
	}
	return b, b.fact != nil
}

func slicesHasVar(f *rules.Fact, v rules.Var) bool {
	for _, a := range f.Args {
		if a.HasVar(v) {
			return true
		}
	}
	return false
}

// aiCase is one case of the split: a value per guarded variable.
type aiCase struct {
	vals []*aterm // aPub, aDist or aNP
	nd   int
}

// aiProof is one attempt at a lemma.
type aiProof struct {
	m      *aiModel
	fixes  map[string]*aiFix
	limit  int
	clk    *aiClock
	cases  int
	facts  int
	failed string
	stop   <-chan struct{}
	rich   bool
	split  [][]int
}

// aiProve tries to prove the all-traces lemma l at every depth. It
// returns a description of the argument when it succeeds.
func aiProve(m *aiModel, l *rules.Lemma, limit int, budget time.Duration, stop <-chan struct{}) (string, bool) {
	return aiProveBy(m, l, limit, wallClock(budget), stop)
}

// aiProveBy is aiProve within the time of clk.
func aiProveBy(m *aiModel, l *rules.Lemma, limit int, clk *aiClock, stop <-chan struct{}) (string, bool) {
	if m.why != "" || l.Quantifier != rules.AllTraces || l.Accountability != nil {
		return "", false
	}
	d := &aiDNF{}
	djs := d.dnf(l.Formula, false, rules.Subst{})
	if d.over {
		return "", false
	}
	// coarse names first (fast); then names that tell sessions apart by
	// their fresh values and the adversary's inputs (precise, slower)
	split := m.agentSplit()
	var p *aiProof
	var proofs []*aiProof
	defer func() {
		// the completed fixpoints go to the pool for the next lemma
		for _, p := range proofs {
			for key, f := range p.fixes {
				if f != nil {
					m.keep(p.poolKey(key), f)
				}
			}
		}
	}()
	for _, rich := range []bool{false, true} {
		p = &aiProof{m: m, fixes: map[string]*aiFix{}, limit: limit, clk: clk, stop: stop, rich: rich, split: split}
		proofs = append(proofs, p)
		ok := true
		for _, dj := range djs {
			if !p.disjunct(dj) {
				ok = false
				break
			}
		}
		if ok {
			break
		}
		if rich || clk.over() {
			return p.failed, false
		}
	}
	kinds := map[string]bool{}
	for _, dj := range djs {
		for _, lit := range dj {
			switch lit.kind {
			case litK:
				kinds["secrecy"] = true
			case litNeg:
				kinds["agreement"] = true
			}
		}
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	what := strings.Join(ks, " and ")
	if what == "" {
		what = "unreachable actions"
	}
	names := ""
	if p.rich {
		names = ", names by session"
	}
	return fmt.Sprintf("abstraction: %s%s; %d case(s), %d abstract rule instances", what, names, p.cases, p.facts), true
}

// disjunct refutes one disjunct of the lemma's negation in every case.
func (p *aiProof) disjunct(dj []aiLit) bool {
	idx := map[rules.Var]int{}
	var vars []rules.Var
	note := func(t *rules.Term) {
		for _, v := range t.Vars(nil) {
			if _, ok := idx[v]; !ok {
				idx[v] = len(vars)
				vars = append(vars, v)
			}
		}
	}
	var honest []int
	var guards []*rules.Fact
	for _, lit := range dj {
		switch lit.kind {
		case litAction:
			for _, a := range lit.fact.Args {
				note(a)
			}
		case litK:
			note(lit.k)
		case litGuard:
			guards = append(guards, lit.fact)
			for _, a := range lit.fact.Args {
				if a.IsVar() {
					note(a)
					if !containsInt(honest, idx[a.Var]) {
						honest = append(honest, idx[a.Var])
					}
				}
			}
		}
	}
	ok := true
	p.splitCases(honest, 0, aiCase{vals: make([]*aterm, len(honest))}, func(c aiCase) bool {
		p.cases++
		f := p.fix(c, honest, guards, idx)
		if f == nil {
			p.failed = "the abstraction grew beyond its limits"
		}
		if f == nil || !p.refute(dj, f, c, honest, idx, len(vars)) {
			ok = false
			return false
		}
		return true
	})
	return ok
}

// splitCases enumerates the cases for the guarded variables from i on: each a
// constant of the model, a distinguished name already used, a new one, or
// no public name. It stops when yield returns false.
func (p *aiProof) splitCases(honest []int, i int, c aiCase, yield func(aiCase) bool) bool {
	if i == len(honest) {
		return yield(c)
	}
	next := func(v *aterm, nd int) bool {
		vals := append([]*aterm(nil), c.vals...)
		vals[i] = v
		return p.splitCases(honest, i+1, aiCase{vals: vals, nd: nd}, yield)
	}
	// the likeliest attacks first: distinct honest agents
	for j := c.nd; j >= 0; j-- {
		if !next(&aterm{kind: aDist, n: j}, max(c.nd, j+1)) {
			return false
		}
	}
	if !next(&aterm{kind: aNP}, c.nd) {
		return false
	}
	for _, k := range p.m.consts {
		if !next(&aterm{kind: aPub, name: k}, c.nd) {
			return false
		}
	}
	return true
}

// fix returns the fixpoint for a case, computed once per set of blocks.
func (p *aiProof) fix(c aiCase, honest []int, guards []*rules.Fact, idx map[rules.Var]int) *aiFix {
	var blocks []guardBlock
	var keys []string
	for _, g := range guards {
		b := guardBlock{action: g.Name + "/" + strconv.Itoa(len(g.Args))}
		ok := true
		for _, a := range g.Args {
			switch {
			case a.Kind == rules.TPub:
				b.args = append(b.args, &aterm{kind: aPub, name: a.Name})
			case a.IsVar():
				v := c.vals[indexOf(honest, idx[a.Var])]
				if v.kind == aNP {
					ok = false
				}
				b.args = append(b.args, v)
			}
		}
		if ok {
			blocks = append(blocks, b)
			var kb strings.Builder
			kb.WriteString(b.action)
			for _, a := range b.args {
				kb.WriteString("," + a.String())
			}
			keys = append(keys, kb.String())
		}
	}
	sort.Strings(keys)
	key := strconv.Itoa(c.nd) + ":" + strings.Join(keys, ";")
	if f, ok := p.fixes[key]; ok {
		return f
	}
	mkey := p.poolKey(key)
	if f := p.m.take(mkey); f != nil {
		// completed before: only its limits are this proof's
		f.over, f.stopped, f.clk, f.stop = false, false, p.clk, p.stop
		p.facts += f.size
		p.fixes[key] = f
		return f
	}
	left := p.clk.left()
	if p.m.hopeless(mkey, left) {
		p.fixes[key] = nil
		return nil
	}
	f := p.m.newFix(c.nd, nil, p.limit, p.clk)
	f.stop, f.rich, f.split = p.stop, p.rich, p.split
	for i := range blocks {
		for j, a := range blocks[i].args {
			blocks[i].args[j] = f.intern(a)
		}
	}
	f.blocks = blocks
	if !f.run() {
		switch {
		case f.size > f.limit:
			p.m.outgrew(mkey, 0)
		case !f.stopped:
			p.m.outgrew(mkey, left-p.clk.left())
		}
		f = nil
	} else {
		p.facts += f.size
	}
	p.fixes[key] = f
	return f
}

// poolKey is the model-wide key of the fixpoint of key in this proof's
// pass (aiModel.pool, aiModel.outgrown).
func (p *aiProof) poolKey(key string) string {
	return strconv.FormatBool(p.rich) + ":" + key
}

func tupleString(tu []*aterm) string {
	var parts []string
	for _, t := range tu {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, ", ")
}

func indexOf(xs []int, x int) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// compileFormulaTerm compiles a lemma's term over the disjunct's variables.
func compileFormulaTerm(t *rules.Term, idx map[rules.Var]int) *pat {
	switch t.Kind {
	case rules.TVar:
		i, ok := idx[t.Var]
		if !ok {
			return &pat{kind: pOpaque}
		}
		return &pat{kind: pVar, v: i, sort: t.Var.Sort}
	case rules.TPub:
		return &pat{kind: pPub, name: t.Name}
	case rules.TFresh:
		return &pat{kind: pFresh, name: t.Name}
	}
	q := &pat{kind: pApp, name: t.Name}
	for _, a := range t.Args {
		q.args = append(q.args, compileFormulaTerm(a, idx))
	}
	return q
}

// refute shows that no abstract instance satisfies the disjunct.
func (p *aiProof) refute(dj []aiLit, f *aiFix, c aiCase, honest []int, idx map[rules.Var]int, nv int) bool {
	ok := p.refuteIn(dj, f, c, honest, idx, nv)
	if f.over {
		// the time or the lemma's context ended during the refutation:
		// from then on the fixpoint matched nothing, which refutes
		// nothing
		p.failed = "the abstraction ran out of time"
		return false
	}
	return ok
}

func (p *aiProof) refuteIn(dj []aiLit, f *aiFix, c aiCase, honest []int, idx map[rules.Var]int, nv int) bool {
	env0 := make([]*aterm, nv)
	for i, v := range honest {
		env0[v] = f.intern(c.vals[i])
	}
	var ks []*pat
	var provs []provBody
	for _, lit := range dj {
		switch lit.kind {
		case litK:
			ks = append(ks, compileFormulaTerm(lit.k, idx))
		case litNeg:
			if b, ok := lit.provenance(); ok {
				provs = append(provs, b)
			}
		}
	}
	for _, lit := range dj {
		if lit.kind != litAction {
			continue
		}
		name := lit.fact.Name + "/" + strconv.Itoa(len(lit.fact.Args))
		var args []*pat
		for _, a := range lit.fact.Args {
			args = append(args, compileFormulaTerm(a, idx))
		}
		recs := f.actRecs[name]
		if len(recs) == 0 {
			return true // never recorded
		}
		all := true
		for j := 0; j < len(recs) && all; j++ {
			rec := recs[j]
			f.matchArgs(args, rec.args, 0, env0, func(env []*aterm) {
				if !all {
					return
				}
				if len(ks) > 0 {
					for _, k := range ks {
						if !f.derivable(f.inst(k, env)) {
							return // this instance keeps its secret
						}
					}
				}
				for _, b := range provs {
					if p.provenance(f, b, lit, rec.rule, env, idx) || p.sentBy(f, b, lit, rec, idx) {
						return
					}
				}
				all = false
				p.failed = fmt.Sprintf("%s(%s) in case %v", lit.fact.Name, tupleString(rec.args), c.vals)
			})
		}
		if all {
			return true
		}
	}
	return false
}

// provenance reports whether, for the instance env of the action lit
// recorded by rule ri, the action b.fact was recorded when the one fresh
// value in its arguments was created (and so before lit when b.before is
// lit's time).
func (p *aiProof) provenance(f *aiFix, b provBody, lit aiLit, ri int, env []*aterm, idx map[rules.Var]int) bool {
	if b.before != nil && !(lit.time != nil && lit.time.Equal(b.before)) {
		return false
	}
	want := make([]*aterm, len(b.fact.Args))
	var name *aterm
	names := 0
	var scan func(t *aterm) bool
	scan = func(t *aterm) bool {
		switch t.kind {
		case aPub, aDist, aFreshC:
			return true
		case aName:
			name = t
			names++
			return true
		case aApp:
			for _, a := range t.args {
				if !scan(a) {
					return false
				}
			}
			return true
		}
		return false
	}
	for i, a := range b.fact.Args {
		want[i] = f.inst(compileFormulaTerm(a, idx), env)
		if !scan(want[i]) {
			return false
		}
	}
	if names != 1 {
		return false
	}
	action := b.fact.Name + "/" + strconv.Itoa(len(b.fact.Args))
	for _, cr := range f.created[name.name] {
		if f.meet(cr.name, name) == nil {
			continue
		}
		if b.before != nil && cr.rule == ri {
			return false // the creating step may be the action's own
		}
		ar := f.m.rs[cr.rule]
		found := false
		for k, a := range ar.acts {
			if a.name != action {
				continue
			}
			same := true
			for i := range a.args {
				if !sameProv(a.args[i], cr.acts[k][i], want[i], cr.site) {
					same = false
					break
				}
			}
			if same {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameProv reports whether the argument p of the creating rule (its value
// a there) equals u in every concrete instance: the created variable
// stands for the one fresh value of u, every other part is exact and the
// same.
func sameProv(p *pat, a, u *aterm, site int) bool {
	switch p.kind {
	case pVar:
		if p.v == site {
			return u.kind == aName
		}
		return a.exact() && a == u
	case pPub, pFresh:
		return a == u
	case pApp:
		if u.kind != aApp || u.name != p.name || len(u.args) != len(p.args) || a.kind != aApp {
			return false
		}
		for i := range p.args {
			if !sameProv(p.args[i], a.args[i], u.args[i], site) {
				return false
			}
		}
		return true
	}
	return false
}

// aiBudget bounds the abstraction's CPU time per lemma (aiClock); a
// lemma's own time limit bounds its wall time too (aiWaitEnd).
const aiBudget = 30 * time.Second

// aiNameDepth bounds the nesting of fresh values' names in the index of
// another's.
const aiNameDepth = 4

// aiLimit bounds the abstract rule instances of one fixpoint.
const aiLimit = 400000

// aiApplies reports whether the abstraction may prove l: an all-traces
// lemma of a theory it takes, and not turned off.
func (c *Checker) aiApplies(l *rules.Lemma) bool {
	if c.opts.NoAbstraction || l.Quantifier != rules.AllTraces || l.Accountability != nil {
		return false
	}
	c.aiOnce.Do(func() { c.ai = newAIModel(c.th) })
	return c.ai.why == ""
}

// aiRun is one attempt of the abstraction on a lemma: the argument of a
// proof (ok), or why it failed.
type aiRun struct {
	why  string
	ok   bool
	took time.Duration
}

// aiAttempt runs the abstraction on l for aiBudget of its thread's CPU
// time, ending at wallEnd (if not zero) or when stop is closed.
func (c *Checker) aiAttempt(l *rules.Lemma, wallEnd time.Time, stop <-chan struct{}) aiRun {
	runtime.LockOSThread() // the CPU clock is the thread's
	defer runtime.UnlockOSThread()
	t0 := time.Now()
	why, ok := aiProveBy(c.ai, l, aiLimit, cpuClock(aiBudget, wallEnd), stop)
	return aiRun{why: why, ok: ok, took: time.Since(t0)}
}

// aiApply records r among v's rows, at index at, and for a proof makes
// v "holds at every depth", whatever the deepening had left in it.
func (c *Checker) aiApply(v *Verdict, r aiRun, at int) bool {
	st := DepthStat{Solve: r.took}
	if !r.ok {
		st.Result = "abstraction: not proved"
		if r.why != "" {
			st.Result += " (" + r.why + ")"
		}
	} else {
		v.Kind, v.EveryDepth, v.Reason, v.Budget = HoldsUpToBound, r.why, "", 0
		v.Depth = c.opts.maxDepth()
		v.StepBound = v.Depth
		v.Bounds = "any number of steps and an unbounded adversary"
		st.Depth, st.Result = v.Depth, "holds at every depth ("+r.why+")"
	}
	v.Stats = slices.Insert(v.Stats, min(at, len(v.Stats)), st)
	return r.ok
}

// everyDepth makes v "holds at every depth" when the abstraction proves
// the all-traces lemma, before any deepening (when no core is free); it records
// the attempt in v.Stats either way.
func (c *Checker) everyDepth(ctx context.Context, v *Verdict) bool {
	r := c.aiAttempt(v.Lemma, aiWaitEnd(ctx), ctx.Done())
	v.Solve += r.took
	return c.aiApply(v, r, len(v.Stats))
}

// aiWaitEnd is how long a lemma waits for the abstraction under ctx:
// until half the time ctx has left (zero: no limit but aiBudget of CPU
// time). Run first (one core), the abstraction leaves the deepening the
// other half; run beside, a deepening that completed its bound waits for
// it until then.
func aiWaitEnd(ctx context.Context) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return time.Now().Add(time.Until(dl) / 2)
	}
	return time.Time{}
}

// aiHeadStart is how long the deepening waits for the abstraction before
// it starts beside it: most of the abstraction's answers come sooner
// (NSL's proofs take 20–30 ms), and the deepening then never starts.
const aiHeadStart = 100 * time.Millisecond

// errAbstracted interrupts the deepening when the abstraction beside it
// has proved the lemma.
var errAbstracted = errors.New("the abstraction beside the deepening proved the lemma")

// aiBeside is the abstraction running beside the deepening, on a core
// no other lemma uses. A proof interrupts the deepening and is the verdict. The
// deepening's own answer waits for the abstraction's, unless it is a
// trace, so that the verdict does not depend on which of the two is
// faster: a lemma the abstraction proves is "holds at every depth"
// however soon the deepening completed its bound. A trace ends the
// abstraction; a proof it had already made is then an internal error,
// since the trace replays.
type aiBeside struct {
	run     aiRun
	at      int       // where the abstraction's row goes among the verdict's
	waitEnd time.Time // how long a completed deepening waits (aiWaitEnd)
	cancel  context.CancelFunc
	done    chan struct{}
}

// abstractionBeside starts the abstraction on v's lemma under ctx;
// interrupt stops the deepening.
func (c *Checker) abstractionBeside(ctx context.Context, v *Verdict, interrupt context.CancelCauseFunc) *aiBeside {
	a := &aiBeside{at: len(v.Stats), waitEnd: aiWaitEnd(ctx), done: make(chan struct{})}
	var wallEnd time.Time
	if dl, ok := ctx.Deadline(); ok {
		wallEnd = dl
	}
	ctx, a.cancel = context.WithCancel(ctx)
	l := v.Lemma
	go func() {
		defer close(a.done)
		a.run = c.aiAttempt(l, wallEnd, ctx.Done())
		if a.run.ok {
			interrupt(errAbstracted)
		}
	}()
	return a
}

// finished waits up to d for the abstraction and reports whether it
// has answered; with d ≤ 0 it does not look.
func (a *aiBeside) finished(d time.Duration) bool {
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.done:
		return true
	case <-t.C:
		return false
	}
}

// settle ends the abstraction when the deepening has its answer (v, err)
// and returns the lemma's.
func (a *aiBeside) settle(c *Checker, v *Verdict, err error) (*Verdict, error) {
	if err != nil || v.Trace != nil {
		a.cancel()
		<-a.done
		if err == nil && a.run.ok {
			return nil, &InternalError{Lemma: v.Lemma.Name, Trace: v.Trace,
				Err: fmt.Errorf("a trace replays against the abstraction's proof (%s)", a.run.why)}
		}
		return v, err
	}
	a.wait()
	c.aiApply(v, a.run, a.at)
	return v, nil
}

// wait waits for the abstraction until waitEnd, and stops it then.
func (a *aiBeside) wait() {
	if !a.waitEnd.IsZero() && !a.finished(time.Until(a.waitEnd)) {
		a.cancel()
	}
	<-a.done
	a.cancel()
}

// freeCore reports whether a core was idle on average over the sample
// of idle, or, when the machine's idle time is not known, true.
func freeCore(idle func() (float64, bool)) bool {
	cores, ok := idle()
	return !ok || cores >= 0.5
}

// sentBy reports whether, for the instance rec of the action lit, the
// action b.fact was recorded by the step that sent a message the
// instance received: one the adversary cannot build, every producer of
// which records b.fact with the same arguments, position by position.
func (p *aiProof) sentBy(f *aiFix, b provBody, lit aiLit, rec actRec, idx map[rules.Var]int) bool {
	if b.before != nil && !(lit.time != nil && lit.time.Equal(b.before)) {
		return false
	}
	ar := f.m.rs[rec.rule]
	// the lemma's variables as patterns over the rule's variables
	var act *aiFact
	for i := range ar.acts {
		if ar.acts[i].name == lit.fact.Name+"/"+strconv.Itoa(len(lit.fact.Args)) {
			if act != nil {
				return false // two such actions: which one is not known
			}
			act = &ar.acts[i]
		}
	}
	if act == nil {
		return false
	}
	lv := map[rules.Var]*pat{}
	for i, a := range lit.fact.Args {
		if a.IsVar() {
			if _, ok := lv[a.Var]; !ok {
				lv[a.Var] = act.args[i]
			}
		}
	}
	want := make([]*pat, len(b.fact.Args))
	for i, a := range b.fact.Args {
		q, ok := lemmaPat(a, lv)
		if !ok {
			return false
		}
		want[i] = q
	}
	action := b.fact.Name + "/" + strconv.Itoa(len(b.fact.Args))
	// a part of a received message the adversary cannot build was sent
	// by the protocol: its first sender is checked
	var parts []*pat
	var walk func(q *pat)
	walk = func(q *pat) {
		if q.kind == pApp {
			parts = append(parts, q)
		}
		for _, a := range q.args {
			walk(a)
		}
	}
	for _, in := range ar.ins {
		walk(in)
	}
	for _, in := range parts {
		m := f.inst(in, rec.env)
		if m.kind != aApp || f.buildable(m) {
			continue
		}
		if p.allSendersRecord(f, in, m, rec.env, want, action) {
			return true
		}
	}
	return false
}

// lemmaPat writes a lemma's term over the rule's patterns lv gives for
// its variables.
func lemmaPat(t *rules.Term, lv map[rules.Var]*pat) (*pat, bool) {
	switch t.Kind {
	case rules.TVar:
		q, ok := lv[t.Var]
		return q, ok
	case rules.TPub:
		return &pat{kind: pPub, name: t.Name}, true
	case rules.TFresh:
		return &pat{kind: pFresh, name: t.Name}, true
	}
	q := &pat{kind: pApp, name: t.Name}
	for _, a := range t.Args {
		c, ok := lemmaPat(a, lv)
		if !ok {
			return nil, false
		}
		q.args = append(q.args, c)
	}
	return q, true
}

// buildable reports whether the adversary may build a term t stands for
// with its top function symbol.
func (f *aiFix) buildable(t *aterm) bool {
	if t.kind != aApp || f.m.private[t.name] {
		return false
	}
	for _, a := range t.args {
		if !f.derivable(a) {
			return false
		}
	}
	return true
}

// allSendersRecord checks every output position of every abstract
// instance that may have sent the message m (the instance's In pattern
// in under env): the sending rule records action with arguments equal to
// want's (patterns over the receiving rule's variables) in every concrete
// instance. A message sent inside a value the sender received itself has
// no known sender: false.
func (p *aiProof) allSendersRecord(f *aiFix, in *pat, m *aterm, env []*aterm, want []*pat, action string) bool {
	for ri, ar := range f.m.rs {
		for _, out := range ar.outs {
			var positions []*pat
			var walk func(q *pat)
			walk = func(q *pat) {
				positions = append(positions, q)
				for _, a := range q.args {
					walk(a)
				}
			}
			walk(out)
			for _, q := range positions {
				for _, penv := range f.insts[ri] {
					if f.over {
						return false
					}
					if q.kind == pVar {
						// a value received: a message in it was sent
						// before, where it was first sent is checked
						if ar.received(q.v) {
							continue
						}
						if f.containsMeet(penv[q.v], m) {
							return false // forwarded: its sender is not known
						}
						continue
					}
					if q.kind != pApp || f.meet(f.inst(q, penv), m) == nil {
						continue
					}
					if !f.recordsSame(ar, ri, q, penv, in, env, want, action) {
						return false
					}
				}
			}
		}
	}
	return true
}

// received reports whether variable v occurs in an In premise.
func (ar *aiRule) received(v int) bool {
	found := false
	var walk func(q *pat)
	walk = func(q *pat) {
		if q.kind == pVar && q.v == v {
			found = true
		}
		for _, a := range q.args {
			walk(a)
		}
	}
	for _, in := range ar.ins {
		walk(in)
	}
	return found
}

// containsMeet reports whether some subterm of v may be a term m stands for.
func (f *aiFix) containsMeet(v, m *aterm) bool {
	if v == nil {
		return false
	}
	switch v.kind {
	case aAny:
		return true
	case aKnown, aKnownNP:
		return f.derivable(m) || f.buildable(m)
	}
	if f.meet(v, m) != nil {
		return true
	}
	for _, a := range v.args {
		if v.kind == aApp && f.containsMeet(a, m) {
			return true
		}
	}
	return false
}

// recordsSame checks one sender: the instance penv of rule ar (index ri),
// whose output at q may be the message received at in. The receiving
// rule's variables that in binds at a position q has a variable at are
// that variable of the sender; the sender's action must then have the
// arguments want stands for.
func (f *aiFix) recordsSame(ar *aiRule, ri int, q *pat, penv []*aterm, in *pat, env []*aterm, want []*pat, action string) bool {
	link := map[int]*pat{} // receiver's variable → sender's pattern
	var align func(a, b *pat)
	align = func(a, b *pat) {
		switch {
		case a.kind == pVar:
			if _, ok := link[a.v]; !ok {
				link[a.v] = b
			}
		case a.kind == pApp && b.kind == pApp && a.name == b.name && len(a.args) == len(b.args):
			for i := range a.args {
				align(a.args[i], b.args[i])
			}
		}
	}
	align(in, q)
	for _, act := range ar.acts {
		if act.name != action {
			continue
		}
		same := true
		for i := range act.args {
			if !f.samePat(act.args[i], penv, want[i], env, link) {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// samePat reports whether the sender's pattern s (values senv) equals the
// receiver's pattern r (values renv) in every concrete instance: r's
// variables linked to the sender's patterns are those, the rest must be
// exact and equal.
func (f *aiFix) samePat(s *pat, senv []*aterm, r *pat, renv []*aterm, link map[int]*pat) bool {
	if r.kind == pVar {
		if l, ok := link[r.v]; ok && samePattern(l, s) {
			return true
		}
		v := renv[r.v]
		return v != nil && v.exact() && f.inst(s, senv) == v
	}
	switch r.kind {
	case pPub, pFresh:
		w := f.inst(r, renv)
		return f.inst(s, senv) == w
	case pApp:
		if s.kind == pApp && s.name == r.name && len(s.args) == len(r.args) {
			for i := range r.args {
				if !f.samePat(s.args[i], senv, r.args[i], renv, link) {
					return false
				}
			}
			return true
		}
		w := f.inst(r, renv)
		return w.exact() && f.inst(s, senv) == w
	}
	return false
}

// samePattern reports whether two patterns of one rule are the same.
func samePattern(a, b *pat) bool {
	if a.kind != b.kind || a.v != b.v || a.name != b.name || len(a.args) != len(b.args) {
		return false
	}
	if a.kind == pOpaque {
		return false
	}
	for i := range a.args {
		if !samePattern(a.args[i], b.args[i]) {
			return false
		}
	}
	return true
}
