package format

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
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
	// the three protocol messages are sent and received: named once,
	// after the model's let (m1 and m2 of Resp_recv_1_send_2) or their
	// place in the initiator's run (m3)
	assert.Contains(t, out, "  let m1 = aenc(<'m1', ~na, $A>, pk(~skB))\n      m2 = aenc(<'m2', ~na, ~nb>, pk(~skA))\n      m3 = aenc(<'m3', ~nb>, pk(~skB))\n")
	assert.Contains(t, out, "Out(m1)")
	assert.Contains(t, out, "In(m1): received from step 3")
	assert.Equal(t, 1, strings.Count(out, "aenc(<'m1'"), "a let is defined once and used by name")
	// public names of the model print as constants, the others as $A,
	// named after the lemma's variables and the rules' roles
	assert.Contains(t, out, "KeyOwner($A)")
	assert.Contains(t, out, "InitCommit($A, $B, <~na, ~nb>)")
	assert.NotContains(t, out, "'A'")
	assert.NotContains(t, out, "$X", "two agents, named A and B after the lemma")
	assert.Contains(t, out, "(examples/nspk.spthy:22)", "steps name their rule's source line")
	assert.Contains(t, out, "  bindings: A = $A, B = $B, na = ~na, nb = ~nb, #i = step 5, #j = step 6\n")
	assert.Contains(t, out, "   5. Init_recv_2_send_3  (examples/nspk.spthy:46)  #i\n")
}

// Lowe's attack as the textbook tells it: three agents, the lemma's
// bindings, the messages named as in the model and in Lowe's paper
// (m1 and its re-encryption m1#2, B's m2, A's m3 and m3#2).
func TestAttackText(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, r))
	out := b.String()
	assert.Contains(t, out, "responder_nonce_secrecy (all-traces): falsified: counterexample with 8 steps (shortest: 7 steps, with an agent in two roles)\n")
	assert.Contains(t, out, "  bindings: A = $A, B = $B, nb = ~nb, #i = step 8, #k = K(~nb) after step 8\n")
	assert.Contains(t, out, "  let m1 = aenc(<'m1', ~na, $A>, pk(~sk))\n      m1#2 = aenc(<'m1', ~na, $A>, pk(~skB))\n      m2 = aenc(<'m2', ~na, ~nb>, pk(~skA))\n      m3 = aenc(<'m3', ~nb>, pk(~sk))\n      m3#2 = aenc(<'m3', ~nb>, pk(~skB))\n")
	assert.Contains(t, out, "--[ Corrupted($X) ]->")
	assert.Contains(t, out, "InitWaiting($A, $X, ~na)", "A runs with the corrupted X")
	assert.Contains(t, out, "RespWaiting($B, $A, ~na, ~nb)", "B believes it runs with A")
	assert.Contains(t, out, "built by the adversary")
	assert.Contains(t, out, "m1#2  construct aenc")
	assert.Contains(t, out, "deconstruct adec")
	assert.Contains(t, out, "      adversary knows ~nb  #k\n")
	assert.Contains(t, out, "   8. Resp_recv_3  (examples/nspk.spthy:51)  #i\n")
	assert.Contains(t, out, "summary of summaries:")
	assert.Regexp(t, `responder_nonce_secrecy\s+all-traces\s+falsified\s+8\s+≤7 steps`, out)
	assert.NotContains(t, out, "time", "no timings without Stats")
}

