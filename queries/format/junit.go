package format

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"

	"github.com/tracebound/tracebound/queries"
)

// JUnit XML, as CI dashboards read it (the Ant/Surefire dialect): one
// test suite per model, one test case per lemma. A falsified all-traces
// lemma or an exists-trace lemma without witness is a failure (its text
// is the trace or the bounds), an unknown verdict an error; the others
// pass. Times are in seconds.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(v *queries.Verdict) string { return fmt.Sprintf("%.3f", v.Time.Seconds()) }

// WriteJUnit writes the run as JUnit XML.
func WriteJUnit(w io.Writer, r *Run) error {
	theory := ""
	if r.Theory != nil {
		theory = r.Theory.Name
	}
	s := junitSuite{Name: r.Model, Properties: []junitProperty{{"theory", theory}, {"bounds", r.longBounds()}}, Cases: []junitCase{}}
	var total float64
	for _, v := range r.Verdicts {
		c := junitCase{Name: v.Lemma.Name, Classname: theory, Time: seconds(v), SystemOut: v.Summary()}
		total += v.Time.Seconds()
		switch {
		case v.Kind == queries.Falsified || v.Kind == queries.NoWitnessUpToBound:
			var b bytes.Buffer
			fmt.Fprintln(&b, verdictLine(v))
			WriteTrace(&b, r.Theory, v)
			c.Failure = &junitProblem{Message: v.Summary(), Type: v.Kind.String(), Text: b.String()}
			s.Failures++
		case v.Kind == queries.Unknown:
			c.Error = &junitProblem{Message: v.Summary(), Type: "unknown", Text: v.Reason}
			s.Errors++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	s.Time = fmt.Sprintf("%.3f", total)
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
