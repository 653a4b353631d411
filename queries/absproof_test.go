package queries

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// TestAIProveCorpus runs the abstraction on every all-traces lemma of the
// corpus's free models: it must never prove a lemma Tamarin falsified.
// The lemmas it proves are logged (and counted in docs/corpus.md).
func TestAIProveCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus abstraction skipped in -short mode")
	}
	expected := tamarinVerdicts(t)
	models := map[string]bool{}
	for k := range expected {
		models[k[0]] = true
	}
	proved, falsified := 0, 0
	for model := range models {
		if filepath.Ext(model) != ".spthy" {
			continue
		}
		path := filepath.Join(corpusDir, model)
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		th, diags := rules.Parse(path, src, rules.Options{})
		if diags.HasErrors() {
			continue
		}
		m := newAIModel(th)
		if m.why != "" {
			continue
		}
		for _, l := range th.Lemmas {
			e, ok := expected[[2]string{model, l.Name}]
			if !ok || e[0] != "all-traces" {
				continue
			}
			t0 := time.Now()
			why, ok := aiProve(m, l, aiLimit, 20*time.Second, nil)
			el := time.Since(t0)
			if ok {
				proved++
				t.Logf("%s %s (%s): %s in %v", model, l.Name, e[1], why, el.Round(time.Millisecond))
			} else if el > time.Second {
				t.Logf("%s %s (%s): not proved in %v", model, l.Name, e[1], el.Round(time.Millisecond))
			}
			if e[1] == "falsified" {
				falsified++
				assert.False(t, ok, "%s %s: Tamarin falsified it, the abstraction proved it: %s", model, l.Name, why)
			}
		}
	}
	t.Logf("%d lemmas proved; %d falsified ones checked", proved, falsified)
	_ = strings.TrimSpace
}
