//go:build cgo

// Package solver checks encode problems with Z3, through
// github.com/aclements/go-z3. It is the only package that uses cgo.
//
// One Solver owns one Z3 context and must be used by one goroutine at a
// time; run lemmas in parallel with one Solver each. Z3 errors, which
// go-z3 raises as panics, come back as errors naming the query.
package solver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/aclements/go-z3/z3"
	"github.com/tracebound/tracebound/encode"
)

// Result is the outcome of a check.
type Result int

const (
	Unsat Result = iota
	Sat
	Unknown
)

func (r Result) String() string {
	return [...]string{"unsat", "sat", "unknown"}[r]
}

// Solver wraps a Z3 context and solver.
type Solver struct {
	ctx   *z3.Context
	s     *z3.Solver
	msg   z3.Sort
	funcs map[*encode.Fun]z3.FuncDecl
	memo  map[*encode.Node]z3.Value
	model *z3.Model
	// reset is an empty solver whose check clears Z3's interrupt flag
	// (interruptible); like s, it never installs Z3's SIGINT handler
	reset *z3.Solver
	// scopes records for each open scope whether Z3 opened it (false: a
	// push interrupted by its context, which Pop must not pass to Z3);
	// phantoms counts the false ones. While one is open, assertions are
	// dropped and checks are Unknown, so that nothing asserted for a scope
	// Z3 did not open lands in the scope below it.
	scopes   []bool
	phantoms int
	// abandoned: a Z3 call outlived its context (interruptible); every
	// later call is a no-op or Unknown
	abandoned bool
	// last: the resource units of the last check (LastUnits)
	last uint64
}

// New returns a solver for problems checked under Push: Z3's simple
// solver, the SMT core that Z3's default solver switches to at its first
// push anyway, without the default's tactics for a check without one
// (building them cost 6 ms at the first assertion, measured with Z3
// 4.8.12, on problems that take 1 ms to solve). Z3's random seeds keep
// their default (0), so that answers are reproducible; Z3 does not catch
// SIGINT (see disableCtrlC): cancel the context given to CheckSat
// instead.
func New() *Solver { return newSolver(true) }

// NewOneShot returns a solver for a problem checked once, without Push:
// Z3's default solver, which preprocesses the problem with the tactics
// of its logic before the SMT core sees it.
func NewOneShot() *Solver { return newSolver(false) }

func newSolver(simple bool) *Solver {
	setGlobalParams()
	cfg := z3.NewContextConfig()
	cfg.SetBool("model", true)
	ctx := z3.NewContext(cfg)
	s, reset := z3.NewSolver(ctx), z3.NewSolver(ctx)
	for i, x := range []*z3.Solver{s, reset} {
		if simple || i == 1 {
			// the empty reset solver's check is cheaper in the simple one
			useSimpleSolver(ctx, x)
		}
		if err := disableCtrlC(ctx, x); err != nil {
			panic(err) // a Z3 without the ctrl_c parameter: not one tracebound was built for
		}
	}
	return &Solver{ctx: ctx, s: s, reset: reset, msg: ctx.UninterpretedSort("Msg"),
		funcs: map[*encode.Fun]z3.FuncDecl{}, memo: map[*encode.Node]z3.Value{}}
}

// MemoryLimit is the reason of an Unknown result when Z3 could not
// allocate memory.
const MemoryLimit = "memory limit"

// reason says why ctx is done: "timeout" for a deadline, else the cause
// it was cancelled with.
func reason(ctx context.Context) string {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, context.DeadlineExceeded) {
		return "timeout"
	}
	return cause.Error()
}

// isMemout reports whether a Z3 error (go-z3 panics with its message)
// or reason is Z3 running out of memory.
func isMemout(r any) bool {
	s := fmt.Sprint(r)
	return strings.Contains(s, "out of memory") || s == "memout"
}

