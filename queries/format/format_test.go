package format

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/queries"
)

var goldenExt = map[string]string{"text": "txt", "json": "json", "dot": "dot", "msc": "mmd", "svg": "svg", "html": "html"}

// Every format on Lowe's attack and on a witness, against golden files
// (go test ./queries/format -update rewrites them). Timings are masked.
func TestGolden(t *testing.T) {
	for _, lemma := range []string{"responder_nonce_secrecy", "executable"} {
		for _, f := range append(append([]string{}, Names...), "junit") {
			t.Run(lemma+"/"+f, func(t *testing.T) {
				r := nspkRun(t, lemma)
				var a, b bytes.Buffer
				if f == "junit" {
					require.NoError(t, WriteJUnit(&a, r))
					require.NoError(t, WriteJUnit(&b, r))
				} else {
					require.NoError(t, Write(&a, f, r))
					require.NoError(t, Write(&b, f, r))
				}
				require.Equal(t, a.String(), b.String(), "the same run gives the same bytes")
				ext := goldenExt[f]
				if f == "junit" {
					ext = "junit.xml"
				}
				golden(t, "nspk-"+lemma+"."+ext, maskTimings(a.Bytes()))
			})
		}
	}
}

func TestTextLets(t *testing.T) {
	r := nspkRun(t, "executable")
	var b bytes.Buffer
	WriteTrace(&b, r.Theory, r.Verdicts[0])
	out := b.String()
	// the three protocol messages are sent and received: named once
	assert.Contains(t, out, "  let m1 = aenc(<'m1', ")
	assert.Contains(t, out, "Out(m1)")
	assert.Contains(t, out, "In(m1): received from step 2")
	assert.Equal(t, 1, strings.Count(out, "aenc(<'m1'"), "a let is defined once and used by name")
	// public names of the model print as constants, the others as $A
	assert.Contains(t, out, "KeyOwner($X)")
	assert.NotContains(t, out, "'X'")
	assert.Contains(t, out, "(examples/nspk.spthy:22)", "steps name their rule's source line")
}

func TestAttackText(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, r))
	out := b.String()
	assert.Contains(t, out, "built by the adversary")
	assert.Contains(t, out, "construct aenc")
	assert.Contains(t, out, "deconstruct adec")
	assert.Contains(t, out, "adversary knows ~nb.")
	assert.Contains(t, out, "summary of summaries:")
	assert.Regexp(t, `responder_nonce_secrecy\s+all-traces\s+falsified\s+7\s+≤7 steps`, out)
	assert.NotContains(t, out, "time", "no timings without Stats")
}

func TestComputeLets(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	v := r.Verdicts[0]
	p := newPrinter(r.Theory).withLets(v.Trace, v.Replayed)
	require.NotEmpty(t, p.order)
	for i, l := range p.order {
		assert.Equal(t, "m"+string(rune('1'+i)), l.Name)
		assert.GreaterOrEqual(t, size(l.Term), LetThreshold)
		// a let's body refers only to earlier lets
		for _, later := range p.order[i:] {
			assert.NotContains(t, p.body(l.Term), later.Name+")")
		}
	}
}

func TestLifelines(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	v := r.Verdicts[0]
	c := newChart(r.Theory, v, nil)
	assert.Equal(t, "Adversary", c.Lanes[c.Adv])
	// key setup and corruption per agent; one lifeline per thread (the
	// initiator's and the responder's, named by their agent and nonce)
	var threads int
	for _, l := range c.Lanes {
		if strings.Contains(l, "(~n") {
			threads++
		}
	}
	assert.Equal(t, 2, threads, "%v", c.Lanes)
	// the override: name lifelines by the first argument of the state facts
	c2 := newChart(r.Theory, v, []Lifeline{{Fact: "InitWaiting", Arg: 1}, {Fact: "RespWaiting", Arg: 1}})
	for _, l := range c2.Lanes {
		assert.NotContains(t, l, "(~n", "%v", c2.Lanes)
	}
	_, err := ParseLifeline("St:0")
	assert.Error(t, err)
	ll, err := ParseLifeline("!St_I:2")
	require.NoError(t, err)
	assert.Equal(t, Lifeline{Fact: "St_I", Arg: 2}, ll)
}

func TestChoose(t *testing.T) {
	for _, c := range []struct {
		format   string
		explicit bool
		output   string
		want     string
	}{
		{"text", false, "", "text"},
		{"json", true, "", "json"},
		{"text", false, "r.html", "html"},
		{"text", false, "r.json", "json"},
		{"msc", true, "x.svg", "svg"},
		{"msc", true, "x.mmd", "msc"},
		{"dot", true, "x.gv", "dot"},
		{"json", true, "report", "json"},
	} {
		got, err := Choose(c.format, c.explicit, c.output)
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "%+v", c)
	}
	for _, c := range []struct {
		format   string
		explicit bool
		output   string
		err      string
	}{
		{"pdf", true, "", `unknown --format "pdf"`},
		{"text", false, "out.xyz", "-o out.xyz: unknown extension .xyz"},
		{"json", true, "out.log", "-o out.log: unknown extension .log"},
		{"text", false, "report", "-o report: no extension to tell the format by"},
		{"dot", true, "x.svg", "-o x.svg: the extension says svg, --format says dot"},
	} {
		_, err := Choose(c.format, c.explicit, c.output)
		require.Error(t, err, "%+v", c)
		assert.Contains(t, err.Error(), c.err)
	}
}

func TestJUnit(t *testing.T) {
	attack, witness := nspkRun(t, "responder_nonce_secrecy"), nspkRun(t, "executable")
	r := *attack
	unknown := &queries.Verdict{Lemma: r.Theory.Lemma("initiator_agreement"), Kind: queries.Unknown, Reason: "timeout"}
	r.Verdicts = append([]*queries.Verdict{witness.Verdicts[0]}, attack.Verdicts[0], unknown)
	var b bytes.Buffer
	require.NoError(t, WriteJUnit(&b, &r))
	var j struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Error *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b.Bytes(), &j))
	assert.Equal(t, 3, j.Tests)
	assert.Equal(t, 1, j.Failures)
	assert.Equal(t, 1, j.Errors)
	cs := j.Suites[0].Cases
	require.Len(t, cs, 3)
	assert.Nil(t, cs[0].Failure)
	require.NotNil(t, cs[1].Failure)
	assert.Contains(t, cs[1].Failure.Message, "falsified")
	assert.NotNil(t, cs[2].Error)
}

func TestJSONEdges(t *testing.T) {
	r := nspkRun(t, "executable")
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, r))
	var rep queries.Report
	require.NoError(t, json.Unmarshal(b.Bytes(), &rep))
	tr := rep.Verdicts[0].Trace
	require.NotNil(t, tr)
	require.NotEmpty(t, tr.Edges)
	for _, e := range tr.Edges {
		require.Less(t, e.FromStep, e.ToStep)
		assert.Equal(t, tr.Steps[e.ToStep-1].Premises[e.Premise].Text, e.Fact)
		assert.Equal(t, tr.Steps[e.FromStep-1].Conclusions[e.Conclusion].Text, e.Fact)
	}
	d := tr.Steps[2].Derivations["1"]
	require.NotNil(t, d)
	assert.Equal(t, "received", d.Rule)
	assert.Equal(t, 2, d.SentBy)
}
