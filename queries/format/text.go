package format

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// lineWidth is the width beyond which a step's facts go one per line.
const lineWidth = 100

// WriteText writes every verdict (its line, and its trace if it has one)
// and the summary table.
func WriteText(w io.Writer, r *Run) error {
	for _, v := range r.Verdicts {
		WriteVerdict(w, r, v)
	}
	WriteSummary(w, r, r.Stats)
	return nil
}

// WriteVerdict writes a verdict's line and its trace; with r.Stats, the
// time per phase and per depth as well.
func WriteVerdict(w io.Writer, r *Run, v *queries.Verdict) {
	fmt.Fprintln(w, verdictLine(v))
	writeVerdictBody(w, r, v)
	writeAnswers(w, r, v)
	if r.Stats {
		fmt.Fprintf(w, "  time %s: encode %s, solve %s, replay %s\n", Round(v.Time), Round(v.Encode), Round(v.Solve), Round(v.Replay))
		for _, s := range v.Stats {
			what := ""
			if s.Readable {
				what = ", distinct agents"
			}
			fmt.Fprintf(w, "    depth %2d: %-7s encode %-10s solve %-10s %d nodes, %d assertions%s\n", s.Depth, s.Result, Round(s.Encode), Round(s.Solve), s.Nodes, s.Assertions, what)
			if line := partsLine(s.Parts); line != "" {
				fmt.Fprintf(w, "              nodes by part: %s\n", line)
			}
		}
	}
}

// writeVerdictBody writes what follows a verdict's line: the measure
// of its trace, the notes and what blocks a witness, and the trace.
func writeVerdictBody(w io.Writer, r *Run, v *queries.Verdict) {
	writeMeasure(w, v)
	writeNotes(w, v)
	WriteTrace(w, r.Theory, v)
}

// writeMeasure writes what the adversary of a verdict's trace needs.
func writeMeasure(w io.Writer, v *queries.Verdict) {
	if v.Measure != nil {
		fmt.Fprintf(w, "  the adversary uses %s (docs/bounds.md)\n", replay.MeasureText(*v.Measure, v.MeasureExact))
	}
}

// Round rounds a duration for display.
func Round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// WriteTrace writes a verdict's trace, if it has one: the lemma's
// bindings, the lets, then numbered steps with the rule (and its source
// line, and the lemma's temporal variables bound to it), its ground
// premises, actions and conclusions in Tamarin syntax, and under each In
// premise how the adversary obtained the message.
func WriteTrace(w io.Writer, th *rules.Theory, v *queries.Verdict) {
	if v.Trace == nil || v.Replayed == nil {
		return
	}
	tr, rep := v.Trace, v.Replayed
	p := newPrinter(th).withLets(tr, rep)
	if b := bindingsText(p, v); b != "" {
		fmt.Fprintf(w, "  bindings: %s\n", b)
	}
	stepMark, kevMark := marks(v)
	for i, l := range p.order {
		lead := "  let "
		if i > 0 {
			lead = "      "
		}
		fmt.Fprintf(w, "%s%s = %s\n", lead, l.Name, p.body(l.Term))
	}
	kev := 0
	events := func(before int64) {
		for ; kev < len(tr.KEvents) && tr.KEvents[kev].Time < before; kev++ {
			ev := tr.KEvents[kev]
			if ev.InStep >= 0 {
				continue
			}
			line := "      adversary knows " + p.term(rep.KEvents[kev].Term)
			if m := kevMark[kev]; m != "" {
				line += "  " + m
			}
			fmt.Fprintln(w, line)
			if kev < len(rep.KEvents) {
				writeDerivation(w, p, rep, rep.KEvents[kev], stepOfTime(tr, ev.Time), "        ", map[string]bool{})
			}
		}
	}
	for i, st := range tr.Steps {
		events(tr.Time(i))
		rs := rep.Steps[i]
		head := fmt.Sprintf("  %2d. %s", i+1, st.Name)
		if pos := rulePos(th, st.Rule); pos.IsValid() {
			head += fmt.Sprintf("  (%s:%d)", pos.Filename, pos.Line)
		}
		if m := stepMark[i]; m != "" {
			head += "  " + m
		}
		fmt.Fprintln(w, head)
		writeFacts(w, "        [ ", "          ", " ]", p.facts(rs.Premises))
		if len(rs.Actions) > 0 {
			writeFacts(w, "      --[ ", "          ", " ]->", p.facts(rs.Actions))
		} else {
			fmt.Fprintln(w, "      -->")
		}
		writeFacts(w, "        [ ", "          ", " ]", p.facts(rs.Conclusions))
		for pi, f := range rs.Premises {
			d, ok := rs.Derivations[pi]
			if !ok {
				continue
			}
			in := p.fact(f)
			if d.Rule == "received" {
				fmt.Fprintf(w, "        %s: %s\n", in, received(rep, d.Term, i))
				continue
			}
			fmt.Fprintf(w, "        %s: built by the adversary\n", in)
			writeDerivation(w, p, rep, d, i, "          ", map[string]bool{})
		}
	}
	events(1 << 62)
}

