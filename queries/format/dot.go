package format

import (
	"fmt"
	"io"
	"strings"

	"github.com/tracebound/tracebound/queries"
)

// WriteDOT writes the dependency graph of every trace as a Graphviz
// digraph, like Tamarin's graphs: one record node per rule instance with
// its premises, its name and actions, and its conclusions; edges from
// conclusions to the premises they supply (dashed for persistent facts);
// the adversary's deductions as rounded, shaded nodes on red edges; the
// steps ranked in their order (invisible edges from each step to the
// next), the steps the lemma speaks of highlighted. A run without traces
// gives an empty graph labelled with its verdicts.
func WriteDOT(w io.Writer, r *Run) error {
	for _, l := range r.warnings() {
		fmt.Fprintf(w, "// %s\n", l)
	}
	vs := r.traced()
	if len(vs) == 0 {
		// still one graph, so that every file renders: its label says
		// what was checked
		label := "no trace to draw (" + r.Model + ")"
		for _, v := range r.Verdicts {
			label += "\n" + verdictLine(v)
		}
		fmt.Fprintf(w, "digraph \"tracebound\" {\n  label=%s;\n  labelloc=t;\n  fontname=\"DejaVu Sans Mono\";\n}\n", dotID(label))
		return nil
	}
	for i, v := range vs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeDOTGraph(w, r, v)
	}
	return nil
}

const advColor = "#b03a2e"

func writeDOTGraph(w io.Writer, r *Run, v *queries.Verdict) {
	g := newGraph(r.Theory, v)
	fmt.Fprintf(w, "digraph %s {\n", dotID(v.Lemma.Name))
	fmt.Fprintf(w, "  label=%s;\n  labelloc=t;\n  fontname=\"DejaVu Sans Mono\";\n", dotID(verdictLine(v)))
	fmt.Fprintln(w, "  nodesep=0.3;\n  ranksep=0.45;")
	fmt.Fprintln(w, "  node [shape=record, fontname=\"DejaVu Sans Mono\", fontsize=10, style=filled, fillcolor=\"#f7f7f7\"];")
	fmt.Fprintln(w, "  edge [fontname=\"DejaVu Sans Mono\", fontsize=9];")
	if len(g.p.order) > 0 {
		var b strings.Builder
		for _, l := range g.p.order {
			b.WriteString(l.Name + " = " + g.p.body(l.Term) + "\n")
		}
		fmt.Fprintf(w, "  lets [shape=note, fillcolor=\"#fffbe6\", label=%s];\n", dotLeftLines(b.String()))
	}
	for _, n := range g.nodes {
		mark := ""
		if n.Mark != "" {
			// the points the lemma speaks of
			mark = fmt.Sprintf(", fillcolor=%q, color=%q, penwidth=2", markFill, markStroke)
		}
		if n.Step >= 0 {
			fmt.Fprintf(w, "  %s [label=\"%s\"%s];\n", n.ID, recordLabel(n), mark)
			continue
		}
		if mark == "" {
			mark = fmt.Sprintf(", fillcolor=\"#fbe3e0\", color=%q", advColor)
		}
		fmt.Fprintf(w, "  %s [shape=box, style=\"rounded,filled\"%s, label=%s];\n", n.ID, mark, dotID(n.Label+"\n"+n.Term))
	}
	for _, e := range g.edges {
		from, to := e.From, e.To
		if e.FromPort != "" {
			from += ":" + e.FromPort + ":s"
		}
		if e.ToPort != "" {
			to += ":" + e.ToPort + ":n"
		}
		attrs := ""
		switch e.Kind {
		case "persistent":
			attrs = " [style=dashed, color=\"#555555\"]"
		case "adversary":
			attrs = fmt.Sprintf(" [color=%q]", advColor)
		}
		fmt.Fprintf(w, "  %s -> %s%s;\n", from, to, attrs)
	}
	// ranks in step order: invisible edges from each step to the next
	var chain []string
	for _, n := range g.nodes {
		if n.Step >= 0 {
			chain = append(chain, n.ID)
		}
	}
	if len(chain) > 1 {
		fmt.Fprintf(w, "  %s [style=invis];\n", strings.Join(chain, " -> "))
	}
	fmt.Fprintln(w, "}")
}

// recordLabel is a step's record: premises | name and actions | conclusions.
func recordLabel(n *gnode) string {
	row := func(prefix string, fs []string) string {
		parts := make([]string, len(fs))
		for i, f := range fs {
			parts[i] = fmt.Sprintf("<%s%d> %s", prefix, i, recordEscape(f))
		}
		return "{" + strings.Join(parts, "|") + "}"
	}
	var parts []string
	if len(n.Premises) > 0 {
		parts = append(parts, row("p", n.Premises))
	}
	parts = append(parts, recordEscape(n.header()))
	if len(n.Conclusions) > 0 {
		parts = append(parts, row("c", n.Conclusions))
	}
	return "{" + strings.Join(parts, "|") + "}"
}

// recordEscape escapes the characters special in record labels and in
// double-quoted strings.
func recordEscape(s string) string { return recordEscaper.Replace(s) }

var recordEscaper = strings.NewReplacer("{", `\{`, "}", `\}`, "|", `\|`, "<", `\<`, ">", `\>`, `"`, `\"`, `\`, `\\`)

// dotID quotes s as a DOT string; newlines become centred line breaks.
func dotID(s string) string { return `"` + dotCentred.Replace(s) + `"` }

var dotCentred = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// dotLeftLines quotes lines ending in newlines as left-justified lines.
func dotLeftLines(s string) string { return `"` + dotLeft.Replace(s) + `"` }

var dotLeft = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\l`)
