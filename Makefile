# wemart: `make run` serves the demo on 127.0.0.1:8080; `make test` runs every test;
# `make check` is the quick loop while developing.
GO      ?= go
BIN     := bin/wemart
PKGS    := ./...
# The demo's bootstrap admin for `make run` (override on the command line).
WEMART_ADMIN_USER     ?= admin
WEMART_ADMIN_PASSWORD ?= wemart-admin
BENCHTIME ?= 1x

export CGO_ENABLED := 1
# The Go toolchain: at least the `toolchain` line of go.mod (go1.27.3, the
# first release here with the standard library's published security fixes;
# the go command fetches it from the module proxy once, ~76 MB). `auto` keeps
# a newer local Go; a plain `go build` outside make uses whatever is local.
export GOTOOLCHAIN := auto
SHELL := /bin/bash

.PHONY: run build test check hooks gofmt openapi-lint chaos generate migration migration-hash lint vuln bench clean

# What `wemart version` prints (package server/version); a build without
# them (go build, go run) falls back to what the Go toolchain recorded.
VERSION := $(shell git describe --always --dirty 2>/dev/null)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null)
BUILT   := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X wemart/server/version.version=$(VERSION) -X wemart/server/version.commit=$(COMMIT) -X wemart/server/version.built=$(BUILT)

## build: the wemart binary in bin/, stamped with its version, commit and build time
build:
	@if [ ! -e $(BIN) ]; then echo "make build: the first build downloads about 90 Go modules and compiles wemart and H3 (cgo): a few minutes on a fresh machine; packages are listed as they compile."; fi
	$(GO) build $(if $(wildcard $(BIN)),,-v) -ldflags "$(LDFLAGS)" -o $(BIN) ./server

## run: build, load the demo on first run, and serve with embedded defaults
run: build
	WEMART_ADMIN_USER=$(WEMART_ADMIN_USER) WEMART_ADMIN_PASSWORD=$(WEMART_ADMIN_PASSWORD) $(BIN) seed --demo --if-empty
	WEMART_ADMIN_USER=$(WEMART_ADMIN_USER) WEMART_ADMIN_PASSWORD=$(WEMART_ADMIN_PASSWORD) $(BIN) serve

# Tests on storagetest.Each run side by side and mostly wait on a database:
# four at a time per package keeps two cores busy.
TESTFLAGS ?= -parallel 4
# -race turns on checkptr too; in modernc.org (SQLite translated from C to
# Go, unsafe pointer arithmetic throughout) it costs a sixth of the suite's
# CPU and checks only that library's pointer arithmetic, so it is off there
# (the race detector itself is not).
RACE := -race -gcflags=modernc.org/...=-d=checkptr=0

## test: the OpenAPI lint and every Go test (with -race); the database tests run on
## PostgreSQL too when WEMART_TEST_POSTGRES is set. Ends with a one-line summary.
test: openapi-lint
	@if [ -z "$$WEMART_TEST_POSTGRES" ]; then echo "make test: WEMART_TEST_POSTGRES is not set, so the PostgreSQL half of the tests is SKIPPED (SQLite only)"; fi
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; start=$$(date +%s); \
	 $(GO) test -count=1 $(RACE) $(TESTFLAGS) $(PKGS) 2>&1 | tee $$log; status=$${PIPESTATUS[0]}; \
	 pg=$$([ -n "$$WEMART_TEST_POSTGRES" ] && echo "SQLite and PostgreSQL" || echo "SQLite only, PostgreSQL SKIPPED"); \
	 echo "make test: $$([ $$status = 0 ] && echo PASS || echo FAIL): $$(grep -c '^ok ' $$log) packages passed, $$(grep -cE '^FAIL[[:space:]]' $$log) failed or did not build, $$(grep -c -- '--- FAIL' $$log) failing tests ($$pg; OpenAPI lint clean) in $$(( $$(date +%s) - start )) s"; \
	 exit $$status

## check: the quick loop while developing: gofmt, go vet, then every test but the
## long ones (-short), in a random order (-shuffle=on; a failure prints the seed
## to replay it with -shuffle=SEED), without -race. PostgreSQL too when
## WEMART_TEST_POSTGRES is set, as for make test.
check: gofmt
	$(GO) vet $(PKGS)
	$(GO) test -short -shuffle=on -count=1 $(TESTFLAGS) $(PKGS)

