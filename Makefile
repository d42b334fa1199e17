# Upward: the two commands are `make run` and `make test`.
# Without DATABASE_URL, both start (or reuse) a project-private PostgreSQL
# cluster under .data/ from the installed PostgreSQL binaries.

SHELL   := /bin/bash
GO      ?= go
BIN     := bin/upward
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run build generate test check-generated fmt-check vet lint-courses browser-deps bench bench-deps db-start db-stop clean

## run: build, start the dev database, migrate, seed the demo portal, serve on :8080
run: build
	@$(BIN) seed
	@$(BIN) serve --foreground

## build: compile the binary into bin/
build: generate
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/upward

## generate: regenerate templ components
generate:
	@$(GO) tool templ generate -log-level error

## test: every check: formatting, vet, generated code, unit + integration + browser tests
# Every package runs under the race detector but two: the browser journeys
# and the server's page tests, which drive the whole app request by request
# and take four times as long under it (CI's 10-minute budget). They run
# beside the others without it; the server's tests that send requests in
# parallel then run again under it. Their output follows the others'.
test: fmt-check vet check-generated lint-courses browser-deps
	@$(GO) test -count=1 ./internal/server ./internal/e2e > .slow-test.log 2>&1 & slow=$$!; \
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v -e /internal/e2e -e /internal/server$$); unit=$$?; \
	wait $$slow; pages=$$?; cat .slow-test.log; rm -f .slow-test.log; \
	$(GO) test -race -count=1 -run 'Parallel' ./internal/server; raced=$$?; \
	test $$unit -eq 0 -a $$pages -eq 0 -a $$raced -eq 0

## lint-courses: check the course library's files
lint-courses:
	$(GO) run ./cmd/upward courses lint courses

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# The *_templ.go files must match what templ generates from the .templ files:
# generate in place and compare checksums (a stale file is fixed, and fails).
check-generated:
	@sum() { find web -name '*_templ.go' | sort | xargs -r sha256sum; }; \
	before=$$(sum); $(GO) tool templ generate -log-level error; after=$$(sum); \
	if [ "$$before" != "$$after" ]; then \
		echo "generated templ code was stale; it is regenerated now: review and commit it"; exit 1; fi

# The browser tests drive Debian's chromium; install it when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (Debian package) for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## bench: Go micro-benchmarks, then the load test: Upward and the baseline under wrk on the scale-1 data set
# BENCH_FLAGS passes flags to the runner, e.g. BENCH_FLAGS="-growth 10" or
# BENCH_FLAGS="-only lesson -duration 10s" (go run ./bench/load -h lists them).
bench: build bench-deps
	$(GO) build -o bin/baseline ./bench/baseline
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./bench/load $(BENCH_FLAGS)

# The load test drives Debian's wrk; install it when missing.
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing wrk (Debian package) for make bench"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

db-start: build
	@$(BIN) devdb start

db-stop: build
	@$(BIN) devdb stop

clean:
	rm -rf bin .artifacts
