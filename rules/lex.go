package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind classifies tokens.
type tokKind uint8

const (
	tEOF       tokKind = iota
	tIdent             // letters, digits, '_'; may start with a digit
	tPubName           // '…': Text holds the contents without quotes
	tSym               // punctuation or operator; Text holds it
	tDirective         // #ifdef, #include, …: Text holds the name without '#'
	tComment           // formal comment name{* … *}: Text name, Body contents
	tIllegal           // a character no token starts with
)

// token is one lexeme. Pos is its first byte, End one past its last.
type token struct {
	kind tokKind
	// bol is set when the token is the first on its line.
	bol  bool
	text string // a formal comment's is name{*body (see comment)
	pos  Pos
	end  Pos
}

// comment splits a formal comment token's text into its name and body.
func (t token) comment() (name, body string) {
	name, body, _ = strings.Cut(t.text, "{*")
	return name, body
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tPubName:
		return fmt.Sprintf("'%s'", t.text)
	case tDirective:
		return "#" + t.text
	case tComment:
		name, _ := t.comment()
		return "formal comment " + name
	case tIllegal:
		if t.text == "'" {
			return "quote ' without a closing quote on its line"
		}
	}
	return fmt.Sprintf("%q", t.text)
}

func (t token) isSym(text string) bool   { return t.kind == tSym && t.text == text }
func (t token) isIdent(text string) bool { return t.kind == tIdent && t.text == text }

// symbols, longest first within each leading character.
var symbols = []string{
	"-->", "--[", "->", "-",
	"]->", "]",
	"==>", "=",
	"<=>", "<", // "<<" is recognised by the parser from two adjacent '<'
	">",
	"++", "+",
	"%+", "%",
	"~~>", "~",
	"||", "|",
	"(", ")", "[", "{", "}", ",", ".", ":", ";", "!", "@", "#", "$", "^", "*", "&", "/", "?", "\\", "\"",
	"∀", "∃", "¬", "∧", "∨", "⇒", "⇔", "⊤", "⊥", "⊕", "⊏", "▶", "∥", "≈", "≤",
	"₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉",
}

var directives = map[string]bool{
	"ifdef": true, "ifndef": true, "else": true, "endif": true, "define": true, "include": true, "undef": true,
}

// lexer turns one file into tokens. Comments are skipped; lexical errors
// become tIllegal tokens or diagnostics.
type lexer struct {
	file *File
	src  []byte
	off  int
	rep  *reporter
	// lineStart is true while only blanks were seen on the current line.
	lineStart bool
	tokBOL    bool
	// badUTF8 is set when the file is not valid UTF-8 (reported once).
	badUTF8 bool
	names   map[string]string // interned identifiers
}

func invalidAt(src []byte, off int) bool {
	r, size := utf8.DecodeRune(src[off:])
	return r == utf8.RuneError && size == 1
}

// firstInvalidUTF8 returns the offset of the first byte of src that is
// not part of a valid UTF-8 sequence.
func firstInvalidUTF8(src []byte) int {
	for off := 0; off < len(src); {
		if invalidAt(src, off) {
			return off
		}
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	return len(src)
}

func newLexer(f *File, rep *reporter) *lexer {
	return &lexer{file: f, src: f.src, rep: rep, lineStart: true}
}

// lexAll lexes a whole file. A file that is not UTF-8 text gets one
// error, at its first invalid byte; invalid bytes outside comments are
// then skipped.
func (lx *lexer) lexAll() []token {
	if !utf8.Valid(lx.src) {
		off := firstInvalidUTF8(lx.src)
		lx.rep.errorf(lx.pos(off), "the file is not UTF-8 text: invalid byte 0x%02X", lx.src[off])
		lx.badUTF8 = true
	}
	// Count first, then fill a slice of the exact size: growing one slice
	// by appending copies it over and over, which took most of the time
	// and memory of loading a 50 MB model.
	count := &lexer{file: lx.file, src: lx.src, rep: &reporter{fset: lx.rep.fset}, lineStart: true, badUTF8: lx.badUTF8, names: map[string]string{}}
	n := 1
	for count.scan().kind != tEOF {
		n++
	}
	lx.names = count.names
	toks := make([]token, 0, n)
	for {
		t := lx.next()
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks
		}
	}
}

// intern returns the identifier b as a string shared by its occurrences.
func (lx *lexer) intern(b []byte) string {
	if s, ok := lx.names[string(b)]; ok {
		return s
	}
	if lx.names == nil {
		lx.names = map[string]string{}
	}
	s := string(b)
	lx.names[s] = s
	return s
}

