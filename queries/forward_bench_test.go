package queries

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tracebound/tracebound/rules"
)

// BenchmarkForwardCorpus: the first look (the forward search) on corpus
// lemmas whose trace it finds, as check runs it with --depth 12.
func BenchmarkForwardCorpus(b *testing.B) {
	corpus := filepath.Join("..", "..", "shared", "corpus", "tamarin")
	for _, c := range []struct{ file, lemma string }{
		{"features/auto-sources/spore/Nssk_amended.spthy", "executability"},
		{"features/auto-sources/spore/Nssk.spthy", "executability"},
		{"loops/TESLA_Scheme1.spthy", "authentic_reachable"},
	} {
		path := filepath.Join(corpus, c.file)
		b.Run(filepath.Base(c.file)+"/"+c.lemma, func(b *testing.B) {
			th, diags := rules.Load(path, rules.Options{})
			if diags.HasErrors() {
				b.Skipf("corpus model %s: %v", path, diags)
			}
			for i := 0; i < b.N; i++ {
				v, err := NewChecker(th, depthOptions(12)).Check(context.Background(), th.Lemma(c.lemma))
				if err != nil || v.Kind != WitnessFound {
					b.Fatalf("%v %v", err, v.Summary())
				}
			}
		})
	}
}
