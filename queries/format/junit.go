package format

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

// JUnit XML, as CI dashboards read it (the Ant/Surefire dialect): one
// test suite per model, one test case per lemma. A falsified all-traces
// lemma or an exists-trace lemma without witness is a failure (its text
// is the trace or the bounds), an unknown verdict an error; the others
// pass. A model with errors is one error test case named after the
// model, its diagnostics the text; warnings go to the suite's
// system-err. Times are in seconds, left out with Run.NoTimings.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr,omitempty"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemErr  string          `xml:"system-err,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the run as JUnit XML.
func WriteJUnit(w io.Writer, r *Run) error {
	failure := func(i int) string {
		v := r.Verdicts[i]
		var b bytes.Buffer
		fmt.Fprintln(&b, verdictLine(v))
		WriteTrace(&b, r.Theory, v)
		return b.String()
	}
	return writeJUnit(w, r.Report(), r.longBounds(), failure)
}

// WriteJUnitReport writes JUnit XML from a JSON report (as tracebound
// merge does from the shards' reports): a failure's text is its verdict
// and the trace's steps as the report has them.
func WriteJUnitReport(w io.Writer, rep *queries.Report, bounds string) error {
	failure := func(i int) string {
		v := rep.Verdicts[i]
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%s): %s\n", v.Lemma, v.Quantifier, v.Summary)
		writeTraceJSON(&b, v.Trace)
		return b.String()
	}
	return writeJUnit(w, rep, bounds, failure)
}

// writeTraceJSON writes a report's trace, one step a rule instance.
func writeTraceJSON(b *strings.Builder, tr *queries.TraceJSON) {
	if tr == nil {
		return
	}
	texts := func(fs []*rules.JSONFact) string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.Text
		}
		return strings.Join(out, ", ")
	}
	for _, st := range tr.Steps {
		fmt.Fprintf(b, "  %2d. %s\n        [ %s ]\n      --[ %s ]->\n        [ %s ]\n", st.Index, st.Rule, texts(st.Premises), texts(st.Actions), texts(st.Conclusions))
	}
}

func writeJUnit(w io.Writer, rep *queries.Report, bounds string, failure func(i int) string) error {
	timings := true
	for _, v := range rep.Verdicts {
		timings = timings && v.Timing != nil
	}
	props := []junitProperty{{"theory", rep.Theory}, {"bounds", bounds}}
	if rep.Shard != nil {
		props = append(props, junitProperty{"shard", fmt.Sprintf("%d/%d", rep.Shard.Index, rep.Shard.Count)})
	}
	if rep.Interrupted != "" {
		props = append(props, junitProperty{"interrupted", rep.Interrupted})
	}
	s := junitSuite{Name: rep.Model, Properties: props, Cases: []junitCase{}}
	var errs, warns strings.Builder
	for _, d := range rep.Diagnostics {
		line := fmt.Sprintf("%s:%d:%d: %s: %s\n", d.File, d.Line, d.Column, d.Severity, d.Message)
		if d.Check != "" {
			line = strings.TrimSuffix(line, "\n") + " [" + d.Check + "]\n"
		}
		if d.Severity == "error" {
			errs.WriteString(line)
		} else {
			warns.WriteString(line)
		}
	}
	s.SystemErr = warns.String()
	if errs.Len() > 0 {
		s.Cases = append(s.Cases, junitCase{Name: rep.Model, Classname: rep.Theory,
			Error: &junitProblem{Message: "the model has errors", Type: "model error", Text: errs.String()}})
		s.Errors++
		s.Tests++
	}
	var total float64
	for i, v := range rep.Verdicts {
		c := junitCase{Name: v.Lemma, Classname: rep.Theory, SystemOut: v.Summary}
		if timings {
			c.Time = fmt.Sprintf("%.3f", v.Timing.Total)
			total += v.Timing.Total
		}
		switch {
		case v.Verdict == queries.Falsified.String() || v.Verdict == queries.NoWitnessUpToBound.String():
			c.Failure = &junitProblem{Message: v.Summary, Type: v.Verdict, Text: failure(i)}
			s.Failures++
		case v.Internal:
			c.Error = &junitProblem{Message: v.Summary, Type: "internal error", Text: v.Reason}
			s.Errors++
		case v.Verdict == queries.Unknown.String():
			c.Error = &junitProblem{Message: v.Summary, Type: "unknown", Text: v.Reason}
			s.Errors++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	if timings {
		s.Time = fmt.Sprintf("%.3f", total)
	}
	all := junitSuites{Name: "tracebound", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
