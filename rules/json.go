package rules

import "encoding/json"

// The JSON form of a theory, printed by "tracebound parse --json". Field
// names are part of tracebound's interface; add fields, never rename.

// JSONTerm is a term as a tree: exactly one of Var, Pub, Fresh, Fun is set.
type JSONTerm struct {
	Var   string      `json:"var,omitempty"`   // with sort prefix: "~n", "$A", "x.1"
	Sort  string      `json:"sort,omitempty"`  // for variables: msg, fresh, pub, nat, temporal
	Pub   *string     `json:"pub,omitempty"`   // public name: a constant 'c', or in a trace a value of a $-variable
	Fresh *string     `json:"fresh,omitempty"` // fresh constant ~'c'
	Fun   string      `json:"fun,omitempty"`   // function symbol
	Args  []*JSONTerm `json:"args,omitempty"`
	// Constant marks, in a trace, a public or fresh name the model writes
	// as a constant ('c', ~'c'); the trace's other names are values of
	// $- and ~-variables. Not set in a model.
	Constant bool `json:"constant,omitempty"`
}

// TermJSON converts t.
func TermJSON(t *Term) *JSONTerm {
	switch t.Kind {
	case TVar:
		return &JSONTerm{Var: t.Var.String(), Sort: t.Var.Sort.String()}
	case TPub:
		n := t.Name
		return &JSONTerm{Pub: &n}
	case TFresh:
		n := t.Name
		return &JSONTerm{Fresh: &n}
	}
	j := &JSONTerm{Fun: t.Name}
	for _, a := range t.Args {
		j.Args = append(j.Args, TermJSON(a))
	}
	return j
}

// JSONFact is a fact.
type JSONFact struct {
	Name        string      `json:"name"`
	Persistent  bool        `json:"persistent,omitempty"`
	Args        []*JSONTerm `json:"args"`
	Annotations []string    `json:"annotations,omitempty"`
	Text        string      `json:"text"`
	Pos         *Position   `json:"pos,omitempty"`
}

func (th *Theory) factJSON(f *Fact) *JSONFact {
	j := &JSONFact{Name: f.Name, Persistent: f.Persistent, Annotations: f.Annotations, Text: f.String(), Args: []*JSONTerm{}}
	for _, a := range f.Args {
		j.Args = append(j.Args, TermJSON(a))
	}
	j.Pos = th.posPtr(f.Pos)
	return j
}

func (th *Theory) posPtr(p Pos) *Position {
	if !p.IsValid() || th.Files == nil {
		return nil
	}
	pos := th.Files.Position(p)
	return &pos
}

// JSONFormula is a formula as a tree. Op is one of: true, false, action,
// eq, time_eq, less, last, subterm, not, and, or, implies, iff, all, ex.
type JSONFormula struct {
	Op   string         `json:"op"`
	Fact *JSONFact      `json:"fact,omitempty"` // action
	Time *JSONTerm      `json:"time,omitempty"` // action, last
	L    *JSONTerm      `json:"left,omitempty"`
	R    *JSONTerm      `json:"right,omitempty"`
	Vars []string       `json:"vars,omitempty"` // quantifiers, with sort prefixes
	Args []*JSONFormula `json:"args,omitempty"` // connectives, quantifier body
}

func (th *Theory) formulaJSON(f Formula) *JSONFormula {
	switch f := f.(type) {
	case *Atom:
		switch f.Kind {
		case AtomTrue:
			return &JSONFormula{Op: "true"}
		case AtomFalse:
			return &JSONFormula{Op: "false"}
		case AtomAction:
			return &JSONFormula{Op: "action", Fact: th.factJSON(f.Fact), Time: TermJSON(f.R)}
		case AtomLast:
			return &JSONFormula{Op: "last", Time: TermJSON(f.L)}
		}
		op := map[AtomKind]string{AtomEq: "eq", AtomTimeEq: "time_eq", AtomLess: "less", AtomSubterm: "subterm"}[f.Kind]
		return &JSONFormula{Op: op, L: TermJSON(f.L), R: TermJSON(f.R)}
	case *Not:
		return &JSONFormula{Op: "not", Args: []*JSONFormula{th.formulaJSON(f.F)}}
	case *Conn:
		op := map[ConnOp]string{And: "and", Or: "or", Imp: "implies", Iff: "iff"}[f.Op]
		return &JSONFormula{Op: op, Args: []*JSONFormula{th.formulaJSON(f.L), th.formulaJSON(f.R)}}
	case *Quant:
		q := &JSONFormula{Op: "all", Args: []*JSONFormula{th.formulaJSON(f.Body)}}
		if f.Exists {
			q.Op = "ex"
		}
		for _, v := range f.Vars {
			q.Vars = append(q.Vars, v.String())
		}
		return q
	}
	return nil
}

