//go:build !cgo

package solver

// tracebound calls Z3 through go-z3, which needs cgo. Without cgo (the
// official Go tarball turns it off when it finds no C compiler) this
// file stops the build with a name that says what to do; `make deps`
// installs gcc and libz3-dev.
type _ = tracebound_needs_cgo_install_gcc_and_libz3_dev_then_build_with_CGO_ENABLED_1
