package queries

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tracebound/tracebound/rules"
)

// BenchmarkLoweAttack: load NSPK and find Lowe's attack on the responder's
// nonce (iterative deepening from depth 1, a new Z3 context per depth),
// then the attack with three distinct agents (one step longer); with
// Shortest, only the shortest attack (two agents).
func BenchmarkLoweAttack(b *testing.B) {
	for _, shortest := range []bool{false, true} {
		b.Run(fmt.Sprintf("shortest=%v", shortest), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				th, diags := rules.Load("../examples/nspk.spthy", rules.Options{})
				if diags.HasErrors() {
					b.Fatal(diags)
				}
				v, err := NewChecker(th, shortestOpts(shortest)).Check(context.Background(), th.Lemma("responder_nonce_secrecy"))
				if err != nil || v.Kind != Falsified {
					b.Fatalf("%v %v", err, v.Summary())
				}
			}
		})
	}
}

func shortestOpts(shortest bool) Options {
	o := DefaultOptions()
	o.Shortest = shortest
	return o
}

// BenchmarkLoweAttackProcess runs the whole tracebound process, Z3
// start-up included, as a user would.
func BenchmarkLoweAttackProcess(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "tracebound")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/tracebound").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "check", "../examples/nspk.spthy", "--lemma", "responder_nonce_secrecy")
		out, _ := cmd.Output()
		if cmd.ProcessState.ExitCode() != 1 {
			b.Fatalf("expected a falsified lemma (status 1):\n%s", out)
		}
	}
}

// BenchmarkNSLDepth checks NSL's responder nonce secrecy (which holds) up
// to each depth: the time of a bounded proof as the bound grows. Set
// TRACEBOUND_NSL_MAXDEPTH to go beyond 10.
func BenchmarkNSLDepth(b *testing.B) {
	th, diags := rules.Load("../examples/nsl.spthy", rules.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	max := 10
	if s := os.Getenv("TRACEBOUND_NSL_MAXDEPTH"); s != "" {
		fmt.Sscan(s, &max)
	}
	l := th.Lemma("responder_nonce_secrecy")
	for k := 1; k <= max; k++ {
		b.Run(fmt.Sprintf("depth=%02d", k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				v, err := NewChecker(th, depthOptions(k)).Check(context.Background(), l)
				if err != nil || v.Kind != HoldsUpToBound {
					b.Fatalf("%v %v", err, v.Summary())
				}
			}
		})
	}
}
