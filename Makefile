# tracebound: the two commands a new machine needs are `make demo` and
# `make test` (see README.md). Both install Z3's headers when missing.

GO      ?= go
BIN     := bin/tracebound
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build demo test deps vet fuzz clean

all: build

# go-z3 needs cgo and Debian's libz3-dev (Z3 4.8.12).
deps:
	@if [ ! -f /usr/include/z3.h ]; then \
		echo "installing libz3-dev"; \
		$(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q libz3-dev; \
	fi

build: deps
	$(GO) build -o $(BIN) ./cmd/tracebound

# The main job on a bundled example.
demo: build
	$(BIN) parse examples/nspk.spthy

vet: deps
	$(GO) vet ./...

# The test command: CI runs exactly this (.ci/run).
test: vet
	$(GO) test ./...

# Fuzz the preprocessor and parser for a while (not part of `make test`).
FUZZTIME ?= 60s
fuzz: deps
	$(GO) test ./rules -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
