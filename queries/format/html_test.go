package format

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/queries"
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

// measureJS, appended to the page under test, records in the DOM how
// wide each picture is drawn (and would be at its actual size) against
// its box and the page, then shows the first picture at its actual size
// with its button and measures again.
const measureJS = `<script>
(function () {
  function measure() {
    var out = [];
    document.querySelectorAll(".fit svg").forEach(function (svg) {
      out.push({drawn: svg.getBoundingClientRect().width, actual: svg.viewBox.baseVal.width,
        box: svg.parentNode.clientWidth});
    });
    return out;
  }
  var d = document.documentElement;
  var m = {pictures: measure(), page: d.clientWidth, scroll: d.scrollWidth};
  document.querySelector("button.zoom").click();
  m.zoomed = measure()[0];
  m.button = document.querySelector("button.zoom").textContent;
  document.body.setAttribute("data-measure", JSON.stringify(m));
})();
</script>
</body>`

type measurement struct {
	Pictures []struct{ Drawn, Actual, Box float64 }
	Page     float64
	Scroll   float64
	Zoomed   struct{ Drawn, Actual, Box float64 }
	Button   string
}

// The HTML page of the NSPK check (Lowe's attack and the witness), as a
// person sees it: opened in headless Chromium at a laptop's width, the
// pictures are scaled to fit the page (nothing is wider than the page)
// and a button shows one at its actual size; the DOM has the verdict
// table, the attack before the witness, the lemma's bindings, a chart
// and a graph per trace with the lemma's steps marked, the text trace
// with step anchors linked to the rules' source, and nothing fetched.
// The screenshot must show the marks and the adversary's colour; set
// TRACEBOUND_SCREENSHOT=file.png to keep it and look at it.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	attack, witness := nspkRun(t, "responder_nonce_secrecy"), nspkRun(t, "executable")
	r := *attack
	r.Verdicts = []*queries.Verdict{witness.Verdicts[0], attack.Verdicts[0]}
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, &r))
	page := b.String()
	for _, ref := range []string{"src=", "<link", "@import", "url(http"} {
		assert.NotContains(t, page, ref, "the page is self-contained")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "nspk.html")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	probe := filepath.Join(dir, "probe.html")
	require.NoError(t, os.WriteFile(probe, []byte(strings.Replace(page, "</body>", measureJS, 1)), 0o644))

	// the layout at 1000 pixels
	dom := string(headless(t, bin, probe, "--dump-dom", "--window-size=1000,2000"))
	mm := regexp.MustCompile(`data-measure="([^"]*)"`).FindStringSubmatch(dom)
	require.NotNil(t, mm, "the measuring script ran")
	var m measurement
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(mm[1])), &m))
	require.Len(t, m.Pictures, 4, "a chart and a graph per trace")
	scaled := 0
	for i, p := range m.Pictures {
		assert.LessOrEqual(t, p.Drawn, p.Box+0.5, "picture %d fits its box: %+v", i, p)
		if p.Actual > p.Box {
			scaled++
		}
	}
	assert.Positive(t, scaled, "some picture is wider than the page and is scaled down: %+v", m.Pictures)
	assert.LessOrEqual(t, m.Scroll, m.Page, "nothing is wider than the page")
	assert.InDelta(t, m.Zoomed.Actual, m.Zoomed.Drawn, 0.5, "the button shows the picture at its actual size")
	assert.Equal(t, "fit to page", m.Button)

	dom = string(headless(t, bin, path, "--dump-dom", "--window-size=1400,2000"))
	require.Contains(t, dom, "<table class=\"verdicts\">")
	assert.Equal(t, 1, strings.Count(dom, "<tr class=\"verdict bad\""), "one falsified lemma")
	assert.Contains(t, dom, "<td class=\"kind\">falsified</td>")
	assert.Less(t, strings.Index(dom, `id="lemma-responder_nonce_secrecy"`), strings.Index(dom, `id="lemma-executable"`), "the attack first")
	assert.Contains(t, dom, "bindings <code>A = $A, B = $B, nb = ~nb, #i = step 8, #k = K(~nb) after step 8</code>")
	assert.Equal(t, 2, strings.Count(dom, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"msc\""))
	assert.Equal(t, 2, strings.Count(dom, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\""))
	attackDOM := dom[:strings.Index(dom, `id="lemma-executable"`)]
	assert.Equal(t, 4, strings.Count(attackDOM, "<g class=\"note step"), "a note per step in the chart but the setup steps")
	assert.Equal(t, 4, strings.Count(attackDOM, "<text class=\"setup\""), "the setup steps in the lifelines' headers")
	assert.Equal(t, 8, strings.Count(attackDOM, "<g class=\"node step"), "a node per step in the graph")
	assert.Equal(t, 1, strings.Count(attackDOM, "<g class=\"note step lemma\" data-step=\"8\">"), "the lemma's #i marked in the chart")
	assert.Equal(t, 1, strings.Count(attackDOM, "<g class=\"node step lemma\" data-step=\"8\">"), "and in the graph")
	assert.Contains(t, attackDOM, "class=\"lane adversary\"")
	steps := regexp.MustCompile(`<span class="step[^"]*" id="lemma-responder_nonce_secrecy-step-(\d+)">`).FindAllStringSubmatch(dom, -1)
	assert.Len(t, steps, 8, "every step of the text trace is an anchor")
	assert.Contains(t, dom, `<span class="step lemma" id="lemma-responder_nonce_secrecy-step-8">`)
	links := regexp.MustCompile(`<a class="rule" href="#(rule-\d+)">`).FindAllStringSubmatch(attackDOM, -1)
	require.Len(t, links, 8)
	for _, l := range links {
		assert.Contains(t, dom, "<div class=\"rule\" id=\""+l[1]+"\">", "the link to %s has a target", l[1])
	}
	assert.Contains(t, dom, "rule Resp_recv_3:", "the rules' source text is shown")
	assert.Contains(t, dom, "examples/nspk.spthy:51")

	// the screenshot, as a person sees the page
	shot := filepath.Join(dir, "nspk.png")
	headless(t, bin, path, "--screenshot="+shot, "--window-size=1400,2400", "--hide-scrollbars")
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 1400, 2400), img.Bounds())
	count := func(want color.RGBA) int {
		n := 0
		for y := 0; y < 2400; y += 2 {
			for x := 0; x < 1400; x += 2 {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				if near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B) {
					n++
				}
			}
		}
		return n
	}
	assert.Greater(t, count(color.RGBA{0xff, 0xf3, 0xc4, 0}), 500, "the lemma's steps and bindings are highlighted")
	assert.Greater(t, count(color.RGBA{0xfb, 0xe3, 0xe0, 0}), 500, "the adversary's notes show")
	if keep := os.Getenv("TRACEBOUND_SCREENSHOT"); keep != "" {
		b, err := os.ReadFile(shot)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(keep, b, 0o644))
		t.Logf("screenshot: %s", keep)
	}
}

// near reports whether two colour channels differ by at most 3.
func near(a, b uint8) bool { d := int(a) - int(b); return d >= -3 && d <= 3 }
