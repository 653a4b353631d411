package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/format"
)

func newMergeCmd() *cobra.Command {
	var output, junit, formatName string
	var noTimings bool
	cmd := &cobra.Command{
		Use:   "merge REPORT.json...",
		Short: "Combine the JSON reports of check --shard runs into one summary, report and JUnit file",
		Long: `merge reads the JSON reports of the shards of one check (tracebound check
--shard I/N -f json -o shard-I.json), checks that they are of one model and
form a complete set, and writes the summary of all lemmas (standard output),
the merged JSON report (-o FILE, or -f json) and JUnit XML (--junit FILE).
A missing shard's lemmas are unknown, and merge exits with status 2.

Exit status: as check's for the merged verdicts (0, 1, 3, 4; 2 for a model
error in the reports or an incomplete or inconsistent set of reports).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := format.Choose(formatName, cmd.Flags().Changed("format"), output)
			if err != nil {
				return usageError("%v", err)
			}
			if name != "text" && name != "json" {
				return usageError("merge writes text or json, not %s", name)
			}
			var reps []*queries.Report
			for _, a := range args {
				rep, err := readReport(a)
				if err != nil {
					return usageError("%v", err)
				}
				reps = append(reps, rep)
			}
			merged, problems, err := mergeReports(reps)
			if err != nil {
				return usageError("%v", err)
			}
			if noTimings {
				for _, v := range merged.Verdicts {
					v.Timing = nil
				}
			}
			stdout := cmd.OutOrStdout()
			for _, p := range problems {
				fmt.Fprintln(cmd.ErrOrStderr(), "tracebound: merge:", p)
			}
			from := fmt.Sprintf(", merged from %d reports", len(reps))
			switch {
			case name == "json" && output == "":
				if err := format.WriteReportJSON(stdout, merged); err != nil {
					return err
				}
			case name == "json":
				if err := writeFile(output, func(w io.Writer) error { return format.WriteReportJSON(w, merged) }); err != nil {
					return usageError("-o: %v", err)
				}
				format.WriteReportSummary(stdout, merged, from)
			default:
				format.WriteReportSummary(stdout, merged, from)
			}
			if junit != "" {
				bounds := ""
				if len(merged.Verdicts) > 0 {
					bounds = merged.Verdicts[0].Bounds.Text
				}
				if err := writeFile(junit, func(w io.Writer) error { return format.WriteJUnitReport(w, merged, bounds) }); err != nil {
					return usageError("--junit: %v", err)
				}
			}
			code := reportStatus(merged)
			if len(problems) > 0 {
				code = exitUsage
			}
			if code != exitOK {
				return &exitError{code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&formatName, "format", "f", "text", "text (the summary) or json (the merged report)")
	f.StringVarP(&output, "output", "o", "", "write the merged report here (the extension decides the format)")
	f.StringVar(&junit, "junit", "", "also write JUnit XML to this file")
	f.BoolVar(&noTimings, "no-timings", false, "leave timings out of the merged JSON and JUnit")
	return cmd
}

func readReport(path string) (*queries.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep queries.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("%s: not a JSON report: %v", path, err)
	}
	if rep.Schema != queries.SchemaVersion {
		return nil, fmt.Errorf("%s: schema %q, want %q", path, rep.Schema, queries.SchemaVersion)
	}
	return &rep, nil
}

// mergeReports combines the reports of one model. Reports of other
// models, or of different shardings, are an error; missing shards are
// problems, their lemmas unknown verdicts.
func mergeReports(reps []*queries.Report) (*queries.Report, []string, error) {
	first := reps[0]
	merged := &queries.Report{Schema: queries.SchemaVersion, Model: first.Model, Theory: first.Theory, Defines: first.Defines,
		Diagnostics: first.Diagnostics, Verdicts: []*queries.VerdictJSON{}}
	if merged.Diagnostics == nil {
		merged.Diagnostics = []*queries.DiagnosticJSON{}
	}
	var problems []string
	seen := map[string]bool{}
	shards := map[int]bool{}
	var assign []*queries.ShardLemmaJSON
	count := 0
	var interrupted []string
	for _, r := range reps {
		if r.Model != first.Model || r.Theory != first.Theory || strings.Join(r.Defines, ",") != strings.Join(first.Defines, ",") {
			return nil, nil, fmt.Errorf("the reports are of different models: %s (theory %s) and %s (theory %s)", first.Model, first.Theory, r.Model, r.Theory)
		}
		if (r.Shard == nil) != (first.Shard == nil) {
			return nil, nil, fmt.Errorf("some reports are of shards and some are not")
		}
		if r.Shard != nil {
			if count != 0 && r.Shard.Count != count {
				return nil, nil, fmt.Errorf("the reports are of different shardings: %d and %d shards", count, r.Shard.Count)
			}
			count = r.Shard.Count
			if shards[r.Shard.Index] {
				return nil, nil, fmt.Errorf("two reports of shard %d/%d", r.Shard.Index, count)
			}
			shards[r.Shard.Index] = true
			if assign == nil {
				assign = r.Shard.Lemmas
			} else if !sameAssignment(assign, r.Shard.Lemmas) {
				return nil, nil, fmt.Errorf("shard %d/%d checked a different selection of lemmas (give every shard the same --lemma and model)", r.Shard.Index, count)
			}
		}
		if r.Interrupted != "" {
			interrupted = append(interrupted, r.Interrupted)
		}
		for _, v := range r.Verdicts {
			if seen[v.Lemma] {
				return nil, nil, fmt.Errorf("lemma %s is in two reports", v.Lemma)
			}
			seen[v.Lemma] = true
			merged.Verdicts = append(merged.Verdicts, v)
		}
	}
	if len(interrupted) > 0 {
		merged.Interrupted = strings.Join(interrupted, ", ")
	}
	for i := 1; i <= count; i++ {
		if shards[i] {
			continue
		}
		reason := fmt.Sprintf("the report of shard %d/%d is missing", i, count)
		problems = append(problems, reason)
		for _, l := range assign {
			if l.Shard == i {
				merged.Verdicts = append(merged.Verdicts, &queries.VerdictJSON{Lemma: l.Lemma, Quantifier: l.Quantifier, Index: l.Index,
					Verdict: queries.Unknown.String(), Reason: reason, Summary: "unknown: " + reason})
			}
		}
	}
	sort.SliceStable(merged.Verdicts, func(a, b int) bool { return merged.Verdicts[a].Index < merged.Verdicts[b].Index })
	return merged, problems, nil
}

func sameAssignment(a, b []*queries.ShardLemmaJSON) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if *a[i] != *b[i] {
			return false
		}
	}
	return true
}

// reportStatus is check's exit status for a report's verdicts.
func reportStatus(rep *queries.Report) int {
	for _, d := range rep.Diagnostics {
		if d.Severity == "error" {
			return exitUsage
		}
	}
	code := exitOK
	for _, v := range rep.Verdicts {
		s := exitOK
		switch {
		case v.Internal:
			s = exitInternal
		case v.Verdict == queries.Falsified.String() || v.Verdict == queries.NoWitnessUpToBound.String():
			s = exitFailed
		case v.Verdict == queries.Unknown.String():
			s = exitUnknown
		}
		code = worse(code, s)
	}
	return code
}
