package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// question is one line of a questions file: a label and tracebound's
// arguments.
type question struct {
	label string
	args  []string
}

type answerRow struct {
	q                      question
	verdict, summary, note string
	steps                  int
	encode, solve          float64
	wall                   time.Duration
	rssMB                  float64
}

// runQuestions runs each question of file as one tracebound process (-f
// json added), par at once, and writes the table to md (or standard
// output).
func runQuestions(bin, file, md string, par int, timeout time.Duration) error {
	qs, err := readQuestions(file)
	if err != nil {
		return err
	}
	rows := make([]*answerRow, len(qs))
	jobs := make(chan int)
	done := make(chan int)
	for w := 0; w < max(par, 1); w++ {
		go func() {
			for i := range jobs {
				rows[i] = ask(bin, qs[i], timeout)
				done <- i
			}
		}()
	}
	go func() {
		for i := range qs {
			jobs <- i
		}
		close(jobs)
	}()
	for range qs {
		i := <-done
		r := rows[i]
		fmt.Fprintf(os.Stderr, "%s: %s (%.1fs)\n", r.q.label, r.summary, r.wall.Seconds())
	}
	var b strings.Builder
	var total time.Duration
	for _, r := range rows {
		total += r.wall
	}
	fmt.Fprintf(&b, "Command: `go run ./cmd/tracebound-corpus -bin %s -questions %s -p %d -timeout %s -md FILE`, %s; %d questions, one process each, %d at once.\n\n",
		bin, file, par, timeout, time.Now().UTC().Format("2006-01-02"), len(qs), par)
	b.WriteString("| question | verdict | steps | encode | solve | wall | peak memory |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		steps := "–"
		if r.steps > 0 {
			steps = fmt.Sprint(r.steps)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f s | %.2f s | %.2f s | %.0f MB |\n", r.q.label, r.summary, steps, r.encode, r.solve, r.wall.Seconds(), r.rssMB)
	}
	fmt.Fprintf(&b, "\nSum of the wall times: %.1f s.\n", total.Seconds())
	if md == "" {
		fmt.Print(b.String())
		return nil
	}
	return os.WriteFile(md, []byte(b.String()), 0o644)
}

func ask(bin string, q question, timeout time.Duration) *answerRow {
	r := &answerRow{q: q}
	args := append(append([]string{}, q.args...), "-f", "json")
	var stdout, stderr bytes.Buffer
	var err error
	r.wall, r.rssMB, err = runProcess(bin, args, timeout, &stdout, &stderr)
	var rep report
	if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil || len(rep.Verdicts) != 1 {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" && err != nil {
			msg = err.Error()
		}
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		r.verdict, r.summary = "error", "error: "+msg
		return r
	}
	v := rep.Verdicts[0]
	r.verdict, r.summary = v.Verdict, v.Summary
	if v.Blocking != nil && v.Blocking.Text != "" {
		r.summary += "; " + v.Blocking.Text
	}
	r.encode, r.solve = v.Timing.Encode, v.Timing.Solve
	if v.Trace != nil {
		r.steps = len(v.Trace.Steps)
	}
	return r
}

func readQuestions(file string) ([]question, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var qs []question
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, rest, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want a label, a tab and tracebound's arguments", file, n)
		}
		args, err := shellWords(rest)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, n, err)
		}
		qs = append(qs, question{label: strings.TrimSpace(label), args: args})
	}
	return qs, sc.Err()
}

// shellWords splits s into words as a POSIX shell would, for single and
// double quotes and backslashes outside quotes (no expansions).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated %c quote", c)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
