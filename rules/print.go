package rules

import (
	"fmt"
	"io"
	"strings"
)

// Print writes the theory in Tamarin syntax, after preprocessing, macro
// and let expansion and predicate inlining. Parsing the output again gives
// the same theory. Builtin function symbols and equations are not
// repeated: the builtins line declares them. User function symbols come
// first so that a user symbol shadowing a builtin one stays the same.
func (th *Theory) Print(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "theory %s\n", th.Name)
	if th.Config != "" {
		fmt.Fprintf(b, "configuration: \"%s\"\n", th.Config)
	}
	b.WriteString("begin\n\n")
	var funcs []string
	for _, f := range th.Functions {
		if f.Builtin != "" {
			continue
		}
		s := fmt.Sprintf("%s/%d", f.Name, f.Arity)
		var attrs []string
		if f.Private {
			attrs = append(attrs, "private")
		}
		if f.Destructor {
			attrs = append(attrs, "destructor")
		}
		if len(attrs) > 0 {
			s += "[" + strings.Join(attrs, ",") + "]"
		}
		funcs = append(funcs, s)
	}
	if len(funcs) > 0 {
		fmt.Fprintf(b, "functions: %s\n\n", strings.Join(funcs, ", "))
	}
	var builtins []string
	for _, x := range th.Builtins {
		if !implied(th, x) {
			builtins = append(builtins, x)
		}
	}
	if len(builtins) > 0 {
		fmt.Fprintf(b, "builtins: %s\n\n", strings.Join(builtins, ", "))
	}
	printEquations(b, th, false)
	printEquations(b, th, true)
	if len(th.Options) > 0 {
		fmt.Fprintf(b, "options: %s\n\n", strings.Join(th.Options, ", "))
	}
	embedded := map[string]*Restriction{}
	for _, r := range th.Restrictions {
		if r.FromRule != "" {
			embedded[r.Action] = r
		}
	}
	for _, it := range th.Items {
		switch it := it.(type) {
		case *FormalComment:
			fmt.Fprintf(b, "%s{*%s*}\n\n", it.Kind, it.Body)
		case *Rule:
			printRule(b, it, embedded)
			b.WriteString("\n")
		case *Restriction:
			fmt.Fprintf(b, "restriction %s%s:\n  \"%s\"\n\n", it.Name, attrString(it.Attrs), FormulaString(it.Formula))
		case *CaseTest:
			fmt.Fprintf(b, "test %s:\n  \"%s\"\n\n", it.Name, FormulaString(it.Formula))
		case *Lemma:
			mod := ""
			if it.Modulo != "" {
				mod = " (modulo " + it.Modulo + ")"
			}
			if it.Accountability != nil {
				fmt.Fprintf(b, "lemma%s %s%s:\n  %s accounts for\n  \"%s\"\n\n", mod, it.Name, attrString(it.Attrs),
					strings.Join(it.Accountability.Tests, ", "), FormulaString(it.Formula))
				continue
			}
			fmt.Fprintf(b, "lemma%s %s%s:\n  %s\n  \"%s\"\n\n", mod, it.Name, attrString(it.Attrs), it.Quantifier, FormulaString(it.Formula))
		}
	}
	b.WriteString("end\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// implied reports whether builtin x is implied by another used builtin.
func implied(th *Theory, x string) bool {
	for _, y := range th.Builtins {
		for _, z := range builtinDefs[y].also {
			if z == x {
				return true
			}
		}
	}
	return false
}

func printEquations(b *strings.Builder, th *Theory, convergent bool) {
	var eqs []string
	for _, e := range th.Equations {
		if e.Builtin == "" && e.Convergent == convergent {
			eqs = append(eqs, "    "+e.String())
		}
	}
	if len(eqs) == 0 {
		return
	}
	if convergent {
		b.WriteString("equations [convergent]:\n")
	} else {
		b.WriteString("equations:\n")
	}
	b.WriteString(strings.Join(eqs, ",\n"))
	b.WriteString("\n\n")
}

func attrString(attrs []string) string {
	if len(attrs) == 0 {
		return ""
	}
	return " [" + strings.Join(attrs, ", ") + "]"
}

func printRule(b *strings.Builder, r *Rule, embedded map[string]*Restriction) {
	mod := ""
	if r.Modulo != "" {
		mod = "(modulo " + r.Modulo + ") "
	}
	fmt.Fprintf(b, "rule %s%s%s:\n", mod, r.Name, attrString(r.Attrs))
	b.WriteString("    [ " + factsString(r.Premises, "", nil) + " ]\n")
	if len(r.Actions) == 0 {
		b.WriteString("  -->\n")
	} else {
		b.WriteString("  --[ " + factsString(r.Actions, r.Name, embedded) + " ]->\n")
	}
	b.WriteString("    [ " + factsString(r.Conclusions, "", nil) + " ]\n")
	for i, v := range r.Variants {
		if i == 0 {
			b.WriteString("  variants\n")
		} else {
			b.WriteString("  ,\n")
		}
		var sub strings.Builder
		printRule(&sub, v, nil)
		b.WriteString(sub.String())
	}
}

func factsString(fs []*Fact, rule string, embedded map[string]*Restriction) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		if r, ok := embedded[f.Name]; ok && r.FromRule == rule {
			parts[i] = "_restrict(" + FormulaString(restrictBody(r)) + ")"
			continue
		}
		parts[i] = f.String()
	}
	return strings.Join(parts, ", ")
}

// restrictBody recovers φ from the restriction built for _restrict(φ).
func restrictBody(r *Restriction) Formula {
	q := r.Formula.(*Quant)
	return q.Body.(*Conn).R
}
