// Package format writes the results of a check run for people and tools:
// plain text with named lets, the versioned JSON report, the dependency
// graph as Graphviz DOT, a message sequence chart as Mermaid text or SVG,
// one self-contained HTML page, and JUnit XML for CI dashboards.
//
// Every format is deterministic: the same verdicts give the same bytes.
// Timings appear only in JSON and JUnit (for tools; not with
// Run.NoTimings), and in the human formats only when Run.Stats is set.
package format

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// Run is one check run: the model, the options it was checked with and
// its verdicts in the order of the lemmas.
type Run struct {
	// Model is the model's path as given on the command line.
	Model  string
	Theory *rules.Theory
	// Load is the time taken to read, preprocess, parse and check the
	// model (0: not measured).
	Load     time.Duration
	Options  queries.Options
	Verdicts []*queries.Verdict
	// Stats adds timings to the human formats (text, HTML).
	Stats bool
	// Lifelines override the message sequence chart's heuristic.
	Lifelines []Lifeline
	// Diagnostics are the model's errors and warnings, for the formats
	// CI reads (JSON, JUnit); a model with errors has no verdicts.
	Diagnostics rules.Diagnostics
	// NoTimings leaves the timings out of JSON and JUnit, so that they
	// are the same bytes on every run.
	NoTimings bool
	// Shard is set when the run checked one shard of the lemmas.
	Shard *queries.ShardJSON
	// Interrupted names the signal that stopped the run, if one did.
	Interrupted string
}

// Names lists the formats of --format.
var Names = []string{"text", "json", "dot", "msc", "svg", "html"}

// warnings returns the model's warnings, one line each as standard
// error shows them (file:line:column: warning: message [check]); the
// drawing formats carry them as comments, HTML as a list.
func (r *Run) warnings() []string {
	var out []string
	for _, d := range r.Diagnostics {
		if d.Severity == rules.SevWarning {
			out = append(out, d.Error())
		}
	}
	return out
}

// traced returns the verdicts that carry a replayed trace: the attacks
// (falsified lemmas) first, then the witnesses, each in the lemmas'
// order (a lemma's further witnesses, and its witness without the
// restrictions that block it, after its own).
func (r *Run) traced() []*queries.Verdict {
	var attacks, witnesses []*queries.Verdict
	for _, v := range r.Verdicts {
		switch {
		case v.Trace == nil || v.Replayed == nil:
		case v.Kind == queries.Falsified:
			attacks = append(attacks, v)
		default:
			witnesses = append(witnesses, v)
		}
		witnesses = append(witnesses, answerTraces(v)...)
	}
	return append(attacks, witnesses...)
}

// LetThreshold is the least size (number of symbols, names and constants)
// of a subterm that gets a name when it occurs at least twice in a trace.
const LetThreshold = 6

// printer prints the ground terms and facts of one trace in Tamarin
// syntax: fresh names ~na, public names that the model does not write as
// constants $A (as Tamarin shows instantiated public variables), public
// constants 'c'; with lets, big subterms that repeat print as their name.
type printer struct {
	th      *rules.Theory
	literal map[string]bool // public constants written in the model
	lets    map[string]string
	order   []*let
}

type let struct {
	Name string
	Term *rules.Term
}

func newPrinter(th *rules.Theory) *printer {
	lit := map[string]bool{}
	if th != nil {
		lit, _ = queries.Constants(th)
	}
	return &printer{th: th, literal: lit}
}

// withLets returns a printer for one trace that names the subterms of
// size ≥ LetThreshold that occur at least twice (see computeLets and
// nameLets).
func (p *printer) withLets(tr *rules.Trace, rep *replay.Result) *printer {
	q := &printer{th: p.th, literal: p.literal, lets: map[string]string{}}
	q.order = computeLets(traceTerms(tr, rep))
	nameLets(p.th, tr, rep, q.order)
	for _, l := range q.order {
		q.lets[l.Term.String()] = l.Name
	}
	return q
}

