package format

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// Lifeline overrides the chart's lifeline heuristic: a step with a
// premise or conclusion called Fact is drawn on the lifeline named by
// that fact's argument Arg (1-based).
type Lifeline struct {
	Fact string
	Arg  int
}

// ParseLifeline reads FACT:ARGPOS, e.g. "St_I:1".
func ParseLifeline(s string) (Lifeline, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return Lifeline{}, fmt.Errorf("bad --lifeline %q: want FACT:ARGPOS, e.g. St_I:1", s)
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 1 {
		return Lifeline{}, fmt.Errorf("bad --lifeline %q: the argument position must be a number ≥ 1", s)
	}
	return Lifeline{Fact: strings.TrimPrefix(s[:i], "!"), Arg: n}, nil
}

// chart is a message sequence chart of one trace: lanes (lifelines, the
// adversary among them) and rows of events from top to bottom.
type chart struct {
	Title string
	Lanes []string // labels
	Adv   int      // the adversary's lane
	Rows  []*row
	Lets  []string // "m1 = …"
}

// row is an arrow between two lanes or a note over one lane.
type row struct {
	Arrow    bool
	From, To int      // arrows
	Lane     int      // notes
	Lines    []string // the arrow's label (one line) or the note's lines
	Step     int      // 1-based step of a step note, else 0
	Attacker bool     // a note of the adversary
}

// newChart lays out the chart of a verdict's trace.
func newChart(th *rules.Theory, v *queries.Verdict, over []Lifeline) *chart {
	tr, rep := v.Trace, v.Replayed
	p := newPrinter(th).withLets(tr, rep)
	c := &chart{Title: verdictLine(v)}
	for _, l := range p.order {
		c.Lets = append(c.Lets, l.Name+" = "+p.body(l.Term))
	}
	keys, labels := lifelines(p, tr, rep, over)
	// lanes in order of first appearance, the adversary in the middle
	laneOf := map[string]int{}
	var order []string
	for _, k := range keys {
		if _, ok := laneOf[k]; !ok {
			laneOf[k] = len(order)
			order = append(order, k)
		}
	}
	c.Adv = (len(order) + 1) / 2
	for i, k := range order {
		if i == c.Adv {
			c.Lanes = append(c.Lanes, "Adversary")
		}
		c.Lanes = append(c.Lanes, labels[k])
	}
	if c.Adv == len(order) {
		c.Lanes = append(c.Lanes, "Adversary")
	}
	lane := func(step int) int {
		l := laneOf[keys[step]]
		if l >= c.Adv {
			l++
		}
		return l
	}
	kev := 0
	events := func(before int64) {
		for ; kev < len(tr.KEvents) && tr.KEvents[kev].Time < before; kev++ {
			ev := tr.KEvents[kev]
			if ev.InStep >= 0 || kev >= len(rep.KEvents) {
				continue
			}
			d := rep.KEvents[kev]
			line := "knows " + p.term(d.Term)
			if d.Rule != "received" {
				line += " = " + recipe(p, d)
			}
			c.Rows = append(c.Rows, &row{Lane: c.Adv, Lines: []string{line}, Attacker: true})
		}
	}
	for i, st := range tr.Steps {
		events(tr.Time(i))
		rs := rep.Steps[i]
		l := lane(i)
		for pi, f := range rs.Premises {
			d, ok := rs.Derivations[pi]
			if !ok || f.Name != rules.FactIn {
				continue
			}
			msg := p.term(d.Term)
			if d.Rule != "received" {
				c.Rows = append(c.Rows, &row{Lane: c.Adv, Lines: []string{"builds " + msg + " = " + recipe(p, d)}, Attacker: true})
			}
			c.Rows = append(c.Rows, &row{Arrow: true, From: c.Adv, To: l, Lines: []string{msg}})
		}
		note := &row{Lane: l, Lines: []string{fmt.Sprintf("%d. %s", i+1, st.Name)}, Step: i + 1}
		note.Lines = append(note.Lines, p.facts(rs.Actions)...)
		c.Rows = append(c.Rows, note)
		for _, f := range rs.Conclusions {
			if f.Name == rules.FactOut && len(f.Args) == 1 {
				c.Rows = append(c.Rows, &row{Arrow: true, From: l, To: c.Adv, Lines: []string{p.term(f.Args[0])}})
			}
		}
	}
	events(1 << 62)
	return c
}

