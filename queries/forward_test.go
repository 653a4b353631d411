package queries

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// forwardCheck checks lemma of src with the forward search first, at
// depth.
func forwardCheck(t *testing.T, src, lemma string, depth int) *Verdict {
	t.Helper()
	th := parseModel(t, "forward", src)
	o := DefaultOptions()
	o.Depth, o.Forward = depth, ForwardFirst
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma(lemma))
	require.NoError(t, err)
	return v
}

// A chain of n states, one rule each: the search walks it without
// detours (the heuristic counts the rules left), and the trace has
// exactly the chain's steps.
func TestForwardChain(t *testing.T) {
	const n = 24
	var b strings.Builder
	b.WriteString("theory Chain begin\n")
	b.WriteString("rule Start: [ Fr(~id) ] --> [ S(~id, '0') ]\n")
	// noise: rules that always fire and lead nowhere
	b.WriteString("rule Noise: [ Fr(~n) ] --> [ Junk(~n) ]\nrule Noise2: [ Junk(n) ] --> [ Junk2(n) ]\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "rule Step%d: [ S(id, '%d') ] --[ At%d(id) ]-> [ S(id, '%d') ]\n", i, i, i, i+1)
	}
	fmt.Fprintf(&b, "lemma end: exists-trace \"Ex id #i. At%d(id) @ #i\"\nend\n", n-1)
	v := forwardCheck(t, b.String(), "end", 40)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	assert.True(t, v.Forward)
	assert.Len(t, v.Trace.Steps, n+1)
}

// Public variables no premise binds get placeholders; a later premise
// match or an equality restriction decides which name they are.
const modelPlaceholders = `theory Placeholders begin
builtins: hashing
restriction eq: "All x y #i. Eq(x, y) @ #i ==> x = y"
restriction neq: "All x y #i. Neq(x, y) @ #i ==> not (x = y)"
rule Register: [ Fr(~k) ] --> [ !Key($A, ~k) ]
rule Start: [ Fr(~id) ] --> [ Sess(~id, $A, $B) ]
rule Use: [ Sess(id, A, B), !Key(A, k) ] --[ Neq(A, B), Done(id, h(k)) ]-> [ Used(id, B) ]
rule Named: [ Used(id, B) ] --[ Eq(B, 'server'), Named(id) ]-> [ ]
lemma done: exists-trace "Ex id x #i. Done(id, x) @ #i"
lemma named: exists-trace "Ex id #i. Named(id) @ #i"
lemma two_named: exists-trace "Ex id1 id2 #i #j. Named(id1) @ #i & Named(id2) @ #j & not (id1 = id2)"
end`

func TestForwardPlaceholders(t *testing.T) {
	for _, tc := range []struct {
		lemma string
		steps int
	}{{"done", 3}, {"named", 4}, {"two_named", 7}} {
		t.Run(tc.lemma, func(t *testing.T) {
			v := forwardCheck(t, modelPlaceholders, tc.lemma, 10)
			require.Equal(t, WitnessFound, v.Kind, v.Summary())
			require.True(t, v.Forward)
			assert.Len(t, v.Trace.Steps, tc.steps)
			// the trace's names are the model's: no placeholder left
			for _, st := range v.Trace.Steps {
				for _, t2 := range st.Subst {
					assert.NotContains(t, t2.String(), fwdPlaceholder)
					assert.NotContains(t, t2.String(), "#")
				}
			}
		})
	}
}

// A claim rule turns a fact into an action of the same name and
// arguments: the state after it differs from the one before only by the
// action, and the two must not share a key (they did: the fact's hash and
// the action's were one, and the claim was never taken).
func TestForwardClaimRule(t *testing.T) {
	src := `theory Claim begin
rule Start: [ Fr(~x) ] --> [ Claim(~x), Other(~x) ]
rule Claim: [ Claim(x) ] --[ Claim(x) ]-> [ ]
lemma claimed: exists-trace "Ex x #i. Claim(x) @ #i"
end`
	v := forwardCheck(t, src, "claimed", 6)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	assert.True(t, v.Forward)
	assert.Len(t, v.Trace.Steps, 2)
}

