package queries

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tracebound/tracebound/rules"
)

// BenchmarkForwardCorpus: check with --depth 12 on corpus lemmas whose
// trace the first look (the forward search) finds, and one where its 200
// states find none and the deepening finds the attack.
func BenchmarkForwardCorpus(b *testing.B) {
	corpus := filepath.Join("..", "..", "shared", "corpus", "tamarin")
	for _, c := range []struct {
		file, lemma string
		want        Kind
	}{
		{"features/auto-sources/spore/Nssk_amended.spthy", "executability", WitnessFound},
		{"features/auto-sources/spore/Nssk.spthy", "executability", WitnessFound},
		{"loops/TESLA_Scheme1.spthy", "authentic_reachable", WitnessFound},
		{"features/auto-sources/spore/AS_Concrete_RPC.spthy", "injectiveagreement_B", Falsified},
		{"Tutorial.spthy", "Client_session_key_honest_setup", WitnessFound},
		{"ake/dh/UM_one_pass_fix.spthy", "key_agreement_reachable", WitnessFound},
		{"classic/NSLPK3.spthy", "session_key_setup_possible", WitnessFound},
	} {
		path := filepath.Join(corpus, c.file)
		b.Run(filepath.Base(c.file)+"/"+c.lemma, func(b *testing.B) {
			th, diags := rules.Load(path, rules.Options{})
			if diags.HasErrors() {
				b.Skipf("corpus model %s: %v", path, diags)
			}
			for i := 0; i < b.N; i++ {
				v, err := NewChecker(th, depthOptions(12)).Check(context.Background(), th.Lemma(c.lemma))
				if err != nil || v.Kind != c.want {
					b.Fatalf("%v %v", err, v.Summary())
				}
			}
		})
	}
}