// Check asserts the problem's formulas and checks them. It returns Unknown
// with a reason when Z3 gives up or ctx is cancelled (Z3 is interrupted).
func (sv *Solver) Check(ctx context.Context, p *encode.Problem) (res Result, reason string, err error) {
	if err := sv.Assert(p.Assertions...); err != nil {
		return Unknown, "", err
	}
	return sv.CheckSat(ctx)
}

// ErrMemoryLimit is returned by Assert when Z3 could not allocate
// memory.
var ErrMemoryLimit = errors.New(MemoryLimit)

// Assert adds formulas to the current scope.
func (sv *Solver) Assert(ns ...*encode.Node) (err error) {
	if sv.abandoned || sv.phantoms > 0 {
		return nil // the next CheckSat is Unknown
	}
	defer func() {
		if r := recover(); r != nil {
			if isMemout(r) {
				err = ErrMemoryLimit
				return
			}
			err = fmt.Errorf("z3: %v", r)
		}
	}()
	for _, a := range ns {
		sv.s.Assert(sv.value(a).(z3.Bool))
	}
	return nil
}

// Push opens a scope; Pop drops the formulas asserted since. The first
// push after large assertions is where Z3 internalizes them, which can
// take as long as a check: Z3 is interrupted when ctx is done. Whether an
// interrupted push opened its scope is read from Z3 (it may have); either
// way the push counts as a scope for Pop. A scope Z3 did not open, and
// every scope pushed inside it, is a phantom: assertions are dropped and
// checks are Unknown until it is popped.
func (sv *Solver) Push(ctx context.Context) {
	opened := false
	if !sv.abandoned && sv.phantoms == 0 && ctx.Err() == nil {
		before := numScopes(sv.ctx, sv.s)
		ok := sv.interruptible(ctx, func() {
			defer func() {
				if r := recover(); r != nil && ctx.Err() == nil {
					panic(r)
				}
			}()
			sv.s.Push()
		})
		opened = ok && numScopes(sv.ctx, sv.s) > before
	}
	sv.scopes = append(sv.scopes, opened)
	if !opened {
		sv.phantoms++
	}
}

// abandonGrace is how long a Z3 call may run on after its context is
// done and Z3 was interrupted. Z3 does not look at interrupts everywhere
// (internalizing large assertions at the first push took over a minute
// on a corpus model): past the grace the call is abandoned (it runs on in
// its goroutine, which holds the solver, and its result is dropped) and
// the solver is unusable, so that a lemma's time limit holds.
var abandonGrace = 2 * time.Second

// interruptible runs f, interrupting Z3 when ctx is done first. It
// reports false when f was abandoned (see abandonGrace). A panic of f
// (go-z3 reports Z3 errors as panics) is raised again here.
func (sv *Solver) interruptible(ctx context.Context, f func()) bool {
	if sv.abandoned {
		return false
	}
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	finish := func(r any) bool {
		if r != nil {
			panic(r)
		}
		return true
	}
	select {
	case r := <-done:
		return finish(r)
	case <-ctx.Done():
	}
	sv.ctx.Interrupt()
	grace := time.NewTimer(abandonGrace)
	defer grace.Stop()
	select {
	case r := <-done:
		// Z3's interrupt flag stays set (a later push would fail as
		// "canceled") until a check: an empty solver's check clears it
		_, _ = sv.reset.Check()
		return finish(r)
	case <-grace.C:
		sv.abandoned = true
		return false
	}
}

// Pop closes the innermost scope.
func (sv *Solver) Pop() {
	n := len(sv.scopes) - 1
	opened := n < 0 || sv.scopes[n]
	if n >= 0 {
		sv.scopes = sv.scopes[:n]
	}
	switch {
	case !opened:
		sv.phantoms--
	case !sv.abandoned:
		sv.s.Pop()
	}
}