// The search's adversary takes apart what was sent (a pair's component,
// a plaintext under a key it has) and builds messages from known parts
// with public functions; a goal about its knowledge gets knowledge
// events after the last step.
func TestForwardAdversary(t *testing.T) {
	src := `theory Adv begin
builtins: symmetric-encryption
rule Send: [ Fr(~x) ] --> [ Out(<'hello', ~x>), Out(senc(~x, 'k')), Sent(~x) ]
rule Part: [ In(~y), Sent(~y) ] --[ Part(~y) ]-> [ ]
rule Built: [ In(<'req', senc(y, 'k2')>), Sent(y) ] --[ Built(y) ]-> [ ]
rule Secret: [ Fr(~s) ] --[ Secret(~s) ]-> [ Out(senc(<~s, 'pad'>, 'k')) ]
lemma part: exists-trace "Ex y #i. Part(y) @ #i"
lemma built: exists-trace "Ex y #i. Built(y) @ #i"
lemma secrecy: "All s #i. Secret(s) @ #i ==> not (Ex #j. K(s) @ #j)"
end`
	for _, tc := range []struct {
		lemma string
		kind  Kind
		steps int
	}{{"part", WitnessFound, 2}, {"built", WitnessFound, 2}, {"secrecy", Falsified, 1}} {
		t.Run(tc.lemma, func(t *testing.T) {
			v := forwardCheck(t, src, tc.lemma, 6)
			require.Equal(t, tc.kind, v.Kind, v.Summary())
			assert.True(t, v.Forward, "found by the forward search")
			assert.Len(t, v.Trace.Steps, tc.steps)
		})
	}
}

// The knowledge events of a secrecy goal are about the arguments its K
// atoms name, when an action names them too; otherwise about every part
// of the goal's actions.
func TestKnowledgeParts(t *testing.T) {
	th := parseModel(t, "kparts", `theory KParts begin
rule R: [ Fr(~k), Fr(~m) ] --[ Key(~m, ~k) ]-> [ Out(~m) ]
lemma one: "All m k #i. Key(m, k) @ #i ==> not (Ex #j. K(k) @ #j)"
lemma pair: "All m k #i. Key(m, k) @ #i ==> not (Ex #j. K(<m, k>) @ #j)"
end`)
	assert.Equal(t, map[string][]int{"Key": {1}}, knowledgeParts(encode.GoalForLemma(th.Lemma("one")).Formula))
	assert.Nil(t, knowledgeParts(encode.GoalForLemma(th.Lemma("pair")).Formula))
}

// Fr(x) of a plain variable makes a fresh name, as in Tamarin.
func TestForwardFreshPlainVariable(t *testing.T) {
	v := forwardCheck(t, `theory FrMsg begin
rule R: [ Fr(x) ] --[ T(x) ]-> [ S(x) ]
lemma t: exists-trace "Ex x #i. T(x) @ #i"
end`, "t", 3)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	assert.True(t, v.Forward)
	assert.Len(t, v.Trace.Steps, 1)
}

// Restrictions that stay false once false prune the search; a state they
// block is never grown. The lemma's only witness avoids the blocked rule.
func TestForwardRestrictions(t *testing.T) {
	src := `theory Restr begin
restriction once: "All #i #j. Once() @ #i & Once() @ #j ==> #i = #j"
restriction later: "All x #i. Need(x) @ #i ==> Ex #j. Have(x) @ #j"
rule A: [ Fr(~x) ] --[ Once() ]-> [ T(~x) ]
rule B: [ T(x) ] --[ Need(x), Goal() ]-> [ U(x) ]
rule C: [ U(x) ] --[ Have(x) ]-> [ ]
lemma goal: exists-trace "Ex #i. Goal() @ #i"
lemma twice: exists-trace "Ex #i #j. Goal() @ #i & Goal() @ #j & not (#i = #j)"
end`
	v := forwardCheck(t, src, "goal", 6)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	assert.Len(t, v.Trace.Steps, 3, "Need(x) needs Have(x): C after B")
	v = forwardCheck(t, src, "twice", 6)
	assert.Equal(t, NoWitnessUpToBound, v.Kind, v.Summary())
}

