//go:build cgo && linux

package solver

/*
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

// tb_one_arena makes every thread allocate from glibc's main arena, before
// any thread can make an arena of its own, so that the memory Z3 takes
// from malloc comes from the one heap tb_huge_heap prepares.
__attribute__((constructor)) static void tb_one_arena(void) {
	mallopt(M_ARENA_MAX, 1);
}

// tb_huge_heap grows the main arena's heap by about pad bytes ahead of
// use and advises transparent huge pages on the growth (MADV_HUGEPAGE, a
// hint): blocks up to 32 MiB come from this heap rather than from an
// mmap of their own, and freed memory stays at its top for the next
// context. It sets *start and returns the length of the advised range (0
// if the heap is not where it should be).
static size_t tb_huge_heap(size_t pad, uintptr_t *start) {
	const uintptr_t huge = 2u << 20;
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, (int)pad);
	void *p = malloc(huge);
	mallopt(M_TOP_PAD, 128 << 10);
	if (p == NULL) {
		return 0;
	}
	uintptr_t end = (uintptr_t)sbrk(0);
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t e = end & ~(huge - 1);
	size_t n = 0;
	if ((uintptr_t)p < end && end - (uintptr_t)p <= 2 * pad + huge && a < e
		&& madvise((void *)a, e - a, MADV_HUGEPAGE) == 0) {
		*start = a;
		n = e - a;
	}
	free(p);
	return n;
}
*/
import "C"

import "os"

// hugeHeapPad is how far the C heap is grown ahead of Z3: a context alone
// fills two tables of 8.5 MiB when it is made.
const hugeHeapPad = 64 << 20

// AdviseHugePages prepares the C heap Z3 allocates from for transparent
// huge pages; the first solver does it. On the virtual machines tracebound
// runs on, the first write to a fresh 4 KiB page costs about 11 µs, and a
// new Z3 context writes 17 MiB (4 400 page faults, 45-50 ms of a short
// lemma); from the advised heap it takes about 300. It returns the
// advised range (empty if none). The advice changes where memory comes
// from, never what Z3 computes; TRACEBOUND_HUGEPAGES=0 turns it off (for
// measurements).
func AdviseHugePages() (start, length uintptr) {
	if os.Getenv("TRACEBOUND_HUGEPAGES") == "0" {
		return 0, 0
	}
	var s C.uintptr_t
	n := C.tb_huge_heap(C.size_t(hugeHeapPad), &s)
	return uintptr(s), uintptr(n)
}
