package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Without cgo (the official Go tarball on a machine without a C
// compiler) the build fails with a message that says what to do, not
// with "undefined: z3.Context".
func TestBuildWithoutCgoSaysWhy(t *testing.T) {
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	first := strings.SplitN(strings.TrimSpace(string(out)), "\n", 3)
	require.GreaterOrEqual(t, len(first), 2, string(out))
	assert.Contains(t, first[1], "tracebound_needs_cgo_install_gcc_and_libz3_dev_then_build_with_CGO_ENABLED_1")
	assert.NotContains(t, string(out), "z3.Context")
}

// make deps installs a C compiler when there is none (here a fake
// apt-get records what it is asked).
func TestMakeDepsInstallsCompiler(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "apt.log")
	fake := filepath.Join(dir, "apt-get")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+log+"\n"), 0o755))
	cmd := exec.Command("make", "-s", "-C", "../..", "deps", "CC=no-such-compiler-here", "APT_GET="+fake, "SUDO=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "installing gcc (cgo compiles go-z3)")
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.Contains(t, string(b), "install -y -q gcc libc6-dev")
}
