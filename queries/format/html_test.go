package format

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const chromiumPath = "/usr/bin/chromium"

// chromium returns the path of Debian's chromium, installing it with
// apt-get when it is missing; it skips the test when that is impossible.
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return chromiumPath
	}
	if testing.Short() {
		t.Skip("chromium is not installed (and -short: not installing it)")
	}
	if os.Geteuid() != 0 {
		t.Skip("chromium is not installed and installing it needs root: apt-get install chromium")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("chromium is not installed and there is no apt-get to install it")
	}
	t.Log("installing chromium with apt-get (once per machine)")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	for _, args := range [][]string{{"update", "-q"}, {"install", "-y", "-q", "--no-install-recommends", "chromium", "fonts-dejavu-core"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("cannot install chromium (apt-get %s: %v): %s", args[0], err, lastLines(out, 5))
		}
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("apt-get installed no " + chromiumPath)
	}
	return chromiumPath
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// headless runs chromium on a file with the given extra flags.
func headless(t *testing.T, bin, page string, extra ...string) []byte {
	t.Helper()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	args = append(args, extra...)
	args = append(args, "file://"+page)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium: %s", lastLines(stderr.Bytes(), 10))
	return stdout.Bytes()
}

// The HTML page of Lowe's attack, opened in headless Chromium: the DOM it
// renders has the verdict table, the chart and the graph as SVG with a
// node per step, the text trace with step anchors linked to the rules'
// source, and fetches nothing.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	r := nspkRun(t, "responder_nonce_secrecy")
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, r))
	page := b.String()
	for _, ref := range []string{"src=", "<link", "@import", "url(http"} {
		assert.NotContains(t, page, ref, "the page is self-contained")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "attack.html")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))

	dom := string(headless(t, bin, path, "--dump-dom"))
	require.Contains(t, dom, "<table class=\"verdicts\">")
	assert.Equal(t, 1, strings.Count(dom, "<tr class=\"verdict bad\""), "one falsified lemma")
	assert.Contains(t, dom, "<td class=\"kind\">falsified</td>")
	assert.Equal(t, 1, strings.Count(dom, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"msc\""))
	assert.Equal(t, 1, strings.Count(dom, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\""))
	assert.Equal(t, 7, strings.Count(dom, "<g class=\"note step\""), "a note per step in the chart")
	assert.Equal(t, 7, strings.Count(dom, "<g class=\"node step\""), "a node per step in the graph")
	assert.Contains(t, dom, "class=\"lane adversary\"")
	steps := regexp.MustCompile(`<span class="step" id="lemma-responder_nonce_secrecy-step-(\d+)">`).FindAllStringSubmatch(dom, -1)
	assert.Len(t, steps, 7, "every step of the text trace is an anchor")
	links := regexp.MustCompile(`<a class="rule" href="#(rule-\d+)">`).FindAllStringSubmatch(dom, -1)
	require.Len(t, links, 7)
	for _, l := range links {
		assert.Contains(t, dom, "<div class=\"rule\" id=\""+l[1]+"\">", "the link to %s has a target", l[1])
	}
	assert.Contains(t, dom, "rule Resp_recv_3:", "the rules' source text is shown")
	assert.Contains(t, dom, "examples/nspk.spthy:51")

	png := filepath.Join(dir, "attack.png")
	headless(t, bin, path, "--screenshot="+png, "--window-size=1400,2000", "--hide-scrollbars")
	st, err := os.Stat(png)
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(20000), "the screenshot shows something")
	t.Logf("screenshot: %s", png)
}
