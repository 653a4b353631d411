package queries

import (
	"fmt"
	"io"
	"strings"

	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// WriteTraceText writes a verdict's trace as numbered steps: the rule,
// its ground premises, actions and conclusions, and under each In premise
// how the adversary built the message.
func WriteTraceText(w io.Writer, v *Verdict) {
	if v.Trace == nil || v.Replayed == nil {
		return
	}
	tr, rep := v.Trace, v.Replayed
	facts := func(fs []*rules.Fact) string {
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = f.TraceString()
		}
		return strings.Join(parts, ", ")
	}
	kev := 0
	for i, st := range tr.Steps {
		for ; kev < len(tr.KEvents) && tr.KEvents[kev].Time < tr.Time(i); kev++ {
			if tr.KEvents[kev].InStep < 0 {
				fmt.Fprintf(w, "     adversary knows %s\n", tr.KEvents[kev].Term.TraceString())
			}
		}
		rs := rep.Steps[i]
		fmt.Fprintf(w, "  %2d. %s\n", i+1, st.Name)
		fmt.Fprintf(w, "        [ %s ]\n", facts(rs.Premises))
		if len(rs.Actions) > 0 {
			fmt.Fprintf(w, "      --[ %s ]->\n", facts(rs.Actions))
		} else {
			fmt.Fprintf(w, "      -->\n")
		}
		fmt.Fprintf(w, "        [ %s ]\n", facts(rs.Conclusions))
		for pi, p := range rs.Premises {
			if d, ok := rs.Derivations[pi]; ok && d.Rule != "received" {
				fmt.Fprintf(w, "        adversary builds %s:\n", p.Args[0].TraceString())
				writeDerivation(w, d, "          ")
			}
		}
	}
	for ; kev < len(tr.KEvents); kev++ {
		if tr.KEvents[kev].InStep < 0 {
			fmt.Fprintf(w, "     adversary knows %s\n", tr.KEvents[kev].Term.TraceString())
			if kev < len(rep.KEvents) {
				writeDerivation(w, rep.KEvents[kev], "       ")
			}
		}
	}
}

func writeDerivation(w io.Writer, d *replay.Derivation, indent string) {
	switch d.Rule {
	case "received", "public name", "fresh name":
		fmt.Fprintf(w, "%s%s (%s)\n", indent, d.Term.TraceString(), d.Rule)
		return
	}
	fmt.Fprintf(w, "%s%s (%s %s)\n", indent, d.Term.TraceString(), d.Rule, d.Symbol)
	for _, f := range d.From {
		writeDerivation(w, f, indent+"  ")
	}
}
