package queries

import (
	"fmt"
	"strconv"

	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// SchemaVersion names the JSON report format (docs/schema/report.schema.json).
// v2: the adversary's bounds by their trace definitions (docs/bounds.md)
// and each trace's measure. v3 (issue 14): public names a trace chose
// print as $A, not as constants 'A', and term trees mark the model's
// constants; verdicts carry the lemma's bindings and the length of a
// shortest trace.
const SchemaVersion = "tracebound.report/v3"

// Report is the JSON report of a check run. Field names are stable; new
// fields may be added.
type Report struct {
	Schema  string   `json:"schema"`
	Model   string   `json:"model"`
	Theory  string   `json:"theory"`
	Defines []string `json:"defines"`
	// Diagnostics are the model's errors and warnings (a model with
	// errors has no verdicts).
	Diagnostics []*DiagnosticJSON `json:"diagnostics"`
	// Shard is set for a run of one shard of the lemmas (check --shard).
	Shard *ShardJSON `json:"shard,omitempty"`
	// Interrupted names the signal that stopped the run, if one did.
	Interrupted string         `json:"interrupted,omitempty"`
	Verdicts    []*VerdictJSON `json:"verdicts"`
}

// DiagnosticJSON is one error or warning about the model.
type DiagnosticJSON struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"` // error, warning, note
	Check    string `json:"check,omitempty"`
	Message  string `json:"message"`
}

// DiagnosticsJSON converts diagnostics for the report.
func DiagnosticsJSON(ds rules.Diagnostics) []*DiagnosticJSON {
	out := []*DiagnosticJSON{}
	for _, d := range ds {
		out = append(out, &DiagnosticJSON{File: d.Pos.Filename, Line: d.Pos.Line, Column: d.Pos.Column,
			Severity: d.Severity.String(), Check: d.Check, Message: d.Msg})
	}
	return out
}

// ShardJSON says which shard of the lemmas a report covers: Index of
// Count (1-based), and every lemma of the selection with the shard that
// checks it, so that tracebound merge can tell a complete set of reports
// and name the lemmas of a missing one.
type ShardJSON struct {
	Index  int               `json:"index"`
	Count  int               `json:"count"`
	Lemmas []*ShardLemmaJSON `json:"lemmas"`
}

// ShardLemmaJSON is one lemma of a sharded selection.
type ShardLemmaJSON struct {
	Lemma      string `json:"lemma"`
	Quantifier string `json:"quantifier"`
	Index      int    `json:"index"` // 1-based place among the model's lemmas
	Shard      int    `json:"shard"`
}

// VerdictJSON is one lemma's verdict.
type VerdictJSON struct {
	Lemma      string     `json:"lemma"`
	Quantifier string     `json:"quantifier"`
	Formula    string     `json:"formula,omitempty"` // the lemma's formula in Tamarin syntax
	Verdict    string     `json:"verdict"`           // holds up to bound, falsified, witness found, no witness up to bound, unknown
	Summary    string     `json:"summary"`
	Bounds     BoundsJSON `json:"bounds"`
	Depth      int        `json:"depth"` // largest depth searched completely, or the trace's length
	Reason     string     `json:"reason,omitempty"`
	// Internal marks an internal error (a trace that failed replay).
	Internal bool `json:"internal_error,omitempty"`
	// Budget is the time budget, in seconds, that ended a deepening
	// without --depth: the verdict holds up to the depth reached.
	Budget float64 `json:"budget_s,omitempty"`
	// EveryDepth is the argument by which an all-traces lemma holds at
	// every depth (the abstraction of docs/design.md).
	EveryDepth string `json:"every_depth,omitempty"`
	// MissingActions are actions the lemma refers to that no rule
	// records; with holds up to bound or no witness, Vacuous is set.
	MissingActions []string `json:"missing_actions,omitempty"`
	Vacuous        bool     `json:"vacuous,omitempty"`
	// Timing is left out with --no-timings.
	Timing *TimingJSON `json:"timing,omitempty"`
	Trace  *TraceJSON  `json:"trace,omitempty"`
	// Bindings are the values of the lemma's variables on the trace, by
	// the variable as the lemma writes it (A, #i).
	Bindings map[string]*BindingJSON `json:"bindings,omitempty"`
	// Shortest is the length of a shortest trace when the trace shown is
	// longer (it has distinct agents where the shortest has not).
	Shortest int `json:"shortest,omitempty"`
	// Measure is what the trace's adversary needs (docs/bounds.md).
	Measure *MeasureJSON    `json:"measure,omitempty"`
	Pos     *rules.Position `json:"pos,omitempty"`
	// Index is the lemma's 1-based place among the model's lemmas.
	Index int `json:"index"`
	// Notes, RulesUsed, Witnesses and Blocking are what Checker.Answer
	// adds (issue 10): remarks of the static analysis, the multiset of
	// rules of the trace ("Init ×2, Resp"), further witnesses that use
	// the rules differently, and what blocks a witness.
	Notes     []string       `json:"notes,omitempty"`
	RulesUsed string         `json:"rules_used,omitempty"`
	Witnesses []*VerdictJSON `json:"witnesses,omitempty"`
	Blocking  *BlockingJSON  `json:"blocking,omitempty"`
}