// recipe writes a derivation as a term over what the adversary received:
// constructions as the function applied, deconstructions as the
// equation's head applied to the deconstructed message and then the
// other arguments it needed (adec(m1, ~sk.2)).
func recipe(p *printer, d *replay.Derivation) string {
	switch d.Rule {
	case "construct", "deconstruct":
		if d.Rule == "construct" && d.Symbol == rules.FunPair && len(d.From) == 2 {
			return "<" + recipe(p, d.From[0]) + ", " + recipe(p, d.From[1]) + ">"
		}
		args := make([]string, len(d.From))
		for i, f := range d.From {
			args[i] = recipe(p, f)
		}
		return d.Symbol + "(" + strings.Join(args, ", ") + ")"
	}
	return p.term(d.Term)
}

// lifelines returns, per step, the key of its lifeline and a label per
// key. The heuristic (docs/formats.md): steps connected by linear state
// facts (a conclusion consumed by a later premise; Fr, In and Out aside)
// form a thread, drawn as one lifeline named by its agent, the first
// public name in the first state fact of its first step, and its
// identifier, the first fresh name the thread generates (else the first
// in that state fact). A step without linear state facts goes on the
// lifeline of its agent alone: the first public name of its facts. The
// overrides come first: a step with a premise or conclusion of an
// override's fact goes on the lifeline its argument names.
func lifelines(p *printer, tr *rules.Trace, rep *replay.Result, over []Lifeline) ([]string, map[string]string) {
	n := len(tr.Steps)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	threaded := make([]bool, n)
	state := func(f *rules.Fact) bool {
		return !f.Persistent && f.Name != rules.FactFr && f.Name != rules.FactIn && f.Name != rules.FactOut
	}
	for i, st := range tr.Steps {
		rs := rep.Steps[i]
		for pi, src := range st.Sources {
			if src.Step >= 0 && pi < len(rs.Premises) && state(rs.Premises[pi]) {
				a, b := find(src.Step), find(i)
				if a < b {
					parent[b] = a
				} else {
					parent[a] = b
				}
				threaded[i], threaded[src.Step] = true, true
			}
		}
		for _, f := range rs.Conclusions {
			if state(f) {
				threaded[i] = true
			}
		}
	}
	firstState := func(i int) *rules.Fact {
		rs := rep.Steps[i]
		for _, fs := range [][]*rules.Fact{rs.Premises, rs.Conclusions} {
			for _, f := range fs {
				if state(f) {
					return f
				}
			}
		}
		return nil
	}
	keys := make([]string, n)
	labels := map[string]string{}
	used := map[string]string{} // label → key
	name := func(key, label string) {
		if _, ok := labels[key]; ok {
			return
		}
		l := label
		for k := 2; used[l] != ""; k++ {
			l = fmt.Sprintf("%s #%d", label, k)
		}
		used[l] = key
		labels[key] = l
	}
	for i := range tr.Steps {
		rs := rep.Steps[i]
		if arg, ok := overridden(rs, over); ok {
			// the same lifeline as an agent's of that name
			keys[i] = "agent " + arg.String()
			name(keys[i], p.term(arg))
			continue
		}
		if threaded[i] {
			root := find(i)
			keys[i] = fmt.Sprintf("thread %d", root)
			if _, ok := labels[keys[i]]; ok {
				continue
			}
			var agent, id *rules.Term
			if f := firstState(root); f != nil {
				agent = firstOf(f.Args, rules.TPub)
			}
			for j := root; j < n && id == nil; j++ {
				if find(j) != root {
					continue
				}
				for _, f := range rep.Steps[j].Premises {
					if f.Name == rules.FactFr && id == nil {
						id = f.Args[0]
					}
				}
			}
			if id == nil {
				if f := firstState(root); f != nil {
					id = firstOf(f.Args, rules.TFresh)
				}
			}
			switch {
			case agent != nil && id != nil:
				name(keys[i], p.term(agent)+" ("+p.term(id)+")")
			case agent != nil:
				name(keys[i], p.term(agent))
			case id != nil:
				name(keys[i], "thread ("+p.term(id)+")")
			default:
				name(keys[i], "thread")
			}
			continue
		}
		var agent *rules.Term
		for _, fs := range [][]*rules.Fact{rs.Premises, rs.Conclusions, rs.Actions} {
			for _, f := range fs {
				if agent == nil && f.Name != rules.FactIn && f.Name != rules.FactOut && f.Name != rules.FactFr {
					agent = firstOf(f.Args, rules.TPub)
				}
			}
		}
		if agent == nil {
			keys[i] = "environment"
			name(keys[i], "environment")
			continue
		}
		keys[i] = "agent " + agent.String()
		name(keys[i], p.term(agent))
	}
	return keys, labels
}

