// Package encode is tracebound's encoding phase: it turns a checked theory
// (rules.Theory) and a goal into bounded-trace problems over its own small
// formula IR, which the solver package gives to Z3 and which also prints as
// SMT-LIB 2 (Problem.WriteSMTLIB). It needs no cgo.
//
// A problem asks for a trace of exactly k steps (or at most k) on which the
// goal and every restriction hold. The trace is a dependency graph of rule
// instances with real-valued times (graph.go); messages live in one
// uninterpreted sort with tag and selector functions (algebra.go); the
// adversary's knowledge is cells, registers and a bounded number of
// decryption nodes (knowledge.go); formulas are expanded over their guards
// (formula.go). Static analyses prune before the solver: shape inference
// (shapes.go), adversary-known values (advknown.go), and the IR's own
// decisions on message equalities (ir.go). Problem.Decode turns a model back
// into a rules.Trace (decode.go). Problem.Distinct gives the condition that
// two variables of a rule differ in every instance (distinct.go), which the
// checker adds when it looks for a trace whose agents are distinct;
// switches.go gives the conditions of the questions beyond one lemma
// (which rules fire, the multiset of rules used, and restriction switches
// with Options.RestrictionSwitches). See docs/design.md.
//
// The package promises: every trace decoded from a model of a problem is a
// trace of the theory with the goal (the independent replay checker in
// queries/replay verifies it); and no trace within the stated bounds
// (Options.Bounds) is missed, which the differential tests check against a
// brute-force explorer.
package encode
