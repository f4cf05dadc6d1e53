# peva-lab: the two commands a newcomer needs are `make up` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
STACK ?= local

# Toolchain from scripts/bootstrap first on PATH; Pulumi runs offline against a local file backend.
export PATH := $(ROOT)/.tools/node24/node_modules/.bin:$(ROOT)/.tools/pulumi/bin:$(ROOT)/.tools/bin:$(PATH)
export PULUMI_HOME := $(ROOT)/.tools/pulumi-home
export PULUMI_BACKEND_URL := file://$(ROOT)/.pulumi-state
export PULUMI_SKIP_UPDATE_CHECK := true
# Every plugin comes from the bootstrap at a pinned version, so the engine never downloads one.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
# The documented passphrase of the `local` stack's secrets; other stacks need your own PULUMI_CONFIG_PASSPHRASE.
ifeq ($(STACK),local)
export PULUMI_CONFIG_PASSPHRASE ?= peva-lab-local
endif

.PHONY: check plugins help bootstrap deps typecheck lint shellcheck go-test test test-unit test-integration test-e2e test-k6 fuzz e2e-dev up preview destroy bench stack

help:
	@echo "make up                 build the local lab and run its campaign (pulumi up on stack '$(STACK)')"
	@echo "make test               bootstrap, npm ci, typecheck, lint, all test suites"
	@echo "make destroy            pulumi destroy (retrieves memory first)"
	@echo "make preview STACK=dev  preview another stack"
	@echo "make e2e-dev            the seed scenario on real Multipass VMs (not part of make test)"
	@echo "make fuzz               the stack-config fuzz test, 20 000 documents per property, a new seed"
	@echo "make bench              run the benchmarks, write docs/benchmarks.md (BENCH=name… for some only)"
	@echo "make plugins            list the plugins the registry finds, and check their extras"
	@echo "make check              compute governance of every stack (policies/compute-*.yaml, parity)"

bootstrap:
	scripts/bootstrap

# npm ci only when the lockfile changed since the last install.
node_modules/.peva-lab-installed: package-lock.json package.json $(wildcard plugins/*/package.json)
	npm ci --no-audit --no-fund
	touch $@

deps: bootstrap node_modules/.peva-lab-installed

typecheck: deps
	npx tsc --noEmit -p tsconfig.json

lint: deps
	npx eslint .
	shellcheck -x -P SCRIPTDIR/.. scripts/bootstrap scripts/lib/*.sh .ci/run

# tools/pulumi-resource-kubernetes is only a wrapper around upstream's module, built by the bootstrap in a scratch
# folder (its main embeds files written there), so it has no tests of its own here.
go-test: deps
	@for d in tools/*/; do [ -f "$$d/go.mod" ] || continue; [ "$$d" != tools/pulumi-resource-kubernetes/ ] || continue; echo "go test $$d"; (cd "$$d" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false go test ./...); done

test-unit: deps
	npx vitest run --project unit

test-integration: deps
	npx vitest run --project integration

test-e2e: deps
	npx vitest run --project e2e

# The stack-config fuzz test with many more documents than `make test` runs, and a new seed each time (the test's
# title shows it; FUZZ_SEED=<n> replays a run).
fuzz: deps
	FUZZ_RUNS=$${FUZZ_RUNS:-20000} FUZZ_SEED=$${FUZZ_SEED:-$$(date +%s)} npx vitest run --project unit test/unit/stack-config-fuzz.test.ts

# The optional k6 generator against a k6 you installed yourself (k6 is AGPL-3.0: peva-lab never installs it).
test-k6: deps
	npx vitest run --project k6

# The seed scenario on real Multipass VMs (stack dev-e2e): needs multipass and PULUMI_CONFIG_PASSPHRASE; not in `make test`.
e2e-dev: deps
	@mkdir -p .pulumi-state
	node scripts/e2e-dev.ts

# The suites run one after another: integration and e2e tests measure load and CPU, so nothing else may run
# beside them on a 2-core machine.
test: typecheck lint go-test check
	npx vitest run --project unit
	npx vitest run --project integration
	npx vitest run --project e2e

stack: deps
	@mkdir -p .pulumi-state
	pulumi stack select --create $(STACK) --non-interactive

up: stack
	pulumi up --yes --stack $(STACK) --non-interactive

preview: stack
	pulumi preview --stack $(STACK) --non-interactive

destroy: deps
	pulumi destroy --yes --stack $(STACK) --non-interactive

# Compute governance of the shipped stacks: policies/compute-*.yaml, every Pulumi.*.yaml, parity across them.
check: deps
	npx peva-lab check

plugins: deps
	npx peva-lab plugins list
	npx peva-lab plugins doctor

# `make bench BENCH="loadgen local-platform"` re-runs only those and replaces just their sections.
bench: deps
	node scripts/bench.ts $(BENCH)
