package format

import (
	"encoding/json"
	"io"

	"github.com/tracebound/tracebound/queries"
)

// Report returns the run's JSON report (schema queries.SchemaVersion,
// described by docs/schema/report.schema.json).
func (r *Run) Report() *queries.Report {
	rep := &queries.Report{Schema: queries.SchemaVersion, Model: r.Model, Defines: []string{},
		Diagnostics: queries.DiagnosticsJSON(r.Diagnostics), Shard: r.Shard, Interrupted: r.Interrupted, Verdicts: []*queries.VerdictJSON{}}
	if r.Theory != nil {
		rep.Theory = r.Theory.Name
		if r.Theory.Defines != nil {
			rep.Defines = r.Theory.Defines
		}
	}
	for _, v := range r.Verdicts {
		j := v.JSON(r.Theory, r.Options)
		if r.NoTimings {
			j.Timing = nil
		}
		rep.Verdicts = append(rep.Verdicts, j)
	}
	return rep
}

// WriteJSON writes the JSON report, indented. Object keys come in a
// fixed order (struct fields, sorted map keys); the timings are the only
// part that changes from run to run (none with Run.NoTimings).
func WriteJSON(w io.Writer, r *Run) error { return writeIndented(w, r.Report()) }

// writeIndented writes x as indented JSON, without HTML escapes.
func writeIndented(w io.Writer, x any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(x)
}
