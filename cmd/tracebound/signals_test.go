package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds tracebound once for the tests that need a process of
// its own (signals).
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tracebound-test-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "tracebound")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// startUntil starts tracebound with args in dir and returns once its
// standard output has shown a line containing ready (a verdict: the run
// is then in the middle of the next lemma).
func startUntil(t *testing.T, dir, ready string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer, <-chan error) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stderr = &errb
	pipe, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	seen := make(chan struct{})
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pipe)
		once := sync.Once{}
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), ready) {
				once.Do(func() { close(seen) })
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		<-copied
		done <- cmd.Wait()
	}()
	select {
	case <-seen:
	case err := <-done:
		t.Fatalf("tracebound ended before %q: %v\n%s%s", ready, err, out.String(), errb.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no %q within 60 s", ready)
	}
	return cmd, &out, &errb, done
}

// SIGINT and SIGTERM in the middle of a long check: the solver stops,
// the verdicts so far and the summary are printed, the output files are
// complete (the report says interrupted), no temporary file is left, and
// the status is 130 or 143.
func TestSignalStopsRun(t *testing.T) {
	nsl, err := filepath.Abs("../../examples/nsl.spthy")
	require.NoError(t, err)
	for _, c := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			// NSL's secrecy lemmas to depth 12 take tens of seconds each
			cmd, out, errb, done := startUntil(t, dir, "executable (exists-trace): witness found",
				"check", nsl, "--no-abstraction", "--depth", "12", "-j", "1", "-f", "json", "-o", "report.json", "--junit", "junit.xml")
			sent := time.Now()
			require.NoError(t, cmd.Process.Signal(c.sig))
			var werr error
			select {
			case werr = <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("still running 20 s after the signal")
			}
			took := time.Since(sent)
			var ee *exec.ExitError
			require.ErrorAs(t, werr, &ee)
			assert.Equal(t, c.code, ee.ExitCode())
			assert.Less(t, took, 5*time.Second, "the running solver was interrupted")
			assert.Contains(t, errb.String(), c.name+": stopping")
			assert.Contains(t, out.String(), "responder_nonce_secrecy (all-traces): unknown: interrupted ("+c.name+")")
			assert.Contains(t, out.String(), "summary of summaries:")
			noTemps(t, dir, "report.json", "junit.xml")
			b, err := os.ReadFile(filepath.Join(dir, "report.json"))
			require.NoError(t, err)
			rep := parseReport(t, b)
			assert.Equal(t, c.name, rep.Interrupted)
			require.Len(t, rep.Verdicts, 5, "every lemma has a verdict")
			assert.Equal(t, "witness found", rep.Verdicts[0].Verdict)
			assert.Equal(t, "unknown", rep.Verdicts[4].Verdict)
			ju := readJUnit(t, filepath.Join(dir, "junit.xml"))
			assert.Equal(t, 5, ju.Tests)
			assert.Equal(t, 4, ju.Errors)
		})
	}
}

// A second signal exits at once with the signal's status, removing the
// temporary files of unfinished outputs; the first one cancels the run
// with a cause naming it.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	dir := t.TempDir()
	f, err := createAtomic(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	_, err = io.WriteString(f, "{")
	require.NoError(t, err)
	ch := make(chan os.Signal, 2)
	ctx, cancel := context.WithCancelCause(context.Background())
	exited := make(chan int, 1)
	var errb syncBuffer
	s := newSignals(ch, cancel, &errb, func(code int) { exited <- code })
	ch <- syscall.SIGTERM
	<-ctx.Done()
	assert.Equal(t, "interrupted (SIGTERM)", context.Cause(ctx).Error())
	assert.Equal(t, syscall.SIGTERM, s.received())
	noTemps(t, dir, filepath.Base(f.Name()))
	ch <- syscall.SIGINT
	select {
	case code := <-exited:
		assert.Equal(t, exitSIGINT, code)
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not exit")
	}
	noTemps(t, dir) // the unfinished report is gone
	assert.Contains(t, errb.String(), "SIGINT again: exiting at once")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
