package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interrupted is the cause a run is cancelled with by a signal.
type interrupted struct{ sig os.Signal }

func (e *interrupted) Error() string { return "interrupted (" + signalName(e.sig) + ")" }

func signalName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

// signalStatus is the exit status of a run stopped by s: 128 + its
// number, as shells report it.
func signalStatus(s os.Signal) int {
	if s == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

// signals stops a run on SIGINT or SIGTERM. The first signal cancels the
// run's context (the solvers are interrupted, the lemmas not finished
// become unknown, the verdicts so far, the summary and complete output
// files are written, and the run exits with signalStatus); a second
// signal exits at once, removing unfinished output files.
type signals struct {
	mu     sync.Mutex
	first  os.Signal
	stop   func()
	cancel context.CancelCauseFunc
	exit   func(int)
	errw   io.Writer
}

// watchSignals starts watching; stop ends it.
func watchSignals(cancel context.CancelCauseFunc, errw io.Writer) *signals {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	s := newSignals(ch, cancel, errw, os.Exit)
	s.stop = func() { signal.Stop(ch) }
	return s
}

// newSignals watches ch; exit ends the process (os.Exit, or a fake in
// tests).
func newSignals(ch <-chan os.Signal, cancel context.CancelCauseFunc, errw io.Writer, exit func(int)) *signals {
	s := &signals{cancel: cancel, exit: exit, errw: errw, stop: func() {}}
	go s.loop(ch)
	return s
}

func (s *signals) loop(ch <-chan os.Signal) {
	first, ok := <-ch
	if !ok {
		return
	}
	s.mu.Lock()
	s.first = first
	s.mu.Unlock()
	fmt.Fprintf(s.errw, "\ntracebound: %s: stopping; the verdicts so far follow (a second signal exits at once)\n", signalName(first))
	s.cancel(&interrupted{first})
	second, ok := <-ch
	if !ok {
		return
	}
	fmt.Fprintf(s.errw, "tracebound: %s again: exiting at once\n", signalName(second))
	removeTemps()
	s.exit(signalStatus(second))
}

// received returns the first signal, or nil.
func (s *signals) received() os.Signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}