// CheckSat checks the formulas asserted so far.
func (sv *Solver) CheckSat(ctx context.Context) (res Result, why string, err error) {
	defer func() {
		if r := recover(); r != nil {
			if isMemout(r) {
				res, why, err = Unknown, MemoryLimit, nil
				return
			}
			err = fmt.Errorf("z3: %v", r)
		}
	}()
	sv.model = nil
	sv.last = 0
	if ctx.Err() != nil || sv.phantoms > 0 || sv.abandoned {
		// (an abandoned check still holds the context's lock)
		return Unknown, reason(ctx), nil
	}
	var sat bool
	var cerr error
	r0 := resourceCount(sv.ctx, sv.s)
	if !sv.interruptible(ctx, func() { sat, cerr = sv.s.Check() }) {
		return Unknown, reason(ctx), nil
	}
	sv.last = resourceCount(sv.ctx, sv.s) - r0
	var unk *z3.ErrSatUnknown
	switch {
	case errors.As(cerr, &unk):
		if ctx.Err() != nil {
			return Unknown, reason(ctx), nil
		}
		if isMemout(unk.Reason) {
			return Unknown, MemoryLimit, nil
		}
		return Unknown, unk.Reason, nil
	case cerr != nil:
		return Unknown, "", cerr
	case sat:
		sv.model = sv.s.Model()
		return Sat, "", nil
	}
	return Unsat, "", nil
}

// LastUnits returns the resource units the last check took (0 when Z3
// was not called or the check was abandoned): Z3's count of its basic
// operations, which for the same calls is the same on every machine, so
// that a budget in units gives the same answers everywhere, unlike a
// time limit (about 10 million units a second on tracebound's depth
// checks, measured on NSL and JKL with Z3 4.8.12).
func (sv *Solver) LastUnits() uint64 { return sv.last }

// CheckSatWithin is CheckSat with a budget of n resource units (at
// least 1; see LastUnits): a check that would need more is Unknown with
// Z3's reason.
func (sv *Solver) CheckSatWithin(ctx context.Context, n uint64) (Result, string, error) {
	if sv.abandoned {
		return Unknown, reason(ctx), nil
	}
	setResourceLimit(sv.ctx, sv.s, uint32(min(max(n, 1), math.MaxUint32)))
	defer func() {
		if !sv.abandoned {
			setResourceLimit(sv.ctx, sv.s, 0)
		}
	}()
	return sv.CheckSat(ctx)
}

// Model returns the model of the last satisfiable check.
func (sv *Solver) Model() encode.Model { return &model{sv: sv, m: sv.model} }

func (sv *Solver) sort(s encode.Sort) z3.Sort {
	switch s {
	case encode.SortBool:
		return sv.ctx.BoolSort()
	case encode.SortInt:
		return sv.ctx.IntSort()
	case encode.SortReal:
		return sv.ctx.RealSort()
	}
	return sv.msg
}

func (sv *Solver) fun(f *encode.Fun) z3.FuncDecl {
	if d, ok := sv.funcs[f]; ok {
		return d
	}
	dom := make([]z3.Sort, len(f.Domain))
	for i, s := range f.Domain {
		dom[i] = sv.sort(s)
	}
	d := sv.ctx.FuncDecl(f.Name, dom, sv.sort(f.Range))
	sv.funcs[f] = d
	return d
}

