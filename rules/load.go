package rules

import (
	"os"
	"sort"
)

// Options configure loading a model. The zero value reads files from the
// operating system with no flags set.
type Options struct {
	// Defines are the preprocessor flags set on the command line (-D).
	Defines []string
	// ReadFile reads included files; nil means os.ReadFile.
	ReadFile func(path string) ([]byte, error)
}

// Load reads, preprocesses, parses and checks the model in file path.
// It returns the theory (possibly partial when there are errors) and all
// diagnostics, sorted by position. The theory may be used only when
// diags.HasErrors() is false.
func Load(path string, opts Options) (*Theory, Diagnostics) {
	read := opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	src, err := read(path)
	if err != nil {
		d := &Diagnostic{Pos: Position{Filename: path}, Severity: SevError, Msg: unwrapPathError(err).Error()}
		return nil, Diagnostics{d}
	}
	return parseSource(path, src, opts, read)
}

// Parse is like Load for a model given as text; name is used in
// positions and to resolve #include.
func Parse(name string, src []byte, opts Options) (*Theory, Diagnostics) {
	read := opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	return parseSource(name, src, opts, read)
}

func parseSource(name string, src []byte, opts Options, read func(string) ([]byte, error)) (*Theory, Diagnostics) {
	fset := NewFileSet()
	rep := &reporter{fset: fset}
	pp := &preprocessor{fset: fset, rep: rep, read: read, defines: map[string]bool{}, flags: map[string]bool{}}
	for _, d := range opts.Defines {
		pp.defines[d] = true
	}
	pp.file(name, src, NoPos)
	pp.out = append(pp.out, token{kind: tEOF, pos: endPos(fset)})

	th := &Theory{Files: fset}
	p := &parser{
		fset: fset, rep: rep, toks: pp.out, th: th,
		funcs: map[string]*FuncSym{}, macros: map[string]*macro{},
		preds: map[string]*predicate{}, builtins: map[string]bool{},
	}
	for _, f := range pairingFuncs {
		f := f
		f.Builtin = "pairing"
		p.declare(&f)
	}
	for _, e := range pairingEqs {
		p.addBuiltinEquation("pairing", e[0], e[1])
	}
	p.parseTheory()
	th.preds = p.preds
	th.Flags = pp.sortedFlags()
	for d, on := range pp.defines {
		if on {
			th.Defines = append(th.Defines, d)
		}
	}
	sort.Strings(th.Defines)
	if !rep.diags.HasErrors() {
		expandAccountability(th, rep)
		check(th, rep)
	}
	th.Func("") // build the lookup table now: the theory is read-only from here on
	rep.diags.Sort()
	return th, rep.diags
}

func endPos(fset *FileSet) Pos {
	if len(fset.files) == 0 {
		return NoPos
	}
	f := fset.files[0]
	return Pos(f.base + len(f.src))
}