// traceTerms lists the fact arguments of a trace in print order: per step
// its premises, actions and conclusions, then the knowledge events.
func traceTerms(tr *rules.Trace, rep *replay.Result) []*rules.Term {
	var out []*rules.Term
	kev := 0
	events := func(before int64) {
		for ; kev < len(tr.KEvents) && tr.KEvents[kev].Time < before; kev++ {
			if tr.KEvents[kev].InStep < 0 {
				out = append(out, tr.KEvents[kev].Term)
				if kev < len(rep.KEvents) {
					out = derivationTerms(out, rep.KEvents[kev], map[string]bool{})
				}
			}
		}
	}
	for i, st := range rep.Steps {
		events(tr.Time(i))
		for _, fs := range [][]*rules.Fact{st.Premises, st.Actions, st.Conclusions} {
			for _, f := range fs {
				out = append(out, f.Args...)
			}
		}
		for pi := range st.Premises {
			if d, ok := st.Derivations[pi]; ok && d.Rule != "received" {
				out = derivationTerms(out, d, map[string]bool{})
			}
		}
	}
	events(1 << 62)
	return out
}

// derivationTerms appends the terms a derivation tree prints: each
// deduction once.
func derivationTerms(out []*rules.Term, d *replay.Derivation, seen map[string]bool) []*rules.Term {
	out = append(out, d.Term)
	if d.Rule != "construct" && d.Rule != "deconstruct" {
		return out
	}
	k := d.Term.String()
	if seen[k] {
		return out
	}
	seen[k] = true
	for _, f := range d.From {
		out = derivationTerms(out, f, seen)
	}
	return out
}

func size(t *rules.Term) int {
	n := 1
	for _, a := range t.Args {
		n += size(a)
	}
	return n
}

func isPair(t *rules.Term) bool {
	return t.Kind == rules.TApp && t.Name == rules.FunPair && len(t.Args) == 2
}

// computeLets chooses the named subterms of terms: repeatedly the largest
// subterm of size ≥ LetThreshold that occurs at least twice, counting
// occurrences in the terms and in the bodies of the names chosen so far
// but not inside named subterms (ties go to the earlier occurrence). The
// rest of a tuple (the pair <b, c> in <a, b, c>) is never named: tuples
// print flat. The lets are listed in a post-order walk of the terms, so
// that a let's body only refers to earlier lets; nameLets names them.
func computeLets(terms []*rules.Term) []*let {
	named := map[string]*rules.Term{}
	for {
		count := map[string]int{}
		first := map[string]int{}
		byKey := map[string]*rules.Term{}
		seq := 0
		var walk func(t *rules.Term, top, tail bool)
		walk = func(t *rules.Term, top, tail bool) {
			k := t.String()
			if _, ok := named[k]; ok && !top {
				return
			}
			if !top && !(tail && isPair(t)) {
				count[k]++
				if _, ok := first[k]; !ok {
					first[k] = seq
					byKey[k] = t
				}
				seq++
			}
			for i, a := range t.Args {
				walk(a, false, isPair(t) && i == 1)
			}
		}
		for _, t := range terms {
			walk(t, false, false)
		}
		for _, t := range sortedTerms(named) {
			walk(t, true, false)
		}
		best := ""
		for k, n := range count {
			t := byKey[k]
			if n < 2 || size(t) < LetThreshold {
				continue
			}
			if best == "" || size(t) > size(byKey[best]) || size(t) == size(byKey[best]) && first[k] < first[best] {
				best = k
			}
		}
		if best == "" {
			break
		}
		named[best] = byKey[best]
	}
	// list in post-order of first occurrence
	var out []*let
	done := map[string]bool{}
	var visit func(t *rules.Term)
	visit = func(t *rules.Term) {
		k := t.String()
		if done[k] {
			return
		}
		for _, a := range t.Args {
			visit(a)
		}
		if _, ok := named[k]; ok {
			done[k] = true
			out = append(out, &let{Term: t})
		}
	}
	for _, t := range terms {
		visit(t)
	}
	return out
}

