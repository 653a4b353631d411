package rules

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// preprocessor expands #include, #ifdef/#ifndef/#else/#endif and #define
// over the token streams of the files it reads. It works on tokens, not on
// text, so that every token keeps the position in the file it came from.
type preprocessor struct {
	fset    *FileSet
	rep     *reporter
	read    func(string) ([]byte, error)
	defines map[string]bool
	open    []string // files being included, outermost first (cycle check)
	out     []token
	// Flags lists every flag name tested by an #ifdef/#ifndef, for
	// documentation and corpus runs.
	flags map[string]bool
	depth int
}

const maxIncludeDepth = 64

// condFrame is one open #ifdef.
type condFrame struct {
	pos     Pos
	active  bool // this branch's tokens are kept
	parent  bool // the enclosing context is active
	sawElse bool
}

func (pp *preprocessor) file(name string, src []byte, includedAt Pos) {
	f := pp.fset.AddFile(name, src, includedAt)
	toks := newLexer(f, pp.rep).lexAll()
	// Without #include, the kept tokens are compacted in place and
	// become the output of a file read first: a large model is then held
	// once, not twice.
	inPlace := !slices.ContainsFunc(toks, func(t token) bool { return t.kind == tDirective && t.text == "include" })
	w := 0
	emit := func(t token) {
		if inPlace {
			toks[w] = t
			w++
		} else {
			pp.out = append(pp.out, t)
		}
	}
	defer func() {
		if !inPlace {
			return
		}
		if len(pp.out) == 0 {
			pp.out = toks[:w]
		} else {
			pp.out = append(pp.out, toks[:w]...)
		}
	}()
	if !inPlace {
		pp.out = slices.Grow(pp.out, len(toks))
	}
	pp.open = append(pp.open, name)
	pp.depth++
	defer func() { pp.open = pp.open[:len(pp.open)-1]; pp.depth-- }()

	var stack []condFrame
	active := func() bool { return len(stack) == 0 || stack[len(stack)-1].active }
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == tEOF {
			break
		}
		if t.kind != tDirective {
			if active() {
				emit(t)
			}
			continue
		}
		// Directive arguments are the following tokens on the same line.
		line := pp.fset.Position(t.pos).Line
		j := i + 1
		for j < len(toks) && toks[j].kind != tEOF && toks[j].kind != tDirective && pp.fset.Position(toks[j].pos).Line == line {
			j++
		}
		args := toks[i+1 : j]
		switch t.text {
		case "ifdef", "ifndef":
			// A parenthesised condition may continue on later lines.
			if depth := parenDepth(args); depth > 0 {
				for j < len(toks) && toks[j].kind != tEOF && depth > 0 {
					if toks[j].isSym("(") {
						depth++
					} else if toks[j].isSym(")") {
						depth--
					}
					j++
				}
				args = toks[i+1 : j]
			}
			val := true
			if active() {
				val = pp.evalCond(t, args)
			} else {
				pp.recordFlags(args) // not evaluated, but still tested
			}
			if t.text == "ifndef" {
				val = !val
			}
			stack = append(stack, condFrame{pos: t.pos, parent: active(), active: active() && val})
		case "else":
			if len(stack) == 0 {
				pp.rep.errorf(t.pos, "#else without #ifdef")
				break
			}
			top := &stack[len(stack)-1]
			if top.sawElse {
				pp.rep.errorf(t.pos, "second #else for the same #ifdef")
			}
			top.sawElse = true
			top.active = top.parent && !top.active
			j = i + 1 // #else takes no arguments; keep what follows
		case "endif":
			if len(stack) == 0 {
				pp.rep.errorf(t.pos, "#endif without #ifdef")
			} else {
				stack = stack[:len(stack)-1]
			}
			j = i + 1
		case "define", "undef":
			if len(args) == 0 || args[0].kind != tIdent {
				pp.rep.errorf(t.pos, "#%s needs a flag name", t.text)
				break
			}
			j = i + 2
			if active() {
				pp.defines[args[0].text] = t.text == "define"
			}
		case "include":
			k := 1
			for k < len(args) && !args[k].isSym(`"`) {
				k++
			}
			if len(args) == 0 || !args[0].isSym(`"`) || k == len(args) {
				pp.rep.errorf(t.pos, `#include needs a file name in double quotes`)
				break
			}
			j = i + 1 + k + 1
			if active() {
				pp.include(t, args[0], rawText(pp.fset, args[0], args[k]), name)
			}
		}
		i = j - 1
	}
	for _, fr := range stack {
		pp.rep.errorf(fr.pos, "#ifdef without #endif")
	}
}