func TestComputeLets(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	v := r.Verdicts[0]
	p := newPrinter(r.Theory).withLets(v.Trace, v.Replayed)
	var names []string
	for i, l := range p.order {
		names = append(names, l.Name)
		assert.GreaterOrEqual(t, size(l.Term), LetThreshold)
		// a let's body refers only to earlier lets
		for _, later := range p.order[i:] {
			assert.NotContains(t, p.body(l.Term), later.Name+")")
		}
	}
	assert.Equal(t, []string{"m1", "m1#2", "m2", "m3", "m3#2"}, names)

	// tuples print flat: the rest of a tuple is never a let of its own
	pub, fr := rules.NewPub, rules.NewFreshConst
	m := rules.NewApp("aenc", rules.NewApp("pair", pub("m"), fr("n")), rules.NewApp("pk", fr("k")))
	tuple := rules.NewApp("pair", pub("A"), rules.NewApp("pair", fr("ltk"), m))
	lets := computeLets([]*rules.Term{tuple, tuple, rules.NewApp("h", tuple)})
	require.Len(t, lets, 1, "only the whole tuple")
	assert.True(t, lets[0].Term.Equal(tuple))
	q := &printer{literal: map[string]bool{}, lets: map[string]string{}}
	assert.Equal(t, "<$A, ~ltk, aenc(<$m, ~n>, pk(~k))>", q.term(tuple))
}

func TestLifelines(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	v := r.Verdicts[0]
	c := newChart(r.Theory, v, nil)
	var labels []string
	for _, l := range c.Lanes {
		labels = append(labels, l.Label)
	}
	// one lifeline per agent, the adversary between A and B, the
	// corrupted X (setup steps only) last
	assert.Equal(t, []string{"$A", "Adversary", "$B", "$X"}, labels)
	assert.Equal(t, 1, c.Adv)
	// key setup and corruption folded into the headers
	setup := func(i int) []string {
		var out []string
		for _, s := range c.Lanes[i].Setup {
			out = append(out, s.Lines[0])
		}
		return out
	}
	assert.Equal(t, []string{"1. Key_setup  KeyOwner($A)  → pk(~skA)"}, setup(0))
	assert.Equal(t, []string{"3. Key_setup  KeyOwner($X)  → pk(~sk)", "4. Corrupt  Corrupted($X)  → ~sk"}, setup(3))
	var notes []int
	for _, rw := range c.Rows {
		if rw.Step > 0 {
			notes = append(notes, rw.Step)
		}
	}
	assert.Equal(t, []int{5, 6, 7, 8}, notes, "the other steps are notes in time order")
	// the steps the lemma speaks of are marked
	var marked []string
	for _, rw := range c.Rows {
		if rw.Mark != "" {
			marked = append(marked, rw.Mark+" "+rw.Lines[0])
		}
	}
	assert.Equal(t, []string{"#i 8. Resp_recv_3 (#i)", "#k #k: knows ~nb = snd(adec(m3, ~sk))"}, marked)
	assert.Equal(t, "A = $A, B = $B, nb = ~nb, #i = step 8, #k = K(~nb) after step 8", c.Bindings)

	// the override: the responder's steps on the lifeline of its peer
	c2 := newChart(r.Theory, v, []Lifeline{{Fact: "RespWaiting", Arg: 2}})
	for _, rw := range c2.Rows {
		if rw.Step == 6 || rw.Step == 8 {
			assert.Equal(t, "$A", c2.Lanes[rw.Lane].Label)
		}
	}
	_, err := ParseLifeline("St:0")
	assert.Error(t, err)
	ll, err := ParseLifeline("!St_I:2")
	require.NoError(t, err)
	assert.Equal(t, Lifeline{Fact: "St_I", Arg: 2}, ll)
}

// Several traces: the attacks first, then the witnesses.
func TestAttacksFirst(t *testing.T) {
	attack, witness := nspkRun(t, "responder_nonce_secrecy"), nspkRun(t, "executable")
	r := *attack
	r.Verdicts = []*queries.Verdict{witness.Verdicts[0], attack.Verdicts[0]}
	var b bytes.Buffer
	require.NoError(t, WriteDOT(&b, &r))
	dot := b.String()
	require.Contains(t, dot, `digraph "executable"`)
	assert.Less(t, strings.Index(dot, `digraph "responder_nonce_secrecy"`), strings.Index(dot, `digraph "executable"`))
	b.Reset()
	require.NoError(t, WriteHTML(&b, &r))
	page := b.String()
	assert.Less(t, strings.Index(page, `<section class="lemma" id="lemma-responder_nonce_secrecy">`), strings.Index(page, `<section class="lemma" id="lemma-executable">`))
	assert.Less(t, strings.Index(page, `data-lemma="executable"`), strings.Index(page, `data-lemma="responder_nonce_secrecy"`), "the verdict table keeps the model's order")
}