// JSONTheory is the whole model.
type JSONTheory struct {
	Theory       string             `json:"theory"`
	Builtins     []string           `json:"builtins"`
	Functions    []JSONFunc         `json:"functions"`
	Equations    []JSONEquation     `json:"equations"`
	Rules        []JSONRule         `json:"rules"`
	Restrictions []JSONRestriction  `json:"restrictions"`
	Lemmas       []JSONLemma        `json:"lemmas"`
	Flags        []string           `json:"flags"`
	Defines      []string           `json:"defines"`
	Comments     []JSONFormalComent `json:"formal_comments,omitempty"`
}

// JSONFunc is a function symbol.
type JSONFunc struct {
	Name       string `json:"name"`
	Arity      int    `json:"arity"`
	Private    bool   `json:"private,omitempty"`
	Destructor bool   `json:"destructor,omitempty"`
	Builtin    string `json:"builtin,omitempty"`
}

// JSONEquation is an equation.
type JSONEquation struct {
	LHS     *JSONTerm `json:"lhs"`
	RHS     *JSONTerm `json:"rhs"`
	Text    string    `json:"text"`
	Builtin string    `json:"builtin,omitempty"`
}

// JSONRule is a rule.
type JSONRule struct {
	Name        string      `json:"name"`
	Attrs       []string    `json:"attributes,omitempty"`
	Premises    []*JSONFact `json:"premises"`
	Actions     []*JSONFact `json:"actions"`
	Conclusions []*JSONFact `json:"conclusions"`
	Pos         *Position   `json:"pos,omitempty"`
}

// JSONRestriction is a restriction.
type JSONRestriction struct {
	Name     string       `json:"name"`
	Formula  *JSONFormula `json:"formula"`
	Text     string       `json:"text"`
	FromRule string       `json:"from_rule,omitempty"`
	Pos      *Position    `json:"pos,omitempty"`
}

// JSONLemma is a lemma.
type JSONLemma struct {
	Name           string       `json:"name"`
	Quantifier     string       `json:"quantifier"`
	Attrs          []string     `json:"attributes,omitempty"`
	Formula        *JSONFormula `json:"formula"`
	Text           string       `json:"text"`
	Accountability []string     `json:"accountability_tests,omitempty"`
	GeneratedFrom  string       `json:"generated_from,omitempty"`
	Pos            *Position    `json:"pos,omitempty"`
}

// JSONFormalComent is a formal comment.
type JSONFormalComent struct {
	Kind string `json:"kind"`
	Body string `json:"body"`
}

// JSON returns the theory's JSON form.
func (th *Theory) JSON() *JSONTheory {
	j := &JSONTheory{Theory: th.Name, Builtins: nonNil(th.Builtins), Flags: nonNil(th.Flags), Defines: nonNil(th.Defines),
		Functions: []JSONFunc{}, Equations: []JSONEquation{}, Rules: []JSONRule{}, Restrictions: []JSONRestriction{}, Lemmas: []JSONLemma{}}
	for _, f := range th.Functions {
		j.Functions = append(j.Functions, JSONFunc{f.Name, f.Arity, f.Private, f.Destructor, f.Builtin})
	}
	for _, e := range th.Equations {
		j.Equations = append(j.Equations, JSONEquation{TermJSON(e.LHS), TermJSON(e.RHS), e.String(), e.Builtin})
	}
	facts := func(fs []*Fact) []*JSONFact {
		out := []*JSONFact{}
		for _, f := range fs {
			out = append(out, th.factJSON(f))
		}
		return out
	}
	for _, r := range th.Rules {
		j.Rules = append(j.Rules, JSONRule{r.Name, r.Attrs, facts(r.Premises), facts(r.Actions), facts(r.Conclusions), th.posPtr(r.Pos)})
	}
	for _, r := range th.Restrictions {
		j.Restrictions = append(j.Restrictions, JSONRestriction{r.Name, th.formulaJSON(r.Formula), FormulaString(r.Formula), r.FromRule, th.posPtr(r.Pos)})
	}
	for _, l := range th.Lemmas {
		jl := JSONLemma{Name: l.Name, Quantifier: l.Quantifier.String(), Attrs: l.Attrs, Formula: th.formulaJSON(l.Formula), Text: FormulaString(l.Formula), Pos: th.posPtr(l.Pos)}
		if l.Accountability != nil {
			jl.Accountability = l.Accountability.Tests
		}
		jl.GeneratedFrom = l.Generated
		j.Lemmas = append(j.Lemmas, jl)
	}
	for _, it := range th.Items {
		if c, ok := it.(*FormalComment); ok {
			j.Comments = append(j.Comments, JSONFormalComent{c.Kind, c.Body})
		}
	}
	return j
}

// MarshalJSON implements json.Marshaler.
func (th *Theory) MarshalJSON() ([]byte, error) { return json.Marshal(th.JSON()) }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
