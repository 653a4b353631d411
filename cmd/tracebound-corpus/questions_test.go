package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShellWords(t *testing.T) {
	w, err := shellWords(`query m.spthy --exists-trace "Ex tid #i. S4_req(tid) @ #i" 'a b'c d\ e`)
	require.NoError(t, err)
	assert.Equal(t, []string{"query", "m.spthy", "--exists-trace", "Ex tid #i. S4_req(tid) @ #i", "a bc", "d e"}, w)
	_, err = shellWords(`"open`)
	assert.Error(t, err)
}