// nameLets names the lets of a trace (docs/formats.md, "Lets"): a message
// that is exactly a let-bound term of a rule that sends it (else of one
// that receives it) takes the model's name for it (m2 in NSPK's
// Resp_recv_1_send_2); any other message takes the name m<n>, n its
// position among the messages its run sends and receives (the run that
// sends it, else the one that receives it; a run is a thread of steps
// linked by state facts, see threads); a subterm that is no message is
// t1, t2, …. Lets with the same name get #2, #3, … in the order they
// are listed.
func nameLets(th *rules.Theory, tr *rules.Trace, rep *replay.Result, lets []*let) {
	if len(lets) == 0 {
		return
	}
	root, _ := threads(tr, rep)
	// the messages of each run, in order
	runMsgs := map[int][]string{}
	for i, st := range rep.Steps {
		for _, fs := range [][]*rules.Fact{st.Premises, st.Conclusions} {
			for _, f := range fs {
				if (f.Name == rules.FactIn || f.Name == rules.FactOut) && len(f.Args) == 1 {
					k := f.Args[0].String()
					if !slices.Contains(runMsgs[root[i]], k) {
						runMsgs[root[i]] = append(runMsgs[root[i]], k)
					}
				}
			}
		}
	}
	used := map[string]bool{}
	others := 0
	for _, l := range lets {
		base := modelLetName(th, tr, rep, l.Term)
		if base == "" {
			if s := messageStep(rep, l.Term); s >= 0 {
				base = fmt.Sprintf("m%d", slices.Index(runMsgs[root[s]], l.Term.String())+1)
			} else {
				others++
				base = fmt.Sprintf("t%d", others)
			}
		}
		name := base
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s#%d", base, i)
		}
		used[name] = true
		l.Name = name
	}
}

// modelLetName returns the name of a let of a step's rule whose term,
// instantiated, is t and which the step sends (first choice) or receives;
// "" when there is none.
func modelLetName(th *rules.Theory, tr *rules.Trace, rep *replay.Result, t *rules.Term) string {
	if th == nil {
		return ""
	}
	for _, fact := range []string{rules.FactOut, rules.FactIn} {
		for i, st := range tr.Steps {
			if !hasMessage(rep.Steps[i], fact, t) {
				continue
			}
			for _, l := range st.Rule.Lets {
				if g := st.Subst.Apply(l.Term); g.IsGround() && th.Normalize(g).Equal(t) {
					return l.Var.Name
				}
			}
		}
	}
	return ""
}

// messageStep returns the first step that sends t, else the first that
// receives it, or -1.
func messageStep(rep *replay.Result, t *rules.Term) int {
	for _, fact := range []string{rules.FactOut, rules.FactIn} {
		for i, st := range rep.Steps {
			if hasMessage(st, fact, t) {
				return i
			}
		}
	}
	return -1
}

// hasMessage reports whether a step has the premise or conclusion
// fact(t), for fact In or Out.
func hasMessage(st *replay.Step, fact string, t *rules.Term) bool {
	fs := st.Conclusions
	if fact == rules.FactIn {
		fs = st.Premises
	}
	for _, f := range fs {
		if f.Name == fact && len(f.Args) == 1 && f.Args[0].Equal(t) {
			return true
		}
	}
	return false
}

