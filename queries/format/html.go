package format

import (
	"bufio"
	"bytes"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

// The page is an html/template: it escapes every string from the model
// (rule names, terms, source text) by its context. The SVG pictures are
// written by this package (svg.go, graphsvg.go), which escapes their text
// itself, and enter the template as template.HTML.

type htmlPage struct {
	Title, Theory, Model, Bounds string
	Stats                        bool
	Warnings                     []string
	Verdicts                     []htmlVerdict
	Traces                       []htmlTrace
	Rules                        []htmlRule
	CSS                          template.CSS
	JS                           template.JS
}

type htmlVerdict struct {
	Lemma, Anchor, Class, Quantifier, Verdict, Steps, Bounds, Time string
}

type htmlTrace struct {
	ID, Heading, Formula, Bindings string
	Chart, Graph                   template.HTML
	Lines                          []htmlLine
}

// htmlLine is a line of the text trace; a step's line links to its rule.
type htmlLine struct {
	Text                            string // any other line
	Step                            int
	Indent, Rule, RuleID, Pos, Mark string
}

type htmlRule struct {
	ID, Name, Where string
	Lines           []htmlSource
}

type htmlSource struct{ N, Text string }

// pageTemplate is parsed at the first HTML report, not at start: parsing
// it cost 0.4 ms of every process (GODEBUG=inittrace=1), most of which
// never write HTML.
var pageTemplate = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageSource)) })

const pageSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
{{.CSS}}</style>
</head>
<body>
<header>
<h1>theory {{.Theory}}</h1>
<p class="model">model <code>{{.Model}}</code> &middot; bounds: {{.Bounds}}</p>
</header>
{{if .Warnings}}<section id="warnings">
<h2>Warnings about the model</h2>
<ul class="warnings">
{{range .Warnings}}<li><code>{{.}}</code></li>
{{end}}</ul>
</section>
{{end}}<section id="verdicts">
<h2>Verdicts</h2>
<table class="verdicts">
<tr><th>lemma</th><th>quantifier</th><th>verdict</th><th>steps</th><th>bounds</th>{{if .Stats}}<th>time</th>{{end}}</tr>
{{range .Verdicts}}<tr class="verdict {{.Class}}" data-lemma="{{.Lemma}}"><td>{{if .Anchor}}<a href="#{{.Anchor}}">{{.Lemma}}</a>{{else}}{{.Lemma}}{{end}}</td><td>{{.Quantifier}}</td><td class="kind">{{.Verdict}}</td><td class="num">{{.Steps}}</td><td>{{.Bounds}}</td>{{if $.Stats}}<td class="num">{{.Time}}</td>{{end}}</tr>
{{end}}</table>
</section>
{{range .Traces}}<section class="lemma" id="{{.ID}}">
<h2>{{.Heading}}</h2>
{{if .Formula}}<p class="formula">lemma <code>{{.Formula}}</code></p>
{{end}}{{if .Bindings}}<p class="bindings">bindings <code>{{.Bindings}}</code></p>
{{end}}<details open class="chart"><summary>Message sequence chart</summary>
<button type="button" class="zoom">actual size</button>
<div class="fit">
{{.Chart}}</div></details>
<details open class="graph"><summary>Dependency graph</summary>
<button type="button" class="zoom">actual size</button>
<div class="fit">
{{.Graph}}</div></details>
<details open class="text"><summary>Trace</summary>
{{$id := .ID}}<pre class="trace">{{range .Lines}}{{if .Step}}<span class="step{{if .Mark}} lemma{{end}}" id="{{$id}}-step-{{.Step}}">{{.Indent}}{{.Step}}. <a class="rule" href="#{{.RuleID}}">{{.Rule}}</a>{{if .Pos}}  (<a class="pos" href="#{{.RuleID}}">{{.Pos}}</a>){{end}}{{if .Mark}}  <span class="mark">{{.Mark}}</span>{{end}}</span>
{{else}}{{.Text}}
{{end}}{{end}}</pre>
</details>
</section>
{{end}}{{if .Rules}}<section id="rules">
<h2>Rules</h2>
{{range .Rules}}<div class="rule" id="{{.ID}}">
<h3>{{.Name}} <span class="pos">{{.Where}}</span></h3>
<pre class="source">
{{range .Lines}}<span class="ln">{{.N}}</span>{{.Text}}
{{end}}</pre>
</div>
{{end}}</section>
{{end}}<footer>written by tracebound check; every trace was replayed by an independent checker.</footer>
<script>
{{.JS}}</script>
</body>
</html>
`

// WriteHTML writes one self-contained page (inline CSS, SVG and a few
// lines of script; nothing is fetched when it is viewed): the verdicts,
// and per trace (attacks first) the lemma's bindings, the message
// sequence chart, the dependency graph and the text trace, whose steps
// link to the rules' source text below. The pictures are scaled to the
// page's width; a button shows one at its actual size, to scroll.
func WriteHTML(w io.Writer, r *Run) error {
	theory := ""
	if r.Theory != nil {
		theory = r.Theory.Name
	}
	page := &htmlPage{Title: fmt.Sprintf("tracebound: %s (%s)", theory, r.Model), Theory: theory, Model: r.Model,
		Bounds: r.longBounds(), Stats: r.Stats, Warnings: r.warnings(), CSS: template.CSS(htmlCSS), JS: template.JS(htmlJS)}
	for _, v := range r.Verdicts {
		hv := htmlVerdict{Lemma: v.Lemma.Name, Quantifier: v.Lemma.Quantifier.String(), Verdict: verdictWord(v),
			Steps: stepsColumn(v), Bounds: r.shortBounds(v), Class: "bad"}
		if v.Trace != nil && v.Replayed != nil {
			hv.Anchor = lemmaID(v)
		}
		switch {
		case v.Kind.Success():
			hv.Class = "good"
		case v.Kind == queries.Unknown:
			hv.Class = "unknown"
		}
		if r.Stats {
			hv.Time = Round(v.Time).String()
		}
		page.Verdicts = append(page.Verdicts, hv)
	}
	ruleIDs := map[*rules.Rule]string{}
	if r.Theory != nil {
		for i, rl := range r.Theory.Rules {
			ruleIDs[rl] = fmt.Sprintf("rule-%d", i+1)
		}
	}
	used := map[*rules.Rule]bool{}
	for _, v := range r.traced() {
		id := lemmaID(v)
		ht := htmlTrace{ID: id, Heading: verdictLine(v), Bindings: bindingsText(newPrinter(r.Theory).withLets(v.Trace, v.Replayed), v)}
		if v.Lemma.Formula != nil {
			ht.Formula = rules.FormulaString(v.Lemma.Formula)
		}
		var chartSVG, graph, text bytes.Buffer
		writeSVGCharts(&chartSVG, []*chart{newChart(r.Theory, v, r.Lifelines)}, nil, false)
		newGraph(r.Theory, v).writeGraphSVG(&graph, id+"-g")
		ht.Chart, ht.Graph = template.HTML(chartSVG.String()), template.HTML(graph.String())
		WriteTrace(&text, r.Theory, v)
		ht.Lines = traceLines(text.String(), v, ruleIDs)
		page.Traces = append(page.Traces, ht)
		for _, st := range v.Trace.Steps {
			used[st.Rule] = true
		}
	}
	// the rules the traces use, with their source text
	if r.Theory != nil {
		for _, rl := range r.Theory.Rules {
			if !used[rl] {
				continue
			}
			pos := rulePos(r.Theory, rl)
			hr := htmlRule{ID: ruleIDs[rl], Name: rl.Name}
			if pos.IsValid() {
				hr.Where = fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
			}
			src := ruleSource(r.Theory, rl)
			if src == "" {
				src = "(source not available)"
			}
			for i, line := range strings.Split(strings.TrimRight(src, "\n"), "\n") {
				n := ""
				if pos.IsValid() {
					n = fmt.Sprintf("%4d  ", pos.Line+i)
				}
				hr.Lines = append(hr.Lines, htmlSource{N: n, Text: line})
			}
			page.Rules = append(page.Rules, hr)
		}
	}
	bw := bufio.NewWriter(w)
	if err := pageTemplate().Execute(bw, page); err != nil {
		return err
	}
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

// stepLine is a step's line in the text trace: indent, number, rule,
// source position, the lemma's marks.
var stepLine = regexp.MustCompile(`^(\s+)(\d+)\. (\S+)(  \(([^)]*)\))?(  (#.*))?$`)

// traceLines splits a text trace into the page's lines, a step's line
// with links to its rule's source.
func traceLines(text string, v *queries.Verdict, ruleIDs map[*rules.Rule]string) []htmlLine {
	var out []htmlLine
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		m := stepLine.FindStringSubmatch(line)
		var n int
		if m != nil {
			fmt.Sscanf(m[2], "%d", &n)
		}
		if n < 1 || n > len(v.Trace.Steps) || ruleIDs[v.Trace.Steps[n-1].Rule] == "" {
			out = append(out, htmlLine{Text: line})
			continue
		}
		out = append(out, htmlLine{Step: n, Indent: m[1], Rule: m[3], RuleID: ruleIDs[v.Trace.Steps[n-1].Rule], Pos: m[5], Mark: m[7]})
	}
	return out
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
p.bindings code { background: #fff3c4; border: 1px solid #d98b00; padding: 0.1em 0.4em; }
details { margin: 0.8em 0; position: relative; }
summary { cursor: pointer; font-weight: bold; }
button.zoom { position: absolute; right: 0; top: 0; font-size: 0.8em; }
.fit { border: 1px solid #e4e4e4; margin-top: 0.4em; overflow: auto; }
.fit svg { display: block; max-width: 100%; height: auto; }
.fit.actual svg { max-width: none; }
pre.trace, pre.source { background: #fafafa; border: 1px solid #e4e4e4; padding: 0.6em; overflow-x: auto; }
pre .step { font-weight: bold; }
pre .step.lemma, pre .mark { background: #fff3c4; }
pre a { color: #1f4e8c; }
.step:target, .rule:target { background: #ffe08a; }
.ln { color: #999; user-select: none; }
.pos { color: #666; font-weight: normal; font-size: 0.9em; }
svg [data-step] { cursor: pointer; }
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
// pictures fit the page; a button shows one at its actual size
document.querySelectorAll("button.zoom").forEach(function (b) {
  b.addEventListener("click", function () {
    var actual = b.parentNode.querySelector(".fit").classList.toggle("actual");
    b.textContent = actual ? "fit to page" : "actual size";
  });
});
`
