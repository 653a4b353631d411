# tracebound: the two commands a new machine needs are `make demo` and
# `make test` (see README.md). Both install Z3's headers when missing.

GO      ?= go
BIN     := bin/tracebound
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test deps vet lint fuzz bench curve corpus bench-corpus clean

all: build

# go-z3 needs cgo, so a C compiler, and Debian's libz3-dev (Z3 4.8.12).
# The official Go tarball turns cgo off when it finds no C compiler, and
# the build then fails far from the cause (undefined: z3.Context); so
# deps installs gcc too, and cgo is on for every target.
export CGO_ENABLED := 1
CC      ?= gcc
APT_GET ?= apt-get
deps:
	@if ! command -v $(firstword $(CC)) >/dev/null 2>&1; then \
		echo "installing gcc (cgo compiles go-z3)"; \
		$(SUDO) $(APT_GET) update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -q gcc libc6-dev; \
	fi
	@if [ ! -f /usr/include/z3.h ]; then \
		echo "installing libz3-dev"; \
		$(SUDO) $(APT_GET) update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -q libz3-dev; \
	fi

# The commit for `tracebound version` when Go's VCS stamping is off or
# cannot see the repository (a git worktree).
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +modified)

build: deps
	$(GO) build -ldflags "-X main.commit=$(or $(COMMIT),unknown)" -o $(BIN) ./cmd/tracebound

# The main job on a bundled example: find Lowe's attack on the
# Needham-Schroeder public-key protocol. tracebound exits with status 1
# because lemmas are falsified; that is the expected outcome here.
demo: build
	$(BIN) check examples/nspk.spthy --depth 8; test $$? -le 1

vet: deps
	$(GO) vet ./...

# staticcheck (pinned), for unused code and simplifications; not part of
# `make test`.
lint: deps
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# The test command: CI runs exactly this (.ci/run). One package at a
# time (-p 1): the corpus tests of queries and cmd/tracebound hold time
# limits per lemma and would starve each other on 2 cores. The parallel
# paths (lemmas checked at once, the memory guard, the signal watcher, Z3
# interrupts) run again under the race detector.
test: vet
	$(GO) test -p 1 -timeout 30m ./...
	$(GO) test -race -timeout 10m -run 'Parallel|StopCauses|MemoryLimitMidCheck|InterruptMidSolve|SecondSignal|PushInterrupted|AbandonUnresponsive' ./cmd/tracebound ./queries ./solver

# Fuzz each front-end fuzz target in turn (not part of `make test`):
# whole models with parse -> print -> parse, the preprocessor, terms and
# formulas. A count bounds each run (time-based limits give a spurious
# "context deadline exceeded", golang/go#75804). A crasher the fuzzer
# writes under rules/testdata/fuzz/TARGET/ is kept, renamed crash-WHAT,
# as a regression test that every `go test` runs. Measured: 741 s for the
# four (110-230 s each) on the shared 2-core machine, 2026-12-01.
FUZZTARGETS := FuzzParse FuzzPreprocess FuzzTerm FuzzFormula
FUZZCOUNT ?= 200000x
fuzz: deps
	@for t in $(FUZZTARGETS); do \
		echo "fuzzing $$t ($(FUZZCOUNT))"; \
		$(GO) test ./rules -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZCOUNT) || exit 1; \
	done

# Benchmarks: Lowe's attack (in process and as a whole process) and the
# growth of a bounded proof with depth on NSL.
bench: deps
	$(GO) test ./queries -run '^$$' -bench . -benchtime 3x

# How a bounded proof's time grows with depth: NSL's responder nonce
# secrecy, depths 1 to 12, time per depth (docs/performance.md).
curve: build
	$(BIN) check examples/nsl.spthy --lemma responder_nonce_secrecy --depth 12 --stats -j 1 --no-abstraction

# The full corpus run against Tamarin's verdicts (needs ../shared/corpus);
# writes corpus-results.tsv and docs/corpus.md. Two lemmas at a time, one
# core each; about 35 minutes on 2 cores.
CORPUS_THEORY ?= free
corpus: build
	$(GO) build -o bin/tracebound-corpus ./cmd/tracebound-corpus
	bin/tracebound-corpus -bin $(BIN) -theory $(CORPUS_THEORY) -p 2 -args "-j 1" -tsv corpus-results.tsv -md docs/corpus.md

# Speed against Tamarin on the free and DH lemmas with a trace, one lemma
# per process and one process at a time (issue 12's score; two at once on
# 2 cores made the short lemmas 2-3 times slower, 2026-12-03), the median
# of 3 runs for a lemma under 2 s: writes docs/performance-corpus.md and
# bench-corpus.tsv. About 10 minutes.
bench-corpus: build
	$(GO) build -o bin/tracebound-corpus ./cmd/tracebound-corpus
	bin/tracebound-corpus -bin $(BIN) -theory free,dh -traces -p 1 -repeat 3 -args "-j 1" -tsv bench-corpus.tsv -bench docs/performance-corpus.md

clean:
	rm -rf bin
