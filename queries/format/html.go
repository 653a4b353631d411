package format

import (
	"bufio"
	"bytes"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

// WriteHTML writes one self-contained page (inline CSS, SVG and a few
// lines of script; nothing is fetched when it is viewed): the verdicts,
// and per trace the message sequence chart, the dependency graph and the
// text trace, whose steps link to the rules' source text below.
func WriteHTML(w io.Writer, r *Run) error {
	bw := bufio.NewWriter(w)
	theory := ""
	if r.Theory != nil {
		theory = r.Theory.Name
	}
	title := fmt.Sprintf("tracebound: %s (%s)", theory, r.Model)
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", html.EscapeString(title), htmlCSS)
	fmt.Fprintf(bw, "<header>\n<h1>theory %s</h1>\n<p class=\"model\">model <code>%s</code> &middot; bounds: %s</p>\n</header>\n",
		html.EscapeString(theory), html.EscapeString(r.Model), html.EscapeString(r.longBounds()))

	// the verdicts
	if ws := r.warnings(); len(ws) > 0 {
		fmt.Fprintln(bw, "<section id=\"warnings\">\n<h2>Warnings about the model</h2>\n<ul class=\"warnings\">")
		for _, l := range ws {
			fmt.Fprintf(bw, "<li><code>%s</code></li>\n", html.EscapeString(l))
		}
		fmt.Fprintln(bw, "</ul>\n</section>")
	}
	fmt.Fprintln(bw, "<section id=\"verdicts\">\n<h2>Verdicts</h2>\n<table class=\"verdicts\">")
	head := "<tr><th>lemma</th><th>quantifier</th><th>verdict</th><th>steps</th><th>bounds</th>"
	if r.Stats {
		head += "<th>time</th>"
	}
	fmt.Fprintln(bw, head+"</tr>")
	for _, v := range r.Verdicts {
		name := html.EscapeString(v.Lemma.Name)
		if v.Trace != nil && v.Replayed != nil {
			name = fmt.Sprintf("<a href=\"#%s\">%s</a>", lemmaID(v), name)
		}
		ok := "bad"
		switch {
		case v.Kind.Success():
			ok = "good"
		case v.Kind == queries.Unknown:
			ok = "unknown"
		}
		fmt.Fprintf(bw, "<tr class=\"verdict %s\" data-lemma=\"%s\"><td>%s</td><td>%s</td><td class=\"kind\">%s</td><td class=\"num\">%s</td><td>%s</td>",
			ok, html.EscapeString(v.Lemma.Name), name, v.Lemma.Quantifier, html.EscapeString(verdictWord(v)), stepsColumn(v), html.EscapeString(r.shortBounds(v)))
		if r.Stats {
			fmt.Fprintf(bw, "<td class=\"num\">%s</td>", Round(v.Time))
		}
		fmt.Fprintln(bw, "</tr>")
	}
	fmt.Fprintln(bw, "</table>\n</section>")

	// the traces
	ruleIDs := map[*rules.Rule]string{}
	if r.Theory != nil {
		for i, rl := range r.Theory.Rules {
			ruleIDs[rl] = fmt.Sprintf("rule-%d", i+1)
		}
	}
	used := map[*rules.Rule]bool{}
	for _, v := range r.traced() {
		id := lemmaID(v)
		fmt.Fprintf(bw, "<section class=\"lemma\" id=\"%s\">\n<h2>%s</h2>\n", id, html.EscapeString(verdictLine(v)))
		if v.Lemma.Formula != nil {
			fmt.Fprintf(bw, "<p class=\"formula\">lemma <code>%s</code></p>\n", html.EscapeString(rules.FormulaString(v.Lemma.Formula)))
		}
		fmt.Fprintln(bw, "<details open class=\"chart\"><summary>Message sequence chart</summary>\n<div class=\"scroll\">")
		writeSVGCharts(bw, []*chart{newChart(r.Theory, v, r.Lifelines)}, nil, false)
		fmt.Fprintln(bw, "</div></details>")
		fmt.Fprintln(bw, "<details open class=\"graph\"><summary>Dependency graph</summary>\n<div class=\"scroll\">")
		newGraph(r.Theory, v).writeGraphSVG(bw, id+"-g")
		fmt.Fprintln(bw, "</div></details>")
		fmt.Fprintln(bw, "<details open class=\"text\"><summary>Trace</summary>")
		var tb bytes.Buffer
		WriteTrace(&tb, r.Theory, v)
		fmt.Fprintf(bw, "<pre class=\"trace\">%s</pre>\n</details>\n</section>\n", linkSteps(tb.String(), id, v, ruleIDs))
		for _, st := range v.Trace.Steps {
			used[st.Rule] = true
		}
	}

	// the rules the traces use, with their source text
	if r.Theory != nil && len(used) > 0 {
		fmt.Fprintln(bw, "<section id=\"rules\">\n<h2>Rules</h2>")
		for _, rl := range r.Theory.Rules {
			if !used[rl] {
				continue
			}
			pos := rulePos(r.Theory, rl)
			where := ""
			if pos.IsValid() {
				where = fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
			}
			fmt.Fprintf(bw, "<div class=\"rule\" id=\"%s\">\n<h3>%s <span class=\"pos\">%s</span></h3>\n", ruleIDs[rl], html.EscapeString(rl.Name), html.EscapeString(where))
			src := ruleSource(r.Theory, rl)
			if src == "" {
				src = "(source not available)"
			}
			fmt.Fprintln(bw, "<pre class=\"source\">")
			for i, line := range strings.Split(strings.TrimRight(src, "\n"), "\n") {
				n := ""
				if pos.IsValid() {
					n = fmt.Sprintf("%4d  ", pos.Line+i)
				}
				fmt.Fprintf(bw, "<span class=\"ln\">%s</span>%s\n", n, html.EscapeString(line))
			}
			fmt.Fprintln(bw, "</pre>\n</div>")
		}
		fmt.Fprintln(bw, "</section>")
	}
	fmt.Fprintf(bw, "<footer>written by tracebound check; every trace was replayed by an independent checker.</footer>\n<script>\n%s</script>\n</body>\n</html>\n", htmlJS)
	return bw.Flush()
}

// longBounds names the bounds in words.
func (r *Run) longBounds() string {
	s, d, a, c := r.bounds()
	steps := fmt.Sprintf("≤ %d protocol steps", s)
	if r.Options.Depth == 0 {
		steps = fmt.Sprintf("protocol steps: the depth each lemma reached in %s", r.Options.Budget())
	}
	return fmt.Sprintf("%s, ≤ %d keyed deconstructions, ≤ %d analysis layers, ≤ %d construction layers", steps, d, a, c)
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

func lemmaID(v *queries.Verdict) string {
	return "lemma-" + idUnsafe.ReplaceAllString(v.Lemma.Name, "_")
}

var stepLine = regexp.MustCompile(`^(\s+)(\d+)\. (\S+)(  \((.*)\))?$`)

// linkSteps escapes a text trace for <pre> and turns each step's line
// into an anchor with links to its rule's source.
func linkSteps(text, id string, v *queries.Verdict, ruleIDs map[*rules.Rule]string) string {
	var b strings.Builder
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for _, line := range lines {
		m := stepLine.FindStringSubmatch(line)
		if m == nil {
			b.WriteString(html.EscapeString(line) + "\n")
			continue
		}
		var n int
		fmt.Sscanf(m[2], "%d", &n)
		href := ""
		if n >= 1 && n <= len(v.Trace.Steps) {
			href = ruleIDs[v.Trace.Steps[n-1].Rule]
		}
		if href == "" {
			b.WriteString(html.EscapeString(line) + "\n")
			continue
		}
		fmt.Fprintf(&b, "<span class=\"step\" id=\"%s-step-%d\">%s%s. <a class=\"rule\" href=\"#%s\">%s</a>", id, n, m[1], m[2], href, html.EscapeString(m[3]))
		if m[4] != "" {
			fmt.Fprintf(&b, "  (<a class=\"pos\" href=\"#%s\">%s</a>)", href, html.EscapeString(m[5]))
		}
		b.WriteString("</span>\n")
	}
	return b.String()
}

const htmlCSS = `body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 1.5em 2em; color: #1b1b1b; }
h1 { font-size: 1.5em; margin: 1em 0 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1em; margin: 1em 0 0.3em; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
.model { color: #555; margin-top: 0; }
table.verdicts { border-collapse: collapse; }
table.verdicts th, table.verdicts td { text-align: left; padding: 0.25em 0.8em; border-bottom: 1px solid #e4e4e4; }
table.verdicts td.num { text-align: right; }
tr.good td.kind { color: #1d7a35; font-weight: bold; }
tr.bad td.kind { color: #b03a2e; font-weight: bold; }
tr.unknown td.kind { color: #8a6d00; font-weight: bold; }
details { margin: 0.8em 0; }
summary { cursor: pointer; font-weight: bold; }
.scroll { overflow-x: auto; border: 1px solid #e4e4e4; margin-top: 0.4em; }
pre.trace, pre.source { background: #fafafa; border: 1px solid #e4e4e4; padding: 0.6em; overflow-x: auto; }
pre .step { font-weight: bold; }
pre a { color: #1f4e8c; }
.step:target, .rule:target { background: #fff3c4; }
.ln { color: #999; user-select: none; }
.pos { color: #666; font-weight: normal; font-size: 0.9em; }
svg .note.step { cursor: pointer; }
footer { margin-top: 2em; color: #777; font-size: 0.85em; }
`

const htmlJS = `// a click on a step in a chart or graph shows the step in the trace
document.querySelectorAll("section.lemma").forEach(function (sec) {
  sec.querySelectorAll("[data-step]").forEach(function (el) {
    el.addEventListener("click", function () {
      var t = document.getElementById(sec.id + "-step-" + el.getAttribute("data-step"));
      if (t) { location.hash = t.id; }
    });
  });
});
`
