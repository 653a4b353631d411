package rules

import (
	"fmt"
	"sort"
)

// Pos is a compact source position: an offset into the address space of a
// FileSet, like go/token.Pos. The zero value NoPos means "no position".
type Pos int

// NoPos is the zero Pos.
const NoPos Pos = 0

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p != NoPos }

// A File is one source file added to a FileSet. Files reached through
// #include remember the position of the directive that included them.
type File struct {
	name     string
	base     int
	src      []byte
	lines    []int // offsets of line starts
	included Pos   // position of the #include directive, or NoPos
}

// Name returns the file name as given to AddFile.
func (f *File) Name() string { return f.name }

// Base returns the Pos of the first byte of the file.
func (f *File) Base() int { return f.base }

// Size returns the length of the file's source in bytes.
func (f *File) Size() int { return len(f.src) }

// Pos returns the Pos of the byte at offset off.
func (f *File) Pos(off int) Pos { return Pos(f.base + off) }

// Source returns the file's text.
func (f *File) Source() []byte { return f.src }

// A Position is a resolved source position.
type Position struct {
	Filename string `json:"file"`
	Line     int    `json:"line"`   // 1-based
	Column   int    `json:"column"` // 1-based, in bytes
	Offset   int    `json:"-"`
}

// IsValid reports whether the position is known.
func (p Position) IsValid() bool { return p.Line > 0 }

func (p Position) String() string {
	if !p.IsValid() {
		if p.Filename != "" {
			return p.Filename
		}
		return "-"
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// A FileSet maps Pos values to files, lines and columns. It is not safe for
// concurrent mutation; reading is safe once all files are added.
type FileSet struct {
	files []*File
	base  int
}

// NewFileSet returns an empty FileSet.
func NewFileSet() *FileSet { return &FileSet{base: 1} }

// AddFile registers a source file. included is the position of the
// #include directive that pulled it in, or NoPos.
func (s *FileSet) AddFile(name string, src []byte, included Pos) *File {
	f := &File{name: name, base: s.base, src: src, included: included}
	f.lines = append(f.lines, 0)
	for i, b := range src {
		if b == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	s.files = append(s.files, f)
	s.base += len(src) + 1 // +1 so that an EOF position is still inside
	return f
}

// size returns the number of source bytes of the files in s.
func (s *FileSet) size() int {
	n := 0
	for _, f := range s.files {
		n += len(f.src)
	}
	return n
}

// File returns the file that contains p, or nil.
func (s *FileSet) File(p Pos) *File {
	if s == nil || p == NoPos {
		return nil
	}
	i := sort.Search(len(s.files), func(i int) bool { return s.files[i].base > int(p) }) - 1
	if i < 0 {
		return nil
	}
	f := s.files[i]
	if int(p) > f.base+len(f.src) {
		return nil
	}
	return f
}

// Position resolves p.
func (s *FileSet) Position(p Pos) Position {
	f := s.File(p)
	if f == nil {
		return Position{}
	}
	off := int(p) - f.base
	line := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	return Position{Filename: f.name, Line: line + 1, Column: off - f.lines[line] + 1, Offset: off}
}

// LineText returns the text of the source line containing p, without the
// line terminator.
func (s *FileSet) LineText(p Pos) string {
	f := s.File(p)
	if f == nil {
		return ""
	}
	pos := s.Position(p)
	start := f.lines[pos.Line-1]
	end := len(f.src)
	if pos.Line < len(f.lines) {
		end = f.lines[pos.Line] - 1
	}
	if end > start && f.src[end-1] == '\r' {
		end--
	}
	return string(f.src[start:end])
}

// IncludeChain returns the positions of the #include directives through
// which p's file was reached, innermost first.
func (s *FileSet) IncludeChain(p Pos) []Position {
	var chain []Position
	for f := s.File(p); f != nil && f.included != NoPos; f = s.File(f.included) {
		chain = append(chain, s.Position(f.included))
	}
	return chain
}
