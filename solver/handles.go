package solver

/*
#cgo LDFLAGS: -lz3
#include <stdlib.h>
#include <z3.h>
*/
import "C"

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"github.com/aclements/go-z3/z3"
)

// go-z3 keeps the C handles of a context and a solver in unexported
// fields (contextImpl.c, solverImpl.c) and wraps neither
// Z3_solver_set_params nor Z3_get_estimated_alloc_size. handles reads
// the two pointers by field name (reflect panics if go-z3, pinned in
// go.mod, ever renames them; TestHandles checks the pointers against
// the solver's own answers).
func handles(ctx *z3.Context, s *z3.Solver) (C.Z3_context, C.Z3_solver) {
	c := reflect.ValueOf(ctx).Elem().FieldByName("contextImpl").Elem().FieldByName("c").UnsafePointer()
	sv := reflect.ValueOf(s).Elem().FieldByName("solverImpl").Elem().FieldByName("c").UnsafePointer()
	return C.Z3_context(c), C.Z3_solver(sv)
}

// disableCtrlC sets the solver's ctrl_c parameter to false. With its
// default (true) Z3 installs its own SIGINT handler for the duration of
// every check: a Ctrl-C then only abandons that check, Go's signal
// handling never sees it, and Z3 restores Go's handler without the flags
// Go installed it with. The command line handles SIGINT itself and stops
// a check through Interrupt. It must be called before the solver is used
// (the context has no other objects yet, so no go-z3 finalizer can run
// on it concurrently).
func disableCtrlC(ctx *z3.Context, s *z3.Solver) (err error) {
	defer func() {
		if r := recover(); r != nil { // go-z3's error handler panics
			err = fmt.Errorf("z3: setting ctrl_c: %v", r)
		}
	}()
	setSolverParam(ctx, s, "ctrl_c", func(c C.Z3_context, p C.Z3_params, k C.Z3_symbol) {
		C.Z3_params_set_bool(c, p, k, false)
	})
	return nil
}

// setSolverParam sets one parameter of the solver (Z3_solver_set_params,
// which go-z3 does not wrap): set gives it its value in a new parameter
// set. It holds the context's lock as go-z3's own calls do.
func setSolverParam(ctx *z3.Context, s *z3.Solver, name string, set func(C.Z3_context, C.Z3_params, C.Z3_symbol)) {
	c, sv := handles(ctx, s)
	mu := contextLock(ctx)
	mu.Lock()
	defer mu.Unlock()
	p := C.Z3_mk_params(c)
	C.Z3_params_inc_ref(c, p)
	defer C.Z3_params_dec_ref(c, p)
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	set(c, p, C.Z3_mk_string_symbol(c, cn))
	C.Z3_solver_set_params(c, sv, p)
}

// useSimpleSolver makes s a Z3 simple solver (Z3_mk_simple_solver, which
// go-z3 does not wrap): the C handle in s is replaced, the default
// solver's released. Like disableCtrlC, it must be called before s is
// used.
func useSimpleSolver(ctx *z3.Context, s *z3.Solver) {
	c, old := handles(ctx, s)
	simple := C.Z3_mk_simple_solver(c)
	C.Z3_solver_inc_ref(c, simple)
	f := reflect.ValueOf(s).Elem().FieldByName("solverImpl").Elem().FieldByName("c")
	*(*unsafe.Pointer)(unsafe.Pointer(f.UnsafeAddr())) = unsafe.Pointer(simple)
	C.Z3_solver_dec_ref(c, old)
}

// numScopes returns the solver's number of scopes through the C handles
// (for tests: it must agree with Push and Pop).
func numScopes(ctx *z3.Context, s *z3.Solver) int {
	c, sv := handles(ctx, s)
	return int(C.Z3_solver_get_num_scopes(c, sv))
}

// Z3Version is the version of the Z3 library linked in, e.g. "4.8.12.0".
func Z3Version() string { return C.GoString(C.Z3_get_full_version()) }

// Z3Memory returns Z3's count of the memory it has allocated and not
// freed, in bytes, over all contexts (a context is freed when Go's
// garbage collector finalizes it).
//
// Z3's own caps are not used: with memory_max_size, Z3 4.8.12 throws an
// out-of-memory exception that sometimes escapes its API (the process
// aborts: measured on the pigeonhole problem of TestInterruptMidSolve),
// and memory_high_watermark is not checked by the SMT search tracebound
// runs. The memory limit is enforced by interrupting checks from Go
// (queries.Options.MemoryLimit), sampling this counter; 0 while Z3 is
// not loaded (z3lazy.c), which asking would load.
func Z3Memory() uint64 {
	if !z3Loaded() {
		return 0
	}
	return uint64(C.Z3_get_estimated_alloc_size())
}

// EvalSMTLIB runs an SMT-LIB 2 script in a new Z3 context of its own
// (Z3_eval_smtlib2_string) and returns what Z3 printed, e.g. "unsat\n".
// It lets tests solve the files --emit-smtlib writes independently of
// the solver that produced the verdict.
func EvalSMTLIB(script string) string {
	cfg := C.Z3_mk_config()
	c := C.Z3_mk_context(cfg)
	C.Z3_del_config(cfg)
	defer C.Z3_del_context(c)
	C.Z3_set_error_handler(c, nil)
	cs := C.CString(script)
	defer C.free(unsafe.Pointer(cs))
	return C.GoString(C.Z3_eval_smtlib2_string(c, cs))
}

// resourceCount reads the context's resource counter ("rlimit count"
// in the solver's statistics): Z3's count of its own basic operations,
// which grows the same way on every machine for the same calls.
func resourceCount(ctx *z3.Context, s *z3.Solver) uint64 {
	c, sv := handles(ctx, s)
	mu := contextLock(ctx)
	mu.Lock()
	defer mu.Unlock()
	st := C.Z3_solver_get_statistics(c, sv)
	C.Z3_stats_inc_ref(c, st)
	defer C.Z3_stats_dec_ref(c, st)
	for i := C.uint(0); i < C.Z3_stats_size(c, st); i++ {
		if C.GoString(C.Z3_stats_get_key(c, st, i)) != "rlimit count" {
			continue
		}
		if C.Z3_stats_is_uint(c, st, i) {
			return uint64(C.Z3_stats_get_uint_value(c, st, i))
		}
		return uint64(C.Z3_stats_get_double_value(c, st, i))
	}
	return 0
}

// setResourceLimit sets the solver's resource limit for each later
// check: at most n more units of the counter (0: none).
func setResourceLimit(ctx *z3.Context, s *z3.Solver, n uint32) {
	setSolverParam(ctx, s, "rlimit", func(c C.Z3_context, p C.Z3_params, k C.Z3_symbol) {
		C.Z3_params_set_uint(c, p, k, C.uint(n))
	})
}

// contextLock returns go-z3's per-context lock (Context.lock), which
// guards reference counts and the context's error state: calls made
// here while the solver is in use take it as go-z3's own calls do.
func contextLock(ctx *z3.Context) *sync.Mutex {
	return (*sync.Mutex)(unsafe.Pointer(reflect.ValueOf(ctx).Elem().FieldByName("lock").UnsafeAddr()))
}