func TestPrefixClosed(t *testing.T) {
	th := parseModel(t, "pc", `theory PC begin
rule R: [ ] --[ A('1'), B('1') ]-> [ ]
restriction r1: "All x #i. A(x) @ #i ==> not (x = '2')"
restriction r2: "All x #i. A(x) @ #i ==> Ex #j. B(x) @ #j"
restriction r3: "not (Ex x #i. A(x) @ #i & B(x) @ #i)"
restriction r4: "All #i. A('1') @ #i ==> last(#i)"
restriction r5: "All x #i #j. A(x) @ #i & A(x) @ #j ==> #i = #j"
end`)
	want := map[string]bool{"r1": true, "r2": false, "r3": true, "r4": false, "r5": true}
	for _, r := range th.Restrictions {
		assert.Equal(t, want[r.Name], prefixClosed(r.Formula), r.Name)
	}
}

// The forward search is an engine of its own (concrete states, its own
// matching, no solver): every trace it finds on the random models of the
// differential tests must be one the SMT engine finds at its length, when
// the trace is within the engine's bounds. A disagreement is a bug in one
// of them; the trace replays, so it is the engine's "none".
func TestForwardAgainstEngine(t *testing.T) {
	models := 120
	if testing.Short() {
		models = 30
	}
	found := 0
	for seed := int64(1); seed <= int64(models); seed++ {
		src := genModel(seed)
		th := parseModel(t, fmt.Sprintf("rand%d", seed), src)
		E, err := encode.New(th, encode.DefaultOptions())
		if err != nil {
			continue
		}
		rs := E.SlotRules()
		live := make([]bool, len(rs))
		for i := range rs {
			live[i] = !E.Dead(i)
		}
		for _, l := range th.Lemmas {
			goal := encode.GoalForLemma(l)
			fs, err := newForward(th, rs, live, goal.Formula)
			if err != nil {
				continue
			}
			tr, err := fs.run(context.Background(), 3, 3000)
			require.NoError(t, err)
			if tr == nil {
				continue
			}
			_, err = replay.Check(th, tr, goal.Formula)
			require.NoError(t, err, "seed %d lemma %s: the forward trace does not replay\n%s", seed, l.Name, src)
			enc := diffEncode(1)
			if ok, exact := replay.Within(th, tr, replayBounds(enc)); !ok || !exact {
				continue
			}
			found++
			sat, _, err := engineAnswer(th, l, len(tr.Steps), enc)
			require.NoError(t, err)
			assert.True(t, sat, "seed %d lemma %s: the forward search has a trace of %d steps within the bounds, the engine none\n%s",
				seed, l.Name, len(tr.Steps), src)
		}
	}
	t.Logf("%d forward traces compared", found)
	assert.Positive(t, found)
}

// Two orders of independent steps reach one state: the names the search
// makes are named after the instances that make them.
func TestForwardKey(t *testing.T) {
	th := parseModel(t, "key", `theory Key begin
rule A: [ Fr(~x) ] --> [ S(~x) ]
rule B: [ Fr(~y) ] --> [ T(~y) ]
lemma l: exists-trace "Ex #i. Never() @ #i"
end`)
	E, err := encode.New(th, encode.DefaultOptions())
	require.NoError(t, err)
	rs := E.SlotRules()
	fs, err := newForward(th, rs, []bool{true, true}, th.Lemmas[0].Formula)
	require.NoError(t, err)
	root := &fwdNode{u: map[string]*rules.Term{}}
	walk := func(order ...int) *fwdNode {
		n := root
		for _, ri := range order {
			cs := fs.successors(n, ri, rs[ri], -1)
			require.Len(t, cs, 1)
			n = cs[0]
		}
		return n
	}
	assert.Equal(t, fs.key(walk(0, 1)), fs.key(walk(1, 0)))
	assert.NotEqual(t, fs.key(walk(0, 0)), fs.key(walk(0)))
	assert.NotEqual(t, fs.key(walk(0, 0)), fs.key(walk(0, 1)))
}

// The executability report asks the forward search for each rule the
// deepening has not reached; with it first, a chain of 12 rules is
// reachable at depth 12 without a solver call, each rule with the
// length of a trace that ends in it.
func TestForwardExecutability(t *testing.T) {
	const n = 12
	var b strings.Builder
	b.WriteString("theory Chain begin\nrule Start: [ Fr(~id) ] --> [ S(~id, '0') ]\n")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "rule Step%d: [ S(id, '%d') ] --> [ S(id, '%d') ]\n", i, i, i+1)
	}
	b.WriteString("end\n")
	th := parseModel(t, "chain", b.String())
	o := DefaultOptions()
	o.Depth, o.Forward = n, ForwardFirst
	x, err := Executable(context.Background(), th, o, nil)
	require.NoError(t, err)
	for i, rv := range x.Rules {
		assert.Equal(t, Reachable, rv.Status, rv.Name)
		assert.Equal(t, i+1, rv.Steps, rv.Name)
		assert.Contains(t, rv.Reason, "forward search", rv.Name)
	}
}

