package queries

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// The executability report against the brute-force explorer, on random
// models: "rule R fires" is asked of the explorer as the goal Ex #i.
// Fired() @ #i on a copy of the model in which R records the action
// Fired() (actions change no trace). A rule the report calls reachable
// in n steps has no trace of fewer steps within the adversary bounds
// (strict) and a real one of n steps (loose ≤ n); a rule it calls dead,
// blocked or not reachable has no trace within the bounds, restrictions
// applied.
func TestDifferentialExecutability(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 15
	}
	models, compared := 0, 0
	byStatus := map[RuleStatus]int{}
	for seed := int64(1); models < n; seed++ {
		src := genModel(seed)
		th, diags := rules.Parse(fmt.Sprintf("random%d.spthy", seed), []byte(src), rules.Options{})
		if diags.HasErrors() {
			continue
		}
		models++
		enc := diffEncode(0)
		x, err := Executable(context.Background(), th, Options{Depth: randomDepth, Encode: enc}, nil)
		require.NoError(t, err, "seed %d", seed)
		for i, rv := range x.Rules {
			if rv.Status == UnknownStatus {
				continue
			}
			fired := firedTheory(th, i)
			ex := newExplorer(fired, &rules.Quant{Exists: true, Vars: []rules.Var{{Name: "i", Sort: rules.SortTemporal}},
				Body: &rules.Atom{Kind: rules.AtomAction, Fact: &rules.Fact{Name: "Fired__"}, R: rules.NewVar("i", 0, rules.SortTemporal)}}, replayBounds(enc))
			ex.maxNodes, ex.maxReplays = randomBudget, 10*randomBudget
			a, err := ex.minLength(randomDepth)
			if err != nil && !errors.Is(err, errBudget) {
				t.Fatalf("seed %d: %v", seed, err)
			}
			compared++
			byStatus[rv.Status]++
			switch rv.Status {
			case Reachable:
				if a.strict >= 0 && a.strict < rv.Steps {
					t.Errorf("seed %d rule %s: reported reachable in %d steps, the explorer has a trace within the bounds of %d\n%s", seed, rv.Name, rv.Steps, a.strict, src)
				}
				if rv.Steps <= a.done && (a.loose < 0 || a.loose > rv.Steps) {
					t.Errorf("seed %d rule %s: reported reachable in %d steps, the explorer has no such trace (shortest %d)\n%s", seed, rv.Name, rv.Steps, a.loose, src)
				}
			default:
				if a.strict >= 0 {
					t.Errorf("seed %d rule %s: reported %s, the explorer has a trace of %d steps within the bounds\n%s", seed, rv.Name, rv.Status, a.strict, src)
				}
			}
		}
	}
	t.Logf("%d random models, %d rules compared: %d reachable, %d dead, %d blocked, %d not reachable", models, compared,
		byStatus[Reachable], byStatus[Dead], byStatus[Blocked], byStatus[NotReachable])
	require.NotZero(t, byStatus[Reachable])
	require.NotZero(t, byStatus[Dead]+byStatus[Blocked]+byStatus[NotReachable], "unreachable rules are compared too")
}

// firedTheory is th with rule i recording the action Fired__().
func firedTheory(th *rules.Theory, i int) *rules.Theory {
	cp := *th
	cp.Rules = append([]*rules.Rule{}, th.Rules...)
	r := *th.Rules[i]
	r.Actions = append(append([]*rules.Fact{}, r.Actions...), &rules.Fact{Name: "Fired__"})
	cp.Rules[i] = &r
	return &cp
}
