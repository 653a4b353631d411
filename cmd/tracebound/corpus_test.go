package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const corpusDir = "../../../shared/corpus"

// TestCorpusNeverCrashes runs every .spthy file of the corpus through
// `tracebound parse` and `tracebound check --depth 3 --timeout 10s`, as a
// user would: each gives a verdict per lemma or a clear error with a
// position (a construct not supported yet among them); none crashes,
// hangs past its limits or reports an internal error. The files run in
// parallel, one process each (-j 1), as many as there are CPUs.
func TestCorpusNeverCrashes(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("no corpus at " + corpusDir)
	}
	var files []string
	err := filepath.Walk(corpusDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".spthy") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < 300 {
		t.Fatalf("found %d corpus files, want the whole corpus", len(files))
	}
	bin := binary(t)
	start := time.Now()
	type result struct {
		file         string
		parse, check int
		took         time.Duration
		problem      string
		unknown      int
	}
	results := make([]result, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = func(f string) (r result) {
					r.file = f
					t0 := time.Now()
					defer func() { r.took = time.Since(t0) }()
					var perr, cout, cerr string
					r.parse, _, perr = runBin(bin, 2*time.Minute, "parse", f)
					if bad := crashed(r.parse, perr); bad != "" {
						r.problem = "parse: " + bad
						return r
					}
					if r.parse == exitFailed && !positioned.MatchString(perr) {
						r.problem = "parse: an error without a position:\n" + perr
						return r
					}
					r.check, cout, cerr = runBin(bin, 10*time.Minute, "check", f, "--depth", "3", "--timeout", "10s", "-j", "1")
					if bad := crashed(r.check, cerr); bad != "" {
						r.problem = "check: " + bad
						return r
					}
					switch {
					case r.check == exitInternal:
						r.problem = "check: internal error:\n" + cerr
					case r.check == exitUsage && r.parse != exitFailed:
						r.problem = "check: status 2 for a model that parses:\n" + cerr
					case r.check != exitUsage && r.parse == exitFailed:
						r.problem = "check: a model parse refuses was checked"
					case r.check != exitUsage && cout != "" && !strings.Contains(cout, "summary of summaries:"):
						r.problem = "check: verdicts without a summary:\n" + cout + cerr
					}
					for _, m := range unknownRE.FindAllStringSubmatch(cout, -1) {
						r.unknown++
						if !acceptedUnknown.MatchString(m[1]) {
							r.problem += "\ncheck: unknown for an unexpected reason: " + m[0]
						}
					}
					return r
				}(files[i])
			}
		}()
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	counts := map[[2]int]int{}
	var slowest result
	for _, r := range results {
		if r.problem != "" {
			t.Errorf("%s: %s", r.file, r.problem)
		}
		counts[[2]int{r.parse, r.check}]++
		if r.took > slowest.took {
			slowest = r
		}
	}
	t.Logf("%d files in %s with %d workers (slowest %s: %s); (parse, check) status counts %v",
		len(files), time.Since(start).Round(time.Second), runtime.NumCPU(), slowest.file, slowest.took.Round(time.Second), counts)
}

var (
	// positioned: a diagnostic with a position (file:line:column, or a
	// whole file's file: for one that cannot be read)
	positioned = regexp.MustCompile(`(?m)^\S+?(:\d+:\d+)?: error: `)
	unknownRE  = regexp.MustCompile(`(?m)^\S+ \((?:all-traces|exists-trace)\): unknown: (.*)$`)
	// the reasons an unknown verdict may have here
	acceptedUnknown = regexp.MustCompile(`^(not supported yet: |timeout|solver: )`)
)

// runBin runs tracebound with a hard deadline (a hang is a failure).
func runBin(bin string, limit time.Duration, args ...string) (int, string, string) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, out.String(), "hung: still running after " + limit.String() + "\n" + errb.String()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		return -1, out.String(), err.Error()
	}
	return 0, out.String(), errb.String()
}

// crashed says what went wrong when a run crashed or hung.
func crashed(code int, stderr string) string {
	switch {
	case code < 0:
		return stderr
	case strings.Contains(stderr, "panic:") || strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "fatal error:"):
		return "crashed:\n" + stderr
	case code > exitInternal:
		return "killed:\n" + stderr
	}
	return ""
}
