package replay

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// A deconstruction that fails for want of a key is tried again when the
// key is learned, however late: a ciphertext received first, its key
// only inside another ciphertext whose key comes last.
func TestKnowledgeKeyLearnedLater(t *testing.T) {
	th, diags := rules.Parse("k.spthy", []byte("theory K begin\nbuiltins: symmetric-encryption\nend"), rules.Options{})
	require.False(t, diags.HasErrors(), "%v", diags)
	s, k1, k2 := rules.NewFreshConst("s"), rules.NewFreshConst("k1"), rules.NewFreshConst("k2")
	senc := func(m, k *rules.Term) *rules.Term { return rules.NewApp("senc", m, k) }

	know := NewSearchKnowledge(th)
	know.Add(senc(s, k1))
	assert.Nil(t, know.Derive(s), "no key yet")
	know.Add(senc(k1, k2))
	assert.Nil(t, know.Derive(s), "the key is under another key")
	know.Add(k2)
	d := know.Derive(s)
	require.NotNil(t, d, "k2 opens k1, which opens s")
	assert.Equal(t, "deconstruct", d.Rule)
	assert.Contains(t, know.Known(), k1)
}