// BlockingJSON is what blocks a witness: a smallest set of restrictions
// without which one exists within the same bounds (none: there is no
// witness even without restrictions; reason: the search stopped).
type BlockingJSON struct {
	Restrictions []string     `json:"restrictions"`
	None         bool         `json:"none,omitempty"`
	Reason       string       `json:"reason,omitempty"`
	Steps        int          `json:"steps,omitempty"`
	Text         string       `json:"text"`
	Witness      *VerdictJSON `json:"witness,omitempty"`
}

// BindingJSON is the value of one variable of a lemma: a message, or a
// timepoint (a step, or a knowledge event of the adversary).
type BindingJSON struct {
	Sort string          `json:"sort"` // msg, pub, fresh, temporal
	Term string          `json:"term,omitempty"`
	Tree *rules.JSONTerm `json:"tree,omitempty"`
	Step int             `json:"step,omitempty"` // 1-based
	// KnowledgeEvent is the index (0-based) into the trace's
	// knowledge_events, AfterStep the number of steps before it.
	KnowledgeEvent *int `json:"knowledge_event,omitempty"`
	AfterStep      *int `json:"after_step,omitempty"`
}

// BoundsJSON names every bound of the search.
type BoundsJSON struct {
	Steps                int    `json:"steps"`
	KeyedDeconstructions int    `json:"keyed_deconstructions"`
	AnalysisLayers       int    `json:"analysis_layers"`
	ConstructionLayers   int    `json:"construction_layers"`
	Text                 string `json:"text"`
}

// MeasureJSON is a trace's adversary measure; exact is false when the
// keyed deconstructions are an upper bound.
type MeasureJSON struct {
	KeyedDeconstructions int  `json:"keyed_deconstructions"`
	AnalysisLayers       int  `json:"analysis_layers"`
	ConstructionLayers   int  `json:"construction_layers"`
	Exact                bool `json:"exact"`
}

// TimingJSON splits the wall time in seconds.
type TimingJSON struct {
	Total  float64 `json:"total_s"`
	Encode float64 `json:"encode_s"`
	Solve  float64 `json:"solve_s"`
	Replay float64 `json:"replay_s"`
}

// TraceJSON is a replayed trace.
type TraceJSON struct {
	Steps   []*StepJSON   `json:"steps"`
	KEvents []*KEventJSON `json:"knowledge_events"`
	// Edges are the dependency graph's edges between protocol steps:
	// each premise with its producing conclusion (Sources, spelled out).
	Edges []*EdgeJSON `json:"edges"`
}

// EdgeJSON connects a conclusion of one step to a premise of a later
// step that it supplies. Steps are 1-based (as StepJSON.Index), facts
// 0-based indexes into the steps' conclusions and premises.
type EdgeJSON struct {
	FromStep   int    `json:"from_step"`
	Conclusion int    `json:"conclusion"`
	ToStep     int    `json:"to_step"`
	Premise    int    `json:"premise"`
	Fact       string `json:"fact"`
	Persistent bool   `json:"persistent"`
}

// StepJSON is one step: a ground rule instance.
type StepJSON struct {
	Index       int                   `json:"index"` // 1-based
	Rule        string                `json:"rule"`
	RulePos     *rules.Position       `json:"rule_pos,omitempty"`
	Subst       map[string]string     `json:"substitution"`
	Premises    []*rules.JSONFact     `json:"premises"`
	Actions     []*rules.JSONFact     `json:"actions"`
	Conclusions []*rules.JSONFact     `json:"conclusions"`
	Sources     []rules.Source        `json:"sources"`               // per premise: step (0-based) and conclusion, or -1
	Derivations map[string]*DerivJSON `json:"derivations,omitempty"` // per In premise index
}

