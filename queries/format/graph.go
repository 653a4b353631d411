package format

import (
	"fmt"
	"strings"

	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// graph is a trace's dependency graph, the common ground of the DOT
// output and the HTML page's drawing: one node per rule instance, one
// node per deduction of the adversary, and the edges between them.
type graph struct {
	p     *printer
	nodes []*gnode
	edges []*gedge
	byKey map[string]*gnode
}

// gnode is a node: a step (Step ≥ 0) or the adversary's (Step < 0).
type gnode struct {
	ID   string
	Step int // 0-based step, or -1
	// step nodes
	Rule                           string
	Premises, Actions, Conclusions []string
	// adversary nodes
	Label string // "construct aenc", "deconstruct adec", "public name", "K"
	Term  string
	// Mark names the lemma's temporal variables bound to the step or
	// knowledge event ("#i").
	Mark string
}

// gedge connects a conclusion (FromPort "c0", …) or an adversary node to
// a premise (ToPort "p0", …) or an adversary node.
type gedge struct {
	From, FromPort string
	To, ToPort     string
	// Kind is "linear", "persistent" or "adversary".
	Kind string
}

// newGraph builds the graph of a verdict's trace.
func newGraph(th *rules.Theory, v *queries.Verdict) *graph {
	tr, rep := v.Trace, v.Replayed
	g := &graph{p: newPrinter(th).withLets(tr, rep), byKey: map[string]*gnode{}}
	stepMark, kevMark := marks(v)
	for i, st := range tr.Steps {
		rs := rep.Steps[i]
		g.nodes = append(g.nodes, &gnode{ID: fmt.Sprintf("s%d", i+1), Step: i, Rule: st.Name,
			Premises: g.p.facts(rs.Premises), Actions: g.p.facts(rs.Actions), Conclusions: g.p.facts(rs.Conclusions), Mark: stepMark[i]})
	}
	for i, st := range tr.Steps {
		rs := rep.Steps[i]
		for pi, src := range st.Sources {
			if src.Step < 0 || pi >= len(rs.Premises) {
				continue
			}
			kind := "linear"
			if rs.Premises[pi].Persistent {
				kind = "persistent"
			}
			g.edges = append(g.edges, &gedge{From: fmt.Sprintf("s%d", src.Step+1), FromPort: fmt.Sprintf("c%d", src.Conclusion),
				To: fmt.Sprintf("s%d", i+1), ToPort: fmt.Sprintf("p%d", pi), Kind: kind})
		}
		for pi := range rs.Premises {
			if d, ok := rs.Derivations[pi]; ok {
				g.feed(rep, d, i, fmt.Sprintf("s%d", i+1), fmt.Sprintf("p%d", pi))
			}
		}
	}
	kn := 0
	for k, ev := range tr.KEvents {
		if ev.InStep >= 0 || k >= len(rep.KEvents) {
			continue
		}
		kn++
		n := &gnode{ID: fmt.Sprintf("k%d", kn), Step: -1, Label: "K", Term: g.p.term(rep.KEvents[k].Term), Mark: kevMark[k]}
		if n.Mark != "" {
			n.Label += " (" + n.Mark + ")"
		}
		g.nodes = append(g.nodes, n)
		g.feed(rep, rep.KEvents[k], stepOfTime(tr, ev.Time), n.ID, "")
	}
	return g
}

// feed adds the deductions of d and an edge from its result to the port
// to of node; before is the number of steps whose Outs the adversary has.
func (g *graph) feed(rep *replay.Result, d *replay.Derivation, before int, to, toPort string) {
	from, port := g.deduce(rep, d, before)
	if from == "" {
		return
	}
	g.edges = append(g.edges, &gedge{From: from, FromPort: port, To: to, ToPort: toPort, Kind: "adversary"})
}

// deduce returns the node and port that give d's message: the Out
// conclusion that sent it, or the adversary's node that deduces it
// (added once per message and rule).
func (g *graph) deduce(rep *replay.Result, d *replay.Derivation, before int) (string, string) {
	if d.Rule == "received" {
		s := sender(rep, d.Term, before)
		if s < 0 {
			return "", ""
		}
		for ci, c := range rep.Steps[s].Conclusions {
			if c.Name == rules.FactOut && c.Args[0].Equal(d.Term) {
				return fmt.Sprintf("s%d", s+1), fmt.Sprintf("c%d", ci)
			}
		}
		return "", ""
	}
	key := d.Rule + " " + d.Symbol + " " + d.Term.String()
	if n, ok := g.byKey[key]; ok {
		return n.ID, ""
	}
	label := d.Rule
	if d.Symbol != "" {
		label += " " + d.Symbol
	}
	n := &gnode{ID: fmt.Sprintf("a%d", len(g.byKey)+1), Step: -1, Label: label, Term: g.p.term(d.Term)}
	g.byKey[key] = n
	g.nodes = append(g.nodes, n)
	for _, f := range d.From {
		g.feed(rep, f, before, n.ID, "")
	}
	return n.ID, ""
}

// header is a step node's middle line, as Tamarin's graphs show it (and
// the lemma's variables bound to the step).
func (n *gnode) header() string {
	h := fmt.Sprintf("#%d: %s", n.Step+1, n.Rule)
	if len(n.Actions) > 0 {
		h += "[" + strings.Join(n.Actions, ", ") + "]"
	}
	if n.Mark != "" {
		h += " (" + n.Mark + ")"
	}
	return h
}