func parenDepth(toks []token) int {
	d := 0
	for _, t := range toks {
		if t.isSym("(") {
			d++
		} else if t.isSym(")") {
			d--
		}
	}
	return d
}

func (pp *preprocessor) include(dir, arg token, path, from string) {
	rel := path
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(from), path)
	}
	path = filepath.Clean(path)
	for k, o := range pp.open {
		if o == path {
			chain := append(append([]string{}, pp.open[k:]...), path)
			pp.rep.errorf(arg.pos, "include cycle: %s", strings.Join(chain, " -> "))
			return
		}
	}
	if pp.depth >= maxIncludeDepth {
		pp.rep.errorf(arg.pos, "includes nested more than %d deep", maxIncludeDepth)
		return
	}
	src, err := pp.read(path)
	if err != nil {
		pp.rep.errorf(arg.pos, "cannot include %q: %v", rel, unwrapPathError(err))
		return
	}
	if pp.fset.size()+len(src) > MaxFileSize {
		pp.rep.errorf(arg.pos, "cannot include %q: the model and its included files would be larger than %d MB", rel, MaxFileSize>>20)
		return
	}
	pp.file(path, src, dir.pos)
}

// evalCond evaluates an #ifdef condition: flags combined with &, |, not
// and parentheses.
func (pp *preprocessor) evalCond(dir token, args []token) bool {
	if len(args) == 0 {
		pp.rep.errorf(dir.end, "#%s needs a condition", dir.text)
		return false
	}
	c := &condParser{toks: args, pp: pp}
	v, ok := c.or()
	if ok && c.i < len(c.toks) {
		pp.rep.errorf(c.toks[c.i].pos, "unexpected %s in #%s condition", c.toks[c.i], dir.text)
		return false
	}
	return ok && v
}

type condParser struct {
	toks []token
	i    int
	pp   *preprocessor
}

func (c *condParser) peek() (token, bool) {
	if c.i < len(c.toks) {
		return c.toks[c.i], true
	}
	return token{}, false
}

func (c *condParser) or() (bool, bool) {
	v, ok := c.and()
	for ok {
		t, more := c.peek()
		if !more || !(t.isSym("|") || t.isSym("||") || t.isSym("∨")) {
			break
		}
		c.i++
		var w bool
		w, ok = c.and()
		v = v || w
	}
	return v, ok
}

func (c *condParser) and() (bool, bool) {
	v, ok := c.not()
	for ok {
		t, more := c.peek()
		if !more || !(t.isSym("&") || t.isSym("∧")) {
			break
		}
		c.i++
		var w bool
		w, ok = c.not()
		v = v && w
	}
	return v, ok
}

func (c *condParser) not() (bool, bool) {
	t, more := c.peek()
	if !more {
		end := c.toks[len(c.toks)-1].end
		c.pp.rep.errorf(end, "incomplete #ifdef condition")
		return false, false
	}
	switch {
	case t.isIdent("not") || t.isSym("¬") || t.isSym("!"):
		c.i++
		v, ok := c.not()
		return !v, ok
	case t.isSym("("):
		c.i++
		v, ok := c.or()
		if !ok {
			return false, false
		}
		if n, more := c.peek(); !more || !n.isSym(")") {
			pos := c.toks[len(c.toks)-1].end
			if more {
				pos = n.pos
			}
			c.pp.rep.errorf(pos, "missing ) in #ifdef condition")
			return false, false
		}
		c.i++
		return v, true
	case t.kind == tIdent:
		c.i++
		c.pp.flags[t.text] = true
		return c.pp.defines[t.text], true
	}
	c.pp.rep.errorf(t.pos, "unexpected %s in #ifdef condition", t)
	return false, false
}

// recordFlags notes the flag names of a condition that is not evaluated
// because it sits in an inactive region.
func (pp *preprocessor) recordFlags(args []token) {
	for _, t := range args {
		if t.kind == tIdent && t.text != "not" {
			pp.flags[t.text] = true
		}
	}
}

// sortedFlags returns the flag names an #ifdef tested.
func (pp *preprocessor) sortedFlags() []string {
	var out []string
	for f := range pp.flags {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}
