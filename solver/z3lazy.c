// Loading Z3 on first use.
//
// Linked directly, libz3 (with libstdc++, which it needs) is loaded,
// relocated and its static constructors run before main: about 4.5 ms of
// every process on the machines tracebound runs on (a C program that
// prints a line: 4.1 ms alone, 8.5 ms linked with -lz3), a fifth of a
// lemma the forward search decides without Z3. This file defines every
// function libz3 exports (z3lazy_syms.h, written by z3lazy_gen.go) as a
// jump through a table whose entries first point to a resolver: the
// first call of any of them dlopens libz3, fills the table from it and
// goes on to the function asked for. With every Z3 symbol defined here,
// the linker (--as-needed, Debian's default) records no dependency on
// libz3, so a process that never calls Z3 never loads it. Elsewhere than
// Linux on x86-64 this file is empty and libz3 is linked as usual.

#if defined(__linux__) && defined(__x86_64__)

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum {
	tb_z3_count = 0
#define Z3SYM(name, i) +1
#include "z3lazy_syms.h"
#undef Z3SYM
};

static const char *const tb_z3_names[tb_z3_count] = {
#define Z3SYM(name, i) [i] = #name,
#include "z3lazy_syms.h"
#undef Z3SYM
};

// tb_z3_resolve (below) saves the argument registers, calls tb_z3_load
// and jumps to the function whose index is in r11.
extern void tb_z3_resolve(void);

void *tb_z3_fp[tb_z3_count] = {[0 ... tb_z3_count - 1] = (void *)tb_z3_resolve};

static void tb_z3_missing(void) {
	fputs("tracebound: libz3 lacks a function tracebound calls (z3lazy_syms.h is for another Z3 version)\n", stderr);
	abort();
}

static pthread_once_t tb_z3_once = PTHREAD_ONCE_INIT;

static void tb_z3_load_once(void) {
	void *h = dlopen("libz3.so.4", RTLD_LAZY);
	if (h == NULL) {
		h = dlopen("libz3.so", RTLD_LAZY);
	}
	if (h == NULL) {
		fprintf(stderr, "tracebound: cannot load Z3: %s\n", dlerror());
		exit(127);
	}
	for (int i = 0; i < tb_z3_count; i++) {
		void *p = dlsym(h, tb_z3_names[i]);
		__atomic_store_n(&tb_z3_fp[i], p != NULL ? p : (void *)tb_z3_missing, __ATOMIC_RELEASE);
	}
}

// tb_z3_load loads libz3 and fills the table, once; any thread may call
// it, and calls of Z3 functions from other threads wait for it.
void tb_z3_load(void) {
	pthread_once(&tb_z3_once, tb_z3_load_once);
}

// tb_z3_loaded reports whether libz3 has been loaded (for tests).
int tb_z3_loaded(void) {
	return __atomic_load_n(&tb_z3_fp[0], __ATOMIC_ACQUIRE) != (void *)tb_z3_resolve;
}

// The resolver. At entry the stack is as the caller of the Z3 function
// left it (rsp = 8 mod 16, the return address on top); it keeps the
// integer argument registers, rax (the vector-register count of a
// variadic call), r11 (the index) and xmm0-7, with the stack 16-byte
// aligned for the call.
__asm__(
	".text\n"
	".p2align 4\n"
	".type tb_z3_resolve, @function\n"
	"tb_z3_resolve:\n"
	"	pushq %rdi\n"
	"	pushq %rsi\n"
	"	pushq %rdx\n"
	"	pushq %rcx\n"
	"	pushq %r8\n"
	"	pushq %r9\n"
	"	pushq %rax\n"
	"	pushq %r11\n"
	"	subq $136, %rsp\n"
	"	movdqu %xmm0, 0(%rsp)\n"
	"	movdqu %xmm1, 16(%rsp)\n"
	"	movdqu %xmm2, 32(%rsp)\n"
	"	movdqu %xmm3, 48(%rsp)\n"
	"	movdqu %xmm4, 64(%rsp)\n"
	"	movdqu %xmm5, 80(%rsp)\n"
	"	movdqu %xmm6, 96(%rsp)\n"
	"	movdqu %xmm7, 112(%rsp)\n"
	"	call tb_z3_load\n"
	"	movdqu 0(%rsp), %xmm0\n"
	"	movdqu 16(%rsp), %xmm1\n"
	"	movdqu 32(%rsp), %xmm2\n"
	"	movdqu 48(%rsp), %xmm3\n"
	"	movdqu 64(%rsp), %xmm4\n"
	"	movdqu 80(%rsp), %xmm5\n"
	"	movdqu 96(%rsp), %xmm6\n"
	"	movdqu 112(%rsp), %xmm7\n"
	"	addq $136, %rsp\n"
	"	popq %r11\n"
	"	popq %rax\n"
	"	popq %r9\n"
	"	popq %r8\n"
	"	popq %rcx\n"
	"	popq %rdx\n"
	"	popq %rsi\n"
	"	popq %rdi\n"
	"	leaq tb_z3_fp(%rip), %r10\n"
	"	jmpq *(%r10,%r11,8)\n"
	".size tb_z3_resolve, .-tb_z3_resolve\n");

// One entry point per function: load its index into r11 and jump
// through the table.
#define Z3SYM(name, i)                           \
	__asm__(".text\n"                        \
		".globl " #name "\n"             \
		".type " #name ", @function\n"   \
		#name ":\n"                      \
		"	movl $" #i ", %r11d\n"      \
		"	leaq tb_z3_fp(%rip), %r10\n" \
		"	jmpq *(%r10,%r11,8)\n"       \
		".size " #name ", .-" #name "\n");
#include "z3lazy_syms.h"
#undef Z3SYM

#endif
