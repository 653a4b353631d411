package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's trace-format recipes work as written (outputs moved to a
// temporary directory): each file holds what its format's tools read,
// one Graphviz graph or Mermaid chart per file.
func TestREADMERecipes(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	var recipes [][]string
	for _, line := range strings.Split(string(readme), "\n") {
		cmd, _, _ := strings.Cut(strings.TrimSpace(line), "#")
		if !strings.HasPrefix(line, "    tracebound check examples/nspk.spthy") {
			continue
		}
		recipes = append(recipes, strings.Fields(cmd)[1:])
	}
	require.GreaterOrEqual(t, len(recipes), 7, "the recipes of the README's Trace formats")
	for _, args := range recipes {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var outputs []string
			for i := range args {
				if args[i] == "examples/nspk.spthy" {
					args[i] = nspk
				}
				if i > 0 && (args[i-1] == "-o" || args[i-1] == "--junit") {
					trailing := strings.HasSuffix(args[i], "/")
					args[i] = filepath.Join(dir, args[i])
					if trailing {
						args[i] += "/"
					}
					outputs = append(outputs, args[i])
					require.NoError(t, os.MkdirAll(filepath.Dir(strings.TrimSuffix(args[i], "/")), 0o755))
				}
			}
			code, out, errs := runCLI(t, append(args, "-j", "1")...)
			assert.LessOrEqual(t, code, exitFailed, errs)
			assert.Regexp(t, `responder_nonce_secrecy \(all-traces\): falsified: counterexample with \d+ steps`, out)
			for _, o := range outputs {
				files := []string{o}
				if strings.HasSuffix(o, "/") {
					m, err := filepath.Glob(filepath.Join(o, "*"))
					require.NoError(t, err)
					assert.Len(t, m, 5, "one file per lemma")
					files = m
				}
				for _, f := range files {
					checkFile(t, f)
				}
			}
		})
	}
}

// checkFile checks that f holds one document of its extension's format.
func checkFile(t *testing.T, f string) {
	t.Helper()
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	s := string(b)
	switch filepath.Ext(f) {
	case ".json":
		var v map[string]any
		assert.NoError(t, json.Unmarshal(b, &v), f)
	case ".xml":
		assert.True(t, strings.HasPrefix(s, "<?xml"), f)
		assert.Equal(t, 1, strings.Count(s, "<testsuites"), f)
	case ".dot":
		assert.Equal(t, 1, strings.Count(s, "digraph "), "one graph in %s", f)
		assert.Equal(t, strings.Count(s, "{")-strings.Count(s, `\{`), strings.Count(s, "}")-strings.Count(s, `\}`), f)
		if dot, err := exec.LookPath("dot"); err == nil {
			svg, err := exec.Command(dot, "-Tsvg", f).Output()
			require.NoError(t, err, f)
			assert.Equal(t, 1, strings.Count(string(svg), "<svg"), "dot -Tsvg gives one picture for %s", f)
		}
	case ".mmd":
		assert.Equal(t, 1, strings.Count(s, "sequenceDiagram"), "one chart in %s", f)
	case ".svg":
		assert.Equal(t, 1, strings.Count(s, "<svg "), f)
	case ".html":
		assert.True(t, strings.HasPrefix(s, "<!DOCTYPE html>"), f)
	default:
		t.Errorf("unexpected output %s", f)
	}
}
