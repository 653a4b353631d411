package rules

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bad input: every case gives a clear error with a position, or a
// correct answer within normal time and memory; none panics.

func loadErr(t *testing.T, path string, opts Options) string {
	t.Helper()
	th, diags := Load(path, opts)
	require.True(t, diags.HasErrors(), "want an error for %s", path)
	_ = th
	return diagString(diags)
}

func TestBadInputFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}

	t.Run("include cycle", func(t *testing.T) {
		a := write("cycle/a.spthy", "theory A begin\n#include \"b.splib\"\nend\n")
		write("cycle/b.splib", "#include \"a.spthy\"\n")
		msg := loadErr(t, a, Options{})
		assert.Contains(t, msg, "b.splib:1:10: error: include cycle: "+a+" -> "+filepath.Join(dir, "cycle/b.splib")+" -> "+a)
	})
	t.Run("directory as a file", func(t *testing.T) {
		msg := loadErr(t, dir, Options{})
		assert.Contains(t, msg, dir+": error: cannot read the model: is a directory, not a model file")
		inc := write("incdir.spthy", "theory T begin\n#include \"cycle\"\nend\n")
		msg = loadErr(t, inc, Options{})
		assert.Contains(t, msg, "incdir.spthy:2:10: error: cannot include \"cycle\": is a directory, not a model file")
	})
	t.Run("unreadable", func(t *testing.T) {
		denied := func(path string) ([]byte, error) {
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
		}
		msg := loadErr(t, "secret.spthy", Options{ReadFile: denied})
		assert.Contains(t, msg, "secret.spthy: error: cannot read the model: permission denied")
		if os.Geteuid() == 0 {
			return // root reads files whatever their mode
		}
		p := write("unreadable.spthy", "theory T begin end\n")
		require.NoError(t, os.Chmod(p, 0))
		msg = loadErr(t, p, Options{})
		assert.Contains(t, msg, "cannot read the model: permission denied")
	})
	t.Run("device", func(t *testing.T) {
		if _, err := os.Stat("/dev/zero"); err != nil {
			t.Skip("no /dev/zero")
		}
		inc := write("zero.spthy", "theory T begin\n#include \"/dev/zero\"\nend\n")
		msg := loadErr(t, inc, Options{})
		assert.Contains(t, msg, "zero.spthy:2:10: error: cannot include \"/dev/zero\": is a device, not a model file")
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		p := write("latin1.spthy", "theory T begin\n// caf\xe9\nrule R: [ In(x) ] --> [ Out(x) ]\nend\n")
		th, diags := Load(p, Options{})
		require.Len(t, diags, 1, diagString(diags))
		assert.Equal(t, "latin1.spthy:2:7: error: the file is not UTF-8 text: invalid byte 0xE9", strings.TrimPrefix(diags[0].Error(), dir+"/"))
		assert.Len(t, th.Rules, 1, "the rest of the file is read")
	})
}