// KEventJSON is a knowledge event of the adversary.
type KEventJSON struct {
	Term       string     `json:"term"`
	AfterStep  int        `json:"after_step"` // 0: before the first step
	ForStep    int        `json:"for_step,omitempty"`
	Derivation *DerivJSON `json:"derivation,omitempty"`
}

// DerivJSON is how the adversary obtained a message.
type DerivJSON struct {
	Term   string          `json:"term"`
	Tree   *rules.JSONTerm `json:"tree"`
	Rule   string          `json:"rule"` // received, public name, fresh name, construct, deconstruct
	Symbol string          `json:"symbol,omitempty"`
	// SentBy is, for a received message, the step (1-based) whose Out
	// conclusion sent it.
	SentBy int          `json:"sent_by,omitempty"`
	From   []*DerivJSON `json:"from,omitempty"`
}

// names writes the terms of one theory's traces: the public names the
// model writes as constants as 'c' (trees marked constant), every other
// public name as $A, fresh names as ~n.
type names struct{ pub, fresh map[string]bool }

func newNames(th *rules.Theory) names {
	p, f := Constants(th)
	return names{p, f}
}

// TermText writes a ground term of a trace in Tamarin syntax: fresh names
// as ~n, the public names that th writes as constants as 'c', and every
// other public name (a value of a $-variable) as $A.
func TermText(th *rules.Theory, t *rules.Term) string { return newNames(th).text(t) }

func (n names) text(t *rules.Term) string {
	return mapNames(t, func(s *rules.Term) *rules.Term {
		if s.Kind == rules.TPub && !n.pub[s.Name] {
			return rules.NewVar(s.Name, 0, rules.SortPub)
		}
		return s
	}).TraceString()
}

func (n names) tree(t *rules.Term) *rules.JSONTerm {
	j := rules.TermJSON(t)
	var mark func(j *rules.JSONTerm)
	mark = func(j *rules.JSONTerm) {
		switch {
		case j.Pub != nil:
			j.Constant = n.pub[*j.Pub]
		case j.Fresh != nil:
			j.Constant = n.fresh[*j.Fresh]
		}
		for _, a := range j.Args {
			mark(a)
		}
	}
	mark(j)
	return j
}

func (n names) fact(f *rules.Fact) string {
	return f.Render(", ", n.text)
}

// derivJSON converts d; before is the number of steps the adversary has
// seen (their Out conclusions) when it derives the message.
func (n names) derivJSON(d *replay.Derivation, rep *replay.Result, before int) *DerivJSON {
	if d == nil {
		return nil
	}
	j := &DerivJSON{Term: n.text(d.Term), Tree: n.tree(d.Term), Rule: d.Rule, Symbol: d.Symbol}
	if d.Rule == "received" {
		j.SentBy = sentBy(rep, d.Term, before)
	}
	for _, f := range d.From {
		j.From = append(j.From, n.derivJSON(f, rep, before))
	}
	return j
}

// sentBy returns the first of the first before steps (1-based) with the
// conclusion Out(t), or 0.
func sentBy(rep *replay.Result, t *rules.Term, before int) int {
	for i, st := range rep.Steps {
		if i >= before {
			break
		}
		for _, c := range st.Conclusions {
			if c.Name == rules.FactOut && len(c.Args) == 1 && c.Args[0].Equal(t) {
				return i + 1
			}
		}
	}
	return 0
}

// JSON returns the verdict's JSON form.
func (v *Verdict) JSON(th *rules.Theory, o Options) *VerdictJSON {
	e := o.Encode.Bounds
	steps := v.StepBound
	if steps == 0 {
		steps = max(o.Depth, 0)
	}
	j := &VerdictJSON{
		Lemma: v.Lemma.Name, Quantifier: v.Lemma.Quantifier.String(), Formula: formulaText(v.Lemma.Formula), Verdict: v.Kind.String(), Summary: v.Summary(),
		Bounds: BoundsJSON{Steps: steps, KeyedDeconstructions: e.KeyedDeconstructions, AnalysisLayers: e.AnalysisLayers,
			ConstructionLayers: e.ConstructionLayers, Text: v.Bounds},
		Depth: v.Depth, Reason: v.Reason, Internal: v.Internal, Budget: v.Budget.Seconds(), EveryDepth: v.EveryDepth,
		MissingActions: v.Missing, Vacuous: v.Vacuous(),
		Timing: &TimingJSON{Total: v.Time.Seconds(), Encode: v.Encode.Seconds(), Solve: v.Solve.Seconds(), Replay: v.Replay.Seconds()},
	}
	for i, l := range th.Lemmas {
		if l == v.Lemma {
			j.Index = i + 1
		}
	}
	if th.Files != nil && v.Lemma.Pos.IsValid() {
		p := th.Position(v.Lemma.Pos)
		j.Pos = &p
	}
	if v.Trace != nil && v.Replayed != nil {
		n := newNames(th)
		j.Trace = n.traceJSON(th, v.Trace, v.Replayed)
		j.Bindings = n.bindingsJSON(v.Trace, v.Bindings)
		j.Shortest = v.Shortest
	}
	if m := v.Measure; m != nil {
		j.Measure = &MeasureJSON{KeyedDeconstructions: m.KeyedDeconstructions, AnalysisLayers: m.AnalysisLayers,
			ConstructionLayers: m.ConstructionLayers, Exact: v.MeasureExact}
	}
	v.answersJSON(j, th, o)
	return j
}

