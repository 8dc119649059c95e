# diming: `make run` serves the product with demo data; `make test` runs
# every check CI runs. Both bring up their own PostgreSQL + PostGIS.
SHELL := /bin/bash
GO ?= go
BIN := bin/diming
RUNTIME_PKGS := postgresql-15-postgis-3
TEST_PKGS := $(RUNTIME_PKGS) zbar-tools gdal-bin chromium fonts-wqy-microhei
# The test cluster is separate from the demo one and runs without fsync.
TEST_PG_PORT ?= 15339
TEST_ENV := DIMING_PG_DIR=.data/pg-test DIMING_PG_PORT=$(TEST_PG_PORT) DIMING_PG_FAST=true DIMING_PG_DATABASE=postgres

# go vet ran over everything just before, so go test does not vet again
# (-vet=off). The longest packages start first, so that the two cores are
# not left with one long package at the end; ./... adds the rest. The
# national data is imported once per cluster and run into a template
# database that the tests copy (data/dbtest/template.go).
TEST_ORDER := ./web ./data ./boundaries ./cmd/diming ./...

.PHONY: run test bench build deps db-test web-deps lint clean

build: web-deps
	$(GO) build -o $(BIN) ./cmd/diming

# web-deps installs the front end's npm packages (pinned in web/package.json
# and package-lock.json) and copies the files the pages load into the
# git-ignored web/static/vendor/NAME@VERSION/, each with its gzip form beside
# it (served precompressed); the build embeds them. Nothing third-party is
# committed. It reruns npm only when the lock file changes.
web-deps:
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	@cd web && if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json; fi
	@scripts/web-vendor.sh

deps:
	@scripts/deps.sh $(RUNTIME_PKGS)

run: deps web-deps build
	@$(BIN) -log-format=text -demo serve

db-test: web-deps build
	@scripts/deps.sh $(TEST_PKGS)
	@$(TEST_ENV) $(BIN) db start >/dev/null

test: db-test
	@echo "== gofmt"; out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@echo "== go vet"; $(GO) vet ./...
	@echo "== staticcheck"; $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	@echo "== go test -race"
	DIMING_TEST_DATABASE_URL=$$($(TEST_ENV) $(BIN) db url) $(GO) test -race -count=1 -vet=off -timeout 15m $(TEST_ORDER)

bench: db-test
	DIMING_TEST_DATABASE_URL=$$($(TEST_ENV) $(BIN) db url) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./... | tee bench.out

clean:
	-$(TEST_ENV) $(BIN) db stop
	-$(BIN) db stop
	rm -rf bin