// TestDeepNesting: 10 000 levels of nesting in every construct that
// nests parse (or give a clear error) quickly and in little memory, and
// a deep model prints and parses back to itself.
func TestDeepNesting(t *testing.T) {
	const n = 10000
	rep := func(s string) string { return strings.Repeat(s, n) }
	cases := []struct {
		name, src, err string
	}{
		{"function applications", "theory T begin\nbuiltins: hashing\nrule R: [ In(x) ] --> [ Out(" + rep("h(") + "x" + rep(")") + ") ]\nend\n", ""},
		{"pairs", "theory T begin\nrule R: [ In(x) ] --> [ Out(" + rep("<x, ") + "x" + rep(">") + ") ]\nend\n", ""},
		{"parentheses in a term", "theory T begin\nrule R: [ In(x) ] --> [ Out(" + rep("(") + "x" + rep(")") + ") ]\nend\n", ""},
		{"parentheses in a formula", "theory T begin\nrule R: [ Fr(~x) ] --[ A(~x) ]-> [ ]\nlemma l: \"" + rep("(") + "All x #i. A(x) @ i ==> T" + rep(")") + "\"\nend\n", ""},
		{"negations", "theory T begin\nrule R: [ Fr(~x) ] --[ A(~x) ]-> [ ]\nlemma l: \"" + rep("not ") + "(All x #i. A(x) @ i ==> T)\"\nend\n", ""},
		{"quantifiers", "theory T begin\nrule R: [ Fr(~x) ] --[ A(~x) ]-> [ ]\nlemma l: \"" + strings.Repeat("All y. ", n) + "All x #i. A(x) @ i ==> T\"\nend\n", ""},
		{"implications", "theory T begin\nrule R: [ Fr(~x) ] --[ A(~x) ]-> [ ]\nlemma l: \"All x #i. A(x) @ i ==> " + rep("T ==> ") + "T\"\nend\n", ""},
		{"#ifdef", "theory T begin\n" + rep("#ifdef A\n") + "rule R: [ ] --> [ ]\n" + rep("#endif\n") + "end\n", ""},
		{"#ifdef conditions", "theory T begin\n#ifdef " + rep("(") + "A" + rep(")") + "\nrule R: [ ] --> [ ]\n#endif\nend\n", ""},
		{"unclosed", "theory T begin\nbuiltins: hashing\nrule R: [ In(x) ] --> [ Out(" + rep("h(") + "x ]\nend\n", "unexpected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			th, diags := Parse("deep.spthy", []byte(c.src), Options{ReadFile: noFiles, Defines: []string{"A"}})
			took := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			assert.Less(t, took, 10*time.Second)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(500<<20), "allocated")
			if c.err != "" {
				require.True(t, diags.HasErrors())
				assert.Contains(t, diagString(diags), c.err)
				return
			}
			require.False(t, diags.HasErrors(), diagString(diags))
			var b bytes.Buffer
			require.NoError(t, th.Print(&b))
			th2, diags2 := Parse("printed.spthy", b.Bytes(), Options{ReadFile: noFiles})
			require.False(t, diags2.HasErrors(), diagString(diags2))
			var b2 bytes.Buffer
			require.NoError(t, th2.Print(&b2))
			assert.Equal(t, b.String(), b2.String(), "print → parse → print")
		})
	}
	t.Run("includes", func(t *testing.T) {
		files := map[string][]byte{}
		for i := 0; i < n; i++ {
			files[fmt.Sprintf("f%d.splib", i)] = []byte(fmt.Sprintf("#include \"f%d.splib\"\n", i+1))
		}
		read := func(path string) ([]byte, error) {
			if b, ok := files[path]; ok {
				return b, nil
			}
			return nil, fs.ErrNotExist
		}
		_, diags := Parse("deep.spthy", []byte("theory T begin\n#include \"f0.splib\"\nend\n"), Options{ReadFile: read})
		require.True(t, diags.HasErrors())
		assert.Contains(t, diagString(diags), "f62.splib:1:10: error: includes nested more than 64 deep")
	})
}

// TestLargeModel: a model larger than MaxFileSize (16 MB) is refused at
// once with a clear error, given as text, as a file or by #include; a
// 5 MB model (about 40 000 rules) loads correctly within bounded time
// and memory.
func TestLargeModel(t *testing.T) {
	model := func(size int) ([]byte, int) {
		var b bytes.Buffer
		b.WriteString("theory Big begin\nbuiltins: hashing, symmetric-encryption\n")
		n := 0
		for ; b.Len() < size; n++ {
			fmt.Fprintf(&b, "rule R%d: [ St%d(~k, x), In(senc(<'m%d', x>, ~k)) ] --[ A%d(x) ]-> [ St%d(~k, h(x)), Out(senc(<'r%d', h(x)>, ~k)) ]\n",
				n, n%100, n, n%50, (n+1)%100, n)
		}
		b.WriteString("lemma l: \"All x #i. A1(x) @ #i ==> T\"\nend\n")
		return b.Bytes(), n
	}
	huge, _ := model(50 << 20)
	start := time.Now()
	_, diags := Parse("huge.spthy", huge, Options{ReadFile: noFiles})
	require.Len(t, diags, 1)
	assert.Equal(t, "huge.spthy: error: the model is larger than 16 MB", diags[0].Error())
	dir := t.TempDir()
	p := filepath.Join(dir, "huge.spthy")
	require.NoError(t, os.WriteFile(p, huge, 0o644))
	msg := loadErr(t, p, Options{})
	assert.Contains(t, msg, "huge.spthy: error: cannot read the model: larger than 16 MB")
	inc := filepath.Join(dir, "inc.spthy")
	require.NoError(t, os.WriteFile(inc, []byte("theory T begin\n#include \"huge.spthy\"\nend\n"), 0o644))
	msg = loadErr(t, inc, Options{})
	assert.Contains(t, msg, "inc.spthy:2:10: error: cannot include \"huge.spthy\": larger than 16 MB")
	assert.Less(t, time.Since(start), 5*time.Second)

	src, n := model(5 << 20)
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start = time.Now()
	th, diags := Parse("big.spthy", src, Options{ReadFile: noFiles})
	took := time.Since(start)
	close(stop)
	<-done
	require.False(t, diags.HasErrors(), diagString(diags[:min(len(diags), 5)]))
	assert.Len(t, th.Rules, n)
	t.Logf("%d MB, %d rules: %s, peak heap in use %d MB", len(src)>>20, n, took.Round(time.Millisecond), peak>>20)
	assert.Less(t, peak, uint64(1<<30), "peak heap")
	assert.Less(t, took, time.Minute)
}
