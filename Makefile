# wemart: `make run` serves the demo on 127.0.0.1:8080 (the mini program's preview at
# /shop/); `make test` runs every test; `make check` is the quick loop while developing.
GO      ?= go
BIN     := bin/wemart
PKGS    := ./...
# The demo's bootstrap admin for `make run` (override on the command line).
WEMART_ADMIN_USER     ?= admin
WEMART_ADMIN_PASSWORD ?= wemart-admin
BENCHTIME ?= 1x
BENCH     ?= .

export CGO_ENABLED := 1
# The Go toolchain: at least the `toolchain` line of go.mod (go1.27.3, the
# first release here with the standard library's published security fixes;
# the go command fetches it from the module proxy once, ~76 MB). `auto` keeps
# a newer local Go; a plain `go build` outside make uses whatever is local.
export GOTOOLCHAIN := auto
SHELL := /bin/bash

.PHONY: run build test go-test mp-test mp-deps mp-browser preview check hooks gofmt openapi-lint chaos generate migration migration-hash lint vuln bench bench-scale clean

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

## run: build (and the mini program's h5 preview when Node.js and npm are installed),
## load the demo on first run, and serve with embedded defaults
run: build
	@if [ -n "$(HAVE_NPM)" ]; then \
	   $(MAKE) --no-print-directory preview || echo "make run: the mini program preview did not build (see above): serving the API alone"; \
	 else \
	   echo "make run: Node.js and npm are not installed, so the mini program preview (/shop/) is not built$(if $(wildcard $(MP)/dist-h5/index.html), (the last build is served as it is), and the API is served alone); install Node.js 20 with npm and run make run again, or build it elsewhere with: cd miniprogram && npm ci && npm run build:h5"; \
	 fi
	@if [ -f $(MP)/dist-h5/index.html ]; then echo "make run: the mini program preview is at http://$${WEMART_ADDR:-127.0.0.1:8080}/shop/ (the store counter: /shop/#/staff/login/index)"; fi
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

## test: the OpenAPI lint, every Go test (with -race; the database tests run on
## PostgreSQL too when WEMART_TEST_POSTGRES is set) and the mini program's checks
## (mp-test). Both halves run whatever the other gives; ends with their summary lines.
test: openapi-lint
	@sum=$$(mktemp); trap 'rm -f $$sum' EXIT; status=0; \
	 $(MAKE) --no-print-directory go-test SUMMARY=$$sum || status=1; \
	 $(MAKE) --no-print-directory mp-test SUMMARY=$$sum || status=1; \
	 echo; echo "make test: $$([ $$status = 0 ] && echo PASS || echo FAIL)"; cat $$sum; exit $$status

## go-test: every Go test (with -race), as make test runs them. Ends with a one-line summary.
go-test:
	@if [ -z "$$WEMART_TEST_POSTGRES" ]; then echo "make go-test: WEMART_TEST_POSTGRES is not set, so the PostgreSQL half of the tests is SKIPPED (SQLite only)"; fi
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; start=$$(date +%s); \
	 $(GO) test -count=1 $(RACE) $(TESTFLAGS) $(PKGS) 2>&1 | tee $$log; status=$${PIPESTATUS[0]}; \
	 pg=$$([ -n "$$WEMART_TEST_POSTGRES" ] && echo "SQLite and PostgreSQL" || echo "SQLite only, PostgreSQL SKIPPED"); \
	 line="make go-test: $$([ $$status = 0 ] && echo PASS || echo FAIL): $$(grep -c '^ok ' $$log) packages passed, $$(grep -cE '^FAIL[[:space:]]' $$log) failed or did not build, $$(grep -c -- '--- FAIL' $$log) failing tests ($$pg) in $$(( $$(date +%s) - start )) s"; \
	 echo "$$line"; if [ -n "$(SUMMARY)" ]; then echo "$$line" >> "$(SUMMARY)"; fi; \
	 exit $$status

