package format

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/queries"
)

// The JSON report validates against docs/schema/report.schema.json (a
// draft 2020-12 schema, itself checked against the draft's metaschema by
// the compiler): both traces, and verdicts without a trace (holds up to
// bound, unknown).
func TestJSONMatchesSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	path, err := filepath.Abs(filepath.Join("..", "..", "docs", "schema", "report.schema.json"))
	require.NoError(t, err)
	sch, err := c.Compile(path)
	require.NoError(t, err, "the schema compiles under draft 2020-12")

	attack, witness := nspkRun(t, "responder_nonce_secrecy"), nspkRun(t, "executable")
	r := *attack
	th := r.Theory
	r.Verdicts = []*queries.Verdict{
		witness.Verdicts[0],
		attack.Verdicts[0],
		{Lemma: th.Lemma("initiator_agreement"), Kind: queries.HoldsUpToBound, Depth: fixtureDepth, Bounds: "≤ 7 protocol steps and " + r.Options.Encode.Bounds.String()},
		{Lemma: th.Lemma("initiator_nonce_secrecy"), Kind: queries.Unknown, Depth: 3, Reason: "timeout"},
	}
	for name, run := range map[string]*Run{"all": &r, "attack": attack, "witness": witness} {
		var b bytes.Buffer
		require.NoError(t, WriteJSON(&b, run))
		inst, err := jsonschema.UnmarshalJSON(&b)
		require.NoError(t, err)
		require.NoError(t, sch.Validate(inst), name)
	}

	// the schema rejects what it should: a verdict outside the enum
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, witness))
	bad := bytes.Replace(b.Bytes(), []byte(`"verdict": "witness found"`), []byte(`"verdict": "found"`), 1)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	require.NoError(t, err)
	require.Error(t, sch.Validate(inst))
}
