package rules

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
)

// Options configure loading a model. The zero value reads files from the
// operating system with no flags set.
type Options struct {
	// Defines are the preprocessor flags set on the command line (-D).
	Defines []string
	// ReadFile reads the model and its included files; nil means the
	// file system (at most MaxFileSize bytes per file).
	ReadFile func(path string) ([]byte, error)
}

// Load reads, preprocesses, parses and checks the model in file path.
// It returns the theory (possibly partial when there are errors) and all
// diagnostics, sorted by position. The theory may be used only when
// diags.HasErrors() is false.
func Load(path string, opts Options) (*Theory, Diagnostics) {
	read := opts.ReadFile
	if read == nil {
		read = readModelFile
	}
	src, err := read(path)
	if err != nil {
		d := &Diagnostic{Pos: Position{Filename: path}, Severity: SevError, Msg: "cannot read the model: " + unwrapPathError(err).Error()}
		return nil, Diagnostics{d}
	}
	return parseSource(path, src, opts, read)
}

// MaxFileSize is the largest model file (or included file) read: far
// above any real model (the TLS 1.3 model is 0.3 MB in 20 files, the
// largest corpus model 0.1 MB). Loading takes about 1 s and 60 MB of
// memory per MB of model (a generated 50 MB model took 48 s and 2.8 GB),
// and no encoding of a model that size would fit in memory anyway.
const MaxFileSize = 16 << 20

// readModelFile reads a model file: not a directory, and at most
// MaxFileSize bytes (a pipe such as /dev/stdin may be read).
func readModelFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		switch {
		case st.IsDir():
			return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("is a directory, not a model file")}
		case st.Mode()&fs.ModeDevice != 0:
			return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("is a device, not a model file")}
		case st.Mode().IsRegular() && st.Size() > MaxFileSize:
			return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d MB", MaxFileSize>>20)}
		}
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d MB", MaxFileSize>>20)}
	}
	return src, nil
}

// Parse is like Load for a model given as text; name is used in
// positions and to resolve #include.
func Parse(name string, src []byte, opts Options) (*Theory, Diagnostics) {
	read := opts.ReadFile
	if read == nil {
		read = readModelFile
	}
	return parseSource(name, src, opts, read)
}

func parseSource(name string, src []byte, opts Options, read func(string) ([]byte, error)) (*Theory, Diagnostics) {
	fset := NewFileSet()
	if len(src) > MaxFileSize {
		d := &Diagnostic{Pos: Position{Filename: name}, Severity: SevError, Msg: fmt.Sprintf("the model is larger than %d MB", MaxFileSize>>20)}
		return &Theory{Files: fset}, Diagnostics{d}
	}
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