## hooks: use the repository's git hooks (.githooks: gofmt and go vet of what is staged, subject length)
hooks:
	git config core.hooksPath .githooks

## gofmt: fail if a Go file is not gofmt-ed
gofmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-ed (gofmt -w them):"; echo "$$out"; exit 1; fi

## openapi-lint: server/api/openapi.yaml and server/wechat/sandbox/openapi.yaml through an independent linter (Redocly, pinned by package-lock.json)
openapi-lint:
	@cd server/api/openapi-lint && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent lint 2>&1 | grep -v '[║╔╚]'; exit $${PIPESTATUS[0]}

## chaos: three servers behind haproxy on PostgreSQL, killed with SIGKILL under load, then
## checked for lost or invented orders, payments, refunds and stock (CHAOS_SEED, CHAOS_DURATION,
## CHAOS_DEADLINE; see README.md). Finds haproxy on PATH or in /usr/sbin or /usr/local/sbin, and
## installs it from Debian's packages only when it is in none of them.
chaos: build
	$(GO) build -o bin/chaos ./server/internal/chaos
	@haproxy=$$(bash server/internal/chaos/find-haproxy.sh) && CHAOS_HAPROXY="$$haproxy" bin/chaos

## generate: regenerate the ent client from schema/
generate:
	$(GO) generate ./ent

## migration: write the migration for schema changes: make migration name=add_x
migration:
	@test -n "$(name)" || (echo "usage: make migration name=snake_case_name" && exit 2)
	$(GO) run ./server/storage/internal/migrategen -name $(name)

## migration-hash: rewrite atlas.sum after editing a generated migration by hand
migration-hash:
	$(GO) run ./server/storage/internal/migrategen -rehash

## lint: gofmt, go vet and staticcheck (pinned; installed into bin/tools on first use), and
## the mini program's type check and lint once miniprogram/package.json exists
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/tools/staticcheck-$(STATICCHECK_VERSION)
lint: gofmt $(STATICCHECK)
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)
	@if [ -f miniprogram/package.json ]; then cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm run --silent lint; fi

$(STATICCHECK):
	@mkdir -p bin/tools
	GOBIN=$(CURDIR)/bin/tools $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv bin/tools/staticcheck $@

## vuln: govulncheck (pinned) against the Go vulnerability database taken offline from the
## module proxy (golang.org/x/vulndb at VULNDB_VERSION, indexed into bin/tools on first use);
## fails on a vulnerable symbol the code calls unless server/internal/vulngate/accepted.txt
## gives the reviewed reason it does not apply. VULNDB=https://vuln.go.dev uses the live database.
GOVULNCHECK_VERSION := v1.9.0
VULNDB_VERSION      := v0.0.0-20261105234957-e22db6528018
GOVULNCHECK := bin/tools/govulncheck-$(GOVULNCHECK_VERSION)
VULNDB_DIR  := bin/tools/vulndb-$(VULNDB_VERSION)
VULNDB      ?= file://$(CURDIR)/$(VULNDB_DIR)
vuln: $(GOVULNCHECK) $(if $(filter file://%,$(VULNDB)),$(VULNDB_DIR))
	@set -o pipefail; $(GOVULNCHECK) -db $(VULNDB) -format json $(PKGS) | $(GO) run ./server/internal/vulngate

$(GOVULNCHECK):
	@mkdir -p bin/tools
	GOBIN=$(CURDIR)/bin/tools $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	mv bin/tools/govulncheck $@

$(VULNDB_DIR):
	@mkdir -p bin/tools
	GOBIN=$(CURDIR)/bin/tools $(GO) install golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION)
	@src=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	 rm -rf $@.tmp && bin/tools/indexdb -vulns "$$src/data/osv" -out $@.tmp && mv $@.tmp $@

## bench: Go benchmarks (set WEMART_TEST_POSTGRES to include PostgreSQL)
bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem $(PKGS)

clean:
	rm -rf bin
