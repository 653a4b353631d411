package queries

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// A generator of random two-party protocols in the style of the SPORE
// models, for the abstraction's checks: long-term keys an agent may
// reveal, an initiator and a responder exchanging two or three messages
// of nonces, agent names and tags, each message plain, encrypted for the
// receiver, under a key the two share, or signed; secrecy and agreement
// lemmas guarded by the agents' reveals. A mutation in some of them (a
// nonce also sent in clear, a receiver that does not check a name or a
// message's protection, a nonce leaked in a session of an agent with
// itself) breaks a lemma. The output is .spthy text,
// deterministic in the seed.

type protoGen struct {
	rng *rand.Rand
	b   strings.Builder
}

func (g *protoGen) pick(n int) int { return g.rng.Intn(n) }

func (g *protoGen) chance(p float64) bool { return g.rng.Float64() < p }

// protoItem is a value one role may send: its term in the initiator's
// rules and in the responder's ("" where that role does not know it).
type protoItem struct {
	in  [2]string // by role: 0 the initiator ($A), 1 the responder ($B)
	own int       // the role that made it, or -1
}

func genProtocol(seed int64) string {
	g := &protoGen{rng: rand.New(rand.NewSource(seed))}
	fmt.Fprintf(&g.b, "theory Proto%d\nbegin\n\nbuiltins: symmetric-encryption, asymmetric-encryption, signing\n\n", seed)
	g.b.WriteString(`rule Ltk:
  [ Fr(~k) ] --[ KeyGen($X) ]-> [ !Ltk($X, ~k), !Pk($X, pk(~k)), Out(pk(~k)) ]

rule Reveal:
  [ !Ltk($X, k) ] --[ Reveal($X) ]-> [ Out(k) ]

rule Shared:
  [ Fr(~s) ] --> [ !Shared($A, $B, ~s) ]

rule RevealSharedA:
  [ !Shared($A, $B, s) ] --[ Reveal($A) ]-> [ Out(s) ]

rule RevealSharedB:
  [ !Shared($A, $B, s) ] --[ Reveal($B) ]-> [ Out(s) ]

`)
	self := [2]string{"$A", "$B"}
	items := []*protoItem{
		{in: [2]string{"$A", "$A"}, own: -1},
		{in: [2]string{"$B", "$B"}, own: -1},
		{in: [2]string{"'t1'", "'t1'"}, own: -1},
	}
	var lemmas, secrets []string
	var stateFact [2]string // the state each role keeps between its rules
	var first string        // the initiator's first state: $A, $B, ~n0, …
	nmsg := 2 + g.pick(2)
	leak := g.chance(0.25)
	// rule i receives message i-1 and sends message i
	var recvPat string
	var recvPrem []string
	for i := 0; i <= nmsg; i++ {
		x := i % 2
		var prem, acts, concl []string
		if stateFact[x] != "" {
			prem = append(prem, stateFact[x])
		}
		if i > 0 {
			prem = append(prem, "In("+recvPat+")")
			prem = append(prem, recvPrem...)
			acts = append(acts, fmt.Sprintf("Commit%d(%s, %s, %s)", i-1, self[x], self[1-x], recvPat))
		}
		if i < nmsg {
			nonce := &protoItem{own: x}
			nonce.in[x] = fmt.Sprintf("~n%d", i)
			items = append(items, nonce)
			prem = append(prem, "Fr("+nonce.in[x]+")")
			acts = append(acts, fmt.Sprintf("Secret%d(%s, %s, %s)", i, self[x], self[1-x], nonce.in[x]))
			secrets = append(secrets, fmt.Sprintf("lemma secret%d:\n  \"All A B n #i. Secret%d(A, B, n) @ #i ==> not (Ex #j. K(n) @ #j)%s\"\n", i, i, g.guards()))
			if leak && g.chance(0.3) {
				concl = append(concl, "Out("+nonce.in[x]+")")
				leak = false
			}
			// the message: the new nonce and 0–2 more items this role knows
			parts, pat := []string{nonce.in[x]}, []string{}
			sent := []*protoItem{nonce}
			for k := g.pick(3); k > 0; k-- {
				if it := items[g.pick(len(items))]; it.in[x] != "" {
					parts = append(parts, it.in[x])
					sent = append(sent, it)
				}
			}
			for k, it := range sent {
				switch {
				case it.in[1-x] == "":
					it.in[1-x] = fmt.Sprintf("r%d_%d", i, k) // learnt
					pat = append(pat, it.in[1-x])
				case it.own < 0 && g.chance(0.1):
					pat = append(pat, fmt.Sprintf("v%d_%d", i, k)) // not checked
				default:
					pat = append(pat, it.in[1-x])
				}
			}
			msg, mpat := tuple(parts), tuple(pat)
			var sendPrem []string
			recvPrem = nil
			switch g.pick(5) {
			case 0: // plain
			case 1: // encrypted for the receiver
				sendPrem = []string{fmt.Sprintf("!Pk(%s, pkR%d)", self[1-x], i)}
				recvPrem = []string{fmt.Sprintf("!Ltk(%s, kR%d)", self[1-x], i)}
				msg = fmt.Sprintf("aenc(%s, pkR%d)", msg, i)
				mpat = fmt.Sprintf("aenc(%s, pk(kR%d))", mpat, i)
			case 2, 3: // under the key the two share
				sendPrem = []string{fmt.Sprintf("!Shared($A, $B, s%d)", i)}
				recvPrem = []string{fmt.Sprintf("!Shared($A, $B, s%d)", i)}
				msg = fmt.Sprintf("senc(%s, s%d)", msg, i)
				key := fmt.Sprintf("s%d", i)
				if g.chance(0.15) {
					key = fmt.Sprintf("w%d", i) // any key: not checked
				}
				mpat = fmt.Sprintf("senc(%s, %s)", mpat, key)
			case 4: // signed by the sender
				sendPrem = []string{fmt.Sprintf("!Ltk(%s, kS%d)", self[x], i)}
				recvPrem = []string{fmt.Sprintf("!Pk(%s, pk(kS%d))", self[x], i)}
				msg = fmt.Sprintf("<%s, sign(%s, kS%d)>", msg, msg, i)
				mpat = fmt.Sprintf("<%s, sign(%s, kS%d)>", mpat, mpat, i)
			}
			prem = append(prem, sendPrem...)
			acts = append(acts, fmt.Sprintf("Running%d(%s, %s, %s)", i, self[x], self[1-x], msg))
			concl = append(concl, "Out("+msg+")")
			recvPat = mpat
			lemmas = append(lemmas, fmt.Sprintf("lemma agree%d:\n  \"All A B t #i. Commit%d(B, A, t) @ #i ==> (Ex #j. Running%d(A, B, t) @ #j & #j < #i)%s\"\n", i, i, i, g.guards()))
			// the state: the role's own names and every value it knows
			args := []string{"$A", "$B"}
			for _, it := range items {
				if v := it.in[x]; v != "" && it.own != -1 {
					args = append(args, v)
				}
			}
			stateFact[x] = fmt.Sprintf("St%d_%d(%s)", x, i, strings.Join(args, ", "))
			if i == 0 {
				first = stateFact[x]
			}
			concl = append(concl, stateFact[x])
		}
		fmt.Fprintf(&g.b, "rule R%d:\n  [ %s ]\n  --[ %s ]->\n  [ %s ]\n\n", i, strings.Join(prem, ", "), strings.Join(acts, ", "), strings.Join(concl, ", "))
	}
	if g.chance(0.3) {
		// a leak in a session of an agent with itself: an attack only
		// where the two agents are one
		fmt.Fprintf(&g.b, "rule LeakSelf:\n  [ %s ] --> [ Out(~n0) ]\n\n", strings.Replace(first, "$B", "$A", 1))
	}
	lemmas = append(lemmas, secrets...)
	g.b.WriteString(strings.Join(lemmas, "\n"))
	g.b.WriteString("\nend\n")
	return g.b.String()
}

