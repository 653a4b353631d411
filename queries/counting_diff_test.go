package queries

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tracebound/tracebound/rules"
)

// The counting argument (countingDecides: landmarks, chains, the
// abstraction's exact forwarding and nested inequalities) decides a goal
// at every depth without a solver, so a mistake in it is a wrong "no
// witness". Random state machines in its scope (no adversary: messages go
// through a forwarding rule, as TLS 1.3's reachability configuration
// does) are checked against the explorer, which knows nothing of the
// abstraction: wherever the engine says none, the explorer must find
// none either.

// genCountingModel writes a random model of sessions that step through
// constant states, send and receive tagged messages through a forwarding
// rule, record Post actions that a counting restriction bounds, and
// inequalities on values inside received messages.
func genCountingModel(seed int64) string {
	rng := rand.New(rand.NewSource(seed))
	var b strings.Builder
	fmt.Fprintf(&b, "theory Counting%d\nbegin\n\n", seed)
	most := 1 + rng.Intn(2)
	var atoms, order, vars []string
	for i := 0; i <= most; i++ {
		vars = append(vars, fmt.Sprintf("a%d", i))
		atoms = append(atoms, fmt.Sprintf("Post(a%d) @ #i%d", i, i))
		if i > 0 {
			order = append(order, fmt.Sprintf("#i%d < #i%d", i-1, i))
		}
		vars = append(vars, fmt.Sprintf("#i%d", i))
	}
	fmt.Fprintf(&b, "restriction At_most_%d_of_Post:\n  \"not (Ex %s. %s & %s)\"\n\n", most, strings.Join(vars, " "), strings.Join(atoms, " & "), strings.Join(order, " & "))
	b.WriteString("restriction Neq:\n  \"All x y #i. Neq(x, y) @ #i ==> not (x = y)\"\n\n")
	b.WriteString("rule Start: [ Fr(~s) ] --> [ S(~s, '0') ]\n")
	b.WriteString("rule Net: [ MOut(m) ] --> [ MIn(m) ]\n")
	states := []string{"'0'", "'1'", "'2'", "'3'"}
	tags := []string{"'t1'", "'t2'"}
	vals := []string{"'c1'", "'c2'"}
	n := 5 + rng.Intn(5)
	for i := 0; i < n; i++ {
		from, to := states[rng.Intn(len(states))], states[rng.Intn(len(states))]
		prems := []string{fmt.Sprintf("S(s, %s)", from)}
		acts := []string{fmt.Sprintf("A%d(s)", i)}
		var concs []string
		recv := rng.Intn(2) == 0
		if recv {
			prems = append(prems, fmt.Sprintf("MIn(<%s, x>)", tags[rng.Intn(len(tags))]))
			if rng.Intn(2) == 0 {
				acts = append(acts, fmt.Sprintf("Neq(x, %s)", vals[rng.Intn(len(vals))]))
			}
		}
		if rng.Intn(3) > 0 {
			acts = append(acts, "Post(s)")
		}
		concs = append(concs, fmt.Sprintf("S(s, %s)", to))
		if rng.Intn(2) == 0 {
			v := vals[rng.Intn(len(vals))]
			if recv && rng.Intn(2) == 0 {
				v = "x"
			}
			concs = append(concs, fmt.Sprintf("MOut(<%s, %s>)", tags[rng.Intn(len(tags))], v))
		}
		fmt.Fprintf(&b, "rule R%d: [ %s ] --[ %s ]-> [ %s ]\n", i, strings.Join(prems, ", "), strings.Join(acts, ", "), strings.Join(concs, ", "))
	}
	b.WriteString("\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "lemma reach%d: exists-trace \"Ex s #i. A%d(s) @ #i\"\n", i, i)
	}
	b.WriteString("\nend\n")
	return b.String()
}

func TestDifferentialCounting(t *testing.T) {
	models, depth := 60, 7
	if testing.Short() {
		models = 15
	}
	decided, compared := 0, 0
	for seed := int64(1); seed <= int64(models); seed++ {
		src := genCountingModel(seed)
		th, diags := rules.Parse(fmt.Sprintf("counting%d.spthy", seed), []byte(src), rules.Options{})
		require.False(t, diags.HasErrors(), "seed %d: %v\n%s", seed, diags, src)
		for _, l := range th.Lemmas {
			c := NewChecker(th, Options{Depth: depth, Encode: diffEncode(0), Forward: ForwardOff})
			v, err := c.Check(context.Background(), l)
			require.NoError(t, err)
			if v.countedOut == "" {
				continue
			}
			decided++
			require.Equal(t, NoWitnessUpToBound, v.Kind, "seed %d lemma %s", seed, l.Name)
			x := newExplorer(th, goalOf(l), replayBounds(diffEncode(0)))
			a, err := x.minLength(depth)
			require.NoError(t, err, "seed %d lemma %s", seed, l.Name)
			compared++
			assert.Equal(t, -1, a.loose, "seed %d lemma %s: the counting argument said none, the explorer found\n%s\nmodel:\n%s",
				seed, l.Name, traceText(a.looseTr), src)
		}
	}
	t.Logf("%d lemmas decided by the counting argument, each compared with the explorer to %d steps", decided, depth)
	assert.Greater(t, compared, 5, "the generator must reach the counting argument")
}
