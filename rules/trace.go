package rules

// TraceTimeScale separates the times of a trace's steps: step i (0-based)
// happens at time (i+1)·TraceTimeScale; the adversary's knowledge events
// fall strictly between steps.
const TraceTimeScale = 1000

// Trace is a ground execution of a theory: the protocol steps in order
// and the adversary's knowledge events (K facts) between them.
type Trace struct {
	Steps   []*Step
	KEvents []*KEvent
}

// Step is one ground rule instance.
type Step struct {
	Rule *Rule
	// Name is the rule's name, unique in the theory (a second rule of the
	// same name is called name#2).
	Name string
	// Subst gives the ground value of every variable of the rule.
	Subst Subst
	// Sources gives for each premise the step and conclusion that
	// produced it, or Step -1 for Fr and In premises.
	Sources []Source
}

// Source points at the conclusion that supplied a premise.
type Source struct {
	Step       int `json:"step"`
	Conclusion int `json:"conclusion"`
}

// Time returns the time of step i.
func (tr *Trace) Time(i int) int64 { return int64(i+1) * TraceTimeScale }

// KEvent is a knowledge event K(Term) of the adversary.
type KEvent struct {
	Term *Term
	Time int64
	// InStep and InPremise are set (≥ 0) when the event is the adversary
	// sending the message of an In premise; otherwise both are -1.
	InStep, InPremise int
	// KU marks an event that records KU(Term) only: a construction a
	// formula asked for, not a send (K). A send records K(Term), KU(Term)
	// and KU of every part of its In pattern as written; any other event
	// K(Term) and KU(Term).
	KU bool
	// Pattern is the term of the formula's K or KU atom the event was
	// made for, with Bind the values of its variables; nil for a send,
	// whose pattern is its In premise.
	Pattern *Term
	Bind    Subst
}
