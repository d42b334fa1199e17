# Upward: the two commands are `make run` and `make test`.
# Without DATABASE_URL, both start (or reuse) a project-private PostgreSQL
# cluster under .data/ from the installed PostgreSQL binaries.

SHELL   := /bin/bash
GO      ?= go
BIN     := bin/upward
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run build generate test check fuzz vulncheck bench-smoke check-generated fmt-check vet lint-courses browser-deps bench bench-deps db-start db-stop clean

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
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v -e /internal/e2e -e /internal/server$$ -e /internal/faults); unit=$$?; \
	wait $$slow; pages=$$?; cat .slow-test.log; rm -f .slow-test.log; \
	$(GO) test -race -count=1 -run 'Parallel' ./internal/server; raced=$$?; \
	test $$unit -eq 0 -a $$pages -eq 0 -a $$raced -eq 0

## check: the slow suites, beside make test's fast ones: the faults (kill -9,
## PostgreSQL and SMTP down, a full DATA_DIR, SIGTERM), each fuzz target for
## a short time, govulncheck, and a smoke run of the load test
check: build bench-deps
	$(GO) test -count=1 -v ./internal/faults
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(CHECK_FUZZTIME)
	$(MAKE) --no-print-directory vulncheck
	$(MAKE) --no-print-directory bench-smoke

CHECK_FUZZTIME ?= 10s
FUZZTIME       ?= 60s
# Every fuzz target, as package:function; make fuzz fails when a Fuzz
# function of the repository is missing here.
FUZZ_TARGETS := internal/library:FuzzLoadCourse internal/library:FuzzLoadLesson \
	internal/scorm:FuzzParseManifest internal/user:FuzzImportFile \
	internal/markdown:FuzzHTML internal/api:FuzzDecode

## fuzz: run each fuzz target for FUZZTIME (default 60s); go test writes a
## failing input into the package's testdata/fuzz, where it stays as a seed
fuzz:
	@for f in $$(git grep -hoE '^func Fuzz[A-Za-z0-9_]+' -- '*_test.go' | sed 's/^func //'); do \
		case " $(FUZZ_TARGETS) " in *":$$f "*) ;; *) echo "$$f is not in the Makefile's FUZZ_TARGETS"; exit 1;; esac; done
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzzing $$fn in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) ./$$pkg; done

## vulncheck: govulncheck over the module graph, scanner and database from the module proxy
vulncheck:
	$(GO) run ./cmd/vulncheck

## bench-smoke: the load test's runner and every scenario on a tiny data set, failing on any error
bench-smoke: build bench-deps
	$(GO) build -o bin/baseline ./bench/baseline
	$(GO) run ./bench/load -smoke

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
