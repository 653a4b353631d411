package rules

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The corpus of real models lives outside the repository (see
// ../../shared/corpus/README.md); these tests skip when it is absent.
const corpusDir = "../../shared/corpus"

func corpusPath(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(corpusDir, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus not available (%v); these tests need the shared corpus at %s", err, corpusDir)
	}
	return p
}

// theoryHeader recognises a model: include fragments and the stub files
// git leaves for symbolic links have no theory header.
var theoryHeader = regexp.MustCompile(`(?m)^\s*theory\s+[A-Za-z0-9_]+`)

// corpusDefects are models that cannot load because the corpus snapshot
// itself is incomplete, with the first error that shows it. Upstream,
// testParser/include/include/include3.spthy includes
// include/include/include4.spthy, which the snapshot lacks.
var corpusDefects = map[string]*regexp.Regexp{
	"testParser/include/include1.spthy": regexp.MustCompile(`^cannot include "include/include4.spthy": `),
}

func TestCorpusTamarin(t *testing.T) {
	root := corpusPath(t, "tamarin")
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".spthy") {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no .spthy files under %s", root)
	}
	// Load the models in parallel; report in path order.
	type result struct {
		rel       string
		skipped   bool
		diags     Diagnostics
		roundTrip error
		err       error
	}
	results := make([]result, len(paths))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, path := range paths {
		wg.Add(1)
		go func(i int, path string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rel, _ := filepath.Rel(root, path)
			res := &results[i]
			res.rel = filepath.ToSlash(rel)
			src, err := os.ReadFile(path)
			if err != nil {
				res.err = err
				return
			}
			if !theoryHeader.Match(src) {
				res.skipped = true
				return
			}
			th, diags := Load(path, Options{})
			res.diags = diags
			if !diags.HasErrors() {
				var buf strings.Builder
				if res.err = th.Print(&buf); res.err == nil {
					res.roundTrip = roundTripErr(res.rel, buf.String())
				}
			}
		}(i, path)
	}
	wg.Wait()

	var models, parsed, skipped, unsupported, defects, warnings int
	reasons := map[string]int{}
	for _, res := range results {
		rel, diags := res.rel, res.diags
		switch {
		case res.err != nil:
			t.Errorf("%s: %v", rel, res.err)
			continue
		case res.skipped:
			skipped++
			continue
		}
		models++
		warnings += diags.Count(SevWarning)
		if errs := diags.Errors(); len(errs) > 0 {
			first := errs[0]
			switch {
			case strings.HasPrefix(first.Msg, "not supported yet: "):
				unsupported++
				reasons[first.Msg]++
				t.Logf("%s: %s", rel, first.Msg)
			case corpusDefects[rel] != nil && corpusDefects[rel].MatchString(first.Msg):
				defects++
				t.Logf("%s: defect of the corpus snapshot: %s", rel, first.Error())
			default:
				t.Errorf("%s does not load, and the first error is not \"not supported yet\":\n%s", rel, diagString(diags))
			}
			continue
		}
		parsed++
		if res.roundTrip != nil {
			t.Error(res.roundTrip)
		}
	}
	t.Logf("corpus tamarin/: %d .spthy files, %d models, %d parsed without errors, %d skipped (not models), "+
		"%d unsupported, %d broken by the snapshot, %d warnings in all",
		len(paths), models, parsed, skipped, unsupported, defects, warnings)
	for r, n := range reasons {
		t.Logf("  %d× %s", n, r)
	}
	if models < 300 {
		t.Errorf("found only %d models; is the corpus complete?", models)
	}
	if 100*parsed < 98*models {
		t.Errorf("only %d of %d models (%.1f%%) load without errors, want at least 98%%", parsed, models, 100*float64(parsed)/float64(models))
	}
}

// tls13Flags are the flags of the TLS 1.3 model's #ifdefs that select
// lemma sets; "" is no flag at all.
var tls13Flags = []string{"", "reachability", "uniqueness", "invariants", "lemmas"}

func TestCorpusTLS13(t *testing.T) {
	path := corpusPath(t, "tls13/tls13.spthy")
	for _, flag := range tls13Flags {
		name := flag
		if name == "" {
			name = "no-flags"
		}
		t.Run(name, func(t *testing.T) {
			var defines []string
			if flag != "" {
				defines = []string{flag}
			}
			th := loadFile(t, path, Options{Defines: defines})
			t.Logf("-D %q: %d rules, %d restrictions, %d lemmas, %d files", flag, len(th.Rules), len(th.Restrictions), len(th.Lemmas), len(th.Files.files))
			if len(th.Rules) <= 40 {
				t.Errorf("%d rules, want more than 40", len(th.Rules))
			}
			if flag != "" && len(th.Lemmas) == 0 {
				t.Errorf("no lemmas with -D %s", flag)
			}
			if len(th.Files.files) < 10 {
				t.Errorf("only %d files read; the #includes were not followed", len(th.Files.files))
			}
			for _, want := range []string{"reachability", "uniqueness", "invariants", "lemmas"} {
				if !contains(th.Flags, want) {
					t.Errorf("Flags %v lack %s", th.Flags, want)
				}
			}
			for _, b := range []string{"diffie-hellman", "hashing", "symmetric-encryption", "signing"} {
				if !th.HasBuiltin(b) {
					t.Errorf("builtin %s missing", b)
				}
			}
			switch flag {
			case "reachability":
				for _, l := range []string{"exists_S4_NST", "exists_C4_NST"} {
					if lm := th.Lemma(l); lm == nil || lm.Quantifier != ExistsTrace {
						t.Errorf("reachability lemma %s missing or not exists-trace", l)
					}
				}
				if th.Rule("message_out_to_in") == nil || th.Rule("message_out_to_out") != nil {
					t.Errorf("the #ifdef reachability / #else branch was not chosen")
				}
			case "":
				if th.Rule("message_out_to_out") == nil || th.Rule("message_out_to_in") != nil {
					t.Errorf("the #else branch of #ifdef reachability was not chosen")
				}
			}
			roundTrip(t, "tls13 -D "+flag, printTheory(t, th))
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func BenchmarkLoadTLS13(b *testing.B) {
	path := corpusPath(b, "tls13/tls13.spthy")
	opts := Options{Defines: []string{"lemmas"}}
	for i := 0; i < b.N; i++ {
		_, diags := Load(path, opts)
		if diags.HasErrors() {
			b.Fatalf("tls13 does not load:\n%s", diagString(diags))
		}
	}
}
