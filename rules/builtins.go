package rules

// builtinDef is what one builtin theory adds to the signature.
type builtinDef struct {
	funcs []FuncSym
	eqs   [][2]string // lhs, rhs in Tamarin syntax over variables x.1 …
	// ac marks theories with associative-commutative operators
	// (diffie-hellman, xor, …) whose equations are built into the term
	// algebra rather than given as rewrite rules.
	ac bool
	// also lists builtins that this one implies.
	also []string
}

// Builtins known to the parser, as in Tamarin 1.10.
var builtinDefs = map[string]builtinDef{
	"hashing": {funcs: []FuncSym{{Name: "h", Arity: 1}}},
	"symmetric-encryption": {
		funcs: []FuncSym{{Name: "senc", Arity: 2}, {Name: "sdec", Arity: 2}},
		eqs:   [][2]string{{"sdec(senc(m, k), k)", "m"}},
	},
	"dest-symmetric-encryption": {
		funcs: []FuncSym{{Name: "senc", Arity: 2}, {Name: "sdec", Arity: 2, Destructor: true}},
		eqs:   [][2]string{{"sdec(senc(m, k), k)", "m"}},
	},
	"asymmetric-encryption": {
		funcs: []FuncSym{{Name: "aenc", Arity: 2}, {Name: "adec", Arity: 2}, {Name: "pk", Arity: 1}},
		eqs:   [][2]string{{"adec(aenc(m, pk(k)), k)", "m"}},
	},
	"dest-asymmetric-encryption": {
		funcs: []FuncSym{{Name: "aenc", Arity: 2}, {Name: "adec", Arity: 2, Destructor: true}, {Name: "pk", Arity: 1}},
		eqs:   [][2]string{{"adec(aenc(m, pk(k)), k)", "m"}},
	},
	"signing": {
		funcs: []FuncSym{{Name: "sign", Arity: 2}, {Name: "verify", Arity: 3}, {Name: "pk", Arity: 1}, {Name: "true", Arity: 0}},
		eqs:   [][2]string{{"verify(sign(m, k), m, pk(k))", "true"}},
	},
	"dest-signing": {
		funcs: []FuncSym{{Name: "sign", Arity: 2}, {Name: "verify", Arity: 3, Destructor: true}, {Name: "pk", Arity: 1}, {Name: "true", Arity: 0}},
		eqs:   [][2]string{{"verify(sign(m, k), m, pk(k))", "true"}},
	},
	"revealing-signing": {
		funcs: []FuncSym{{Name: "revealSign", Arity: 2}, {Name: "revealVerify", Arity: 3}, {Name: "getMessage", Arity: 1}, {Name: "pk", Arity: 1}, {Name: "true", Arity: 0}},
		eqs: [][2]string{
			{"revealVerify(revealSign(m, k), m, pk(k))", "true"},
			{"getMessage(revealSign(m, k))", "m"},
		},
	},
	"dest-pairing": {
		funcs: []FuncSym{{Name: FunFst, Arity: 1, Destructor: true}, {Name: FunSnd, Arity: 1, Destructor: true}},
	},
	"locations-report": {
		funcs: []FuncSym{{Name: "rep", Arity: 2, Private: true}, {Name: "check_rep", Arity: 2, Destructor: true}, {Name: "get_rep", Arity: 1, Destructor: true}, {Name: "report", Arity: 1}},
		eqs: [][2]string{
			{"check_rep(rep(m, loc), loc)", "m"},
			{"get_rep(rep(m, loc))", "m"},
		},
	},
	"diffie-hellman": {
		ac:    true,
		funcs: []FuncSym{{Name: FunExp, Arity: 2}, {Name: FunMult, Arity: 2}, {Name: FunInv, Arity: 1}, {Name: FunOne, Arity: 0}, {Name: FunDHNeu, Arity: 0}},
	},
	"bilinear-pairing": {
		ac:    true,
		also:  []string{"diffie-hellman"},
		funcs: []FuncSym{{Name: "pmult", Arity: 2}, {Name: "em", Arity: 2}},
	},
	"xor": {
		ac:    true,
		funcs: []FuncSym{{Name: FunXor, Arity: 2}, {Name: FunZero, Arity: 0}},
	},
	"multiset": {
		ac:    true,
		funcs: []FuncSym{{Name: FunUnion, Arity: 2}},
	},
	"natural-numbers": {
		ac:    true,
		funcs: []FuncSym{{Name: FunNatPl, Arity: 2}, {Name: FunNatOn, Arity: 0}},
	},
	"reliable-channel": {},
}

// pairingFuncs are in every signature.
var pairingFuncs = []FuncSym{{Name: FunPair, Arity: 2}, {Name: FunFst, Arity: 1}, {Name: FunSnd, Arity: 1}}

var pairingEqs = [][2]string{{"fst(<x, y>)", "x"}, {"snd(<x, y>)", "y"}}

// ACBuiltins lists the builtins whose equational theory is not subterm
// convergent (associative-commutative operators).
func ACBuiltins() []string {
	return []string{"bilinear-pairing", "diffie-hellman", "multiset", "natural-numbers", "xor"}
}

// IsACBuiltin reports whether builtin b has associative-commutative operators.
func IsACBuiltin(b string) bool { return builtinDefs[b].ac }
