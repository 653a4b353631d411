//go:build cgo && !(linux && amd64)

package solver

// z3Loaded: libz3 is linked as usual here, loaded with the process.
func z3Loaded() bool { return true }