func (n names) bindingsJSON(tr *rules.Trace, bs []replay.Binding) map[string]*BindingJSON {
	if len(bs) == 0 {
		return nil
	}
	out := map[string]*BindingJSON{}
	for _, b := range bs {
		j := &BindingJSON{Sort: b.Var.Sort.String()}
		switch {
		case b.Term != nil:
			j.Term, j.Tree = n.text(b.Term), n.tree(b.Term)
		case b.Step >= 0:
			j.Step = b.Step + 1
		case b.KEvent >= 0 && b.KEvent < len(tr.KEvents):
			k, after := b.KEvent, int(tr.KEvents[b.KEvent].Time/rules.TraceTimeScale)
			j.KnowledgeEvent, j.AfterStep = &k, &after
		}
		key := b.Var.String()
		for i := 2; out[key] != nil; i++ {
			key = fmt.Sprintf("%s (%d)", b.Var, i)
		}
		out[key] = j
	}
	return out
}

func (n names) traceJSON(th *rules.Theory, tr *rules.Trace, rep *replay.Result) *TraceJSON {
	tj := &TraceJSON{Steps: []*StepJSON{}, KEvents: []*KEventJSON{}, Edges: []*EdgeJSON{}}
	facts := func(fs []*rules.Fact) []*rules.JSONFact {
		out := []*rules.JSONFact{}
		for _, f := range fs {
			jf := &rules.JSONFact{Name: f.Name, Persistent: f.Persistent, Text: n.fact(f), Args: []*rules.JSONTerm{}}
			for _, a := range f.Args {
				jf.Args = append(jf.Args, n.tree(a))
			}
			out = append(out, jf)
		}
		return out
	}
	for i, st := range tr.Steps {
		rs := rep.Steps[i]
		sj := &StepJSON{Index: i + 1, Rule: st.Name, Subst: map[string]string{},
			Premises: facts(rs.Premises), Actions: facts(rs.Actions), Conclusions: facts(rs.Conclusions), Sources: st.Sources}
		if th.Files != nil && st.Rule.Pos.IsValid() {
			p := th.Position(st.Rule.Pos)
			sj.RulePos = &p
		}
		for v, t := range st.Subst {
			sj.Subst[v.String()] = n.text(t)
		}
		for pi, d := range rs.Derivations {
			if sj.Derivations == nil {
				sj.Derivations = map[string]*DerivJSON{}
			}
			sj.Derivations[strconv.Itoa(pi)] = n.derivJSON(d, rep, i)
		}
		for pi, src := range st.Sources {
			if src.Step < 0 || pi >= len(rs.Premises) {
				continue
			}
			p := rs.Premises[pi]
			tj.Edges = append(tj.Edges, &EdgeJSON{FromStep: src.Step + 1, Conclusion: src.Conclusion, ToStep: i + 1, Premise: pi,
				Fact: n.fact(p), Persistent: p.Persistent})
		}
		tj.Steps = append(tj.Steps, sj)
	}
	for i, ev := range tr.KEvents {
		kj := &KEventJSON{Term: n.text(ev.Term), AfterStep: int(ev.Time / rules.TraceTimeScale)}
		if ev.InStep >= 0 {
			kj.ForStep = ev.InStep + 1
		}
		if i < len(rep.KEvents) {
			before := 0
			for j := range tr.Steps {
				if tr.Time(j) < ev.Time {
					before = j + 1
				}
			}
			kj.Derivation = n.derivJSON(rep.KEvents[i], rep, before)
		}
		tj.KEvents = append(tj.KEvents, kj)
	}
	return tj
}

func formulaText(f rules.Formula) string {
	if f == nil {
		return ""
	}
	return rules.FormulaString(f)
}