// value translates an IR node, sharing translated subterms.
func (sv *Solver) value(n *encode.Node) z3.Value {
	if v, ok := sv.memo[n]; ok {
		return v
	}
	ctx := sv.ctx
	var v z3.Value
	args := func() []z3.Value {
		out := make([]z3.Value, len(n.Args))
		for i, a := range n.Args {
			out[i] = sv.value(a)
		}
		return out
	}
	bools := func() []z3.Bool {
		out := make([]z3.Bool, len(n.Args))
		for i, a := range n.Args {
			out[i] = sv.value(a).(z3.Bool)
		}
		return out
	}
	switch n.Op {
	case encode.OpTrue:
		v = ctx.FromBool(true)
	case encode.OpFalse:
		v = ctx.FromBool(false)
	case encode.OpConst:
		v = ctx.Const(n.Name, sv.sort(n.Sort))
	case encode.OpIntLit:
		v = ctx.FromInt(n.Lit, sv.sort(n.Sort))
	case encode.OpApp:
		v = sv.fun(n.Fun).Apply(args()...)
	case encode.OpNot:
		v = sv.value(n.Args[0]).(z3.Bool).Not()
	case encode.OpAnd:
		bs := bools()
		v = bs[0].And(bs[1:]...)
	case encode.OpOr:
		bs := bools()
		v = bs[0].Or(bs[1:]...)
	case encode.OpEq:
		x, y := sv.value(n.Args[0]), sv.value(n.Args[1])
		switch x := x.(type) {
		case z3.Bool:
			v = x.Eq(y.(z3.Bool))
		case z3.Int:
			v = x.Eq(y.(z3.Int))
		case z3.Real:
			v = x.Eq(y.(z3.Real))
		case z3.Uninterpreted:
			v = x.Eq(y.(z3.Uninterpreted))
		default:
			panic(fmt.Sprintf("solver: equality of %T", x))
		}
	case encode.OpIte:
		c := sv.value(n.Args[0]).(z3.Bool)
		v = c.IfThenElse(sv.value(n.Args[1]), sv.value(n.Args[2]))
	case encode.OpLt, encode.OpLe, encode.OpAdd, encode.OpSub:
		x, y := sv.value(n.Args[0]), sv.value(n.Args[1])
		switch x := x.(type) {
		case z3.Int:
			switch n.Op {
			case encode.OpLt:
				v = x.LT(y.(z3.Int))
			case encode.OpLe:
				v = x.LE(y.(z3.Int))
			case encode.OpSub:
				v = x.Sub(y.(z3.Int))
			default:
				v = x.Add(y.(z3.Int))
			}
		case z3.Real:
			switch n.Op {
			case encode.OpLt:
				v = x.LT(y.(z3.Real))
			case encode.OpLe:
				v = x.LE(y.(z3.Real))
			case encode.OpSub:
				v = x.Sub(y.(z3.Real))
			default:
				v = x.Add(y.(z3.Real))
			}
		default:
			panic(fmt.Sprintf("solver: arithmetic on %T", x))
		}
	default:
		panic(fmt.Sprintf("solver: unknown op %d", n.Op))
	}
	sv.memo[n] = v
	return v
}

// model implements encode.Model over a Z3 model.
type model struct {
	sv *Solver
	m  *z3.Model
}

type elem struct {
	v z3.Value
}

func (e elem) Key() string { return e.v.String() }

func (m *model) Bool(n *encode.Node) bool {
	v, _ := m.m.Eval(m.sv.value(n), true).(z3.Bool).AsBool()
	return v
}

func (m *model) Int(n *encode.Node) int64 {
	return asInt(m.m.Eval(m.sv.value(n), true))
}

func (m *model) Real(n *encode.Node) *big.Rat {
	r, _ := m.m.Eval(m.sv.value(n), true).(z3.Real).AsBigRat()
	if r == nil {
		return new(big.Rat)
	}
	return r
}

func asInt(v z3.Value) int64 {
	i, _, _ := v.(z3.Int).AsInt64()
	return i
}

func (m *model) Msg(n *encode.Node) encode.Elem {
	return elem{m.m.Eval(m.sv.value(n), true)}
}

func (m *model) ApplyInt(f *encode.Fun, e encode.Elem) int64 {
	return asInt(m.m.Eval(m.sv.fun(f).Apply(e.(elem).v), true))
}

func (m *model) ApplyMsg(f *encode.Fun, e encode.Elem) encode.Elem {
	return elem{m.m.Eval(m.sv.fun(f).Apply(e.(elem).v), true)}
}
