package format

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

// The executability report of tracebound rules (issue 10), as text (a
// summary line, a table with one rule per line, the static analysis, and
// the traces asked for) and as JSON (RulesSchemaVersion, described by
// docs/schema/rules.schema.json). Like the check formats, both are
// deterministic; times appear in JSON and, with Stats, in text.

// RulesSchemaVersion names the JSON format of the executability report.
const RulesSchemaVersion = "tracebound.rules/v1"

// RulesRun is one executability report of a model.
type RulesRun struct {
	Model  string
	Theory *rules.Theory
	Load   time.Duration
	Report *queries.Executability
	Stats  bool
}

// SummaryLine is the report's first line: how many rules are reachable
// within which bounds, and how many are not, by why.
func (r *RulesRun) SummaryLine() string {
	x := r.Report
	var parts []string
	for _, s := range []queries.RuleStatus{queries.Dead, queries.Blocked, queries.NotReachable, queries.UnknownStatus} {
		if n := x.Count(s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	line := fmt.Sprintf("%d of %d rules reachable", x.Count(queries.Reachable), len(x.Rules))
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	if x.Bounds != "" {
		line += ", within " + x.Bounds
	}
	return line
}

// WriteRulesText writes the report as text.
func WriteRulesText(w io.Writer, r *RulesRun) error {
	x := r.Report
	name := ""
	if r.Theory != nil {
		name = " (theory " + r.Theory.Name + ")"
	}
	fmt.Fprintf(w, "executability of %s%s: %s\n", r.Model, name, r.SummaryLine())
	if x.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", x.Note)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  rule\tverdict\tsteps\twhy")
	for _, rv := range x.Rules {
		steps := "-"
		if rv.Status == queries.Reachable || rv.Status == queries.Blocked {
			steps = fmt.Sprint(rv.Steps)
		}
		line := fmt.Sprintf("  %s\t%s\t%s", rv.Name, rv.Status, steps)
		if why := ruleWhy(rv); why != "" {
			line += "\t" + why
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	st := x.Static
	var static []string
	if len(st.NeverProduced) > 0 {
		static = append(static, "facts consumed but never produced: "+flows(st.NeverProduced, "premise of"))
	}
	if len(st.NeverConsumed) > 0 {
		static = append(static, "facts produced but never consumed: "+flows(st.NeverConsumed, "by"))
	}
	if len(st.Unrecorded) > 0 {
		var parts []string
		for _, u := range st.Unrecorded {
			var who []string
			for _, l := range u.Lemmas {
				who = append(who, "lemma "+l)
			}
			for _, rs := range u.Restrictions {
				who = append(who, "restriction "+rs)
			}
			parts = append(parts, fmt.Sprintf("%s (%s)", keyText(u.Key), strings.Join(who, ", ")))
		}
		static = append(static, "actions that no rule records: "+strings.Join(parts, ", "))
	}
	if len(static) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "static analysis:")
		for _, s := range static {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	for _, rv := range x.Rules {
		if rv.Trace == nil || rv.Replayed == nil {
			continue
		}
		fmt.Fprintln(w)
		what := "a shortest trace"
		if rv.Status == queries.Blocked {
			what = "a trace without " + strings.Join(rv.Blocking, ", ")
		}
		fmt.Fprintf(w, "%s: %s, %d steps\n", rv.Name, what, len(rv.Trace.Steps))
		WriteTrace(w, r.Theory, &queries.Verdict{Trace: rv.Trace, Replayed: rv.Replayed})
	}
	if r.Stats {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "time %s: parse %s, encode %s, solve %s, replay %s\n", Round(x.Time+r.Load), Round(r.Load), Round(x.Encode), Round(x.Solve), Round(x.Replay))
		for _, s := range x.Stats {
			fmt.Fprintf(w, "  depth %2d: %-7s solve %-10s %d nodes, %d assertions\n", s.Depth, s.Result, Round(s.Solve), s.Nodes, s.Assertions)
		}
	}
	return nil
}

// ruleWhy is the table's last column.
func ruleWhy(rv *queries.RuleVerdict) string {
	switch rv.Status {
	case queries.Dead:
		return rv.Reason
	case queries.Blocked:
		s := ""
		if len(rv.Blocking) > 1 {
			s = "s"
		}
		return fmt.Sprintf("fires without the restriction%s %s", s, strings.Join(rv.Blocking, ", "))
	}
	return rv.Reason
}

func flows(fs []queries.FactFlow, how string) string {
	var parts []string
	for _, f := range fs {
		rs := f.Producers
		if how != "by" {
			rs = f.Consumer
		}
		var names []string
		for _, r := range rs {
			names = append(names, r.Name)
		}
		parts = append(parts, fmt.Sprintf("%s (%s %s)", f.Text(), how, strings.Join(names, ", ")))
	}
	return strings.Join(parts, ", ")
}

func keyText(k rules.FactKey) string { return queries.FactFlow{Key: k}.Text() }

// RulesReportJSON is the JSON form of the executability report.
type RulesReportJSON struct {
	Schema   string   `json:"schema"`
	Model    string   `json:"model"`
	Theory   string   `json:"theory"`
	Defines  []string `json:"defines"`
	Summary  string   `json:"summary"`
	Bounds   string   `json:"bounds"`
	Depth    int      `json:"depth"`
	Complete int      `json:"complete_depth"`
	Note     string   `json:"note,omitempty"`
	// Counts are the numbers of rules by verdict.
	Counts map[string]int     `json:"counts"`
	Rules  []*RuleJSON        `json:"rules"`
	Static *StaticJSON        `json:"static"`
	Timing queries.TimingJSON `json:"timing"`
}

// RuleJSON is one rule's verdict.
type RuleJSON struct {
	Rule     string             `json:"rule"`
	Pos      *rules.Position    `json:"pos,omitempty"`
	Verdict  queries.RuleStatus `json:"verdict"`
	Steps    int                `json:"steps,omitempty"`
	Blocking []string           `json:"blocking,omitempty"`
	Reason   string             `json:"reason,omitempty"`
	Trace    *queries.TraceJSON `json:"trace,omitempty"`
}

// StaticJSON is the static analysis.
type StaticJSON struct {
	NeverProduced []*FlowJSON   `json:"never_produced"`
	NeverConsumed []*FlowJSON   `json:"never_consumed"`
	Unrecorded    []*ActionJSON `json:"unrecorded_actions"`
}

// FlowJSON is a fact with the rules that produce or consume it.
type FlowJSON struct {
	Fact  string   `json:"fact"`
	Rules []string `json:"rules"`
}

// ActionJSON is an action that no rule records, with the lemmas and
// restrictions that mention it.
type ActionJSON struct {
	Action       string   `json:"action"`
	Lemmas       []string `json:"lemmas"`
	Restrictions []string `json:"restrictions"`
}

// RulesReport returns the report's JSON form.
func (r *RulesRun) RulesReport() *RulesReportJSON {
	x := r.Report
	j := &RulesReportJSON{Schema: RulesSchemaVersion, Model: r.Model, Defines: []string{}, Summary: r.SummaryLine(),
		Bounds: x.Bounds, Depth: x.Depth, Complete: x.Complete, Note: x.Note, Counts: map[string]int{}, Rules: []*RuleJSON{},
		Static: &StaticJSON{NeverProduced: []*FlowJSON{}, NeverConsumed: []*FlowJSON{}, Unrecorded: []*ActionJSON{}},
		Timing: queries.TimingJSON{Total: (x.Time + r.Load).Seconds(), Encode: x.Encode.Seconds(), Solve: x.Solve.Seconds(), Replay: x.Replay.Seconds()}}
	if r.Theory != nil {
		j.Theory = r.Theory.Name
		if r.Theory.Defines != nil {
			j.Defines = r.Theory.Defines
		}
	}
	for _, s := range []queries.RuleStatus{queries.Reachable, queries.Dead, queries.Blocked, queries.NotReachable, queries.UnknownStatus} {
		j.Counts[s.String()] = x.Count(s)
	}
	for _, rv := range x.Rules {
		rj := &RuleJSON{Rule: rv.Name, Verdict: rv.Status, Blocking: rv.Blocking, Reason: rv.Reason}
		if rv.Status == queries.Reachable || rv.Status == queries.Blocked {
			rj.Steps = rv.Steps
		}
		if r.Theory != nil && r.Theory.Files != nil && rv.Rule.Pos.IsValid() {
			p := r.Theory.Position(rv.Rule.Pos)
			rj.Pos = &p
		}
		if rv.Trace != nil && rv.Replayed != nil {
			rj.Trace = queries.TraceJSONOf(r.Theory, rv.Trace, rv.Replayed)
		}
		j.Rules = append(j.Rules, rj)
	}
	flowsJSON := func(fs []queries.FactFlow, producers bool) []*FlowJSON {
		out := []*FlowJSON{}
		for _, f := range fs {
			rs := f.Consumer
			if producers {
				rs = f.Producers
			}
			fj := &FlowJSON{Fact: f.Text(), Rules: []string{}}
			for _, r := range rs {
				fj.Rules = append(fj.Rules, r.Name)
			}
			out = append(out, fj)
		}
		return out
	}
	j.Static.NeverProduced = flowsJSON(x.Static.NeverProduced, false)
	j.Static.NeverConsumed = flowsJSON(x.Static.NeverConsumed, true)
	for _, u := range x.Static.Unrecorded {
		aj := &ActionJSON{Action: keyText(u.Key), Lemmas: u.Lemmas, Restrictions: u.Restrictions}
		if aj.Lemmas == nil {
			aj.Lemmas = []string{}
		}
		if aj.Restrictions == nil {
			aj.Restrictions = []string{}
		}
		j.Static.Unrecorded = append(j.Static.Unrecorded, aj)
	}
	return j
}

// WriteRulesJSON writes the report as indented JSON.
func WriteRulesJSON(w io.Writer, r *RulesRun) error { return writeIndented(w, r.RulesReport()) }
