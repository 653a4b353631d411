package format

import (
	"fmt"
	"io"
	"slices"
	"sort"
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
	// Bindings is the lemma's bindings on one line (bindingsText).
	Bindings string
	Lanes    []*lane
	Adv      int // the adversary's lane
	Rows     []*row
	Lets     []string // "m1 = …"
}

// lane is a lifeline: its label and the setup steps folded into its
// header (key setup, corruption: steps that receive nothing and take part
// in no thread).
type lane struct {
	Label string
	Setup []*row
}

// row is an arrow between two lanes or a note over one lane (or a line
// of a lane's header).
type row struct {
	Arrow    bool
	From, To int      // arrows
	Lane     int      // notes
	Lines    []string // the arrow's label (one line) or the note's lines
	Step     int      // 1-based step of a step note, else 0
	Attacker bool     // a note of the adversary
	// Mark names the lemma's temporal variables bound to the step or
	// knowledge event ("#i"): the points the lemma speaks of.
	Mark string
}

// newChart lays out the chart of a verdict's trace.
func newChart(th *rules.Theory, v *queries.Verdict, over []Lifeline) *chart {
	tr, rep := v.Trace, v.Replayed
	p := newPrinter(th).withLets(tr, rep)
	c := &chart{Title: verdictLine(v), Bindings: bindingsText(p, v)}
	for _, l := range p.order {
		c.Lets = append(c.Lets, l.Name+" = "+p.body(l.Term))
	}
	stepMark, kevMark := marks(v)
	ll := lifelines(p, tr, rep, over)
	// lanes: those with steps that are not setup in the order of their
	// first such step, the adversary in their middle, then the lanes
	// that have setup steps only
	laneOf := map[string]int{}
	var active, idle []string
	for i, k := range ll.keys {
		if !ll.setup[i] && !slices.Contains(active, k) {
			active = append(active, k)
		}
	}
	for _, k := range ll.keys {
		if !slices.Contains(active, k) && !slices.Contains(idle, k) {
			idle = append(idle, k)
		}
	}
	c.Adv = (len(active) + 1) / 2
	if len(active) == 0 {
		c.Adv = (len(idle) + 1) / 2
		active, idle = idle, nil
	}
	for i, k := range append(active, idle...) {
		if i == c.Adv {
			c.Lanes = append(c.Lanes, &lane{Label: "Adversary"})
		}
		laneOf[k] = len(c.Lanes)
		c.Lanes = append(c.Lanes, &lane{Label: ll.labels[k]})
	}
	if c.Adv == len(c.Lanes) {
		c.Lanes = append(c.Lanes, &lane{Label: "Adversary"})
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
			if m := kevMark[kev]; m != "" {
				line = m + ": " + line
			}
			c.Rows = append(c.Rows, &row{Lane: c.Adv, Lines: []string{line}, Attacker: true, Mark: kevMark[kev]})
		}
	}
	for i, st := range tr.Steps {
		events(tr.Time(i))
		rs := rep.Steps[i]
		l := laneOf[ll.keys[i]]
		head := fmt.Sprintf("%d. %s", i+1, st.Name)
		if m := stepMark[i]; m != "" {
			head += " (" + m + ")"
		}
		if ll.setup[i] {
			line := head
			if acts := p.facts(rs.Actions); len(acts) > 0 {
				line += "  " + strings.Join(acts, ", ")
			}
			for _, f := range rs.Conclusions {
				if f.Name == rules.FactOut && len(f.Args) == 1 {
					line += "  → " + p.term(f.Args[0])
				}
			}
			c.Lanes[l].Setup = append(c.Lanes[l].Setup, &row{Lane: l, Lines: []string{line}, Step: i + 1, Mark: stepMark[i]})
			continue
		}
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
		note := &row{Lane: l, Lines: []string{head}, Step: i + 1, Mark: stepMark[i]}
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
// other arguments it needed (adec(m1, ~sk)).
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

// threads groups the steps into runs: steps connected through a linear
// state fact (a conclusion consumed by a later premise; Fr, In and Out
// aside) are one thread. It returns per step the first step of its
// thread, and whether the step has a linear state fact at all.
func threads(tr *rules.Trace, rep *replay.Result) ([]int, []bool) {
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
	for i, st := range tr.Steps {
		rs := rep.Steps[i]
		for pi, src := range st.Sources {
			if src.Step >= 0 && pi < len(rs.Premises) && isState(rs.Premises[pi]) {
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
			if isState(f) {
				threaded[i] = true
			}
		}
	}
	root := make([]int, n)
	for i := range root {
		root[i] = find(i)
	}
	return root, threaded
}

// isState reports whether f is a linear state fact.
func isState(f *rules.Fact) bool {
	return !f.Persistent && f.Name != rules.FactFr && f.Name != rules.FactIn && f.Name != rules.FactOut
}

// lanes is the outcome of the lifeline heuristic: per step the key of
// its lifeline and whether it is a setup step, and a label per key.
type lanes struct {
	keys   []string
	setup  []bool
	labels map[string]string
}

// lifelines is the lifeline heuristic (docs/formats.md): one lifeline
// per agent. A thread of steps (see threads) belongs to its agent, the
// first public name in the first state fact of its first step; a step
// without linear state facts to the first public name of its facts
// (premises other than In, Out and Fr, then conclusions, then actions),
// else to "environment"; a thread without an agent has a lifeline of its
// own, named by the first fresh name it generates. A step that receives
// nothing, takes part in no thread and uses only what other setup steps
// made (key setup, corruption) is a setup step, drawn in its lifeline's
// header. The overrides come first: a step with a premise or conclusion
// of an override's fact goes on the lifeline its argument names.
func lifelines(p *printer, tr *rules.Trace, rep *replay.Result, over []Lifeline) *lanes {
	n := len(tr.Steps)
	root, threaded := threads(tr, rep)
	ll := &lanes{keys: make([]string, n), setup: make([]bool, n), labels: map[string]string{}}
	used := map[string]string{} // label → key
	name := func(key, label string) {
		if _, ok := ll.labels[key]; ok {
			return
		}
		l := label
		for k := 2; used[l] != ""; k++ {
			l = fmt.Sprintf("%s #%d", label, k)
		}
		used[l] = key
		ll.labels[key] = l
	}
	agentLane := func(i int, agent *rules.Term) {
		ll.keys[i] = "agent " + agent.String()
		name(ll.keys[i], p.term(agent))
	}
	for i := range tr.Steps {
		rs := rep.Steps[i]
		ll.setup[i] = !threaded[i]
		for pi, f := range rs.Premises {
			src := tr.Steps[i].Sources
			if f.Name == rules.FactIn || pi < len(src) && src[pi].Step >= 0 && !ll.setup[src[pi].Step] {
				ll.setup[i] = false
			}
		}
		if arg, ok := overridden(rs, over); ok {
			// the same lifeline as an agent's of that name
			agentLane(i, arg)
			continue
		}
		if threaded[i] {
			var agent *rules.Term
			if f := firstState(rep.Steps[root[i]]); f != nil {
				agent = firstOf(f.Args, rules.TPub)
			}
			if agent != nil {
				agentLane(i, agent)
				continue
			}
			ll.keys[i] = fmt.Sprintf("thread %d", root[i])
			var id *rules.Term
			for j := root[i]; j < n && id == nil; j++ {
				if root[j] != root[i] {
					continue
				}
				for _, f := range rep.Steps[j].Premises {
					if f.Name == rules.FactFr && id == nil {
						id = f.Args[0]
					}
				}
			}
			if id == nil {
				if f := firstState(rep.Steps[root[i]]); f != nil {
					id = firstOf(f.Args, rules.TFresh)
				}
			}
			if id != nil {
				name(ll.keys[i], "thread ("+p.term(id)+")")
			} else {
				name(ll.keys[i], "thread")
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
			ll.keys[i] = "environment"
			name(ll.keys[i], "environment")
			continue
		}
		agentLane(i, agent)
	}
	return ll
}

// firstState returns the first linear state fact of a step, premises
// before conclusions.
func firstState(rs *replay.Step) *rules.Fact {
	for _, fs := range [][]*rules.Fact{rs.Premises, rs.Conclusions} {
		for _, f := range fs {
			if isState(f) {
				return f
			}
		}
	}
	return nil
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
			fmt.Fprintf(w, "    participant %s as %s\n", laneID(c, li), mermaidText(l.Label))
		}
		all := laneID(c, 0) + "," + laneID(c, len(c.Lanes)-1)
		if c.Bindings != "" {
			fmt.Fprintf(w, "    Note over %s: %s\n", all, mermaidText("bindings: "+c.Bindings))
		}
		if len(c.Lets) > 0 {
			lines := make([]string, len(c.Lets))
			for i, l := range c.Lets {
				lines[i] = mermaidText(l)
			}
			fmt.Fprintf(w, "    Note over %s: %s\n", all, strings.Join(lines, "<br/>"))
		}
		// the setup steps, the lifelines' headers, come first
		var setup []*row
		for _, l := range c.Lanes {
			setup = append(setup, l.Setup...)
		}
		sort.SliceStable(setup, func(i, j int) bool { return setup[i].Step < setup[j].Step })
		for _, rw := range append(setup, c.Rows...) {
			if rw.Arrow {
				fmt.Fprintf(w, "    %s->>%s: %s\n", laneID(c, rw.From), laneID(c, rw.To), mermaidText(rw.Lines[0]))
				continue
			}
			lines := make([]string, len(rw.Lines))
			for i, l := range rw.Lines {
				lines[i] = mermaidText(l)
			}
			note := fmt.Sprintf("    Note over %s: %s\n", laneID(c, rw.Lane), strings.Join(lines, "<br/>"))
			if rw.Mark != "" {
				// the points the lemma speaks of, highlighted
				note = "    rect rgb(255, 236, 179)\n" + note + "    end\n"
			}
			io.WriteString(w, note)
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