func sortedTerms(m map[string]*rules.Term) []*rules.Term {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*rules.Term, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// term prints t, with lets.
func (p *printer) term(t *rules.Term) string {
	var b strings.Builder
	p.write(&b, t, true)
	return b.String()
}

// body prints t without naming t itself (a let's definition).
func (p *printer) body(t *rules.Term) string {
	var b strings.Builder
	p.write(&b, t, false)
	return b.String()
}

func (p *printer) write(b *strings.Builder, t *rules.Term, useLet bool) {
	if useLet && p.lets != nil && t.Kind == rules.TApp {
		if n, ok := p.lets[t.String()]; ok {
			b.WriteString(n)
			return
		}
	}
	switch t.Kind {
	case rules.TPub:
		if p.literal[t.Name] {
			b.WriteString("'" + t.Name + "'")
		} else {
			b.WriteString("$" + t.Name)
		}
		return
	case rules.TFresh:
		b.WriteString("~" + t.Name)
		return
	case rules.TVar:
		b.WriteString(t.Var.String())
		return
	}
	if t.Name == rules.FunPair && len(t.Args) == 2 {
		b.WriteString("<")
		p.write(b, t.Args[0], true)
		u := t.Args[1]
		for {
			b.WriteString(", ")
			if u.Kind == rules.TApp && u.Name == rules.FunPair && len(u.Args) == 2 && !p.named(u) {
				p.write(b, u.Args[0], true)
				u = u.Args[1]
				continue
			}
			p.write(b, u, true)
			break
		}
		b.WriteString(">")
		return
	}
	if len(t.Args) == 0 || isInfix(t) {
		// nullary symbols, and the AC operators (which the engine does not
		// support, so never in a trace): the rules package's printer
		b.WriteString(t.TraceString())
		return
	}
	b.WriteString(t.Name)
	b.WriteString("(")
	for i, a := range t.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		p.write(b, a, true)
	}
	b.WriteString(")")
}

func (p *printer) named(t *rules.Term) bool {
	if p.lets == nil {
		return false
	}
	_, ok := p.lets[t.String()]
	return ok
}

func isInfix(t *rules.Term) bool {
	switch t.Name {
	case rules.FunExp, rules.FunMult, rules.FunXor, rules.FunUnion, rules.FunNatPl, rules.FunNatOn:
		return true
	}
	return false
}

// fact prints f.
func (p *printer) fact(f *rules.Fact) string {
	return f.Render(", ", func(t *rules.Term) string {
		var b strings.Builder
		p.write(&b, t, true)
		return b.String()
	})
}

func (p *printer) facts(fs []*rules.Fact) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = p.fact(f)
	}
	return out
}

// sender returns the step (0-based) whose Out conclusion first sent t
// before step before (or before the end with before < 0), or -1.
func sender(rep *replay.Result, t *rules.Term, before int) int {
	for j, st := range rep.Steps {
		if before >= 0 && j >= before {
			break
		}
		for _, c := range st.Conclusions {
			if c.Name == rules.FactOut && len(c.Args) == 1 && c.Args[0].Equal(t) {
				return j
			}
		}
	}
	return -1
}

// stepOfTime returns the number of steps that happen before time t.
func stepOfTime(tr *rules.Trace, t int64) int {
	n := 0
	for i := range tr.Steps {
		if tr.Time(i) < t {
			n = i + 1
		}
	}
	return n
}

// rulePos returns the rule's source position, if known.
func rulePos(th *rules.Theory, r *rules.Rule) rules.Position {
	if th == nil || th.Files == nil || r == nil || !r.Pos.IsValid() {
		return rules.Position{}
	}
	return th.Position(r.Pos)
}

// ruleSource returns the rule's source text, from its position to its end.
func ruleSource(th *rules.Theory, r *rules.Rule) string {
	if th == nil || th.Files == nil || r == nil || !r.Pos.IsValid() || !r.End.IsValid() {
		return ""
	}
	f := th.Files.File(r.Pos)
	if f == nil || th.Files.File(r.End) != f {
		return ""
	}
	start, end := int(r.Pos)-f.Base(), int(r.End)-f.Base()
	src := f.Source()
	if start < 0 || end > len(src) || start >= end {
		return ""
	}
	// from the start of the rule's line, so that indentation lines up
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	return string(src[start:end])
}

// verdictLine is the one-line verdict of the text format.
func verdictLine(v *queries.Verdict) string {
	return fmt.Sprintf("%s (%s): %s", v.Lemma.Name, v.Lemma.Quantifier, v.Summary())
}

// writers are the formats of Names.
var writers = map[string]func(io.Writer, *Run) error{
	"text": WriteText, "json": WriteJSON, "dot": WriteDOT,
	"msc": WriteMermaid, "svg": WriteSVG, "html": WriteHTML,
}