// A counting restriction that more of a goal's landmark rules record
// than it allows decides the goal at once (countingBlock).
func TestForwardCountingBlock(t *testing.T) {
	r, recs, _ := countingSearch(t, "counting", "third").countingBlock()
	require.NotNil(t, r)
	assert.Equal(t, "At_most_2_of_Post", r.Name)
	assert.Len(t, recs, 3)
	r, _, _ = countingSearch(t, "counting", "second").countingBlock()
	assert.Nil(t, r)
}

// countingSearch is the forward search for a lemma of
// testdata/verdicts/NAME.spthy, every rule live.
func countingSearch(t *testing.T, name, lemma string) *fwdSearch {
	t.Helper()
	th := load(t, "testdata/verdicts/"+name+".spthy")
	E, err := encode.New(th, encode.DefaultOptions())
	require.NoError(t, err)
	rs := E.SlotRules()
	live := make([]bool, len(rs))
	for i := range live {
		live[i] = true
	}
	fs, err := newForward(th, rs, live, th.Lemma(lemma).Formula)
	require.NoError(t, err)
	return fs
}

// Where no rule is needed on its own (two ways to each Post), every way
// still has three Post steps one after another: the chain argument
// decides the goal; and only because the inequality on a received
// message's context keeps the handshake's message (context '0') from
// feeding the second step, which would make a way with two.
func TestForwardCountingChain(t *testing.T) {
	fs := countingSearch(t, "counting-chain", "third")
	r, recs, chain := fs.countingBlock()
	require.NotNil(t, r)
	assert.True(t, chain, "no single rule is a landmark for the first two Posts")
	var names []string
	for _, ri := range recs {
		names = append(names, fs.names[ri])
	}
	assert.Len(t, names, 3)
	assert.Equal(t, "Third", names[len(names)-1])
	r, _, _ = countingSearch(t, "counting-chain", "second").countingBlock()
	assert.Nil(t, r)
}

// The rules report takes the counting argument too: a rule that no
// trace has, at any depth, is blocked by the restriction, with the
// trace the forward search finds without it.
func TestForwardExecutabilityCounted(t *testing.T) {
	th := load(t, "testdata/verdicts/counting-chain.spthy")
	o := DefaultOptions()
	o.Depth, o.Forward = 12, ForwardFirst
	x, err := Executable(context.Background(), th, o, nil)
	require.NoError(t, err)
	for _, rv := range x.Rules {
		if rv.Name == "Third" {
			assert.Equal(t, Blocked, rv.Status, rv.Reason)
			assert.Equal(t, []string{"At_most_2_of_Post"}, rv.Blocking)
			assert.Contains(t, rv.Reason, "at any depth")
			assert.Equal(t, 6, rv.Steps, "Start, Handshake, First, Net, Second, Third")
			continue
		}
		assert.Equal(t, Reachable, rv.Status, rv.Name)
	}
}

// The first look sets aside a trace in which one agent plays two roles
// and goes on for one in which none does: NSPK's honest run, where the
// first trace it meets has the initiator answer itself.
func TestForwardDistinctAgents(t *testing.T) {
	th := load(t, "../examples/nspk.spthy")
	o := depthOptions(7)
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma("executable"))
	require.NoError(t, err)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	require.True(t, v.Forward, "found by the first look")
	assert.Empty(t, coincidences(th, v.Trace, v.Bindings), "no agent in two roles")
	assert.GreaterOrEqual(t, len(agents(th, v)), 2)
	require.NotEmpty(t, v.Stats)
	assert.Regexp(t, `sat \(forward search, \d+ states\)`, v.Stats[0].Result)

	o.Shortest = true
	v, err = NewChecker(th, o).Check(context.Background(), th.Lemma("executable"))
	require.NoError(t, err)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	assert.False(t, v.Forward, "--shortest: no first look, whose traces are not known to be shortest")
	assert.Len(t, v.Trace.Steps, 5, "--shortest: the deepening's shortest trace, the initiator answering itself")
}

