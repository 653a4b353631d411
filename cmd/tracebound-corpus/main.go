// Command tracebound-corpus runs tracebound on the lemmas of the Tamarin
// corpus (../shared/corpus/expected.tsv) and compares the verdicts with
// Tamarin's. It runs one tracebound process per lemma, so that each gets
// its own time limit and its peak memory can be read, and writes a table
// (TSV) and a summary (Markdown).
//
//	go build -o bin/tracebound ./cmd/tracebound
//	go run ./cmd/tracebound-corpus -bin bin/tracebound -theory free
//
// A contradiction is a counterexample to a lemma Tamarin verified (or a
// witness for an exists-trace lemma it falsified): a bug in tracebound.
// The exit status is 1 when there is one.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type row struct {
	model, lemma, kind, tamarin, theory string
	tamarinWall                         float64 // from tamarin-1.8.0-times.tsv, or -1
}

type result struct {
	row
	verdict, reason, summary string
	depth, steps             int
	wall                     time.Duration
	rssMB                    float64
	contradiction            bool
}

// traceExpected: Tamarin found a trace (falsified all-traces, verified
// exists-trace).
func (r row) traceExpected() bool {
	return r.kind == "all-traces" && r.tamarin == "falsified" || r.kind == "exists-trace" && r.tamarin == "verified"
}

