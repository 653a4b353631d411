//go:build cgo && !linux

package solver

// AdviseHugePages does nothing where the C heap is not glibc's on Linux.
func AdviseHugePages() (start, length uintptr) { return 0, 0 }