func isLetter(b byte) bool    { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool     { return '0' <= b && b <= '9' }
func isIdentByte(b byte) bool { return isLetter(b) || isDigit(b) || b == '_' }

func (lx *lexer) pos(off int) Pos { return lx.file.Pos(off) }

// skipSpace skips blanks and comments, tracking line starts.
func (lx *lexer) skipSpace() {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == '\n':
			lx.off++
			lx.lineStart = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.off++
		case c >= 0x80 && lx.badUTF8 && invalidAt(lx.src, lx.off):
			lx.off++ // reported once for the file
		case c == 0xC2 && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == 0xA0: // non-breaking space
			lx.off += 2
		case c == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '/':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.off++
			}
		case c == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '*':
			lx.skipBlockComment()
		default:
			return
		}
	}
}

// skipBlockComment skips a possibly nested /* … */ comment.
func (lx *lexer) skipBlockComment() {
	start := lx.off
	depth := 0
	for lx.off < len(lx.src) {
		if lx.src[lx.off] == '/' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '*' {
			depth++
			lx.off += 2
			continue
		}
		if lx.src[lx.off] == '*' && lx.off+1 < len(lx.src) && lx.src[lx.off+1] == '/' {
			depth--
			lx.off += 2
			if depth == 0 {
				return
			}
			continue
		}
		if lx.src[lx.off] == '\n' {
			lx.lineStart = true
		}
		lx.off++
	}
	lx.rep.errorf(lx.pos(start), "comment not terminated")
}

func (lx *lexer) next() token {
	t := lx.scan()
	t.bol = lx.tokBOL
	return t
}

func (lx *lexer) scan() token {
	lx.skipSpace()
	atLineStart := lx.lineStart
	lx.tokBOL = atLineStart
	lx.lineStart = false
	start := lx.off
	if lx.off >= len(lx.src) {
		return token{kind: tEOF, pos: lx.pos(start), end: lx.pos(start)}
	}
	c := lx.src[lx.off]
	switch {
	case isIdentByte(c):
		for lx.off < len(lx.src) && isIdentByte(lx.src[lx.off]) {
			lx.off++
		}
		name := lx.intern(lx.src[start:lx.off])
		// Formal comment: name{* … *}
		if lx.off+1 < len(lx.src) && lx.src[lx.off] == '{' && lx.src[lx.off+1] == '*' {
			return lx.formalComment(name, start)
		}
		return token{kind: tIdent, text: name, pos: lx.pos(start), end: lx.pos(lx.off)}
	case c == '\'':
		lx.off++
		bodyStart := lx.off
		for lx.off < len(lx.src) && lx.src[lx.off] != '\'' && lx.src[lx.off] != '\n' {
			lx.off++
		}
		if lx.off >= len(lx.src) || lx.src[lx.off] != '\'' {
			// Reported by the parser if it reaches it: inside an ignored
			// tactic a lone quote is harmless.
			lx.off = bodyStart
			return token{kind: tIllegal, text: "'", pos: lx.pos(start), end: lx.pos(lx.off)}
		}
		lx.off++
		return token{kind: tPubName, text: string(lx.src[bodyStart : lx.off-1]), pos: lx.pos(start), end: lx.pos(lx.off)}
	case c == '#' && atLineStart:
		j := lx.off + 1
		for j < len(lx.src) && isIdentByte(lx.src[j]) {
			j++
		}
		if name := string(lx.src[lx.off+1 : j]); directives[name] {
			lx.off = j
			return token{kind: tDirective, text: name, pos: lx.pos(start), end: lx.pos(j)}
		}
	}
	rest := lx.src[lx.off:]
	for _, s := range symbols {
		if len(rest) >= len(s) && string(rest[:len(s)]) == s {
			lx.off += len(s)
			return token{kind: tSym, text: s, pos: lx.pos(start), end: lx.pos(lx.off)}
		}
	}
	r, size := utf8.DecodeRune(rest)
	lx.off += size
	return token{kind: tIllegal, text: string(r), pos: lx.pos(start), end: lx.pos(lx.off)}
}

func (lx *lexer) formalComment(name string, start int) token {
	lx.off += 2 // {*
	bodyStart := lx.off
	for lx.off+1 < len(lx.src) {
		if lx.src[lx.off] == '*' && lx.src[lx.off+1] == '}' {
			body := string(lx.src[bodyStart:lx.off])
			lx.off += 2
			return token{kind: tComment, text: name + "{*" + body, pos: lx.pos(start), end: lx.pos(lx.off)}
		}
		lx.off++
	}
	lx.off = len(lx.src)
	lx.rep.errorf(lx.pos(start), "formal comment %s{* … not terminated by *}", name)
	return token{kind: tComment, text: name + "{*" + string(lx.src[bodyStart:]), pos: lx.pos(start), end: lx.pos(lx.off)}
}

// rawText returns the source text strictly between tokens a and b,
// which must be in the same file.
func rawText(fset *FileSet, a, b token) string {
	f := fset.File(a.end)
	if f == nil || fset.File(b.pos) != f || b.pos < a.end {
		return ""
	}
	return string(f.src[int(a.end)-f.base : int(b.pos)-f.base])
}
