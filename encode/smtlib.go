package encode

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteSMTLIB writes the problem in SMT-LIB 2 (logic ALL), for any
// other solver or for inspection: the sort Msg, the functions, the
// constants, every shared subterm as a define-fun, and the assertions
// (the problem's, then extra), followed by (check-sat).
func (p *Problem) WriteSMTLIB(w io.Writer, extra ...*Node) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "; tracebound problem at depth %d: %s\n", p.K, p.Stats())
	fmt.Fprintln(bw, "(set-logic ALL)")
	fmt.Fprintln(bw, "(declare-sort Msg 0)")
	for _, f := range p.B.Funcs() {
		doms := make([]string, len(f.Domain))
		for i, d := range f.Domain {
			doms[i] = d.String()
		}
		fmt.Fprintf(bw, "(declare-fun %s (%s) %s)\n", smtName(f.Name), strings.Join(doms, " "), f.Range)
	}
	printed := map[*Node]bool{}
	var def func(n *Node)
	def = func(n *Node) {
		if printed[n] {
			return
		}
		printed[n] = true
		for _, a := range n.Args {
			def(a)
		}
		switch n.Op {
		case OpTrue, OpFalse, OpIntLit:
			return
		case OpConst:
			fmt.Fprintf(bw, "(declare-fun %s () %s)\n", smtName(n.Name), n.Sort)
			return
		}
		fmt.Fprintf(bw, "(define-fun n%d () %s %s)\n", n.id, n.Sort, smtExpr(n))
	}
	for _, a := range append(append([]*Node{}, p.Assertions...), extra...) {
		def(a)
		fmt.Fprintf(bw, "(assert %s)\n", smtRef(a))
	}
	if !p.NoCheck {
		fmt.Fprintln(bw, "(check-sat)")
	}
	return bw.Flush()
}

func smtName(s string) string {
	return "|" + strings.ReplaceAll(s, "|", "_") + "|"
}

// smtRef names a node inside an expression.
func smtRef(n *Node) string {
	switch n.Op {
	case OpTrue:
		return "true"
	case OpFalse:
		return "false"
	case OpIntLit:
		dot := ""
		if n.Sort == SortReal {
			dot = ".0"
		}
		if n.Lit < 0 {
			return fmt.Sprintf("(- %d%s)", -n.Lit, dot)
		}
		return fmt.Sprintf("%d%s", n.Lit, dot)
	case OpConst:
		return smtName(n.Name)
	}
	return fmt.Sprintf("n%d", n.id)
}

func smtExpr(n *Node) string {
	var op string
	switch n.Op {
	case OpApp:
		op = smtName(n.Fun.Name)
	default:
		op = n.opName()
	}
	if len(n.Args) == 0 {
		return op // a constant symbol: no parentheses in SMT-LIB
	}
	parts := make([]string, len(n.Args))
	for i, a := range n.Args {
		parts[i] = smtRef(a)
	}
	return "(" + op + " " + strings.Join(parts, " ") + ")"
}
