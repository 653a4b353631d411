package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/tracebound/tracebound/queries"
)

// The answer of tracebound reach (issue 10): its verdict, in the
// reachability's words, is the run's only verdict; text writes it as
// "reach PATTERN: reachable: …" with the fact reached, and every other
// format writes the run as for check (the question as an exists-trace
// lemma called reach, its summary in the reachability's words).

// WriteReach writes the answer to q, r's only verdict, in format name.
func WriteReach(w io.Writer, name string, r *Run, q *queries.Reach) error {
	if len(r.Verdicts) != 1 {
		return fmt.Errorf("a reach run has one verdict, not %d", len(r.Verdicts))
	}
	v := r.Verdicts[0]
	switch name {
	case "text":
		fmt.Fprintln(w, ReachLine(q, v))
		if step, f := q.Produced(v); f != nil {
			p := newPrinter(r.Theory)
			fmt.Fprintf(w, "  reached: %s at step %d\n", p.fact(f), step+1)
		}
		writeVerdictBody(w, r, v)
		writeAnswersWith(w, r, v, func(x *queries.Verdict) string {
			return fmt.Sprintf("reach %s%s: %s", q.Pattern, strings.TrimPrefix(x.Lemma.Name, "reach"), q.Summary(x))
		})
		if r.Stats {
			fmt.Fprintf(w, "  time %s: parse %s, encode %s, solve %s, replay %s\n", Round(v.Time+r.Load), Round(r.Load), Round(v.Encode), Round(v.Solve), Round(v.Replay))
		}
		return nil
	case "json":
		rep := r.Report()
		rep.Verdicts[0].Summary = q.Summary(v)
		return writeIndented(w, rep)
	}
	return Write(w, name, r)
}

// ReachLine is the answer's line: reach PATTERN: reachable: ….
func ReachLine(q *queries.Reach, v *queries.Verdict) string {
	return fmt.Sprintf("reach %s: %s", q.Pattern, q.Summary(v))
}