// overridden returns the argument that names the step's lifeline under
// the overrides, if one applies.
func overridden(rs *replay.Step, over []Lifeline) (*rules.Term, bool) {
	for _, o := range over {
		for _, fs := range [][]*rules.Fact{rs.Premises, rs.Conclusions} {
			for _, f := range fs {
				if f.Name == o.Fact && o.Arg <= len(f.Args) {
					return f.Args[o.Arg-1], true
				}
			}
		}
	}
	return nil, false
}

// firstOf returns the first subterm of kind k in ts, pre-order.
func firstOf(ts []*rules.Term, k rules.TermKind) *rules.Term {
	var found *rules.Term
	for _, t := range ts {
		t.Walk(func(s *rules.Term) bool {
			if found == nil && s.Kind == k {
				found = s
			}
			return found == nil
		})
		if found != nil {
			return found
		}
	}
	return nil
}

// WriteMermaid writes every trace as a Mermaid sequenceDiagram: one
// participant per lifeline, the adversary among them; Out and In
// messages as arrows; each step as a note with its actions; the
// adversary's constructions as notes over its lifeline. Several traces
// give several diagrams, one after the other (Markdown or Mermaid's CLI
// take them one by one; --lemma picks one).
func WriteMermaid(w io.Writer, r *Run) error {
	for _, l := range r.warnings() {
		fmt.Fprintf(w, "%%%% %s\n", l)
	}
	vs := r.traced()
	if len(vs) == 0 {
		// still a diagram, so that every file renders
		fmt.Fprintf(w, "%%%% tracebound: no trace to draw (%s)\nsequenceDiagram\n    title no trace to draw\n    participant M as %s\n", r.Model, mermaidText(r.Model))
		for _, v := range r.Verdicts {
			fmt.Fprintf(w, "    Note over M: %s\n", mermaidText(verdictLine(v)))
		}
		return nil
	}
	for i, v := range vs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		c := newChart(r.Theory, v, r.Lifelines)
		fmt.Fprintf(w, "%%%% %s\n", v.Lemma.Name)
		fmt.Fprintln(w, "sequenceDiagram")
		fmt.Fprintf(w, "    title %s\n", mermaidText(c.Title))
		for li, l := range c.Lanes {
			fmt.Fprintf(w, "    participant %s as %s\n", laneID(c, li), mermaidText(l))
		}
		if len(c.Lets) > 0 {
			lines := make([]string, len(c.Lets))
			for i, l := range c.Lets {
				lines[i] = mermaidText(l)
			}
			fmt.Fprintf(w, "    Note over %s,%s: %s\n", laneID(c, 0), laneID(c, len(c.Lanes)-1), strings.Join(lines, "<br/>"))
		}
		for _, rw := range c.Rows {
			if rw.Arrow {
				fmt.Fprintf(w, "    %s->>%s: %s\n", laneID(c, rw.From), laneID(c, rw.To), mermaidText(rw.Lines[0]))
				continue
			}
			lines := make([]string, len(rw.Lines))
			for i, l := range rw.Lines {
				lines[i] = mermaidText(l)
			}
			fmt.Fprintf(w, "    Note over %s: %s\n", laneID(c, rw.Lane), strings.Join(lines, "<br/>"))
		}
	}
	return nil
}

// laneID is a lane's participant identifier in Mermaid.
func laneID(c *chart, i int) string {
	if i == c.Adv {
		return "Adv"
	}
	return fmt.Sprintf("L%d", i+1)
}

// mermaidText escapes what Mermaid would read as markup: HTML brackets,
// statement separators, entity and comment starts.
func mermaidText(s string) string { return mermaidEscaper.Replace(s) }

var mermaidEscaper = strings.NewReplacer("<", "#lt;", ">", "#gt;", ";", "#59;", "#", "#35;", "%", "#37;")
