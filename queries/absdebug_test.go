package queries

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tracebound/tracebound/rules"
)

func TestAIDebug(t *testing.T) {
	path := os.Getenv("AIMODEL")
	if path == "" {
		t.Skip()
	}
	src, _ := os.ReadFile(path)
	th, diags := rules.Parse(path, src, rules.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	m := newAIModel(th)
	fmt.Println("why:", m.why, "consts", m.consts, "dmax", m.dmax)
	f := m.newFix(2, nil, 2000000, time.Now().Add(20*time.Second))
	t0 := time.Now()
	ok := f.run()
	fmt.Println("rounds", aiRounds, "cands", aiCands, "run", ok, time.Since(t0), "size", f.size, "know", len(f.know), "terms", len(f.terms))
	for k, s := range f.facts {
		fmt.Println(k, len(s.tuples))
		for i, tu := range s.tuples[:0] {
			if i < 5 {
				fmt.Println("   ", tu)
			}
		}
	}
	for i, k := range f.know[:0] {
		if i > len(f.know)-8 {
			fmt.Println("K", k)
		}
	}
	for _, l := range th.Lemmas {
		if os.Getenv("AILEMMA") != "" && l.Name != os.Getenv("AILEMMA") {
			continue
		}
		t0 := time.Now()
		why, ok := aiProve(m, l, 2000000, 20*time.Second, nil)
		fmt.Println(l.Name, ok, why, time.Since(t0))
	}
}