// A message that fits only by identifying two agents is also rebuilt for
// the agents apart: the responder takes the initiator's first message
// with the initiator's name replaced by its partner's (a reflection), the
// only way to break this agreement.
func TestForwardReflection(t *testing.T) {
	src := `theory Refl begin
builtins: symmetric-encryption
rule Key: [ Fr(~k) ] --> [ !Key($A, $B, ~k), !Key($B, $A, ~k) ]
rule A1: [ !Key($A, $B, ~k), Fr(~n) ] --> [ Out(<'1', $A, ~n>), StA($A, $B, ~k, ~n) ]
rule B1: [ In(<'1', x, n>), !Key(x, $B, ~k) ] --[ Running(x, $B, n) ]-> [ Out(senc(<'2', n>, ~k)) ]
rule A2: [ StA($A, $B, ~k, ~n), In(senc(<'2', ~n>, ~k)) ] --[ Commit($A, $B, ~n) ]-> [ ]
lemma agree: "All A B n #i. Commit(A, B, n) @ #i ==> Ex #j. Running(A, B, n) @ #j"
end`
	v := forwardCheck(t, src, "agree", 6)
	require.Equal(t, Falsified, v.Kind, v.Summary())
	assert.True(t, v.Forward, "found by the forward search")
	assert.Len(t, v.Trace.Steps, 4)
}

// When the first look finds only a trace with an agent in two roles and
// the deepening's problem is over the chunk limit, the whole forward
// search would accept that trace: it is the answer at once, and the
// problem never goes to Z3. Here every trace has one: the restriction
// wants the two keys of a talk to be one.
func TestForwardSetAside(t *testing.T) {
	th := parseModel(t, "setaside", `theory SetAside begin
rule Reg: [ Fr(~k) ] --> [ !Ltk($A, ~k) ]
rule Talk: [ !Ltk($A, ka), !Ltk($B, kb) ] --[ Talk($A, $B, ka, kb) ]-> [ ]
restriction one_key: "All A B k1 k2 #i. Talk(A, B, k1, k2) @ #i ==> k1 = k2"
lemma talk: exists-trace "Ex A B k1 k2 #i. Talk(A, B, k1, k2) @ #i"
end`)
	o := depthOptions(6)
	o.ChunkNodes = 1 // every problem is large
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma("talk"))
	require.NoError(t, err)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	require.True(t, v.Forward)
	assert.NotEmpty(t, coincidences(th, v.Trace, v.Bindings), "the set-aside trace has an agent in two roles")
	var rows []string
	for _, st := range v.Stats {
		rows = append(rows, st.Result)
		assert.Zero(t, st.Nodes, "no problem went to Z3: %s", st.Result)
	}
	assert.Regexp(t, `(?m)^sat \(forward search: the first look's trace, set aside after \d+ states\)$`, strings.Join(rows, "\n"))
}

// After the first look sets aside a trace with an agent in two roles, it
// grows no state with such a step: NSPK's honest run between two agents
// is found within the few states it has left, where before the search
// spent them on states with an agent talking to itself.
func TestForwardApart(t *testing.T) {
	th := parseModel(t, "apart", `theory Apart begin
builtins: asymmetric-encryption
rule Reg: [ Fr(~ltk) ] --> [ !Ltk($A, ~ltk), !Pk($A, pk(~ltk)), Out(pk(~ltk)) ]
rule Reveal: [ !Ltk(A, ltk) ] --[ Rev(A) ]-> [ Out(ltk) ]
rule I1: [ Fr(~ni), !Pk($R, pkR) ] --> [ Out(aenc(<'1', ~ni, $I>, pkR)), StI($I, $R, ~ni) ]
rule R1: [ !Ltk($R, ltkR), In(aenc(<'1', ni, I>, pk(ltkR))), !Pk(I, pkI), Fr(~nr) ]
  --> [ Out(aenc(<'2', ni, ~nr>, pkI)), StR($R, I, ni, ~nr) ]
rule I2: [ StI(I, R, ni), !Ltk(I, ltkI), In(aenc(<'2', ni, nr>, pk(ltkI))), !Pk(R, pkR) ]
  --> [ Out(aenc(<'3', nr>, pkR)), Secret(I, R, nr), Secret(I, R, ni) ]
rule R2: [ StR(R, I, ni, nr), !Ltk(R, ltkR), In(aenc(<'3', nr>, pk(ltkR))) ]
  --> [ Secret(R, I, nr), Secret(R, I, ni) ]
rule Claim: [ Secret(A, B, m) ] --[ Secret(A, B, m) ]-> [ ]
lemma setup: exists-trace "Ex A B s #i. Secret(A, B, s) @ #i & not (Ex #r. Rev(A) @ #r) & not (Ex #r. Rev(B) @ #r)"
end`)
	o := depthOptions(8)
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma("setup"))
	require.NoError(t, err)
	require.Equal(t, WitnessFound, v.Kind, v.Summary())
	assert.True(t, v.Forward, "found by the first look")
	assert.Empty(t, coincidences(th, v.Trace, v.Bindings), "distinct agents")
}

