# gtrace: build, test and benchmark.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/gtrace
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: all build test bench fuzz vet clean

all: build

# A static binary: no cgo, no shared libraries.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gtrace

# Unit tests and end-to-end tests on the running kernel (run as root;
# GTRACE_REQUIRE_BPF=1 turns skipped kernel tests into failures).
test: build vet
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo 'gofmt needed'; exit 1; }

# Startup time, memory and generated-program cost, side by side with
# bpftrace when it is installed. The binary is measured as installed: the
# linker writes its output through a memory mapping, and a binary still in
# the page cache that way starts ~0.5 ms slower than one written out by
# cp, install or a package manager (as bpftrace's is).
bench: build
	cp $(BIN) $(BIN).bench && mv $(BIN).bench $(BIN)
	$(GO) run ./cmd/gtrace-bench -gtrace $(BIN)

fuzz:
	$(GO) test ./lang -run '^$$' -fuzz FuzzParse -fuzztime 30s
	$(GO) test ./codegen -run '^$$' -fuzz FuzzCompile -fuzztime 30s

clean:
	rm -rf bin