// writeFacts writes facts between open and close on one line, or one per
// line when that line would be too long.
func writeFacts(w io.Writer, open, cont, close string, fs []string) {
	one := open + strings.Join(fs, ", ") + close
	if len(fs) <= 1 || len([]rune(one)) <= lineWidth {
		if len(fs) == 0 {
			one = strings.TrimRight(open, " ") + close
		}
		fmt.Fprintln(w, one)
		return
	}
	for i, f := range fs {
		lead, end := cont, ","
		if i == 0 {
			lead = open
		}
		if i == len(fs)-1 {
			end = close
		}
		fmt.Fprintln(w, lead+f+end)
	}
}

// received says where the adversary received t, before step before.
func received(rep *replay.Result, t *rules.Term, before int) string {
	if s := sender(rep, t, before); s >= 0 {
		return fmt.Sprintf("received from step %d", s+1)
	}
	return "received"
}

// writeDerivation writes a derivation tree, one deduction per line; a
// subderivation already written in the tree is referred to.
func writeDerivation(w io.Writer, p *printer, rep *replay.Result, d *replay.Derivation, before int, indent string, seen map[string]bool) {
	t := p.term(d.Term)
	switch d.Rule {
	case "received":
		fmt.Fprintf(w, "%s%s  %s\n", indent, t, received(rep, d.Term, before))
		return
	case "public name", "fresh name":
		fmt.Fprintf(w, "%s%s  %s\n", indent, t, d.Rule)
		return
	}
	key := d.Term.String()
	if seen[key] {
		fmt.Fprintf(w, "%s%s  (as above)\n", indent, t)
		return
	}
	seen[key] = true
	fmt.Fprintf(w, "%s%s  %s %s\n", indent, t, d.Rule, d.Symbol)
	for _, f := range d.From {
		writeDerivation(w, p, rep, f, before, indent+"  ", seen)
	}
}

// bounds returns the run's bounds: steps, keyed deconstructions,
// analysis layers, construction layers; steps is 0 without --depth (each
// lemma deepens for its time budget).
func (r *Run) bounds() (steps, dec, an, con int) {
	e := r.Options.Encode.Bounds
	return max(r.Options.Depth, 0), e.KeyedDeconstructions, e.AnalysisLayers, e.ConstructionLayers
}

// shortBounds is the summary's bounds column for verdict v.
func (r *Run) shortBounds(v *queries.Verdict) string {
	if v.EveryDepth != "" {
		return "every depth (abstraction)"
	}
	s, d, a, c := r.bounds()
	if v.StepBound > 0 {
		s = v.StepBound
	}
	return fmt.Sprintf("≤%d steps, ≤%d keyed, ≤%d analysis, ≤%d construction", s, d, a, c)
}

// verdictWord is the summary's verdict column.
func verdictWord(v *queries.Verdict) string {
	switch {
	case v.Kind == queries.Unknown:
		return "unknown (" + v.Reason + ")"
	case v.Vacuous():
		return v.Kind.String() + " (vacuous)"
	}
	return v.Kind.String()
}

// steps is the summary's steps column: a trace's length, or the largest
// depth searched completely.
func stepsColumn(v *queries.Verdict) string {
	if v.Trace != nil {
		return fmt.Sprintf("%d", len(v.Trace.Steps))
	}
	return "-"
}

// WriteSummary writes the summary of summaries: one line per lemma with
// its verdict, the trace's steps, the bounds and, with times, the time.
func WriteSummary(w io.Writer, r *Run, times bool) {
	if len(r.Verdicts) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "summary of summaries:")
	fmt.Fprintln(w)
	name := ""
	if r.Theory != nil {
		name = " (theory " + r.Theory.Name + ")"
	}
	fmt.Fprintf(w, "analyzed: %s%s\n", r.Model, name)
	if ws := r.warnings(); len(ws) > 0 {
		checks := map[string]bool{}
		var names []string
		for _, d := range r.Diagnostics {
			if d.Severity == rules.SevWarning && d.Check != "" && !checks[d.Check] {
				checks[d.Check] = true
				names = append(names, d.Check)
			}
		}
		fmt.Fprintf(w, "warnings about the model: %d", len(ws))
		if len(names) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(names, ", "))
		}
		fmt.Fprintln(w)
	}
	if times && r.Load > 0 {
		fmt.Fprintf(w, "parse: %s (preprocessing, parsing, checks; each lemma's encode, solve and replay times are under its verdict)\n", Round(r.Load))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "  lemma\tquantifier\tverdict\tsteps\tbounds"
	if times {
		head += "\ttime"
	}
	fmt.Fprintln(tw, head)
	for _, v := range r.Verdicts {
		line := fmt.Sprintf("  %s\t%s\t%s\t%s\t%s", v.Lemma.Name, v.Lemma.Quantifier, verdictWord(v), stepsColumn(v), r.shortBounds(v))
		if times {
			line += "\t" + Round(v.Time).String()
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

// partsLine shows a problem's nodes by the phase of the encoding that
// built them, largest first, as shares of the whole ("premises 61%"), the
// parts under 1% left out.
func partsLine(parts []encode.Part) string {
	total := 0
	for _, p := range parts {
		total += p.Nodes
	}
	if total == 0 {
		return ""
	}
	sorted := slices.Clone(parts)
	slices.SortStableFunc(sorted, func(a, b encode.Part) int { return b.Nodes - a.Nodes })
	var out []string
	for _, p := range sorted {
		if pct := 100 * p.Nodes / total; pct >= 1 {
			out = append(out, fmt.Sprintf("%s %d%%", p.Name, pct))
		}
	}
	return strings.Join(out, ", ")
}
