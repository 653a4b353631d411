// Package rules is tracebound's front end and model: positions and
// diagnostics (pos.go, diag.go), the lexer and the token-level preprocessor
// (#include, #ifdef, #define), the stateful parser of Tamarin's .spthy
// language, the well-formedness checks (check.go, each check listed there
// with its severity), and the model itself: terms, facts, rules,
// restrictions, lemmas in the guarded trace logic, ground traces, and
// rewriting modulo the theory's subterm-convergent equations.
//
// Load and Parse return the theory with every diagnostic, sorted; a theory
// may be used only when no diagnostic is an error. Theory.Print writes it
// back in Tamarin syntax (printing and parsing again gives the same text),
// and its JSON form is stable for tools. Nothing here uses cgo.
package rules
