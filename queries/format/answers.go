package format

import (
	"fmt"
	"io"

	"github.com/tracebound/tracebound/queries"
)

// What Checker.Answer adds to a verdict (issue 10), in the text format:
// the notes of the static analysis and what blocks a witness, under the
// verdict's line; the further witnesses and the witness without the
// blocking restrictions after its trace, each as a verdict of its own
// (the lemma's name with "(witness 2)" or "(without R)").

// writeNotes writes a verdict's notes and what blocks a witness.
func writeNotes(w io.Writer, v *queries.Verdict) {
	for _, n := range v.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if b := v.Blocking; b != nil {
		line := b.Text()
		if b.Witness == nil && len(b.Restrictions) > 0 {
			line += " (--explain shows it)"
		}
		fmt.Fprintf(w, "  %s\n", line)
	}
	if len(v.Witnesses) > 0 && v.Trace != nil {
		fmt.Fprintf(w, "  rules used: %s (witness 1 of %d that differ in the rules they use)\n", queries.RulesUsed(v.Trace), len(v.Witnesses)+1)
	}
}

// writeAnswers writes the further witnesses of a verdict and the
// witness without the blocking restrictions, each under its line.
func writeAnswers(w io.Writer, r *Run, v *queries.Verdict) {
	writeAnswersWith(w, r, v, verdictLine)
}

func writeAnswersWith(w io.Writer, r *Run, v *queries.Verdict, lineOf func(*queries.Verdict) string) {
	for i, x := range v.Witnesses {
		fmt.Fprintln(w, lineOf(x))
		writeMeasure(w, x)
		fmt.Fprintf(w, "  rules used: %s (witness %d of %d)\n", queries.RulesUsed(x.Trace), i+2, len(v.Witnesses)+1)
		writeNotes(w, x)
		WriteTrace(w, r.Theory, x)
	}
	if b := v.Blocking; b != nil && b.Witness != nil {
		fmt.Fprintln(w, lineOf(b.Witness))
		writeVerdictBody(w, r, b.Witness)
	}
}

// answerTraces returns the verdicts with traces that v holds besides its
// own: its further witnesses and the witness without the blocking
// restrictions.
func answerTraces(v *queries.Verdict) []*queries.Verdict {
	out := append([]*queries.Verdict{}, v.Witnesses...)
	if b := v.Blocking; b != nil && b.Witness != nil {
		out = append(out, b.Witness)
	}
	return out
}
