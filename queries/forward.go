package queries

import (
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tracebound/tracebound/encode"

	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// The forward search: a second way to find a trace, for the long ones
// the deepening cannot reach (a 25-step TLS handshake is a problem of
// millions of nodes). It runs the model's rules on concrete states, as
// the multiset semantics does, from the empty state; the next state to
// grow is the one whose goal looks nearest (greedy best-first search).
//
//   - Nearness is measured in the plans' abstraction (plan.go) with
//     deletions ignored: from the abstract facts of a state, the summed
//     costs of the rule instances that would give the goal's actions
//     (h_add, as in classical planning). A state from which the
//     abstraction cannot reach the goal at all is dropped: every trace is
//     a flow of the abstraction, so no trace from it has the goal.
//   - Fresh names are new constants; a public variable that no premise
//     binds gets a placeholder, which a later match may identify with a
//     name or another placeholder (the choice is deferred to when it
//     matters); placeholders left at the end are distinct names.
//   - In premises are fed by the adversary from what the trace sent (Out):
//     a message it knows (sent, or taken apart with the theory's
//     equations: a pair's components, a plaintext under a key it has),
//     matched as it is, or, when none will do, one it builds with public
//     functions from such messages and public names (received). The
//     abstraction takes apart every part of a sent message, keys or not,
//     and lets a rule take an In message built from parts (builtVariants).
//     The adversary has no fresh names of its own. A trace beyond the
//     adversary bounds of the check is not reported (Checker.forward).
//   - A goal that speaks of the adversary's knowledge (K(t) @ #j, as a
//     secrecy lemma's negation) gets knowledge events after the last step
//     for the parts of its actions the adversary derives
//     (reachedKnowing); each In premise gets its send event just before
//     its step. A restriction that speaks of knowledge is not searched.
//   - Restrictions without an existential (after negations are pushed
//     inward) cannot become true again once false on a prefix, so a state
//     violating one is dropped; the others are checked on a candidate.
//
// The search only ever proposes a trace: the caller replays it with the
// replay checker like every other trace. It is not a proof of anything
// when it finds nothing, and the trace it finds need not be a shortest
// one. It is deterministic: the same model, goal and limits give the same
// trace on every machine.

// fwdExpansions is how many states the search grows before it gives up.
const fwdExpansions = 20000

// fwdExpansionsIn replaces fwdExpansions for the full run (auto) in a
// model with In premises: there a state costs 10–50 ms (the adversary's
// knowledge and its ways to match), and the deepening, which the search
// competes with for the lemma's time, finds the short attacks.
const fwdExpansionsIn = 2000

// fwdFirstLook is how many states the search grows before the deepening
// (ForwardAuto): enough for the traces of a few steps that the heuristic
// leads to directly, little next to a solver call when there is none.
const fwdFirstLook = 200

// fwdDistinctMore is how many more states the first look grows, after a
// trace in which one agent plays two roles, for one in which none does.
const fwdDistinctMore = 50

// fwdPlaceholder starts the name of a placeholder for a public variable;
// no name the parser reads starts with it.
const fwdPlaceholder = "?"

type fwdSearch struct {
	// knowMemo: recent adversary knowledges by the messages sent
	// (knowledgeOf)
	knowMemo  map[uint64]knowEntry
	th        *rules.Theory
	rs        []*rules.Rule
	vars      [][]rules.Var // per rule: its variables (child)
	names     []string      // the steps' names of the rules
	live      []bool
	goal      rules.Formula
	goalActs  map[string]bool // action names the goal mentions
	closed    []fwdRestr      // restrictions that stay false once false
	open      []fwdRestr
	eqs       []fwdEq
	genFor    [][]int         // per rule: the generators of its persistent premises
	observed  map[string]bool // action names the goal or a restriction mentions
	reducible map[string]bool
	norm      map[*rules.Term]bool // needsNorm's answers
	public    map[string]bool      // function symbols the adversary applies
	hasIn     bool
	knowing   bool // the goal speaks of the adversary's knowledge
	// kParts, when not nil, says where the terms a K atom of the goal asks
	// about stand: per action name, the argument positions
	kParts map[string][]int

	lb      labeler
	ars     []absRule
	absIDs  map[string]int
	absOf   map[uint64]int // abstract's answers, by the fact's Hash
	absList []absFact
	feeds   [][]fwdPrem // per abstract fact: the premises it feeds
	concIDs [][]int     // per abstract rule: its conclusions' ids
	nPrems  []int
	goalArs [][]int // per required action: the abstract rules that record it
	// goalAtoms are the required actions (for newForwardRule: none)
	goalAtoms []*rules.Fact
	// disabled, when ≥ 0, is a rule the heuristic leaves out (landmarks)
	disabled int
	// exact: a forwarding variant is fed only by facts with its label
	// (exactFeed), for the abstraction from the empty state (landmarks,
	// chain), where every fact is a rule's conclusion
	exact bool
	// goalRule, when ≥ 0, is the goal instead of the formula: a trace
	// whose last step is an instance of that rule.
	goalRule int
	// accept, when not nil, must accept a trace with the goal for the
	// search to return it; a state whose trace it rejects is not grown
	// (its extensions keep the rejected steps: the search for a trace in
	// which no agent plays two roles). stopAt, when > 0, ends the run when
	// that many states have been grown (accept may set it).
	accept func(*rules.Trace) bool
	// reflect lets the adversary rebuild a known message for other agents
	// (synth): for attacks, where an honest run is not what is sought
	reflect bool
	stopAt  int
	// again: a state whose trace fails the goal with every goal action
	// recorded is measured by heuristicAgain, not as a goal state (h 0).
	// The first look does so; the full search does not, so that it does
	// not walk the first look's states again (an injectivity attack that
	// extends a failing commit state is found there)
	again bool
	// apart, when not nil (the public constants, which are not agents),
	// drops every new state whose step binds two of its rule's variables
	// to one agent (twoRoles): set once accept has set a trace aside
	apart map[string]bool
	// Expanded counts the states grown by the last run.
	Expanded int
	// ctx is the last run's: checked within a state's growth too, which
	// can be long (many messages known, many ways to match)
	ctx context.Context
	// scratch is the heuristic's working memory, reused between states
	scratch struct {
		premOff                  []int // per abstract rule: where its premises start in got
		cost, by, ruleCost, left []int
		sum, got                 []int
		marked                   []bool
		q                        fwdHeap
		ids                      []int  // heuristicKey's
		key                      []byte // heuristicKey's
	}
	// hcache: heuristicFrom's answers by heuristicKey (a state's answer
	// depends only on that); at most fwdHCache of them
	hcache map[string]fwdH
}

// fwdH is one of heuristicFrom's answers.
type fwdH struct {
	h       int
	helpful []bool
}

// fwdHCache bounds the heuristic's cache: past it the cache starts again.
const fwdHCache = 1 << 16

type fwdRestr struct {
	f     rules.Formula
	names map[string]bool
}

type fwdPrem struct{ rule, prem int }

// fwdNode is a state of the search: the facts, the messages sent, and
// the step that led to it from its parent.
type fwdNode struct {
	parent *fwdNode
	step   *fwdStep
	depth  int
	facts  []*fwdFact
	outs   []fwdOut
	// acts are the hashes of the trace's actions the goal or a
	// restriction mentions: part of the state for the search (two traces
	// that end in one multiset of facts differ if they differ there)
	acts []uint64
	// trail is the trace so far, with placeholders identified as u says
	trail []*replay.Step
	// u identifies placeholders with names or other placeholders; it is
	// already applied to facts and outs, not to the steps before.
	u      map[string]*rules.Term
	h, seq int
	// helpful are the rules of a relaxed plan that can fire here
	helpful []bool
	// know is the adversary's knowledge of outs while the state is grown,
	// knownBy its messages by function symbol
	know    *replay.Knowledge
	knownBy map[string][]*rules.Term
	// rec: which goal atoms the trail records (bit gi), once recKnown
	// (recordedMask)
	rec      uint64
	recKnown bool
}

type fwdFact struct {
	f   *rules.Fact
	src rules.Source
	// hash is the fact's identity (of its Ident, which is not kept: on
	// TLS 1.3 those strings were 40% of the search's memory)
	hash uint64
	abs  int
}

type fwdStep struct {
	rule    int
	subst   rules.Subst
	sources []rules.Source
	rep     *replay.Step
	unified bool   // a match identified placeholders
	sig     uint64 // the instance's signature (child)
}

// newForward prepares the search for goal, or fails when the model or the
// goal is outside what it handles.
func newForward(th *rules.Theory, rs []*rules.Rule, live []bool, goal rules.Formula) (*fwdSearch, error) {
	fs := &fwdSearch{th: th, rs: rs, live: live, goal: goal, goalActs: actionNames(goal), goalRule: -1, disabled: -1,
		lb: newDeepLabeler(th, fwdLabelDepth), absIDs: map[string]int{}, absOf: map[uint64]int{}}
	fs.vars = make([][]rules.Var, len(rs))
	for i, r := range rs {
		fs.vars[i] = r.Vars()
	}
	// a goal that speaks of the adversary's knowledge (K(t) @ #j, as a
	// secrecy lemma's negation does) is evaluated with knowledge events
	// after the trace's last step (knowing)
	fs.knowing = mentionsKnowledge(goal)
	if fs.knowing {
		fs.kParts = knowledgeParts(goal)
	}
	fs.observed = actionNames(goal)
	fs.reducible, fs.norm, fs.public = th.ReducibleSymbols(), map[*rules.Term]bool{}, map[string]bool{}
	for _, f := range th.Functions {
		if !f.Private {
			fs.public[f.Name] = true
		}
	}
	for _, r := range th.Restrictions {
		for a := range actionNames(r.Formula) {
			fs.observed[a] = true
		}
	}
	count := map[string]int{}
	for _, r := range rs {
		count[r.Name]++
		name := r.Name
		if count[r.Name] > 1 {
			name = fmt.Sprintf("%s#%d", r.Name, count[r.Name])
		}
		fs.names = append(fs.names, name)
		for _, p := range r.Premises {
			if p.Name == rules.FactIn {
				fs.hasIn = true
			}
		}
	}
	for _, r := range th.Restrictions {
		if mentionsKnowledge(r.Formula) {
			return nil, fmt.Errorf("forward search: restriction %s speaks of the adversary's knowledge", r.Name)
		}
		fr := fwdRestr{f: r.Formula, names: actionNames(r.Formula)}
		if eq, ok := equalityRestriction(r.Formula); ok {
			fs.eqs = append(fs.eqs, eq)
		}
		if prefixClosed(r.Formula) {
			fs.closed = append(fs.closed, fr)
		} else {
			fs.open = append(fs.open, fr)
		}
	}
	fs.genFor = generators(rs, live)
	if fs.hasIn {
		// In premises as sent messages, and as messages the adversary
		// builds from parts (variants of the rules, one per premise)
		absRs := sentFacts(th, rs)
		vars, orig := builtVariants(absRs, fs.public)
		absLive := append([]bool(nil), live...)
		for _, o := range orig {
			absLive = append(absLive, live[o])
		}
		fs.ars = abstractRules(fs.lb, append(absRs, vars...), absLive, true)
		for i := range fs.ars {
			if o := fs.ars[i].orig; o >= len(rs) {
				fs.ars[i].orig = orig[o-len(rs)]
			}
		}
	} else {
		fs.ars = abstractRules(fs.lb, rs, live, true)
	}

	fs.nPrems = make([]int, len(fs.ars))
	for ri, ar := range fs.ars {
		fs.nPrems[ri] = len(ar.prems)
		var ids []int
		for _, c := range ar.concs {
			ids = append(ids, fs.intern(c))
		}
		fs.concIDs = append(fs.concIDs, ids)
	}
	for _, want := range goalActionAtoms(goal) {
		fs.goalAtoms = append(fs.goalAtoms, want)
		var rs []int
		for ai, ar := range fs.ars {
			for _, a := range fs.rs[ar.orig].Actions {
				if fs.mayRecord(a, want) {
					rs = append(rs, ai)
					break
				}
			}
		}
		fs.goalArs = append(fs.goalArs, rs)
	}
	return fs, nil
}

// landmarks returns the rules every trace with the goal has an instance
// of: those without which the abstraction, from the empty state, cannot
// reach the goal (every trace is a flow of the abstraction).
func (fs *fwdSearch) landmarks() []int {
	root := &fwdNode{}
	fs.exact = true
	defer func() { fs.disabled, fs.exact = -1, false }()
	if h, _ := fs.heuristic(root); h < 0 || len(fs.goalArs) == 0 {
		return nil
	}
	var out []int
	for ri := range fs.rs {
		if !fs.live[ri] {
			continue
		}
		fs.disabled = ri
		if h, _ := fs.heuristic(root); h < 0 {
			out = append(out, ri)
		}
	}
	return out
}

// countingBlock reports a counting restriction (at most N steps with
// action X) that every trace with the goal violates, and the rules that
// show it: more than N of the goal's landmark rules record X, each at a
// step of its own; or every derivation of the goal in the abstraction has
// a chain of more than N steps that record X (chain, below), and those
// are the rules of a shortest such chain.
func (fs *fwdSearch) countingBlock() (r *rules.Restriction, recs []int, chain bool) {
	lms := fs.landmarks()
	for _, r := range fs.th.Restrictions {
		name, arity, most, ok := encode.CountingRestriction(r.Formula)
		if !ok {
			continue
		}
		counts := make([]bool, len(fs.rs))
		for ri, rule := range fs.rs {
			for _, a := range rule.Actions {
				if a.Name == name && len(a.Args) == arity {
					counts[ri] = true
					break
				}
			}
		}
		var recs []int
		for _, ri := range lms {
			if counts[ri] {
				recs = append(recs, ri)
			}
		}
		if len(recs) > most {
			return r, recs, false
		}
		if n, path := fs.chain(counts); n > most && n < fwdInf {
			return r, path, true
		}
	}
	return nil, nil, false
}

// exactFeed reports whether the conclusion fact id has the label a
// forwarding variant's premise fp carries (abstractRules: a step is an
// instance of the variant of its forwarded value's producer's label, or
// of the unlabeled one when that label has none). Only for the
// abstraction's own conclusions: a state's concrete facts have labels of
// their own.
func (fs *fwdSearch) exactFeed(id int, fp fwdPrem) bool {
	p := &fs.ars[fp.rule].prems[fp.prem]
	for _, i := range p.exact {
		if fs.absList[id].consts[i] != p.consts[i] {
			return false
		}
	}
	return true
}

// chain returns a lower bound on the steps of counted rules in every
// trace with the goal, and the counted rules of a derivation that attains
// it: in the abstraction from the empty state, a rule instance costs 1 if
// its rule counts, plus the largest cost among its premises (each fed by
// its cheapest fact). The steps along one path of a trace's dependency
// graph are distinct (each is earlier than the next), while two premises
// may share their ancestors; so the maximum, not the sum, and the count
// is one of the steps of a single path. fwdInf when the abstraction
// cannot reach the goal.
func (fs *fwdSearch) chain(counts []bool) (int, []int) {
	if len(fs.goalArs) == 0 {
		return 0, nil
	}
	cost := make([]int, len(fs.absList))
	by := make([]int, len(fs.absList)) // the abstract rule that gave the cost
	for i := range cost {
		cost[i], by[i] = fwdInf, -1
	}
	ruleCost := make([]int, len(fs.ars))
	left := append([]int(nil), fs.nPrems...)
	worst := make([]int, len(fs.ars)) // the fact of the costliest premise, +1
	fed := make([][]bool, len(fs.ars))
	for ri := range fs.ars {
		ruleCost[ri] = fwdInf
		fed[ri] = make([]bool, fs.nPrems[ri])
	}
	var q fwdHeap
	fire := func(ri, c int) {
		if counts[fs.ars[ri].orig] {
			c++
		}
		ruleCost[ri] = c
		for _, id := range fs.concIDs[ri] {
			if c < cost[id] {
				cost[id], by[id] = c, ri
				q.push(fwdItem{id, c})
			}
		}
	}
	for ri := range fs.ars {
		if left[ri] == 0 {
			fire(ri, 0)
		}
	}
	for len(q) > 0 {
		it := q.pop()
		if it.cost > cost[it.id] {
			continue
		}
		for _, fp := range fs.feeds[it.id] {
			if fed[fp.rule][fp.prem] || !fs.exactFeed(it.id, fp) {
				continue
			}
			// facts come out in order of cost: the first to feed a
			// premise is its cheapest, the last premise fed the costliest
			fed[fp.rule][fp.prem] = true
			if left[fp.rule]--; left[fp.rule] == 0 {
				worst[fp.rule] = it.id + 1
				fire(fp.rule, it.cost)
			}
		}
	}
	n := 0
	best := -1
	for _, ars := range fs.goalArs {
		atom, atomR := fwdInf, -1
		for _, ri := range ars {
			if ruleCost[ri] < atom {
				atom, atomR = ruleCost[ri], ri
			}
		}
		if atom >= n {
			n, best = atom, atomR
		}
	}
	if n >= fwdInf {
		return fwdInf, nil
	}
	var path []int
	for ri := best; ri >= 0; {
		if counts[fs.ars[ri].orig] {
			path = append(path, fs.ars[ri].orig)
		}
		id := worst[ri] - 1
		if id < 0 {
			break
		}
		ri = by[id]
	}
	slices.Reverse(path)
	return n, path
}

// newForwardRule prepares the search for a trace in which rule ri
// fires (the executability report).
func newForwardRule(th *rules.Theory, rs []*rules.Rule, live []bool, ri int) (*fwdSearch, error) {
	fs, err := newForward(th, rs, live, &rules.Atom{Kind: rules.AtomTrue})
	if err != nil {
		return nil, err
	}
	fs.goalRule = ri
	fs.goalActs = nil
	var ars []int
	for ai, ar := range fs.ars {
		if ar.orig == ri {
			ars = append(ars, ai)
		}
	}
	fs.goalArs, fs.goalAtoms = [][]int{ars}, nil
	return fs, nil
}

// recorded reports whether n's trace has an action that may be an
// instance of want.
func (fs *fwdSearch) recorded(n *fwdNode, want *rules.Fact) bool {
	return fs.stepsRecord(n.trail, want)
}

func (fs *fwdSearch) stepsRecord(steps []*replay.Step, want *rules.Fact) bool {
	for _, st := range steps {
		for _, a := range st.Actions {
			if a.Name == want.Name && fs.mayRecord(a, want) {
				return true
			}
		}
	}
	return false
}

// recordedGoal is recorded for the goal atom gi.
func (fs *fwdSearch) recordedGoal(n *fwdNode, gi int) bool {
	if len(fs.goalAtoms) > 64 {
		return fs.recorded(n, fs.goalAtoms[gi])
	}
	return fs.recordedMask(n)&(1<<gi) != 0
}

// recordedMask returns which goal atoms n's trail records (at most 64):
// its parent's and its last step's, where the trail extends the parent's
// (a step that identified placeholders rewrote the trail), so that the
// heuristic does not look through the whole trail for every state.
func (fs *fwdSearch) recordedMask(n *fwdNode) uint64 {
	if n.recKnown {
		return n.rec
	}
	var m uint64
	steps := n.trail
	if n.parent != nil && !n.step.unified {
		m = fs.recordedMask(n.parent)
		steps = n.trail[len(n.trail)-1:]
	}
	for gi, want := range fs.goalAtoms {
		if m&(1<<gi) == 0 && fs.stepsRecord(steps, want) {
			m |= 1 << gi
		}
	}
	n.rec, n.recKnown = m, true
	return m
}

// mayRecord reports whether a rule's action a can be an instance of the
// goal's action atom want: same symbol, and arguments whose skeletons
// agree (a goal asking for 'res' is not met by a rule that writes 'ext').
func (fs *fwdSearch) mayRecord(a, want *rules.Fact) bool {
	if a.Name != want.Name || len(a.Args) != len(want.Args) {
		return false
	}
	for i := range a.Args {
		if !skelCompatible(fs.lb.skeleton(a.Args[i], fwdLabelDepth, false), fs.lb.skeleton(want.Args[i], fwdLabelDepth, false)) {
			return false
		}
	}
	return true
}

// goalActionAtoms returns the protocol action atoms (as facts) every
// trace satisfying f has an instance of: those at positive polarity under
// existentials and conjunctions only (requiredActionNames gives their
// names).
func goalActionAtoms(f rules.Formula) []*rules.Fact {
	var out []*rules.Fact
	seen := map[string]bool{}
	var walk func(f rules.Formula, pos bool)
	walk = func(f rules.Formula, pos bool) {
		switch f := f.(type) {
		case *rules.Atom:
			if pos && f.Kind == rules.AtomAction && !rules.IsReserved(f.Fact.Name) && !seen[f.Fact.String()] {
				seen[f.Fact.String()] = true
				out = append(out, f.Fact)
			}
		case *rules.Not:
			walk(f.F, !pos)
		case *rules.Quant:
			if f.Exists == pos {
				walk(f.Body, pos)
			}
		case *rules.Conn:
			switch {
			case f.Op == rules.And && pos, f.Op == rules.Or && !pos:
				walk(f.L, pos)
				walk(f.R, pos)
			case f.Op == rules.Imp && !pos:
				walk(f.L, true)
				walk(f.R, false)
			}
		}
	}
	walk(f, true)
	return out
}

// intern returns the id of an abstract fact, computing what it feeds the
// first time.
func (fs *fwdSearch) intern(a absFact) int {
	var b strings.Builder
	b.WriteString(a.key.Name)
	b.WriteString("/" + strconv.FormatBool(a.key.Persistent) + "/" + strconv.Itoa(a.key.Arity))
	for _, c := range a.consts {
		b.WriteByte(0)
		b.WriteString(c)
	}
	k := b.String()
	if id, ok := fs.absIDs[k]; ok {
		return id
	}
	id := len(fs.absList)
	fs.absIDs[k] = id
	fs.absList = append(fs.absList, a)
	var feeds []fwdPrem
	for ri, ar := range fs.ars {
		for pi, p := range ar.prems {
			if a.feeds(p) {
				feeds = append(feeds, fwdPrem{ri, pi})
			}
		}
	}
	fs.feeds = append(fs.feeds, feeds)
	return id
}

// abstract returns the abstract fact of a ground fact: its arguments'
// labels, with fresh names and placeholders unlabeled (a rule writes a
// variable there).
func (fs *fwdSearch) abstract(f *rules.Fact) int {
	return fs.intern(fs.lb.concreteFact(f))
}

// abstractHashed is abstract for a fact whose Hash is h, remembered by
// it: a state's facts and messages are mostly its parent's, abstracted
// before. A fact's hash stands for the fact as the state's key does.
func (fs *fwdSearch) abstractHashed(f *rules.Fact, h uint64) int {
	if id, ok := fs.absOf[h]; ok {
		return id
	}
	id := fs.abstract(f)
	fs.absOf[h] = id
	return id
}

// fwdLabelDepth is how deep the search's abstraction looks into terms.
const fwdLabelDepth = 6

const fwdInf = 1 << 30

// fwdWeight weighs the heuristic against the length so far.
var fwdWeight = 2

// heuristic returns the summed abstract costs of the goal's actions from
// n's facts, or -1 when the abstraction cannot reach one of them, and
// the helpful rules: those of a relaxed plan to the goal (following each
// premise back to the fact that gave its cost) that can fire in n
// already. A step of a helpful rule is likelier to be progress.
func (fs *fwdSearch) heuristic(n *fwdNode) (int, []bool) { return fs.heuristicFrom(n, true) }

// heuristicAgain is heuristic with the goal's actions that n's trace has
// recorded counted as still needed: for a state whose recorded instances
// do not satisfy the goal (an authentication lemma's commit with its
// running step, or after a reveal), the distance is to new instances.
func (fs *fwdSearch) heuristicAgain(n *fwdNode) (int, []bool) { return fs.heuristicFrom(n, false) }

func (fs *fwdSearch) heuristicFrom(n *fwdNode, skipRecorded bool) (int, []bool) {
	if len(fs.goalArs) == 0 {
		return 0, nil
	}
	// states with the same abstract facts and messages, and the same
	// goal actions recorded, have the same answer: about half of those
	// the search measures (Nssk_amended executability, NSLPK3, TESLA)
	key := fs.heuristicKey(n, skipRecorded)
	if a, ok := fs.hcache[string(key)]; ok {
		return a.h, a.helpful
	}
	h, helpful := fs.heuristicOf(n, skipRecorded)
	if fs.hcache == nil || len(fs.hcache) >= fwdHCache {
		fs.hcache = map[string]fwdH{}
	}
	fs.hcache[string(key)] = fwdH{h, helpful}
	return h, helpful
}

// heuristicKey is what heuristicOf's answer for n depends on: the
// abstract facts of n's facts and messages (a set), the goal actions n's
// trace records when skipRecorded, and the rule left out and the
// exactness of the feeds (landmarks). The key is the search's scratch
// space, valid until the next call.
func (fs *fwdSearch) heuristicKey(n *fwdNode, skipRecorded bool) []byte {
	sc := &fs.scratch
	ids := sc.ids[:0]
	for _, f := range n.facts {
		ids = append(ids, f.abs)
	}
	for _, o := range n.outs {
		ids = append(ids, o.abs)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	sc.ids = ids
	key := binary.AppendVarint(sc.key[:0], int64(fs.disabled))
	flags := byte(0)
	if fs.exact {
		flags |= 1
	}
	if skipRecorded {
		flags |= 2
	}
	key = append(key, flags)
	if skipRecorded {
		for gi := range fs.goalArs {
			rec := byte(0)
			if gi < len(fs.goalAtoms) && fs.recordedGoal(n, gi) {
				rec = 1
			}
			key = append(key, rec)
		}
	}
	for _, id := range ids {
		key = binary.AppendUvarint(key, uint64(id))
	}
	sc.key = key
	return key
}

// heuristicOf computes heuristicFrom's answer.
func (fs *fwdSearch) heuristicOf(n *fwdNode, skipRecorded bool) (int, []bool) {
	// per abstract fact: its cost and the abstract rule that gave it
	sc := &fs.scratch
	if len(sc.premOff) != len(fs.ars)+1 {
		sc.premOff = make([]int, len(fs.ars)+1)
		for i, ar := range fs.ars {
			sc.premOff[i+1] = sc.premOff[i] + len(ar.prems)
		}
		sc.ruleCost = make([]int, len(fs.ars))
		sc.left = make([]int, len(fs.ars))
		sc.sum = make([]int, len(fs.ars))
		sc.marked = make([]bool, len(fs.ars))
		sc.got = make([]int, sc.premOff[len(fs.ars)])
	}
	if cap(sc.cost) < len(fs.absList) {
		sc.cost = make([]int, len(fs.absList), 2*len(fs.absList))
		sc.by = make([]int, len(fs.absList), 2*len(fs.absList))
	}
	cost, by := sc.cost[:len(fs.absList)], sc.by[:len(fs.absList)]
	for i := range cost {
		cost[i], by[i] = fwdInf, -1
	}
	ruleCost, left, sum, marked := sc.ruleCost, sc.left, sc.sum, sc.marked
	copy(left, fs.nPrems)
	for i := range ruleCost {
		ruleCost[i], sum[i], marked[i] = fwdInf, 0, false
	}
	// the fact that fed each premise, +1: got(ri)[pi]
	clear(sc.got)
	got := func(ri int) []int { return sc.got[sc.premOff[ri]:sc.premOff[ri+1]] }
	q := &sc.q
	*q = (*q)[:0]
	push := func(id, c, r int) {
		if c < cost[id] {
			cost[id], by[id] = c, r
			q.push(fwdItem{id, c})
		}
	}
	fire := func(ri int) {
		if fs.ars[ri].orig == fs.disabled {
			return
		}
		ruleCost[ri] = 1 + sum[ri]
		for _, id := range fs.concIDs[ri] {
			push(id, ruleCost[ri], ri)
		}
	}
	for ri := range fs.ars {
		if left[ri] == 0 {
			fire(ri)
		}
	}
	for _, f := range n.facts {
		push(f.abs, 0, -1)
	}
	for _, o := range n.outs {
		push(o.abs, 0, -1)
	}
	for len(*q) > 0 {
		it := q.pop()
		if it.cost > cost[it.id] {
			continue
		}
		for _, fp := range fs.feeds[it.id] {
			g := got(fp.rule)
			if g[fp.prem] != 0 || (fs.exact && !fs.exactFeed(it.id, fp)) {
				continue
			}
			g[fp.prem] = it.id + 1
			sum[fp.rule] += it.cost
			if left[fp.rule]--; left[fp.rule] == 0 {
				fire(fp.rule)
			}
		}
	}
	h := 0
	var facts []int // the relaxed plan's facts still to explain
	helpful := make([]bool, len(fs.rs))
	mark := func(ri int) {
		if marked[ri] {
			return
		}
		marked[ri] = true
		now := true
		for _, g := range got(ri) {
			if id := g - 1; cost[id] > 0 {
				now = false
				facts = append(facts, id)
			}
		}
		if now {
			helpful[fs.ars[ri].orig] = true
		}
	}
	for gi, ars := range fs.goalArs {
		if skipRecorded && gi < len(fs.goalAtoms) && fs.recordedGoal(n, gi) {
			continue // the trace has it already
		}
		best, bestR := fwdInf, -1
		for _, ri := range ars {
			if ruleCost[ri] < best {
				best, bestR = ruleCost[ri], ri
			}
		}
		if best == fwdInf {
			return -1, nil
		}
		h += best
		mark(bestR)
	}
	for len(facts) > 0 {
		id := facts[len(facts)-1]
		facts = facts[:len(facts)-1]
		if by[id] == -2 {
			continue
		}
		r := by[id]
		by[id] = -2 // explained
		if r >= 0 {
			mark(r)
		}
	}
	return h, helpful
}

type fwdItem struct{ id, cost int }

// fwdHeap is the heuristic's priority queue: container/heap's algorithm
// (the same order of ties) without boxing each item in an interface.
type fwdHeap []fwdItem

func (h *fwdHeap) push(it fwdItem) {
	*h = append(*h, it)
	q := *h
	for j := len(q) - 1; j > 0; {
		i := (j - 1) / 2
		if q[j].cost >= q[i].cost {
			break
		}
		q[i], q[j] = q[j], q[i]
		j = i
	}
}

func (h *fwdHeap) pop() fwdItem {
	q := *h
	n := len(q) - 1
	q[0], q[n] = q[n], q[0]
	for i := 0; ; {
		j := 2*i + 1
		if j >= n {
			break
		}
		if j2 := j + 1; j2 < n && q[j2].cost < q[j].cost {
			j = j2
		}
		if q[j].cost >= q[i].cost {
			break
		}
		q[i], q[j] = q[j], q[i]
		i = j
	}
	*h = q[:n]
	return q[n]
}

// nodeHeap orders states by heuristic, then by length, then by age.
type nodeHeap []*fwdNode

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if fa, fb := a.depth+fwdWeight*a.h, b.depth+fwdWeight*b.h; fa != fb {
		return fa < fb
	}
	if a.h != b.h {
		return a.h < b.h
	}
	if a.depth != b.depth {
		return a.depth < b.depth
	}
	return a.seq < b.seq
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(*fwdNode)) }
func (h *nodeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// run searches for a trace of at most maxDepth steps with the goal,
// growing at most maxExpand states. It returns nil when it finds none.
// Three queues, all ordered by length plus weighted heuristic: every new
// state goes to the first; the states a helpful rule led to also to the
// second (preferred operators, as in Fast Downward); the states with an
// abstract fact no state had before also to the third (novelty, as in
// best-first width search: it gets the search off a plateau where the
// heuristic is blind, such as a message the abstraction cannot tell from
// the one a rule waits for). The search takes from them in turn, from
// the second twice as often.
func (fs *fwdSearch) run(ctx context.Context, maxDepth, maxExpand int) (*rules.Trace, error) {
	fs.ctx = ctx
	defer func() { fs.ctx = nil }()
	root := &fwdNode{u: map[string]*rules.Term{}}
	root.h, root.helpful = fs.heuristic(root)
	if root.h < 0 {
		return nil, nil
	}
	all, pref, novel := &nodeHeap{root}, &nodeHeap{}, &nodeHeap{}
	queues := []*nodeHeap{pref, novel, pref, all}
	seenAbs := map[int]bool{}
	seen := map[uint64]bool{fs.key(root): true}
	done := map[*fwdNode]bool{}
	seq := 0
	fs.Expanded = 0
	for turn := 0; fs.Expanded < maxExpand && (fs.stopAt == 0 || fs.Expanded < fs.stopAt); turn++ {
		if ctx.Err() != nil {
			return nil, nil
		}
		var q *nodeHeap
		for i := range queues {
			if c := queues[(turn+i)%len(queues)]; c.Len() > 0 {
				q = c
				break
			}
		}
		if q == nil {
			break
		}
		n := heap.Pop(q).(*fwdNode)
		if done[n] || n.depth >= maxDepth {
			continue
		}
		done[n] = true
		fs.Expanded++
		for ri, r := range fs.rs {
			if !fs.live[ri] {
				continue
			}
			if ctx.Err() != nil {
				return nil, nil
			}
			for _, c := range fs.withGenerators(n, ri, r) {
				if ctx.Err() != nil {
					return nil, nil
				}
				if c.depth > maxDepth {
					continue
				}
				k := fs.key(c)
				if seen[k] {
					continue
				}
				seen[k] = true
				ok, err := fs.admissible(c)
				if err != nil {
					return nil, evalGaveUp(err)
				}
				if !ok {
					continue
				}
				if tr, err := fs.reached(c); err != nil || tr != nil {
					if err != nil || fs.accept == nil || fs.accept(tr) {
						return tr, evalGaveUp(err)
					}
					// rejected: its extensions keep the rejected steps
					continue
				}
				if fs.apart != nil && fs.twoRoles(c) {
					continue
				}
				if c.h, c.helpful = fs.heuristic(c); c.h < 0 {
					continue
				} else if c.h == 0 && fs.again && !fs.knowing {
					// every goal action is recorded, yet the goal
					// fails: the state needs new instances of them (a
					// goal about knowledge may need only the adversary
					// to learn more, which the heuristic cannot see)
					if c.h, c.helpful = fs.heuristicAgain(c); c.h < 0 {
						continue
					}
				}
				seq++
				c.seq = seq
				heap.Push(all, c)
				if n.helpful != nil && n.helpful[ri] {
					heap.Push(pref, c)
				}
				isNovel := false
				for _, f := range c.facts {
					if !seenAbs[f.abs] {
						seenAbs[f.abs], isNovel = true, true
					}
				}
				if isNovel {
					heap.Push(novel, c)
				}
			}
		}
		n.know, n.knownBy = nil, nil // needed only while n is grown
	}
	return nil, nil
}

// twoRoles reports whether n's last step binds two variables of its rule
// to one agent (a name, not one of the model's constants): a coincidence
// (readable.go) that a trace extending n keeps unless minimising drops
// the step. Earlier steps are not asked: a step with a coincidence made
// before the search turned to distinct agents may be one that minimising
// drops (a server run for an agent with itself, left unused).
func (fs *fwdSearch) twoRoles(n *fwdNode) bool {
	var agents []*rules.Term
	for _, t := range n.step.subst {
		if t = resolve(t, n.u); t.Kind == rules.TPub && !fs.apart[t.Name] {
			for _, a := range agents {
				if a.Name == t.Name {
					return true
				}
			}
			agents = append(agents, t)
		}
	}
	return false
}

// key hashes a state: its facts, messages and observed actions as a
// multiset (a sum of spread hashes). The names the search makes are
// named after the instances that make them (child), so two orders of
// independent steps reach one key.
func (fs *fwdSearch) key(n *fwdNode) uint64 {
	var k uint64
	for _, f := range n.facts {
		k += rules.Mix64(f.hash)
	}
	for _, o := range n.outs {
		k += rules.Mix64(o.hash ^ 0x9e3779b97f4a7c15)
	}
	for _, a := range n.acts {
		k += a
	}
	return k
}

// steps returns the replayed steps of n's trace with its placeholders
// identified as n says.
func (fs *fwdSearch) steps(n *fwdNode) []*replay.Step { return n.trail }

// admissible reports whether n's trace satisfies the restrictions that
// stay false once false, as far as its last step can change them.
func (fs *fwdSearch) admissible(n *fwdNode) (bool, error) {
	var steps []*replay.Step
	for _, r := range fs.closed {
		if !n.step.unified && !mentionsAny(r.names, n.step.rep.Actions) {
			continue
		}
		if steps == nil {
			steps = fs.steps(n)
		}
		ok, err := replay.HoldsLimited(fs.th, steps, r.f)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// reached returns n's trace when it has the goal and satisfies every
// restriction.
func (fs *fwdSearch) reached(n *fwdNode) (*rules.Trace, error) {
	if fs.goalRule >= 0 {
		if n.step.rule != fs.goalRule {
			return nil, nil
		}
		for _, r := range fs.open {
			if ok, err := replay.HoldsLimited(fs.th, n.trail, r.f); err != nil || !ok {
				return nil, err
			}
		}
		return fs.trace(n), nil
	}
	if fs.knowing {
		return fs.reachedKnowing(n)
	}
	if !n.step.unified && !mentionsAny(fs.goalActs, n.step.rep.Actions) && len(fs.goalActs) > 0 {
		return nil, nil
	}
	steps := fs.steps(n)
	ok, err := replay.HoldsLimited(fs.th, steps, fs.goal)
	if err != nil || !ok {
		return nil, err
	}
	for _, r := range fs.open {
		if ok, err := replay.HoldsLimited(fs.th, steps, r.f); err != nil || !ok {
			return nil, err
		}
	}
	return fs.trace(n), nil
}

// reachedKnowing is reached for a goal that speaks of the adversary's
// knowledge: after the trace's last step the adversary derives every
// subterm of the goal's actions it can (a knowledge event each), and the
// whole trace is replayed with the goal. Only a step that records a goal
// action or sends a message can make the goal true.
func (fs *fwdSearch) reachedKnowing(n *fwdNode) (*rules.Trace, error) {
	sends := false
	for _, c := range n.step.rep.Conclusions {
		sends = sends || c.Name == rules.FactOut
	}
	if !n.step.unified && !sends && !mentionsAny(fs.goalActs, n.step.rep.Actions) {
		return nil, nil
	}
	// first on the search's own terms: the parts of goal actions the
	// adversary knows, as knowledge events after the last step
	var parts []*rules.Term
	seen := map[string]bool{}
	for _, st := range n.trail {
		parts = fs.askedParts(st.Actions, seen, parts)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	know := replay.NewSearchKnowledge(fs.th)
	for _, o := range n.outs {
		know.Add(o.t)
	}
	var known []*rules.Term
	for _, t := range parts {
		if know.Derive(t) != nil {
			known = append(known, t)
		}
	}
	if len(known) == 0 || len(known) >= rules.TraceTimeScale {
		return nil, nil
	}
	if ok, err := replay.HoldsAfter(fs.th, n.trail, known, fs.goal); err != nil || !ok {
		return nil, err
	}
	// the trace with its names, and the same knowledge events on it
	tr := fs.trace(n)
	know = replay.NewSearchKnowledge(fs.th)
	var terms []*rules.Term
	seen = map[string]bool{}
	for _, st := range tr.Steps {
		for _, c := range st.Rule.Conclusions {
			if c.Name == rules.FactOut && len(c.Args) == 1 {
				know.Add(fs.th.Normalize(st.Subst.Apply(c.Args[0])))
			}
		}
		acts := make([]*rules.Fact, len(st.Rule.Actions))
		for i, a := range st.Rule.Actions {
			acts[i] = a.Subst(st.Subst)
			for k, arg := range acts[i].Args {
				acts[i].Args[k] = fs.th.Normalize(arg)
			}
		}
		terms = fs.askedParts(acts, seen, terms)
	}
	last := tr.Time(len(tr.Steps) - 1)
	for _, t := range terms {
		if len(tr.KEvents)+1 >= rules.TraceTimeScale {
			break
		}
		if know.Derive(t) != nil {
			tr.KEvents = append(tr.KEvents, &rules.KEvent{Term: t, Time: last + int64(len(tr.KEvents)+1), InStep: -1, InPremise: -1})
		}
	}
	if len(tr.KEvents) == 0 {
		return nil, nil
	}
	if _, err := replay.Check(fs.th, tr, fs.goal); err != nil {
		if _, ok := err.(*replay.Error); ok {
			return nil, nil // not a trace with the goal
		}
		return nil, err
	}
	return tr, nil
}

// askedParts appends to parts the terms of the ground actions acts that
// the goal's knowledge events are about: the arguments its K atoms name
// (kParts), or else every non-public part of the goal's actions; seen
// holds those taken already.
func (fs *fwdSearch) askedParts(acts []*rules.Fact, seen map[string]bool, parts []*rules.Term) []*rules.Term {
	for _, a := range acts {
		if !fs.goalActs[a.Name] || rules.IsReserved(a.Name) {
			continue
		}
		args := a.Args
		if fs.kParts != nil {
			args = nil
			for _, i := range fs.kParts[a.Name] {
				if i < len(a.Args) {
					args = append(args, a.Args[i])
				}
			}
		}
		for _, arg := range args {
			arg.Walk(func(t *rules.Term) bool {
				if t.Kind != rules.TPub && !seen[t.String()] {
					seen[t.String()] = true
					parts = append(parts, t)
				}
				return fs.kParts == nil // the argument itself, or every part
			})
		}
	}
	return parts
}

// knowledgeParts returns, for a goal whose K atoms each ask about a
// variable that some action atom of the goal has as an argument, the
// action names and positions of those arguments: the only terms the
// adversary's knowledge events need to be about. Otherwise nil.
func knowledgeParts(f rules.Formula) map[string][]int {
	var kvars []rules.Var
	var acts []*rules.Fact
	ok := true
	rules.WalkFormula(f, func(g rules.Formula) {
		a, isAtom := g.(*rules.Atom)
		if !isAtom || a.Kind != rules.AtomAction {
			return
		}
		switch a.Fact.Name {
		case rules.FactK, rules.FactKU:
			if len(a.Fact.Args) != 1 || a.Fact.Args[0].Kind != rules.TVar {
				ok = false
				return
			}
			kvars = append(kvars, a.Fact.Args[0].Var)
		default:
			if !rules.IsReserved(a.Fact.Name) {
				acts = append(acts, a.Fact)
			}
		}
	})
	out := map[string][]int{}
	for _, x := range kvars {
		found := false
		for _, a := range acts {
			for i, t := range a.Args {
				if t.Kind == rules.TVar && t.Var == x {
					out[a.Name] = append(out[a.Name], i)
					found = true
				}
			}
		}
		ok = ok && found
	}
	if !ok {
		return nil
	}
	return out
}

func mentionsAny(names map[string]bool, acts []*rules.Fact) bool {
	for _, a := range acts {
		if names[a.Name] {
			return true
		}
	}
	return false
}

// binding is a partial match of a rule's premises: values of the rule's
// variables and placeholders identified so far.
type binding struct {
	s    rules.Subst
	u    map[string]*rules.Term
	used []int // facts consumed or read, by index in the state
	srcs []rules.Source
	sig  uint64 // the facts and messages matched, as a multiset
}

// successors returns the states one instance of rule r leads to from n;
// with from >= 0, only those where a state premise reads or consumes a
// fact of step from (only state premises have such sources: In and Fr
// premises have none), pruned before the In premises are matched.
func (fs *fwdSearch) successors(n *fwdNode, ri int, r *rules.Rule, from int) []*fwdNode {
	bs := []binding{{s: rules.Subst{}, u: map[string]*rules.Term{}, srcs: make([]rules.Source, len(r.Premises))}}
	// state premises first, In premises after them, Fr last
	order := make([]int, 0, len(r.Premises))
	nState := 0
	for pass := 0; pass < 3; pass++ {
		for pi, p := range r.Premises {
			kind := 0
			switch p.Name {
			case rules.FactIn:
				kind = 1
			case rules.FactFr:
				kind = 2
			}
			if kind == pass {
				order = append(order, pi)
			}
		}
		if pass == 0 {
			nState = len(order)
		}
	}
	if from >= 0 && nState == 0 {
		return nil
	}
	// keepFrom keeps the bindings (state premises matched) that use a
	// fact of step from
	keepFrom := func(bs []binding) []binding {
		return slices.DeleteFunc(bs, func(b binding) bool { return !fromStep(b.srcs, order[:nState], from) })
	}
	for oi, pi := range order {
		if fs.stopped() {
			return nil
		}
		if from >= 0 && oi == nState {
			if bs = keepFrom(bs); len(bs) == 0 {
				return nil
			}
		}
		p := r.Premises[pi]
		var next []binding
		for _, b := range bs {
			switch p.Name {
			case rules.FactFr:
				// named with the instance (child); Fr(x) of a plain
				// variable makes a fresh name too, as in Tamarin
				if len(p.Args) != 1 || p.Args[0].Kind != rules.TVar || p.Args[0].Var.Sort != rules.SortFresh && p.Args[0].Var.Sort != rules.SortMsg {
					return nil
				}
				if _, ok := b.s[p.Args[0].Var]; ok {
					return nil
				}
				b.srcs = append([]rules.Source(nil), b.srcs...)
				b.srcs[pi] = rules.Source{Step: -1}
				next = append(next, b)
			case rules.FactIn:
				if len(p.Args) != 1 {
					return nil
				}
				for _, b2 := range fs.received(n, p.Args[0], b) {
					b2.srcs = append([]rules.Source(nil), b2.srcs...)
					b2.srcs[pi] = rules.Source{Step: -1}
					b2.sig = b.sig + rules.Mix64(resolve(b2.s.Apply(p.Args[0]), b2.u).Hash())
					next = append(next, b2)
				}
			default:
				for fi, f := range n.facts {
					if f.f.Name != p.Name || f.f.Persistent != p.Persistent || len(f.f.Args) != len(p.Args) {
						continue
					}
					if !p.Persistent && usedIn(b.used, fi) {
						continue
					}
					for _, b2 := range fs.matchArgs(p.Args, f.f.Args, b) {
						b2.used = append(append([]int(nil), b.used...), fi)
						b2.srcs = append([]rules.Source(nil), b.srcs...)
						b2.srcs[pi] = f.src
						b2.sig = b.sig + rules.Mix64(f.hash)
						next = append(next, b2)
					}
				}
			}
		}
		bs = next
		if len(bs) == 0 {
			return nil
		}
	}
	if from >= 0 && nState == len(order) {
		bs = keepFrom(bs)
	}
	var out []*fwdNode
	for _, b := range bs {
		if c := fs.child(n, ri, r, b); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// fwdComposeDepth bounds how deep the search's adversary builds a message
// for an In premise from what it knows.
const fwdComposeDepth = 3

// fwdInCap bounds the ways one In premise is matched from one binding.
const fwdInCap = 64

// received returns the ways the adversary can give In premise pattern p
// (extending b) from what the state's trace sent: a message it knows
// (sent, or taken apart: a pair's components, a plaintext under a key it
// has) matched as it is, or one it builds with public functions from
// such messages and public names.
func (fs *fwdSearch) received(n *fwdNode, p *rules.Term, b binding) []binding {
	if n.know == nil {
		n.know = fs.knowledgeOf(n.outs)
	}
	out := fs.synth(n, p, b, 0)
	if len(out) <= 1 {
		return out
	}
	// one binding per instance
	seen := map[string]bool{}
	kept := out[:0]
	var names []string
	var kb strings.Builder
	for _, b2 := range out {
		names = names[:0]
		for name := range b2.u {
			names = append(names, name)
		}
		sort.Strings(names)
		kb.Reset()
		kb.WriteString(b2.s.Apply(p).String())
		for _, name := range names {
			kb.WriteByte(' ')
			kb.WriteString(name)
			kb.WriteByte('=')
			kb.WriteString(b2.u[name].String())
		}
		if k := kb.String(); !seen[k] {
			seen[k] = true
			kept = append(kept, b2)
		}
	}
	if len(kept) > fwdInCap {
		kept = kept[:fwdInCap]
	}
	return kept
}

// synth is received's recursion: p is a subterm of the pattern at the
// given depth. At the top the pattern may be any message known; inside a
// message the adversary builds, a variable the state has not bound takes
// a known name (fresh or public), and an application a known message of
// the same function symbol, or one built in turn.
func (fs *fwdSearch) synth(n *fwdNode, p *rules.Term, b binding, depth int) []binding {
	if fs.stopped() {
		return nil
	}
	var out []binding
	switch {
	case p.Kind == rules.TVar:
		if t, ok := b.s[p.Var]; ok {
			if n.know.Derive(fs.th.Normalize(resolve(t, b.u))) != nil {
				out = append(out, b)
			}
			return out
		}
		if p.Var.Sort == rules.SortPub {
			// a name of the adversary's choice: a placeholder (child)
			out = append(out, b)
		}
		cands := n.know.Known()
		if depth > 0 {
			cands = fs.knownBy(n)[""]
		}
		for _, t := range cands {
			if !p.Var.Sort.Admits(t) {
				continue
			}
			out = append(out, fs.match(p, t, b)...)
			if len(out) > fwdInCap {
				break
			}
		}
		if p.Var.Sort == rules.SortMsg && depth == 0 {
			// In(x): the message may be one the adversary makes up,
			// a public name of its choice (a placeholder, child).
			// Not inside a message it builds: there the extra choice
			// costs more states than it finds traces (measured)
			out = append(out, b)
		}
		return out
	case p.Kind != rules.TApp:
		if p.Kind == rules.TPub || n.know.Derive(p) != nil {
			out = append(out, b)
		}
		return out
	case p.IsGround():
		if n.know.Derive(fs.th.Normalize(resolve(p, b.u))) != nil {
			out = append(out, b)
		}
		return out
	}
	var reflect []binding
	for _, t := range fs.knownBy(n)[p.Name] {
		if !shapeFits(p, t) {
			continue
		}
		ms := fs.match(p, t, b)
		for _, m := range ms {
			if len(m.u) > len(b.u) {
				reflect = append(reflect, m)
			}
		}
		out = append(out, ms...)
		if len(out) > fwdInCap {
			return out
		}
	}
	// a known message that fits only by identifying two agents
	// (placeholders) may also be rebuilt for the agents apart, when the
	// adversary can: A's message with A's name replaced by B's (a
	// reflection). The variables the match bound take the values it gave
	// them; the identification is dropped.
	for _, m := range reflect {
		if !fs.reflect {
			break
		}
		b2 := b
		b2.s = rules.Subst{}
		for v, t := range m.s {
			b2.s[v] = t
		}
		if n.know.Derive(fs.th.Normalize(resolve(b2.s.Apply(p), b.u))) != nil {
			out = append(out, b2)
		}
	}
	// built only when no known message will do
	if len(out) > 0 || depth >= fwdComposeDepth || rules.IsDHSymbol(p.Name) || !fs.public[p.Name] {
		return out
	}
	bs := []binding{b}
	for _, a := range p.Args {
		var next []binding
		for _, b1 := range bs {
			next = append(next, fs.synth(n, a, b1, depth+1)...)
			if len(next) > fwdInCap {
				break
			}
		}
		if bs = next; len(bs) == 0 {
			break
		}
	}
	return append(out, bs...)
}

// shapeFits reports whether pattern p may match the ground term t: the
// same function symbols and constants where p has them (placeholders and
// Diffie–Hellman terms aside), without building a substitution.
func shapeFits(p, t *rules.Term) bool {
	switch p.Kind {
	case rules.TVar:
		return p.Var.Sort.Admits(t)
	case rules.TApp:
		if rules.IsDHSymbol(p.Name) {
			return true
		}
		if t.Kind != rules.TApp || t.Name != p.Name || len(t.Args) != len(p.Args) {
			return false
		}
		for i := range p.Args {
			if !shapeFits(p.Args[i], t.Args[i]) {
				return false
			}
		}
		return true
	}
	return p.Kind == t.Kind && (p.Name == t.Name || isPlaceholder(p) || isPlaceholder(t))
}

// evalGaveUp drops the error of a restriction or goal too costly to
// evaluate on the search's states (replay.ErrEvalLimit): the search gives
// up, it is not a failure of the check.
func evalGaveUp(err error) error {
	if errors.Is(err, replay.ErrEvalLimit) {
		return nil
	}
	return err
}

// stopped reports whether the current run's context is done.
func (fs *fwdSearch) stopped() bool { return fs.ctx != nil && fs.ctx.Err() != nil }

// knownBy returns the messages the adversary knows in state n by
// function symbol (DH terms under "exp" and "mult"), the names (fresh or
// public) under "".
func (fs *fwdSearch) knownBy(n *fwdNode) map[string][]*rules.Term {
	if n.knownBy == nil {
		n.knownBy = map[string][]*rules.Term{}
		for _, t := range n.know.Known() {
			key := ""
			if t.Kind == rules.TApp {
				key = t.Name
			}
			n.knownBy[key] = append(n.knownBy[key], t)
		}
	}
	return n.knownBy
}

// knowledgeOf returns the adversary's knowledge of outs (saturated when
// first used). States grown one after the other often sent the same
// messages in the same order (a generator's step before a rule's sends
// nothing new; SpliceAS_2's executability: 77% of 19 220 knowledges), so
// the last knowMemoSize are kept and shared: the knowledge of the same
// sequence is the same, in the same order. Only Add (called here alone)
// and its own saturation change it, and saturation reaches the same
// fixpoint whichever state's question triggers it.
func (fs *fwdSearch) knowledgeOf(outs []fwdOut) *replay.Knowledge {
	h := uint64(len(outs))
	for _, o := range outs {
		h = rules.Mix64(h ^ o.hash)
	}
	if e, ok := fs.knowMemo[h]; ok && len(e.outs) == len(outs) {
		same := true
		for i, o := range outs {
			if !e.outs[i].Equal(o.t) {
				same = false
				break
			}
		}
		if same {
			return e.k
		}
	}
	k := replay.NewSearchKnowledge(fs.th)
	ts := make([]*rules.Term, len(outs))
	for i, o := range outs {
		k.Add(o.t)
		ts[i] = o.t
	}
	if fs.knowMemo == nil || len(fs.knowMemo) >= knowMemoSize {
		fs.knowMemo = map[uint64]knowEntry{}
	}
	fs.knowMemo[h] = knowEntry{ts, k}
	return k
}

// knowMemoSize bounds the knowledges a search keeps for reuse.
const knowMemoSize = 256

type knowEntry struct {
	outs []*rules.Term
	k    *replay.Knowledge
}

// withGenerators returns the successors of rule r from n, and those
// where an instance of a generator (a rule with no premise but Fr, such
// as a key registration) comes just before r's and supplies one of r's
// persistent premises: a generator can always fire, so the two steps are
// a trace whenever r's step is. The heuristic cannot ask for them (the
// abstraction takes the key registered for someone else as good enough,
// where a restriction may say otherwise), and the search would find
// them only by chance.
func (fs *fwdSearch) withGenerators(n *fwdNode, ri int, r *rules.Rule) []*fwdNode {
	out := fs.successors(n, ri, r, -1)
	for _, gi := range fs.genFor[ri] {
		m := fs.child(n, gi, fs.rs[gi], binding{s: rules.Subst{}, u: map[string]*rules.Term{}, srcs: fs.frSources(gi)})
		if m == nil {
			continue
		}
		if ok, err := fs.admissible(m); err != nil || !ok {
			continue
		}
		// only the instances that use what the generator made: the
		// others are among out already
		out = append(out, fs.successors(m, ri, r, n.depth)...)
	}
	return out
}

// frSources are the sources of a generator's premises (all Fr).
func (fs *fwdSearch) frSources(gi int) []rules.Source {
	srcs := make([]rules.Source, len(fs.rs[gi].Premises))
	for i := range srcs {
		srcs[i] = rules.Source{Step: -1}
	}
	return srcs
}

// generators returns, for each rule, the generators that produce a fact
// of one of its persistent premises.
func generators(rs []*rules.Rule, live []bool) [][]int {
	var gens []int
	for gi, g := range rs {
		isGen := live[gi]
		for _, p := range g.Premises {
			isGen = isGen && p.Name == rules.FactFr
		}
		if isGen {
			gens = append(gens, gi)
		}
	}
	out := make([][]int, len(rs))
	for ri, r := range rs {
		for _, gi := range gens {
			if gi == ri {
				continue
			}
			feeds := false
			for _, p := range r.Premises {
				for _, c := range rs[gi].Conclusions {
					feeds = feeds || p.Persistent && c.Key() == p.Key()
				}
			}
			if feeds {
				out[ri] = append(out[ri], gi)
			}
		}
	}
	return out
}

// fromStep reports whether the source of one of the premises ps is a
// conclusion of step (the sources of premises not matched yet are zero,
// which is why only matched ones are looked at).
func fromStep(srcs []rules.Source, ps []int, step int) bool {
	for _, pi := range ps {
		if srcs[pi].Step == step {
			return true
		}
	}
	return false
}

func usedIn(used []int, i int) bool {
	for _, j := range used {
		if i == j {
			return true
		}
	}
	return false
}

// child builds the state an instance leads to, or nil when a variable of
// the rule has no value (a message only the adversary could choose).
func (fs *fwdSearch) child(n *fwdNode, ri int, r *rules.Rule, b binding) *fwdNode {
	// the instance's signature: the rule, what it matched, and how many
	// instances with the same signature the trace has: the names it makes
	// are named after it, so that two orders of independent steps reach
	// states with the same names (one state for the search)
	sig := rules.Mix64(uint64(ri)+1) + b.sig
	occ := uint64(0)
	for m := n; m.step != nil; m = m.parent {
		if m.step.sig == sig {
			occ++
		}
	}
	name := rules.Mix64(sig ^ rules.Mix64(occ))
	s := b.s.Copy()
	for _, v := range fs.vars[ri] {
		if _, ok := s[v]; ok {
			continue
		}
		switch {
		case v.Sort == rules.SortFresh || v.Sort == rules.SortMsg && freshPremise(r, v):
			s[v] = rules.NewFreshConst(fmt.Sprintf("%s#%x", v.Name, name))
		case v.Sort == rules.SortPub, v.Sort == rules.SortMsg && inPremise(r, v):
			// a name of the adversary's choice (synth left it open)
			s[v] = rules.NewPub(fmt.Sprintf("%s%s#%x", fwdPlaceholder, v.Name, name))
		default:
			return nil
		}
	}
	b.u = fs.eqUnify(r, s, b.u)
	u := n.u
	if len(b.u) > 0 {
		u = make(map[string]*rules.Term, len(n.u)+len(b.u))
		for k, v := range n.u {
			u[k] = v
		}
		for k, v := range b.u {
			u[k] = v
		}
		for v, t := range s {
			s[v] = fs.th.Normalize(resolve(t, u))
		}
	}
	renorm := len(b.u) > 0 // values changed: normalise everything
	inst := func(fs2 []*rules.Fact) []*rules.Fact {
		out := make([]*rules.Fact, len(fs2))
		for i, f := range fs2 {
			g := f.Subst(s)
			for k, a := range g.Args {
				if renorm || fs.needsNorm(f.Args[k]) {
					g.Args[k] = fs.th.Normalize(a)
				}
			}
			g.Annotations = nil
			out[i] = g
		}
		return out
	}
	step := &fwdStep{rule: ri, subst: s, sources: b.srcs, unified: len(b.u) > 0, sig: sig,
		rep: &replay.Step{Premises: inst(r.Premises), Actions: inst(r.Actions), Conclusions: inst(r.Conclusions)}}
	c := &fwdNode{parent: n, step: step, depth: n.depth + 1, u: u}
	for fi, f := range n.facts {
		if !f.f.Persistent && usedIn(b.used, fi) {
			continue
		}
		c.facts = append(c.facts, f)
	}
	c.outs, c.acts = n.outs, n.acts
	for _, a := range step.rep.Actions {
		if fs.observed[a.Name] {
			c.acts = append(c.acts[:len(c.acts):len(c.acts)], actionHash(a))
		}
	}
	for ci, f := range step.rep.Conclusions {
		switch {
		case f.Name == rules.FactOut:
			if fs.hasIn {
				c.outs = append(c.outs[:len(c.outs):len(c.outs)], fs.newOut(f.Args[0]))
			}
		case rules.IsReserved(f.Name):
		default:
			c.facts = append(c.facts, fs.newFact(f, rules.Source{Step: n.depth, Conclusion: ci}))
		}
	}
	if len(b.u) == 0 {
		c.trail = append(n.trail[:len(n.trail):len(n.trail)], step.rep)
	} else {
		// placeholders identified: the state, the messages and the
		// trace so far follow
		for i, f := range c.facts {
			if g := fs.resolveFact(f.f, u); g != f.f && g.Hash() != f.hash {
				c.facts[i] = fs.newFact(g, f.src)
			}
		}
		outs := make([]fwdOut, len(c.outs))
		for i, o := range c.outs {
			outs[i] = o
			if t := resolve(o.t, u); t != o.t {
				outs[i] = fs.newOut(fs.th.Normalize(t))
			}
		}
		c.outs = outs
		c.trail = make([]*replay.Step, c.depth)
		c.acts = nil
		i := c.depth - 1
		for m := c; m.step != nil; m = m.parent {
			st := m.step.rep
			c.trail[i] = &replay.Step{Premises: fs.resolveFacts(st.Premises, u), Actions: fs.resolveFacts(st.Actions, u),
				Conclusions: fs.resolveFacts(st.Conclusions, u)}
			for _, a := range c.trail[i].Actions {
				if fs.observed[a.Name] {
					c.acts = append(c.acts, actionHash(a))
				}
			}
			i--
		}
	}
	// persistent facts are a set
	seen := map[uint64]bool{}
	kept := c.facts[:0:0]
	for _, f := range c.facts {
		if f.f.Persistent {
			if seen[f.hash] {
				continue
			}
			seen[f.hash] = true
		}
		kept = append(kept, f)
	}
	c.facts = kept
	return c
}

// inPremise reports whether v occurs in one of rule r's In premises.
func inPremise(r *rules.Rule, v rules.Var) bool {
	for _, p := range r.Premises {
		if p.Name == rules.FactIn && len(p.Args) == 1 && p.Args[0].HasVar(v) {
			return true
		}
	}
	return false
}

// freshPremise reports whether rule r has the premise Fr(v).
func freshPremise(r *rules.Rule, v rules.Var) bool {
	for _, p := range r.Premises {
		if p.Name == rules.FactFr && len(p.Args) == 1 && p.Args[0].Kind == rules.TVar && p.Args[0].Var == v {
			return true
		}
	}
	return false
}

// fwdOut is a message sent, with its hash.
type fwdOut struct {
	t    *rules.Term
	hash uint64
	abs  int // the abstract In fact it feeds
}

// actionHash is an observed action's part of a state's key. Facts,
// messages and actions are hashed apart: a rule that turns a fact into an
// action of the same name and arguments (a claim rule, [F(x)] --[F(x)]->
// []) must not reach the key of the state before it.
func actionHash(a *rules.Fact) uint64 {
	return rules.Mix64(a.Hash() ^ 0xc2b2ae3d27d4eb4f)
}

func (fs *fwdSearch) newOut(t *rules.Term) fwdOut {
	sent := &rules.Fact{Name: fwdSent, Persistent: true, Args: []*rules.Term{t}}
	return fwdOut{t, t.Hash(), fs.abstractHashed(sent, sent.Hash())}
}

// fwdSent names, in the search's abstraction, a message a rule sent or a
// part of one: an In premise takes it, or the parts it is built from
// (builtVariants). Not a sound abstraction of the Dolev–Yao adversary (it
// never guesses a message): only the search uses it, for guidance and to
// drop states.
const fwdSent = "$Sent"

// sentFacts returns copies of the rules with In premises as persistent
// fwdSent facts and Out conclusions as fwdSent facts of the message and
// of the parts the adversary may take apart (sentParts).
func sentFacts(th *rules.Theory, rs []*rules.Rule) []*rules.Rule {
	out := make([]*rules.Rule, len(rs))
	for i, r := range rs {
		c := *r
		c.Premises, c.Conclusions = nil, nil
		for _, f := range r.Premises {
			if f.Name == rules.FactIn {
				g := *f
				g.Name, g.Persistent = fwdSent, true
				f = &g
			}
			c.Premises = append(c.Premises, f)
		}
		for _, f := range r.Conclusions {
			if f.Name != rules.FactOut || len(f.Args) != 1 {
				c.Conclusions = append(c.Conclusions, f)
				continue
			}
			for _, t := range sentParts(th, f.Args[0]) {
				c.Conclusions = append(c.Conclusions, &rules.Fact{Name: fwdSent, Persistent: true, Args: []*rules.Term{t}, Pos: f.Pos})
			}
		}
		out[i] = &c
	}
	return out
}

// builtVariants returns, for each In premise (a fwdSent premise after
// sentFacts) whose message the adversary may build with public
// functions, a copy of its rule in which the premise asks instead for the
// parts it is built from (none for public names); and the index of each
// copy's rule.
func builtVariants(rs []*rules.Rule, public map[string]bool) ([]*rules.Rule, []int) {
	var parts func(t *rules.Term) []*rules.Term
	parts = func(t *rules.Term) []*rules.Term {
		switch {
		case t.Kind == rules.TPub, t.Kind == rules.TVar && t.Var.Sort == rules.SortPub:
			return nil
		case t.Kind == rules.TApp && public[t.Name] && !rules.IsDHSymbol(t.Name):
			var out []*rules.Term
			for _, a := range t.Args {
				out = append(out, parts(a)...)
			}
			return out
		}
		return []*rules.Term{t}
	}
	var out []*rules.Rule
	var orig []int
	for ri, r := range rs {
		for pi, p := range r.Premises {
			if p.Name != fwdSent || len(p.Args) != 1 {
				continue
			}
			// a message of the adversary's own making: built with a
			// public function, or a name of its choice
			own := p.Args[0].Kind == rules.TVar && (p.Args[0].Var.Sort == rules.SortMsg || p.Args[0].Var.Sort == rules.SortPub) || p.Args[0].Kind == rules.TPub
			if !own && (p.Args[0].Kind != rules.TApp || !public[p.Args[0].Name] || rules.IsDHSymbol(p.Args[0].Name)) {
				continue
			}
			c := *r
			c.Premises = append([]*rules.Fact(nil), r.Premises[:pi]...)
			if !own {
				for _, t := range parts(p.Args[0]) {
					c.Premises = append(c.Premises, &rules.Fact{Name: fwdSent, Persistent: true, Args: []*rules.Term{t}, Pos: p.Pos})
				}
			}
			c.Premises = append(c.Premises, r.Premises[pi+1:]...)
			out, orig = append(out, &c), append(orig, ri)
		}
	}
	return out, orig
}

// sentParts returns t and the parts of t that the theory's equations
// take apart (a pair's components, the message under an encryption),
// keys or not: for the abstraction, more than the adversary learns.
func sentParts(th *rules.Theory, t *rules.Term) []*rules.Term {
	out := []*rules.Term{t}
	seen := map[string]bool{t.String(): true}
	for i := 0; i < len(out) && len(out) < 64; i++ {
		for _, e := range th.Equations {
			if e.LHS.Kind != rules.TApp || e.RHS.Kind != rules.TVar {
				continue
			}
			for _, a := range e.LHS.Args {
				if a.Kind != rules.TApp || !a.HasVar(e.RHS.Var) {
					continue
				}
				s := rules.Subst{}
				if !rules.Match(a, out[i], s) {
					continue
				}
				if p, ok := s[e.RHS.Var]; ok && !seen[p.String()] {
					seen[p.String()] = true
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// needsNorm reports whether a rule's term applies a symbol that an
// equation or the Diffie–Hellman theory may rewrite: written around
// normal values, any other term is normal already.
func (fs *fwdSearch) needsNorm(t *rules.Term) bool {
	if v, ok := fs.norm[t]; ok {
		return v
	}
	found := false
	t.Walk(func(u *rules.Term) bool {
		if u.Kind == rules.TApp && (fs.reducible[u.Name] || rules.IsDHSymbol(u.Name)) {
			found = true
		}
		return !found
	})
	fs.norm[t] = found
	return found
}

// eqUnify identifies the placeholders that an equality restriction
// (All … #i. A(…)@i ==> s = t) asks to be equal in the rule's actions:
// that is the choice of values for public variables deferred until
// something decides it. It returns u extended.
func (fs *fwdSearch) eqUnify(r *rules.Rule, s rules.Subst, u map[string]*rules.Term) map[string]*rules.Term {
	for _, a := range r.Actions {
		for _, eq := range fs.eqs {
			if a.Name != eq.act.Name || len(a.Args) != len(eq.act.Args) {
				continue
			}
			m := rules.Subst{}
			ok := true
			for i, p := range eq.act.Args {
				ok = ok && rules.Match(p, fs.th.Normalize(resolve(s.Apply(a.Args[i]), u)), m)
			}
			if !ok {
				continue
			}
			l, r := fs.th.Normalize(m.Apply(eq.l)), fs.th.Normalize(m.Apply(eq.r))
			if !l.IsGround() || !r.IsGround() || l.Equal(r) {
				continue
			}
			if u2, ok := unifyNames(l, r, u); ok {
				u = u2
			}
		}
	}
	return u
}

// fwdEq is an equality restriction: All vars #i. act@i ==> l = r.
type fwdEq struct {
	act  *rules.Fact
	l, r *rules.Term
}

// equalityRestriction recognises an equality restriction.
func equalityRestriction(f rules.Formula) (fwdEq, bool) {
	return actionRestriction(f, false)
}

// inequalityRestriction recognises an inequality restriction:
// All vars #i. act@i ==> not (l = r).
func inequalityRestriction(f rules.Formula) (fwdEq, bool) {
	return actionRestriction(f, true)
}

// actionRestriction recognises All vars #i. act@i ==> l = r, or with
// negated, ==> not (l = r).
func actionRestriction(f rules.Formula, negated bool) (fwdEq, bool) {
	q, ok := f.(*rules.Quant)
	if !ok || q.Exists {
		return fwdEq{}, false
	}
	imp, ok := q.Body.(*rules.Conn)
	if !ok || imp.Op != rules.Imp {
		return fwdEq{}, false
	}
	g, ok := imp.L.(*rules.Atom)
	if !ok || g.Kind != rules.AtomAction {
		return fwdEq{}, false
	}
	body := imp.R
	if negated {
		n, ok := body.(*rules.Not)
		if !ok {
			return fwdEq{}, false
		}
		body = n.F
	}
	e, ok := body.(*rules.Atom)
	if !ok || e.Kind != rules.AtomEq {
		return fwdEq{}, false
	}
	return fwdEq{act: g.Fact, l: e.L, r: e.R}, true
}

func (fs *fwdSearch) newFact(f *rules.Fact, src rules.Source) *fwdFact {
	h := f.Hash()
	return &fwdFact{f: f, src: src, hash: h, abs: fs.abstractHashed(f, h)}
}

// resolveFacts returns facts with the placeholders u identifies
// replaced; a fact without them is returned as it is (the slice too, when
// no fact has them).
func (fs *fwdSearch) resolveFacts(facts []*rules.Fact, u map[string]*rules.Term) []*rules.Fact {
	var out []*rules.Fact
	for i, f := range facts {
		g := fs.resolveFact(f, u)
		if g != f && out == nil {
			out = make([]*rules.Fact, len(facts))
			copy(out, facts[:i])
		}
		if out != nil {
			out[i] = g
		}
	}
	if out == nil {
		return facts
	}
	return out
}

// resolveFact is resolveFacts for one fact.
func (fs *fwdSearch) resolveFact(f *rules.Fact, u map[string]*rules.Term) *rules.Fact {
	var args []*rules.Term
	for k, a := range f.Args {
		b := resolve(a, u)
		if b == a && args == nil {
			continue
		}
		if args == nil {
			args = make([]*rules.Term, len(f.Args))
			copy(args, f.Args[:k])
		}
		if args[k] = b; b != a {
			args[k] = fs.th.Normalize(b)
		}
	}
	if args == nil {
		return f
	}
	g := *f
	g.Args = args
	return &g
}

func isPlaceholder(t *rules.Term) bool {
	return t.Kind == rules.TPub && strings.HasPrefix(t.Name, fwdPlaceholder)
}

// resolve replaces the placeholders u identifies in t.
func resolve(t *rules.Term, u map[string]*rules.Term) *rules.Term {
	if len(u) == 0 {
		return t
	}
	return t.Map(func(s *rules.Term) *rules.Term {
		for isPlaceholder(s) {
			v, ok := u[s.Name]
			if !ok {
				break
			}
			s = v
		}
		return s
	})
}

func (fs *fwdSearch) matchArgs(ps, ts []*rules.Term, b binding) []binding {
	out := []binding{b}
	for i := range ps {
		var next []binding
		for _, b1 := range out {
			next = append(next, fs.match(ps[i], ts[i], b1)...)
		}
		out = next
		if len(out) == 0 {
			return nil
		}
	}
	return out
}

// match matches the rule's pattern p against the state's term t: values
// of variables, placeholders identified with names or each other; modulo
// Diffie–Hellman where p applies its operators (there with placeholders
// as they are).
func (fs *fwdSearch) match(p, t *rules.Term, b binding) []binding {
	switch {
	case p.Kind == rules.TVar:
		if old, ok := b.s[p.Var]; ok {
			if u, ok := unifyNames(old, t, b.u); ok {
				return []binding{{s: b.s, u: u, used: b.used, srcs: b.srcs}}
			}
			return nil
		}
		if !p.Var.Sort.Admits(t) {
			return nil
		}
		s := b.s.Copy()
		s[p.Var] = t
		return []binding{{s: s, u: b.u, used: b.used, srcs: b.srcs}}
	case p.Kind != rules.TApp:
		if u, ok := unifyNames(p, t, b.u); ok {
			return []binding{{s: b.s, u: u, used: b.used, srcs: b.srcs}}
		}
		return nil
	case rules.IsDHSymbol(p.Name):
		var out []binding
		for _, s := range fs.th.MatchDH(p, fs.th.Normalize(resolve(t, b.u)), b.s) {
			out = append(out, binding{s: s, u: b.u, used: b.used, srcs: b.srcs})
		}
		return out
	}
	if t.Kind != rules.TApp || t.Name != p.Name || len(t.Args) != len(p.Args) {
		return nil
	}
	return fs.matchArgs(p.Args, t.Args, b)
}

// unifyNames decides whether two ground terms are equal once some
// placeholders are identified with names or other placeholders, and
// returns the identifications (u extended; u itself is not changed).
func unifyNames(a, b *rules.Term, u map[string]*rules.Term) (map[string]*rules.Term, bool) {
	a, b = resolve(a, u), resolve(b, u)
	if a.Equal(b) {
		return u, true
	}
	switch {
	case isPlaceholder(a) && b.Kind == rules.TPub:
		return bind(u, a.Name, b), true
	case isPlaceholder(b) && a.Kind == rules.TPub:
		return bind(u, b.Name, a), true
	case a.Kind == rules.TApp && b.Kind == rules.TApp && a.Name == b.Name && len(a.Args) == len(b.Args) &&
		!rules.IsDHSymbol(a.Name):
		for i := range a.Args {
			var ok bool
			if u, ok = unifyNames(a.Args[i], b.Args[i], u); !ok {
				return nil, false
			}
		}
		return u, true
	}
	return nil, false
}

func bind(u map[string]*rules.Term, name string, t *rules.Term) map[string]*rules.Term {
	v := make(map[string]*rules.Term, len(u)+1)
	for k, x := range u {
		v[k] = x
	}
	v[name] = t
	return v
}

// trace builds n's trace: placeholders identified as n says, the rest
// named after their variables, fresh names after theirs.
func (fs *fwdSearch) trace(n *fwdNode) *rules.Trace {
	var chain []*fwdNode
	for m := n; m.step != nil; m = m.parent {
		chain = append(chain, m)
	}
	taken := map[string]bool{}
	for _, m := range chain {
		for _, t := range m.step.subst {
			t.Walk(func(s *rules.Term) bool {
				if (s.Kind == rules.TPub || s.Kind == rules.TFresh) && !strings.Contains(s.Name, "#") {
					taken[kindKey(s)+s.Name] = true
				}
				return true
			})
		}
	}
	rename := map[string]*rules.Term{}
	readable := func(s *rules.Term) *rules.Term {
		if !strings.Contains(s.Name, "#") || (s.Kind != rules.TPub && s.Kind != rules.TFresh) {
			return s
		}
		key := kindKey(s) + s.Name
		if r, ok := rename[key]; ok {
			return r
		}
		base := strings.TrimPrefix(s.Name[:strings.LastIndex(s.Name, "#")], fwdPlaceholder)
		name := base
		for i := 2; taken[kindKey(s)+name]; i++ {
			name = fmt.Sprintf("%s.%d", base, i)
		}
		taken[kindKey(s)+name] = true
		r := &rules.Term{Kind: s.Kind, Name: name}
		rename[key] = r
		return r
	}
	tr := &rules.Trace{}
	for i := len(chain) - 1; i >= 0; i-- {
		st := chain[i].step
		s := rules.Subst{}
		for v, t := range st.subst {
			s[v] = fs.th.Normalize(resolve(t, n.u).Map(readable))
		}
		tr.Steps = append(tr.Steps, &rules.Step{Rule: fs.rs[st.rule], Name: fs.names[st.rule], Subst: s, Sources: st.sources})
		// the adversary's send event for each In premise, just before
		// the step (they log KU of the message's parts, as Tamarin does)
		r := fs.rs[st.rule]
		var ins []int
		for pi, p := range r.Premises {
			if p.Name == rules.FactIn && len(p.Args) == 1 {
				ins = append(ins, pi)
			}
		}
		at := tr.Time(len(tr.Steps)-1) - int64(len(ins))
		for k, pi := range ins {
			tr.KEvents = append(tr.KEvents, &rules.KEvent{Term: fs.th.Normalize(s.Apply(r.Premises[pi].Args[0])), Time: at + int64(k),
				InStep: len(tr.Steps) - 1, InPremise: pi})
		}
	}
	return tr
}

// actionNames returns the names of the action atoms of f.
func actionNames(f rules.Formula) map[string]bool {
	out := map[string]bool{}
	rules.WalkFormula(f, func(g rules.Formula) {
		if a, ok := g.(*rules.Atom); ok && a.Kind == rules.AtomAction {
			out[a.Fact.Name] = true
		}
	})
	return out
}

// mentionsKnowledge reports whether f has a K, KU or KD atom.
func mentionsKnowledge(f rules.Formula) bool {
	found := false
	rules.WalkFormula(f, func(g rules.Formula) {
		if a, ok := g.(*rules.Atom); ok && a.Kind == rules.AtomAction {
			switch a.Fact.Name {
			case rules.FactK, rules.FactKU, rules.FactKD:
				found = true
			}
		}
	})
	return found
}

// prefixClosed reports whether f, once false on a trace, is false on
// every extension of it: with negations pushed inward it has no
// existential quantifier and no last(#i) (a guarded universal over the
// trace's timepoints only gains instances; the atoms about the points it
// had keep their values).
func prefixClosed(f rules.Formula) bool {
	ok := true
	var walk func(f rules.Formula, pos bool)
	walk = func(f rules.Formula, pos bool) {
		switch f := f.(type) {
		case *rules.Atom:
			if f.Kind == rules.AtomLast {
				ok = false
			}
		case *rules.Not:
			walk(f.F, !pos)
		case *rules.Quant:
			if f.Exists == pos {
				ok = false
			}
			walk(f.Body, pos)
		case *rules.Conn:
			switch f.Op {
			case rules.And, rules.Or:
				walk(f.L, pos)
				walk(f.R, pos)
			case rules.Imp:
				walk(f.L, !pos)
				walk(f.R, pos)
			default: // <=>: both polarities
				walk(f.L, pos)
				walk(f.L, !pos)
				walk(f.R, pos)
				walk(f.R, !pos)
			}
		}
	}
	walk(f, true)
	return ok
}

// countingDecides decides a lemma when a counting restriction forbids
// every trace with its goal (countingBlock): no trace at any depth.
func (c *Checker) countingDecides(v *Verdict, goal encode.Goal, aside *fwdAside) bool {
	if c.enc == nil || !slices.ContainsFunc(c.th.Restrictions, func(r *rules.Restriction) bool {
		_, _, _, ok := encode.CountingRestriction(r.Formula)
		return ok
	}) {
		return false
	}
	rs := c.enc.SlotRules()
	live := make([]bool, len(rs))
	for i := range rs {
		live[i] = !c.enc.Dead(i)
	}
	fs, err := newForward(c.th, rs, live, goal.Formula)
	if err != nil {
		return false
	}
	if fs.hasIn {
		aside.fs = fs
		return false // with In premises the search's abstraction is not a sound one
	}
	r, recs, chain := fs.countingBlock()
	if r == nil {
		aside.fs = fs
		return false
	}
	var names []string
	for _, ri := range recs {
		names = append(names, fs.names[ri])
	}
	v.Depth = c.opts.maxDepth()
	v.StepBound, v.Bounds = v.Depth, c.enc.Describe(goal, v.Depth)
	why := fmt.Sprintf("every trace with the goal has steps of %s", strings.Join(names, ", "))
	if chain {
		action, _, _, _ := encode.CountingRestriction(r.Formula)
		why = fmt.Sprintf("every trace with the goal has %d steps with %s, one after another (as %s)",
			len(recs), action, strings.Join(names, " → "))
	}
	v.Stats = append(v.Stats, DepthStat{Depth: v.Depth, Result: fmt.Sprintf("none (abstraction: %s, more than restriction %s allows)", why, r.Name)})
	v.countedOut = r.Name
	v.Kind = NoWitnessUpToBound
	if v.Lemma.Quantifier != rules.ExistsTrace {
		v.Kind = HoldsUpToBound
	}
	return true
}

// forward runs the forward search for the goal and, when it finds a
// trace, makes it v's: replayed, minimised, measured. done reports a
// trace.
func (c *Checker) forward(ctx context.Context, v *Verdict, goal encode.Goal, budget int, aside *fwdAside) (done bool, err error) {
	if budget != fwdFirstLook && aside != nil && aside.tr != nil {
		// the whole search would accept the trace the first look set
		// aside (it has no filter): it is the answer
		st := DepthStat{Depth: v.Depth}
		return c.forwardFound(v, goal, aside.tr, aside.rep, st, fmt.Sprintf("forward search: the first look's trace, set aside after %d states", aside.states))
	}
	rs := c.enc.SlotRules()
	live := make([]bool, len(rs))
	for i := range rs {
		live[i] = !c.enc.Dead(i)
	}
	t0 := time.Now()
	var fs *fwdSearch
	if aside != nil && aside.fs != nil {
		fs, aside.fs = aside.fs, nil
		fs.accept, fs.stopAt, fs.apart = nil, 0, nil
	} else if fs, err = newForward(c.th, rs, live, goal.Formula); err != nil {
		return false, nil
	}
	sctx := ctx
	if dl, ok := ctx.Deadline(); ok && c.opts.Budget() > 0 && c.opts.Forward == ForwardAuto {
		// under a time budget (no --depth) the search takes at most half
		// of what is left: the deepening that follows still gets a share
		var cancel context.CancelFunc
		sctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(dl)/2))
		defer cancel()
	}
	if fs.hasIn && c.opts.Forward == ForwardAuto && budget > fwdExpansionsIn {
		budget = fwdExpansionsIn
	}
	fs.reflect = v.Lemma.Quantifier != rules.ExistsTrace
	fs.again = budget == fwdFirstLook
	setAside := false // a trace with an agent in two roles
	var accIn, accTr *rules.Trace
	var accRep *replay.Result
	if budget == fwdFirstLook {
		// a trace in which an agent plays two roles is set aside: the
		// search goes on for one in which none does, at most
		// fwdDistinctMore states; if it finds none, the deepening finds a
		// shortest trace and a readable one (readable.go)
		fs.accept = func(in *rules.Trace) bool {
			rep, err := replay.Check(c.th, in, goal.Formula)
			if err != nil {
				return true // the replay below reports it
			}
			tr, rep := minimize(c.th, in, rep, goal.Formula)
			if len(coincidences(c.th, tr, Bindings(c.th, v.Lemma, tr, rep))) == 0 {
				// replayed and minimised once, not again below
				accIn, accTr, accRep = in, tr, rep
				return true
			}
			if !setAside {
				setAside, fs.stopAt = true, fs.Expanded+fwdDistinctMore
				fs.apart, _ = Constants(c.th)
				if aside != nil {
					aside.tr, aside.rep, aside.states = tr, rep, fs.Expanded
				}
			}
			return false
		}
	}
	tr, err := fs.run(sctx, c.opts.maxDepth(), budget)
	if err != nil {
		return false, fmt.Errorf("lemma %s: forward search: %w", v.Lemma.Name, err)
	}
	searchT := time.Since(t0)
	v.Solve += searchT
	st := DepthStat{Depth: v.Depth, Solve: searchT, Result: fmt.Sprintf("none (forward search, %d states)", fs.Expanded)}
	if tr == nil && setAside {
		st.Result = fmt.Sprintf("none with distinct agents (forward search, %d states)", fs.Expanded)
	}
	if tr == nil {
		v.Stats = append(v.Stats, st)
		if budget == fwdFirstLook && aside != nil {
			aside.fs = fs // for the whole search (which may run on another goroutine)
		}
		return false, nil
	}
	t1 := time.Now()
	var rep *replay.Result
	if tr == accIn {
		tr, rep = accTr, accRep
	} else {
		if rep, err = replay.Check(c.th, tr, goal.Formula); err != nil {
			return false, &InternalError{Lemma: v.Lemma.Name, Err: fmt.Errorf("forward search: %w", err), Trace: tr}
		}
		tr, rep = minimize(c.th, tr, rep, goal.Formula)
	}
	v.Replay = time.Since(t1)
	return c.forwardFound(v, goal, tr, rep, st, fmt.Sprintf("forward search, %d states", fs.Expanded))
}

// fwdAside is the trace the first look set aside (an agent in two roles),
// replayed and minimised, and the states searched when it was found.
type fwdAside struct {
	tr     *rules.Trace
	rep    *replay.Result
	states int
	// fs is the search countingDecides built and did not decide with,
	// or the one the first look ran and found nothing with: the next
	// run takes it instead of building the same one again, with what it
	// remembers (abstractions, heuristic answers, the adversary's
	// knowledge of message sequences), which are the same answers a new
	// search computes
	fs *fwdSearch
}

// forwardFound makes the replayed trace tr of the forward search v's
// verdict, unless the adversary's bounds exclude it. st is the search's
// statistics row; src says where the trace came from.
func (c *Checker) forwardFound(v *Verdict, goal encode.Goal, tr *rules.Trace, rep *replay.Result, st DepthStat, src string) (bool, error) {
	b := c.opts.Encode.Bounds
	if ok, _ := replay.Within(c.th, tr, replay.Bounds{KeyedDeconstructions: b.KeyedDeconstructions, AnalysisLayers: b.AnalysisLayers,
		ConstructionLayers: b.ConstructionLayers, OwnExponents: replay.DefaultOwnExponents}); !ok {
		// a trace beyond the adversary's bounds answers another question
		st.Result = fmt.Sprintf("none within the adversary bounds (%s: a trace of %d steps beyond them)", src, len(tr.Steps))
		v.Stats = append(v.Stats, st)
		return false, nil
	}
	st.Depth, st.Result = len(tr.Steps), "sat ("+src+")"
	v.Stats = append(v.Stats, st)
	if len(tr.Steps) > v.Depth+1 {
		v.AtLeast = v.Depth + 1
	}
	v.Trace, v.Replayed, v.Forward = tr, rep, true
	v.Depth = len(tr.Steps)
	v.Kind = WitnessFound
	if v.Lemma.Quantifier != rules.ExistsTrace {
		v.Kind = Falsified
	}
	// names and bindings, and the adversary's measure (of the named trace)
	if err := c.nameTrace(v, goal); err != nil {
		return false, err
	}
	if c.opts.Budget() > 0 {
		v.StepBound = len(tr.Steps)
		v.Bounds = c.enc.Describe(goal, v.StepBound)
	}
	return true, nil
}

func kindKey(t *rules.Term) string {
	if t.Kind == rules.TFresh {
		return "~"
	}
	return "$"
}
