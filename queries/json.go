package queries

import (
	"strconv"

	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
)

// SchemaVersion names the JSON report format (docs/schema/report.schema.json).
const SchemaVersion = "tracebound.report/v1"

// Report is the JSON report of a check run. Field names are stable; new
// fields may be added.
type Report struct {
	Schema   string         `json:"schema"`
	Model    string         `json:"model"`
	Theory   string         `json:"theory"`
	Defines  []string       `json:"defines"`
	Verdicts []*VerdictJSON `json:"verdicts"`
}

// VerdictJSON is one lemma's verdict.
type VerdictJSON struct {
	Lemma      string          `json:"lemma"`
	Quantifier string          `json:"quantifier"`
	Verdict    string          `json:"verdict"` // holds up to bound, falsified, witness found, no witness up to bound, unknown
	Summary    string          `json:"summary"`
	Bounds     BoundsJSON      `json:"bounds"`
	Depth      int             `json:"depth"` // largest depth searched completely, or the trace's length
	Reason     string          `json:"reason,omitempty"`
	Timing     TimingJSON      `json:"timing"`
	Trace      *TraceJSON      `json:"trace,omitempty"`
	Pos        *rules.Position `json:"pos,omitempty"`
}

// BoundsJSON names every bound of the search.
type BoundsJSON struct {
	Steps             int    `json:"steps"`
	KeyedDeconstructs int    `json:"keyed_deconstructions"`
	ConstructorLayers int    `json:"constructor_layers"`
	PairLayers        int    `json:"pair_layers"`
	Text              string `json:"text"`
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
	Rule   string          `json:"rule"`
	Symbol string          `json:"symbol,omitempty"`
	From   []*DerivJSON    `json:"from,omitempty"`
}

func derivJSON(d *replay.Derivation) *DerivJSON {
	if d == nil {
		return nil
	}
	j := &DerivJSON{Term: d.Term.TraceString(), Tree: rules.TermJSON(d.Term), Rule: d.Rule, Symbol: d.Symbol}
	for _, f := range d.From {
		j.From = append(j.From, derivJSON(f))
	}
	return j
}

// JSON returns the verdict's JSON form.
func (v *Verdict) JSON(th *rules.Theory, o Options) *VerdictJSON {
	e := o.Encode
	j := &VerdictJSON{
		Lemma: v.Lemma.Name, Quantifier: v.Lemma.Quantifier.String(), Verdict: v.Kind.String(), Summary: v.Summary(),
		Bounds: BoundsJSON{Steps: o.depth(), KeyedDeconstructs: e.DecryptionsBound(), ConstructorLayers: e.SynthDepthBound(),
			PairLayers: e.AnalysisDepthBound(), Text: v.Bounds},
		Depth: v.Depth, Reason: v.Reason,
		Timing: TimingJSON{Total: v.Time.Seconds(), Encode: v.Encode.Seconds(), Solve: v.Solve.Seconds(), Replay: v.Replay.Seconds()},
	}
	if th.Files != nil && v.Lemma.Pos.IsValid() {
		p := th.Position(v.Lemma.Pos)
		j.Pos = &p
	}
	if v.Trace != nil && v.Replayed != nil {
		j.Trace = traceJSON(th, v.Trace, v.Replayed)
	}
	return j
}

func traceJSON(th *rules.Theory, tr *rules.Trace, rep *replay.Result) *TraceJSON {
	tj := &TraceJSON{Steps: []*StepJSON{}, KEvents: []*KEventJSON{}}
	facts := func(fs []*rules.Fact) []*rules.JSONFact {
		out := []*rules.JSONFact{}
		for _, f := range fs {
			jf := &rules.JSONFact{Name: f.Name, Persistent: f.Persistent, Text: f.TraceString(), Args: []*rules.JSONTerm{}}
			for _, a := range f.Args {
				jf.Args = append(jf.Args, rules.TermJSON(a))
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
			sj.Subst[v.String()] = t.TraceString()
		}
		for pi, d := range rs.Derivations {
			if sj.Derivations == nil {
				sj.Derivations = map[string]*DerivJSON{}
			}
			sj.Derivations[strconv.Itoa(pi)] = derivJSON(d)
		}
		tj.Steps = append(tj.Steps, sj)
	}
	for i, ev := range tr.KEvents {
		kj := &KEventJSON{Term: ev.Term.TraceString(), AfterStep: int(ev.Time / rules.TraceTimeScale)}
		if ev.InStep >= 0 {
			kj.ForStep = ev.InStep + 1
		}
		if i < len(rep.KEvents) {
			kj.Derivation = derivJSON(rep.KEvents[i])
		}
		tj.KEvents = append(tj.KEvents, kj)
	}
	return tj
}
