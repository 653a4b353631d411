package rules

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Severity says how serious a diagnostic is.
type Severity int

const (
	// SevError marks a model that cannot be used.
	SevError Severity = iota
	// SevWarning marks a likely mistake; the model is still usable.
	SevWarning
	// SevNote is information, e.g. a construct that is accepted and ignored.
	SevNote
)

func (s Severity) String() string {
	switch s {
	case SevError:
		return "error"
	case SevWarning:
		return "warning"
	default:
		return "note"
	}
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// A Diagnostic is one error, warning or note with its source position.
type Diagnostic struct {
	Pos      Position   `json:"pos"`
	Severity Severity   `json:"severity"`
	Check    string     `json:"check,omitempty"` // well-formedness check name, if any
	Msg      string     `json:"message"`
	Line     string     `json:"-"` // source line, for the caret display
	Included []Position `json:"included_from,omitempty"`
	Related  []Related  `json:"related,omitempty"`
}

// Related points at a second place that explains a diagnostic, e.g. the
// other use of a fact with a different arity.
type Related struct {
	Pos Position `json:"pos"`
	Msg string   `json:"message"`
}

func (d *Diagnostic) Error() string {
	return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.text())
}

// text is the message with the check name, if any.
func (d *Diagnostic) text() string {
	if d.Check != "" {
		return d.Msg + " [" + d.Check + "]"
	}
	return d.Msg
}

// Diagnostics is a list of diagnostics, like go/scanner.ErrorList.
type Diagnostics []*Diagnostic

// Sort orders the list by file, line and column.
func (l Diagnostics) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// HasErrors reports whether the list contains an error (not just warnings).
func (l Diagnostics) HasErrors() bool { return l.Count(SevError) > 0 }

// Count returns the number of diagnostics of severity s.
func (l Diagnostics) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Errors returns only the diagnostics of severity SevError.
func (l Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range l {
		if d.Severity == SevError {
			out = append(out, d)
		}
	}
	return out
}

// Err returns the list as an error if it contains errors, else nil.
func (l Diagnostics) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return l.Errors()
}

func (l Diagnostics) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}

// Print writes every diagnostic with its source line and a caret under the
// column, in the style of compilers:
//
//	model.spthy:12:7: error: unknown function symbol "hh"
//	   12 |   [ In(hh(x)) ] --> []
//	      |        ^
func (l Diagnostics) Print(w io.Writer) {
	for _, d := range l {
		d.Print(w)
	}
}

// Print writes one diagnostic; see Diagnostics.Print.
func (d *Diagnostic) Print(w io.Writer) {
	fmt.Fprintf(w, "%s: %s: %s\n", d.Pos, d.Severity, d.text())
	for _, inc := range d.Included {
		fmt.Fprintf(w, "    included from %s\n", inc)
	}
	if d.Line != "" && d.Pos.Line > 0 {
		num := fmt.Sprint(d.Pos.Line)
		fmt.Fprintf(w, " %s | %s\n", num, strings.ReplaceAll(d.Line, "\t", " "))
		col := d.Pos.Column - 1
		if col > len(d.Line) {
			col = len(d.Line)
		}
		fmt.Fprintf(w, " %s | %s^\n", strings.Repeat(" ", len(num)), strings.Repeat(" ", col))
	}
	for _, r := range d.Related {
		fmt.Fprintf(w, "    %s: %s\n", r.Pos, r.Msg)
	}
}

// reporter collects diagnostics against a FileSet.
type reporter struct {
	fset  *FileSet
	diags Diagnostics
}

func (r *reporter) add(sev Severity, check string, p Pos, format string, args ...any) *Diagnostic {
	d := &Diagnostic{
		Pos:      r.fset.Position(p),
		Severity: sev,
		Check:    check,
		Msg:      fmt.Sprintf(format, args...),
		Line:     r.fset.LineText(p),
		Included: r.fset.IncludeChain(p),
	}
	r.diags = append(r.diags, d)
	return d
}

func (r *reporter) errorf(p Pos, format string, args ...any) *Diagnostic {
	return r.add(SevError, "", p, format, args...)
}

func (r *reporter) warnf(p Pos, format string, args ...any) *Diagnostic {
	return r.add(SevWarning, "", p, format, args...)
}

func (r *reporter) notef(p Pos, format string, args ...any) *Diagnostic {
	return r.add(SevNote, "", p, format, args...)
}

func (r *reporter) related(d *Diagnostic, p Pos, format string, args ...any) {
	d.Related = append(d.Related, Related{Pos: r.fset.Position(p), Msg: fmt.Sprintf(format, args...)})
}