// In(x) may be any message, one the adversary makes up too: the search
// gives it a public name of the adversary's choice, so that two
// receptions of different messages need nothing sent before.
func TestForwardOwnMessage(t *testing.T) {
	th := parseModel(t, "own", `theory Own begin
rule Get: [ In(x) ] --[ Value(x) ]-> [ ]
lemma same: "All a b #i #j. Value(a) @ #i & Value(b) @ #j ==> a = b"
end`)
	v, err := NewChecker(th, depthOptions(4)).Check(context.Background(), th.Lemma("same"))
	require.NoError(t, err)
	require.Equal(t, Falsified, v.Kind, v.Summary())
	assert.True(t, v.Forward, "found by the first look")
	assert.Len(t, v.Trace.Steps, 2)
}

// A state whose trace records every action the goal needs and still
// fails it (the honest commit, after its running step; a commit after a
// key reveal) is not a goal state for the first look's heuristic: it
// looks for a new commit, and finds the reflection on the concrete
// Andrew RPC in a few dozen states, where it spent all 200 growing the
// failing states.
func TestForwardFailingGoalState(t *testing.T) {
	th := loadCorpus(t, "tamarin/features/auto-sources/spore/AS_Concrete_RPC.spthy")
	v, err := NewChecker(th, depthOptions(8)).Check(context.Background(), th.Lemma("noninjectiveagreement_B"))
	require.NoError(t, err)
	require.Equal(t, Falsified, v.Kind, v.Summary())
	assert.True(t, v.Forward, "found by the first look")
}

// With every problem over the chunk limit, the whole forward search runs
// beside the first problem; on a lemma that holds it finds nothing, and
// its row stands where it ran: before every solver row.
func TestForwardBesideRow(t *testing.T) {
	th := parseModel(t, "beside", `theory Beside begin
builtins: symmetric-encryption
rule Key: [ Fr(~k) ] --> [ !Key($A, ~k) ]
rule Send: [ !Key($A, ~k), Fr(~s) ] --[ Secret(~s) ]-> [ Out(senc(~s, ~k)) ]
lemma secret: "All s #i. Secret(s) @ #i ==> not (Ex #j. K(s) @ #j)"
end`)
	o := depthOptions(4)
	o.ChunkNodes = 1 // every problem is large
	o.NoAbstraction = true
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma("secret"))
	require.NoError(t, err)
	require.Equal(t, HoldsUpToBound, v.Kind, v.Summary())
	at, firstSolver := -1, -1
	for i, st := range v.Stats {
		if strings.HasPrefix(st.Result, "none (forward search") && i > 0 {
			at = i // the first look's row is the first
		}
		if st.Nodes > 0 && firstSolver < 0 {
			firstSolver = i
		}
	}
	require.NotEqual(t, -1, at, "the whole search's row")
	require.NotEqual(t, -1, firstSolver)
	assert.Less(t, at, firstSolver, "the search's row before the solver's")
}

// A trace the whole forward search finds beside the deepening is the
// answer, as if it had run before the problem it ran beside: SpliceAS_2's
// injectivity attack (10 steps; the first look does not find it).
func TestForwardBesideFinds(t *testing.T) {
	th := loadCorpus(t, "tamarin/features/auto-sources/spore/SpliceAS_2.spthy")
	v, err := NewChecker(th, depthOptions(12)).Check(context.Background(), th.Lemma("injectiveagreement_B"))
	require.NoError(t, err)
	require.Equal(t, Falsified, v.Kind, v.Summary())
	require.True(t, v.Forward)
	last := v.Stats[len(v.Stats)-1]
	assert.Regexp(t, `^sat \(forward search, \d+ states\)$`, last.Result, "the search's answer, the solver's later rows dropped")
}