func main() {
	corpus := flag.String("corpus", "../shared/corpus", "corpus directory")
	bin := flag.String("bin", "bin/tracebound", "tracebound binary")
	theory := flag.String("theory", "free", "rows to run: free, dh, ac, a comma-separated list of them, or all")
	depth := flag.Int("depth", 12, "tracebound --depth; 0 for none (each lemma deepens until -timeout, its time budget)")
	timeout := flag.Duration("timeout", 60*time.Second, "time limit per lemma")
	traces := flag.Bool("traces", false, "run only the rows where Tamarin has a trace (falsified all-traces, verified exists-trace)")
	match := flag.String("match", "", "run only rows whose model or lemma contains this")
	tsv := flag.String("tsv", "corpus-results.tsv", "table of results")
	md := flag.String("md", "", "Markdown summary (default: standard output only)")
	extra := flag.String("args", "", "extra arguments for tracebound check, space-separated")
	par := flag.Int("p", 1, "lemmas run at once (each tracebound process is given -j 1 by the caller's -args if wanted)")
	questions := flag.String("questions", "", "instead of the corpus's rows: run each question of this file (a label, a tab, tracebound's arguments as shell words) as one process and write a Markdown table (verdict, steps, encode, solve, wall, peak memory) to -md, e.g. testdata/tls13-questions.txt")
	repeat := flag.Int("repeat", 1, "runs of each lemma whose first run took under -repeat-under; the run of median wall time is the lemma's row (short runs are the noisiest: a process start varies by milliseconds)")
	repeatUnder := flag.Duration("repeat-under", 2*time.Second, "see -repeat")
	bench := flag.String("bench", "", "Markdown speed table of the rows with a trace (tracebound's time, Tamarin's, their ratio; a missed trace counts as ratio 0), e.g. docs/performance-corpus.md")
	flag.Parse()

	if *questions != "" {
		if err := runQuestions(*bin, *questions, *md, *par, *timeout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	rows, err := readRows(*corpus, *theory, *match)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *traces {
		var keep []row
		for _, r := range rows {
			if r.traceExpected() {
				keep = append(keep, r)
			}
		}
		rows = keep
	}
	out, err := os.Create(*tsv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer out.Close()
	fmt.Fprintln(out, "model\tlemma\tkind\ttamarin\ttracebound\tdepth\tsteps\twall_s\tpeak_rss_mb\ttamarin_wall_s\tcontradiction\treason")
	// Lemmas run on -p workers; rows are written in the corpus order as
	// soon as every earlier row is done, so the table is deterministic.
	results := make([]*result, len(rows))
	done := make([]chan struct{}, len(rows))
	for i := range done {
		done[i] = make(chan struct{})
	}
	// one untimed start first: the first lemma should not pay for loading
	// the binary and its libraries from disk
	_, _, _ = runProcess(*bin, []string{"--version"}, *timeout, &bytes.Buffer{}, &bytes.Buffer{})
	jobs := make(chan int)
	for w := 0; w < max(*par, 1); w++ {
		go func() {
			for i := range jobs {
				r := rows[i]
				results[i] = runMedian(*repeat, *repeatUnder, func() *result {
					return runOne(*bin, filepath.Join(*corpus, r.model), r, *depth, *timeout, strings.Fields(*extra))
				})
				close(done[i])
			}
		}()
	}
	go func() {
		for i := range rows {
			jobs <- i
		}
		close(jobs)
	}()
	for i, r := range rows {
		<-done[i]
		res := results[i]
		fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%.3f\t%.1f\t%.2f\t%v\t%s\n", r.model, r.lemma, r.kind, r.tamarin, res.verdict,
			res.depth, res.steps, res.wall.Seconds(), res.rssMB, r.tamarinWall, res.contradiction, res.reason)
		fmt.Fprintf(os.Stderr, "[%d/%d] %s %s: %s (%.1fs)\n", i+1, len(rows), r.model, r.lemma, res.verdict, res.wall.Seconds())
	}
	var shown []string
	for _, a := range os.Args[1:] {
		if strings.ContainsAny(a, " \t\"'") {
			a = strconv.Quote(a)
		}
		shown = append(shown, a)
	}
	summary := summarize(results, *depth, *timeout, strings.Join(shown, " "))
	fmt.Print(summary)
	if *md != "" {
		if err := os.WriteFile(*md, []byte(summary), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if *bench != "" {
		if err := os.WriteFile(*bench, []byte(benchTable(results, strings.Join(shown, " "))), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	for _, r := range results {
		if r.contradiction {
			os.Exit(1)
		}
	}
}

// benchTable is the speed table of the rows with a trace: each lemma's
// time against Tamarin 1.8.0's, the ratio (Tamarin's time over
// tracebound's; 0 when tracebound missed the trace), the median ratio and
// the slowest lemmas.
func benchTable(results []*result, args string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	type line struct {
		r     *result
		ratio float64
	}
	var lines []line
	var ratios []float64
	slower := 0
	for _, r := range results {
		if !r.traceExpected() || r.tamarinWall <= 0 {
			continue
		}
		ratio := 0.0
		if r.verdict == "falsified" || r.verdict == "witness found" {
			ratio = r.tamarinWall / r.wall.Seconds()
		}
		if ratio < 1 {
			slower++
		}
		lines = append(lines, line{r, ratio})
		ratios = append(ratios, ratio)
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].ratio < lines[j].ratio })
	w("## Speed on the corpus's lemmas with a trace\n\n")
	w("Command: `go run ./cmd/tracebound-corpus %s`, %s. Each lemma is one\n", args, time.Now().UTC().Format("2006-01-02"))
	w("tracebound process (wall time); Tamarin 1.8.0's times are `tamarin-1.8.0-times.tsv`\n")
	w("(same kind of machine). Ratio: Tamarin's time / tracebound's; a missed trace counts 0.\n\n")
	w("Median ratio %.2f× over %d lemmas; %d slower than Tamarin or missed.\n\n", quantile(ratios, 0.5), len(ratios), slower)
	w("| model | lemma | tracebound | verdict | Tamarin | ratio |\n|---|---|---|---|---|---|\n")
	for _, l := range lines {
		w("| %s | %s | %.2f s | %s | %.2f s | %.2f× |\n", l.r.model, l.r.lemma, l.r.wall.Seconds(), l.r.verdict, l.r.tamarinWall, l.ratio)
	}
	return b.String()
}

func readRows(corpus, theory, match string) ([]row, error) {
	times := map[string]float64{}
	if f, err := os.Open(filepath.Join(corpus, "tamarin-1.8.0-times.tsv")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			p := strings.Split(sc.Text(), "\t")
			if len(p) >= 7 {
				if w, err := strconv.ParseFloat(p[6], 64); err == nil {
					times[p[0]+"\t"+p[1]] = w
				}
			}
		}
		f.Close()
	}
	f, err := os.Open(filepath.Join(corpus, "expected.tsv"))
	if err != nil {
		return nil, fmt.Errorf("corpus: %v", err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) < 7 || theory != "all" && !slices.Contains(strings.Split(theory, ","), p[6]) {
			continue
		}
		if match != "" && !strings.Contains(p[0]+" "+p[1], match) {
			continue
		}
		r := row{model: p[0], lemma: p[1], kind: p[2], tamarin: p[3], theory: p[6], tamarinWall: -1}
		if w, ok := times[p[0]+"\t"+p[1]]; ok {
			r.tamarinWall = w
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

// report is the part of tracebound's JSON report read here.
type report struct {
	Verdicts []struct {
		Lemma   string `json:"lemma"`
		Verdict string `json:"verdict"`
		Summary string `json:"summary"`
		Depth   int    `json:"depth"`
		Reason  string `json:"reason"`
		Timing  struct {
			Encode float64 `json:"encode_s"`
			Solve  float64 `json:"solve_s"`
		} `json:"timing"`
		Blocking *struct {
			Text string `json:"text"`
		} `json:"blocking"`
		Trace *struct {
			Steps []json.RawMessage `json:"steps"`
		} `json:"trace"`
	} `json:"verdicts"`
}

// runMedian runs a lemma (run) n times, or once when its first run takes
// at least under, and returns the run of median wall time.
func runMedian(n int, under time.Duration, run func() *result) *result {
	runs := []*result{run()}
	for len(runs) < n && runs[0].wall < under {
		runs = append(runs, run())
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].wall < runs[j].wall })
	return runs[len(runs)/2]
}

func runOne(bin, model string, r row, depth int, timeout time.Duration, extra []string) *result {
	res := &result{row: r}
	args := []string{"check", model, "--lemma", r.lemma, "--timeout", timeout.String(), "-f", "json"}
	if depth > 0 {
		args = append(args, "--depth", strconv.Itoa(depth))
	}
	args = append(args, extra...)
	var stdout, stderr bytes.Buffer
	var err error
	res.wall, res.rssMB, err = runProcess(bin, args, timeout, &stdout, &stderr)
	var rep report
	if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil || len(rep.Verdicts) != 1 {
		res.verdict = "error"
		msg := strings.TrimSpace(stderr.String())
		if msg == "" && err != nil {
			msg = err.Error()
		}
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		res.reason = msg
		return res
	}
	v := rep.Verdicts[0]
	res.verdict, res.reason, res.summary, res.depth = v.Verdict, v.Reason, v.Summary, v.Depth
	if v.Trace != nil {
		res.steps = len(v.Trace.Steps)
	}
	res.contradiction = r.kind == "all-traces" && r.tamarin == "verified" && v.Verdict == "falsified" ||
		r.kind == "exists-trace" && r.tamarin == "falsified" && v.Verdict == "witness found"
	return res
}

// runProcess runs bin with args (killed after twice timeout and 30 s)
// and returns its wall time and peak resident memory in MB.
func runProcess(bin string, args []string, timeout time.Duration, stdout, stderr *bytes.Buffer) (time.Duration, float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err := cmd.Run()
	wall, rss := time.Since(start), 0.0
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = float64(ru.Maxrss) / 1024
		}
	}
	return wall, rss, err
}

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

func summarize(results []*result, depth int, timeout time.Duration, args string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("## Corpus run\n\n")
	bound := fmt.Sprintf("depth %d, %s per lemma", depth, timeout)
	if depth == 0 {
		bound = fmt.Sprintf("no --depth: each lemma deepens for %s", timeout)
	}
	w("Command: `go run ./cmd/tracebound-corpus %s` (%s), %s.\n\n", args, bound, time.Now().UTC().Format("2006-01-02"))
	counts := map[string]int{}
	var contradictions []*result
	var expected, found, foundIn60 int
	var all, traceTimes, ratios []float64
	for _, r := range results {
		counts[r.kind+" / tamarin "+r.tamarin+" / "+r.verdict]++
		all = append(all, r.wall.Seconds())
		if r.contradiction {
			contradictions = append(contradictions, r)
		}
		if r.traceExpected() {
			expected++
			if r.verdict == "falsified" || r.verdict == "witness found" {
				found++
				traceTimes = append(traceTimes, r.wall.Seconds())
				if r.wall <= 60*time.Second {
					foundIn60++
				}
				if r.tamarinWall > 0 {
					ratios = append(ratios, r.tamarinWall/r.wall.Seconds())
				}
			}
		}
	}
	w("| lemmas | contradictions | traces expected | traces found | found within 60 s | median time | 90th percentile |\n")
	w("|---|---|---|---|---|---|---|\n")
	pct := 0.0
	if expected > 0 {
		pct = 100 * float64(foundIn60) / float64(expected)
	}
	w("| %d | %d | %d | %d | %d (%.0f%%) | %.2f s | %.2f s |\n\n", len(results), len(contradictions), expected, found, foundIn60, pct, quantile(all, 0.5), quantile(all, 0.9))
	if len(traceTimes) > 0 {
		w("Time to a trace (found ones): median %.2f s, 90th percentile %.2f s.", quantile(traceTimes, 0.5), quantile(traceTimes, 0.9))
		if len(ratios) > 0 {
			w(" Tamarin 1.8.0's time divided by tracebound's, where both found the trace: median %.2f× (n=%d).", quantile(ratios, 0.5), len(ratios))
		}
		w("\n\n")
	}
	w("| kind / Tamarin / tracebound | count |\n|---|---|\n")
	var keys []string
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w("| %s | %d |\n", k, counts[k])
	}
	for _, r := range contradictions {
		w("\nCONTRADICTION: %s %s: %s\n", r.model, r.lemma, r.summary)
	}
	return b.String()
}
