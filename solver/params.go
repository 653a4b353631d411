package solver

/*
#cgo LDFLAGS: -lz3
#include <stdlib.h>
#include <z3.h>
*/
import "C"

import (
	"os"
	"strings"
	"sync"
	"unsafe"
)

// setGlobalParam sets a Z3 global parameter (Z3_global_param_set, which
// go-z3 does not wrap); it applies to contexts created afterwards.
func setGlobalParam(name, value string) {
	cn, cv := C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cv))
	C.Z3_global_param_set(cn, cv)
}

// defaultParams are Z3 settings measured faster on the examples and the
// corpus: the older arithmetic solver and phase selection "always false"
// (NSL's responder nonce secrecy to depth 9: median 5.0 s against 8.8 s
// with Z3's defaults; Lowe's attack 0.78 s against 0.96 s; median of 3).
var defaultParams = []string{"smt.arith.solver=2", "smt.phase_selection=0"}

// setGlobalParams prepares the C heap (AdviseHugePages) and sets
// defaultParams and TRACEBOUND_Z3's pairs, once, before the first
// context: the first Z3_global_param_set builds Z3's
// table of every module's parameters (1.2-2 ms, measured with
// GODEBUG=inittrace=1), a cost that a lemma the forward search decides,
// without a solver, need not pay.
var setGlobalParams = sync.OnceFunc(func() {
	AdviseHugePages()
	// TRACEBOUND_Z3 holds more name=value pairs separated by spaces (they
	// override the defaults), for experiments with Z3's parameters.
	for _, kv := range append(defaultParams, strings.Fields(os.Getenv("TRACEBOUND_Z3"))...) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			setGlobalParam(k, v)
		}
	}
})