// DOT: the steps are ranked in their order and the lemma's steps are
// highlighted.
func TestDOTRanks(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	var b bytes.Buffer
	require.NoError(t, WriteDOT(&b, r))
	dot := b.String()
	assert.Contains(t, dot, "  s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> s8 [style=invis];\n")
	assert.Regexp(t, `s8 \[label="[^\n]*Resp_recv_3[^\n]*\(#i\)\}", fillcolor="#fff3c4", color="#d98b00", penwidth=2\];`, dot)
	assert.Contains(t, dot, `label="K (#k)\n~nb"`)
}

// Mermaid: setup steps first, the lemma's steps in highlighted boxes.
func TestMermaidMarks(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	var b bytes.Buffer
	require.NoError(t, WriteMermaid(&b, r))
	out := b.String()
	assert.Contains(t, out, "    participant L1 as $A\n    participant Adv as Adversary\n    participant L3 as $B\n    participant L4 as $X\n")
	assert.Contains(t, out, "    rect rgb(255, 236, 179)\n    Note over L3: 8. Resp_recv_3 (#35;i)<br/>")
	assert.Less(t, strings.Index(out, "4. Corrupt"), strings.Index(out, "5. Init_send_1"))
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
	d := tr.Steps[3].Derivations["1"]
	require.NotNil(t, d)
	assert.Equal(t, "received", d.Rule)
	assert.Equal(t, 3, d.SentBy)
}

// JSON: the lemma's bindings; public names the trace chose print as $A
// and are no constants in the trees; the model's constants are marked.
func TestJSONBindings(t *testing.T) {
	r := nspkRun(t, "responder_nonce_secrecy")
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, r))
	out := b.String()
	assert.NotContains(t, out, "'A'")
	assert.NotContains(t, out, "'X'")
	var rep queries.Report
	require.NoError(t, json.Unmarshal(b.Bytes(), &rep))
	assert.Equal(t, "tracebound.report/v3", rep.Schema)
	v := rep.Verdicts[0]
	assert.Equal(t, 7, v.Shortest)
	assert.Equal(t, 7, v.Depth)
	require.Len(t, v.Bindings, 5)
	a := v.Bindings["A"]
	require.NotNil(t, a)
	assert.Equal(t, "$A", a.Term)
	require.NotNil(t, a.Tree.Pub)
	assert.Equal(t, "A", *a.Tree.Pub)
	assert.False(t, a.Tree.Constant)
	assert.Equal(t, "~nb", v.Bindings["nb"].Term)
	assert.Equal(t, 8, v.Bindings["#i"].Step)
	k := v.Bindings["#k"]
	require.NotNil(t, k.KnowledgeEvent)
	assert.Equal(t, "~nb", v.Trace.KEvents[*k.KnowledgeEvent].Term)
	assert.Equal(t, 8, *k.AfterStep)
	in := v.Trace.Steps[5].Premises[1]
	assert.Equal(t, "In(aenc(<'m1', ~na, $A>, pk(~skB)))", in.Text)
	tag := in.Args[0].Args[0].Args[0]
	require.NotNil(t, tag.Pub)
	assert.Equal(t, "m1", *tag.Pub)
	assert.True(t, tag.Constant, "'m1' is a constant of the model")
	assert.Equal(t, "$A", v.Trace.Steps[5].Subst["A"])
}

func TestPartsLine(t *testing.T) {
	parts := []encode.Part{{Name: "instances", Nodes: 10}, {Name: "knowledge queries", Nodes: 85}, {Name: "premises", Nodes: 4}, {Name: "formulas", Nodes: 1}}
	assert.Equal(t, "knowledge queries 85%, instances 10%, premises 4%, formulas 1%", partsLine(parts))
	parts = append(parts, encode.Part{Name: "needed steps", Nodes: 0})
	assert.NotContains(t, partsLine(parts), "needed", "parts under 1% are left out")
	assert.Empty(t, partsLine(nil))
}