// Write writes r in the named format (one of Names).
func Write(w io.Writer, name string, r *Run) error {
	if write := writers[name]; write != nil {
		return write(w, r)
	}
	return fmt.Errorf("unknown format %q (%s)", name, strings.Join(Names, ", "))
}

// ByExtension returns the format an output file's name asks for: .json,
// .dot or .gv, .mmd or .mermaid (msc), .svg, .html or .htm; "" for any
// other name.
func ByExtension(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return "json"
	case ".dot", ".gv":
		return "dot"
	case ".mmd", ".mermaid":
		return "msc"
	case ".svg":
		return "svg"
	case ".html", ".htm":
		return "html"
	case ".txt":
		return "text"
	}
	return ""
}

// Choose resolves --format and --output. Without --format the output
// file's extension decides (text when there is no output file); with
// both they must agree, except that msc written to a .svg file is the
// chart drawn. An extension that names no format is an error, and a
// name without one needs --format: nothing is written in a format the
// name does not say.
func Choose(format string, explicit bool, output string) (string, error) {
	if explicit && writers[format] == nil {
		return "", fmt.Errorf("unknown --format %q (%s)", format, strings.Join(Names, ", "))
	}
	if output == "" {
		if !explicit {
			return "text", nil
		}
		return format, nil
	}
	ext := filepath.Ext(output)
	byExt := ByExtension(output)
	switch {
	case ext != "" && byExt == "":
		return "", fmt.Errorf("-o %s: unknown extension %s (.txt, .json, .dot or .gv, .mmd or .mermaid, .svg, .html or .htm; or a directory DIR/ for one file per lemma)", output, ext)
	case byExt == "" && !explicit:
		return "", fmt.Errorf("-o %s: no extension to tell the format by: add one or give --format", output)
	case byExt == "":
		return format, nil
	case !explicit, byExt == format:
		return byExt, nil
	case format == "msc" && byExt == "svg":
		return "svg", nil
	}
	return "", fmt.Errorf("-o %s: the extension says %s, --format says %s", output, byExt, format)
}

// Extension returns the file extension written for a format (one file
// per lemma in an output directory).
func Extension(format string) string {
	return map[string]string{"text": ".txt", "json": ".json", "dot": ".dot", "msc": ".mmd", "svg": ".svg", "html": ".html"}[format]
}

// bindingsText writes the lemma's bindings on a trace on one line, in
// the order the lemma binds them: A = $A, nb = ~nb, #i = step 8,
// #k = K(~nb) after step 7. It is empty when there are none.
func bindingsText(p *printer, v *queries.Verdict) string {
	var parts []string
	for _, b := range v.Bindings {
		switch {
		case b.Term != nil:
			parts = append(parts, b.Var.String()+" = "+p.term(b.Term))
		case b.Step >= 0:
			parts = append(parts, fmt.Sprintf("%s = step %d", b.Var, b.Step+1))
		case b.KEvent >= 0 && b.KEvent < len(v.Trace.KEvents):
			ev := v.Trace.KEvents[b.KEvent]
			parts = append(parts, fmt.Sprintf("%s = K(%s) after step %d", b.Var, p.term(ev.Term), ev.Time/rules.TraceTimeScale))
		}
	}
	return strings.Join(parts, ", ")
}

// marks returns the lemma's temporal variables bound to each step
// (0-based) and to each knowledge event: the points the lemma speaks of.
func marks(v *queries.Verdict) (steps, kevents map[int]string) {
	steps, kevents = map[int]string{}, map[int]string{}
	add := func(m map[int]string, i int, x string) {
		if m[i] != "" {
			m[i] += ", "
		}
		m[i] += x
	}
	for _, b := range v.Bindings {
		switch {
		case b.Term != nil:
		case b.Step >= 0:
			add(steps, b.Step, b.Var.String())
		case b.KEvent >= 0:
			add(kevents, b.KEvent, b.Var.String())
		}
	}
	return steps, kevents
}
