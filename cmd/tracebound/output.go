package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/queries/format"
)

// outputFlags are check's flags about what it writes where.
type outputFlags struct {
	format    string
	output    string
	lifelines []string
	junit     string
	stats     bool
	noTimings bool
}

func (o *outputFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: "+strings.Join(format.Names, ", ")+
		" (msc is a Mermaid sequence diagram, svg the same chart drawn; without -f, the extension of -o decides)")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of standard output; DIR/ writes one file per lemma (LEMMA.txt, LEMMA.dot, …)")
	f.StringArrayVar(&o.lifelines, "lifeline", nil, "msc/svg/html: draw a step with fact FACT on the lifeline named by its argument ARGPOS (1-based); FACT:ARGPOS, repeatable")
	f.StringVar(&o.junit, "junit", "", "also write JUnit XML to this file: one test case per lemma")
	f.BoolVar(&o.stats, "stats", false, "print where the time goes (parse, encode, solve, replay) per lemma and depth")
	f.BoolVar(&o.noTimings, "no-timings", false, "leave timings out of JSON and JUnit, so that they are the same bytes on every run with --depth")
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress shows on a terminal which lemmas are being checked, the depth
// each has reached and the time spent, on one line that is redrawn.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	depth int
	order []string
	state map[string]string
	shown bool
}

func newProgress(w io.Writer, depth int) *progress {
	return &progress{w: w, depth: depth, state: map[string]string{}}
}

// update is queries.Options.Progress.
func (p *progress) update(lemma string, depth int, elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.state[lemma]; !ok {
		p.order = append(p.order, lemma)
	}
	if p.depth > 0 {
		p.state[lemma] = fmt.Sprintf("%s: depth %d/%d, %s", lemma, depth, p.depth, elapsed.Round(100*time.Millisecond))
	} else {
		p.state[lemma] = fmt.Sprintf("%s: depth %d, %s", lemma, depth, elapsed.Round(100*time.Millisecond))
	}
	p.draw()
}

// done forgets a lemma whose verdict is in.
func (p *progress) done(lemma string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.state, lemma)
	for i, l := range p.order {
		if l == lemma {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
}

func (p *progress) draw() {
	var parts []string
	for _, l := range p.order {
		parts = append(parts, p.state[l])
	}
	line := "checking " + strings.Join(parts, " | ")
	if r := []rune(line); len(r) > 160 {
		line = string(r[:159]) + "…"
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// pause clears the progress line while f writes, then redraws it.
func (p *progress) pause(f func()) {
	if p == nil {
		f()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
	f()
	if len(p.order) > 0 {
		p.draw()
	}
}

// Output files are written atomically: into a temporary file in the
// same directory, renamed into place when complete. A reader never sees
// half a report, and a run stopped by a second signal (which exits at
// once) leaves no temporary file behind (removeTemps).
var temps = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

// removeTemps removes the temporary files of unfinished outputs.
func removeTemps() {
	temps.Lock()
	defer temps.Unlock()
	for p := range temps.paths {
		os.Remove(p)
	}
	temps.paths = map[string]bool{}
}

// atomicFile is an output file being written.
type atomicFile struct {
	*os.File
	path string
}

// createAtomic starts writing path.
func createAtomic(path string) (*atomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, err
	}
	temps.Lock()
	temps.paths[f.Name()] = true
	temps.Unlock()
	return &atomicFile{File: f, path: path}, nil
}

// commit closes the file and renames it into place.
func (a *atomicFile) commit() error {
	tmp := a.File.Name()
	defer func() {
		temps.Lock()
		delete(temps.paths, tmp)
		temps.Unlock()
	}()
	err := a.File.Chmod(0o644)
	if cerr := a.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, a.path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// abort closes and removes the unfinished file.
func (a *atomicFile) abort() {
	tmp := a.File.Name()
	a.File.Close()
	os.Remove(tmp)
	temps.Lock()
	delete(temps.paths, tmp)
	temps.Unlock()
}

// writeFile writes a file atomically with f, reporting the first error.
func writeFile(path string, f func(io.Writer) error) error {
	out, err := createAtomic(path)
	if err != nil {
		return err
	}
	if err := f(out); err != nil {
		out.abort()
		return err
	}
	return out.commit()
}
