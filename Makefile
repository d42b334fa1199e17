# Upward: the two commands are `make run` and `make test`.
# Without DATABASE_URL, both start (or reuse) a project-private PostgreSQL
# cluster under .data/ from the installed PostgreSQL binaries.

SHELL   := /bin/bash
GO      ?= go
BIN     := bin/upward
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run build generate test race screenshots check lighthouse lighthouse-deps fuzz vulncheck bench-smoke check-generated fmt-check vet lint-courses test-deps bench bench-deps db-start db-stop clean

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
# Tests run in parallel within a package (-parallel): each has a database
# of its own, and most of their time is spent waiting on it. The server's
# and the browser's tests, the longest, run beside the others. -short
# leaves the long browser journeys to make check (browsertest.Long), and
# the race detector runs there too (make race): building every package a
# second time with -race took 3 of make test's 9 cold minutes. The ten
# slowest tests are listed at the end, from go test -json. go test's own
# vet pass (a subset) is off: go vet ./... runs every analyzer at the
# end, when the tests have compiled what it reads (run first, from an
# empty build cache, it held every test back by two minutes).
TEST_TIMEOUT  ?= 15m
TEST_PARALLEL ?= 8
GOTESTSUM     := $(GO) tool gotestsum --format pkgname --format-hide-empty-pkg
test: fmt-check check-generated lint-courses test-deps
	@mkdir -p .artifacts/test; rm -f .artifacts/test/*.json
	@$(GOTESTSUM) --jsonfile .artifacts/test/pages.json -- -short -vet=off -count=1 -parallel $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) \
		./internal/server ./internal/e2e > .artifacts/test/pages.log 2>&1 & slow=$$!; \
	$(GOTESTSUM) --jsonfile .artifacts/test/unit.json -- -vet=off -count=1 -parallel $(TEST_PARALLEL) -timeout $(TEST_TIMEOUT) \
		$$($(GO) list ./... | grep -v -e /internal/e2e -e /internal/server$$ -e /internal/faults); unit=$$?; \
	wait $$slow; pages=$$?; cat .artifacts/test/pages.log; \
	echo "The ten slowest tests:"; cat .artifacts/test/*.json > .artifacts/test/all.json; \
	$(GO) tool gotestsum tool slowest --jsonfile .artifacts/test/all.json --threshold 1ms > .artifacts/test/slowest.txt; head -n 10 .artifacts/test/slowest.txt; \
	$(MAKE) --no-print-directory vet; vetted=$$?; \
	test $$unit -eq 0 -a $$pages -eq 0 -a $$vetted -eq 0

## race: the race detector over the packages whose code shares memory
## between goroutines, and the server's tests that send requests in
## parallel; it finds nothing in code that one goroutine runs
RACE_PACKAGES := ./cmd/upward ./internal/postgres/... ./internal/app ./internal/user \
	./internal/markdown ./internal/mail/... ./internal/ratelimit ./web/pages
race: test-deps
	$(GO) test -race -count=1 -parallel $(TEST_PARALLEL) -timeout 20m $(RACE_PACKAGES)
	$(GO) test -race -count=1 -parallel $(TEST_PARALLEL) -timeout 20m -run 'Parallel' ./internal/server

## screenshots: the main pages of each role at 1280 and 390 px into
## docs/screenshots/ (a browser test; only the few the README shows are
## committed)
screenshots: test-deps
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -timeout 10m -run '^TestScreenshots_Gallery$$' ./internal/e2e

## check: the slow suites, beside make test's fast ones: every browser
## journey (make test runs the short ones), the race detector, the faults
## (kill -9, PostgreSQL and SMTP down, a full DATA_DIR, SIGTERM), each fuzz
## target for a short time, govulncheck, a smoke run of the load test, and
## Lighthouse
check: build bench-deps test-deps
	$(GO) test -count=1 -parallel $(TEST_PARALLEL) -timeout 20m ./internal/e2e
	$(MAKE) --no-print-directory race
	$(GO) test -count=1 -v -timeout 20m ./internal/faults
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(CHECK_FUZZTIME)
	$(MAKE) --no-print-directory vulncheck
	$(MAKE) --no-print-directory bench-smoke
	$(MAKE) --no-print-directory lighthouse

## lighthouse: Lighthouse (performance, accessibility, best practices) on
## the main pages of a server it starts on the seeded demo data, desktop
## and mobile; reports in .artifacts/lighthouse/, fails under the floors
LIGHTHOUSE_VERSION := 12.2.3
LIGHTHOUSE_DIR     := .tools/lighthouse
LIGHTHOUSE_FLAGS   ?=
lighthouse: build lighthouse-deps
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(GO) run ./bench/lighthouse \
		-lighthouse $(LIGHTHOUSE_DIR)/node_modules/.bin/lighthouse $(LIGHTHOUSE_FLAGS)

# Lighthouse from npm into .tools/ (not global, so the version is the
# one named here); Debian's chromium and npm when missing.
lighthouse-deps:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then echo "installing$$missing (Debian packages) for make lighthouse"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	@grep -qs '"version": "$(LIGHTHOUSE_VERSION)"' $(LIGHTHOUSE_DIR)/node_modules/lighthouse/package.json || { \
		echo "installing lighthouse@$(LIGHTHOUSE_VERSION) into $(LIGHTHOUSE_DIR)"; mkdir -p $(LIGHTHOUSE_DIR); \
		npm install --prefix $(LIGHTHOUSE_DIR) --no-audit --no-fund --loglevel=error lighthouse@$(LIGHTHOUSE_VERSION) >/dev/null; }

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
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -timeout 30m ./$$pkg; done

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

# The tests need Debian's chromium (the browser journeys) and poppler-utils
# (pdftotext reads the certificate PDFs back); install what is missing.
test-deps:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then echo "installing$$missing (Debian packages) for the tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

## bench: Go micro-benchmarks, then the load test: Upward and the baseline under wrk on the scale-1 data set
# BENCH_FLAGS passes flags to the runner, e.g. BENCH_FLAGS="-growth 10" or
# BENCH_FLAGS="-only lesson -duration 10s" (go run ./bench/load -h lists them).
bench: build bench-deps
	$(GO) build -o bin/baseline ./bench/baseline
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...
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