// guards is the disjunction of reveals that excuses an attack: usually
// both agents', sometimes one.
func (g *protoGen) guards() string {
	switch g.pick(6) {
	case 0:
		return " | (Ex #r. Reveal(A) @ #r)"
	case 1:
		return " | (Ex #r. Reveal(B) @ #r)"
	}
	return " | (Ex #r. Reveal(A) @ #r) | (Ex #r. Reveal(B) @ #r)"
}

func tuple(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return "<" + strings.Join(parts, ", ") + ">"
}

func TestGenProtocolParses(t *testing.T) {
	for seed := int64(1); seed <= 50; seed++ {
		src := genProtocol(seed)
		_, diags := rules.Parse(fmt.Sprintf("proto%d.spthy", seed), []byte(src), rules.Options{})
		require.False(t, diags.HasErrors(), "seed %d: %v\n%s", seed, diags, src)
	}
}

// TestAIProveProtocols checks the abstraction's proofs on random
// protocols against the bounded engine, which shares none of its code:
// a lemma the abstraction proves must have no counterexample of up to
// protoDepth steps. Some lemmas must be proved and some must not, or
// the generator has no teeth.
func TestAIProveProtocols(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 15
	}
	const protoDepth = 6
	proved, unproved := 0, 0
	for seed := int64(1); seed <= int64(n); seed++ {
		src := genProtocol(seed)
		th, diags := rules.Parse(fmt.Sprintf("proto%d.spthy", seed), []byte(src), rules.Options{})
		require.False(t, diags.HasErrors(), "seed %d: %v", seed, diags)
		m := newAIModel(th)
		require.Empty(t, m.why, "seed %d", seed)
		for _, l := range th.Lemmas {
			why, ok := aiProve(m, l, aiLimit, 10*time.Second, nil)
			if !ok {
				unproved++
				continue
			}
			proved++
			o := withTimeout(depthOptions(protoDepth), 30*time.Second)
			o.NoAbstraction = true
			v, err := NewChecker(th, o).Check(context.Background(), l)
			require.NoError(t, err, "seed %d lemma %s", seed, l.Name)
			if v.Kind == Falsified {
				t.Errorf("seed %d lemma %s: the abstraction proved it (%s), the engine has a counterexample:\n%s\nmodel:\n%s",
					seed, l.Name, why, v.Summary(), src)
			}
		}
	}
	t.Logf("%d lemmas proved by the abstraction and checked by the engine to depth %d, %d not proved", proved, protoDepth, unproved)
	assert.Greater(t, proved, 0, "no lemma proved: the comparison checks nothing")
	assert.Greater(t, unproved, 0, "every lemma proved: the generator makes no attacks")
}