# The mini program (miniprogram/: Taro + React + TypeScript), built with Node.js and npm.
MP       := miniprogram
MP_SRC   := $(shell find $(MP)/src $(MP)/config -type f 2>/dev/null) $(wildcard $(MP)/package.json $(MP)/package-lock.json $(MP)/babel.config.js)
HAVE_NPM := $(shell command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && echo yes)

## mp-deps: miniprogram/node_modules, installed with npm ci when missing or older than
## package-lock.json (unless it already holds exactly the locked packages); one at a
## time (.ci/run installs in the background while make lint may ask for them too)
mp-deps:
	@cd $(MP) && exec 9>.mp-deps.lock && flock 9 && if [ ! -d node_modules ] || { [ node_modules/.package-lock.json -ot package-lock.json ] && ! node scripts/deps-current.js; }; then \
	   echo "npm ci in $(MP)/ (node_modules missing or older than package-lock.json)"; \
	   npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	 fi

## preview: the mini program's h5 preview (miniprogram/dist-h5) that wemart serves at /shop/,
## rebuilt when a file under src/ or config/, package.json, package-lock.json or babel.config.js is newer
preview: $(MP)/dist-h5/index.html
$(MP)/dist-h5/index.html: $(MP_SRC) | mp-deps
	cd $(MP) && npm run --silent build:h5
	@touch $@

# The weapp build (miniprogram/dist, for WeChat DevTools), rebuilt the same way.
$(MP)/dist/app.json: $(MP_SRC) | mp-deps
	cd $(MP) && npm run --silent build:weapp
	@touch $@

## mp-browser: Chromium and CJK fonts for the e2e: installed from Debian with apt-get when
## running as root on Debian and /usr/bin/chromium is missing; otherwise says what to run
mp-browser:
	@if [ -n "$$E2E_CHROMIUM" ] || { [ -x /usr/bin/chromium ] && { ! command -v dpkg >/dev/null || dpkg -s fonts-noto-cjk >/dev/null 2>&1; }; }; then exit 0; fi; \
	 if [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then \
	   echo "make mp-browser: installing Debian's chromium and fonts-noto-cjk for the mini program's e2e"; \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null || exit 1; \
	 else \
	   echo "make mp-browser: the mini program's e2e needs Chromium at /usr/bin/chromium and CJK fonts: run  sudo apt-get install -y chromium fonts-noto-cjk  (Debian/Ubuntu), or set E2E_CHROMIUM to a Chromium binary"; \
	   exit 1; \
	 fi

## mp-test: the mini program's checks: npm run lint, Jest, the weapp build and
## check-weapp (with its self-test), the h5 build, and the e2e journeys against bin/wemart in headless
## Chromium. Ends with a one-line summary.
mp-test: build mp-deps
	@bash $(MP)/scripts/mp-test.sh

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
	@if [ -f $(MP)/package.json ]; then $(MAKE) --no-print-directory mp-deps && cd $(MP) && npm run --silent lint; fi

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

## bench: Go benchmarks (set WEMART_TEST_POSTGRES to include PostgreSQL), then
## one table of every figure beside its baseline in the same run (bin/bench.md);
## one package at a time (-p 1): two at once would share the cores they measure
bench:
	@mkdir -p bin && rm -f bin/bench.jsonl
	WEMART_BENCH_TABLE=$(CURDIR)/bin/bench.jsonl $(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem -p 1 -timeout 60m $(PKGS)
	@$(GO) run ./server/internal/benchtable/cmd/benchtable bin/bench.jsonl | tee bin/bench.md

## bench-scale: the same table's million-store and million-product points
## (opt-in, not in CI: minutes and gigabytes)
bench-scale:
	@mkdir -p bin && rm -f bin/bench-scale.jsonl
	WEMART_BENCH_SCALE=1 WEMART_BENCH_TABLE=$(CURDIR)/bin/bench-scale.jsonl $(GO) test -run '^$$' -bench 'Scale' -benchtime 1x -p 1 -timeout 120m $(PKGS)
	@$(GO) run ./server/internal/benchtable/cmd/benchtable bin/bench-scale.jsonl | tee bin/bench-scale.md

clean:
	rm -rf bin $(MP)/dist $(MP)/dist-h5
