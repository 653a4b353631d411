package format

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/tracebound/tracebound/queries"
)

// WriteReportJSON writes a JSON report as WriteJSON does (tracebound
// merge writes the merged report with it).
func WriteReportJSON(w io.Writer, rep *queries.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// WriteReportSummary writes the summary of summaries of a JSON report,
// as WriteSummary does for a run: one line per verdict with its
// verdict, steps and bounds. from says where the report came from.
func WriteReportSummary(w io.Writer, rep *queries.Report, from string) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "summary of summaries:")
	fmt.Fprintln(w)
	name := ""
	if rep.Theory != "" {
		name = " (theory " + rep.Theory + ")"
	}
	fmt.Fprintf(w, "analyzed: %s%s%s\n", rep.Model, name, from)
	if len(rep.Verdicts) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  lemma\tquantifier\tverdict\tsteps\tbounds")
	for _, v := range rep.Verdicts {
		word := v.Verdict
		switch {
		case v.Verdict == queries.Unknown.String():
			word += " (" + v.Reason + ")"
		case v.Vacuous:
			word += " (vacuous)"
		}
		steps := "-"
		if v.Trace != nil {
			steps = fmt.Sprint(len(v.Trace.Steps))
		}
		b := v.Bounds
		if v.EveryDepth != "" {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\tevery depth (abstraction)\n", v.Lemma, v.Quantifier, word, steps)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t≤%d steps, ≤%d keyed, ≤%d analysis, ≤%d construction\n", v.Lemma, v.Quantifier, word, steps,
			b.Steps, b.KeyedDeconstructions, b.AnalysisLayers, b.ConstructionLayers)
	}
	tw.Flush()
}
