package solver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/rules"
)

func problem(t *testing.T, model, lemma string, k int) *encode.Problem {
	t.Helper()
	th, diags := rules.Parse("m.spthy", []byte(model), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	E, err := encode.New(th, encode.Options{})
	require.NoError(t, err)
	p, err := E.Encode(encode.GoalForLemma(th.Lemma(lemma)), k)
	require.NoError(t, err)
	return p
}

const counter = `theory C begin
rule Start: [ Fr(~n) ] --> [ Cnt(~n, '0') ]
rule Inc: [ Cnt(n, '0') ] --[ Done(n) ]-> [ Cnt(n, '1') ]
lemma done: exists-trace "Ex n #i. Done(n)@i"
lemma twice: exists-trace "Ex n #i #j. Done(n)@i & Done(n)@j & not(#i = #j)"
end`

func TestSatDecodes(t *testing.T) {
	p := problem(t, counter, "done", 2)
	sv := New()
	res, _, err := sv.Check(context.Background(), p)
	require.NoError(t, err)
	require.Equal(t, Sat, res)
	tr, err := p.Decode(sv.Model())
	require.NoError(t, err)
	require.Len(t, tr.Steps, 2)
	assert.Equal(t, "Start", tr.Steps[0].Name)
	assert.Equal(t, "Inc", tr.Steps[1].Name)
	assert.Equal(t, rules.Source{Step: 0, Conclusion: 0}, tr.Steps[1].Sources[0], "Inc consumes Start's conclusion")
}

func TestUnsat(t *testing.T) {
	// one Cnt fact can be incremented once: no second Done for the same n
	for k := 1; k <= 4; k++ {
		p := problem(t, counter, "twice", k)
		res, _, err := New().Check(context.Background(), p)
		require.NoError(t, err)
		assert.Equal(t, Unsat, res, "depth %d", k)
	}
}

func TestCancelledIsUnknown(t *testing.T) {
	p := problem(t, counter, "done", 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	res, reason, err := New().Check(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, Unknown, res)
	assert.Equal(t, "timeout", reason)
}

// BenchmarkSmallProblem: a new solver, a small problem asserted and
// checked once, with the simple solver (New) and Z3's default (NewOneShot,
// whose tactics are built at the first assertion); "context" only
// creates the solver (its Z3 context).
func BenchmarkSmallProblem(b *testing.B) {
	b.Run("context", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			New()
		}
	})
	th, diags := rules.Parse("m.spthy", []byte(counter), rules.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	E, err := encode.New(th, encode.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := E.Encode(encode.GoalForLemma(th.Lemma("done")), 2)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		new  func() *Solver
	}{{"simple", New}, {"default", NewOneShot}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if res, _, err := c.new().Check(context.Background(), p); err != nil || res != Sat {
					b.Fatal(res, err)
				}
			}
		})
	}
}

// TestResourceBudget: a check with a budget of resource units stops as
// Unknown once it has spent them, and counts the same units in two
// solvers given the same calls (the budget does not depend on the
// machine's speed). A solver that ran out answers its next check, which
// has no budget.
func TestResourceBudget(t *testing.T) {
	ctx := context.Background()
	var used [2]uint64
	for i := range used {
		sv := pigeonhole(t, 9)
		res, _, err := sv.CheckSatWithin(ctx, 200_000)
		require.NoError(t, err)
		assert.Equal(t, Unknown, res)
		used[i] = sv.LastUnits()
		assert.Greater(t, used[i], uint64(150_000), "the budget was spent")
		assert.Less(t, used[i], uint64(2_000_000), "and not much more")
	}
	assert.Equal(t, used[0], used[1], "the same calls count the same units")

	p := problem(t, counter, "twice", 3)
	sv := New()
	require.NoError(t, sv.Assert(p.Assertions...))
	res, _, err := sv.CheckSatWithin(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, Unknown, res, "one unit is not enough")
	res, _, err = sv.CheckSat(ctx)
	require.NoError(t, err)
	assert.Equal(t, Unsat, res, "no budget after CheckSatWithin")
	assert.Positive(t, sv.LastUnits())
}
