//go:build cgo && linux && amd64

package solver

// int tb_z3_loaded(void);
import "C"

// z3Loaded reports whether libz3 has been loaded (z3lazy.c: on its first
// call): before that, nothing of Z3's needs asking.
func z3Loaded() bool { return C.tb_z3_loaded() != 0 }
