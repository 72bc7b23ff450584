# Slipway — developer entry points (SPEC §14). README commands: `make setup run` and `make setup test`.
# Anything longer than a line or two lives in scripts/ (setup.sh, api.sh, demo-commit.sh, taskmap.mjs).

SHELL := /bin/bash
.DEFAULT_GOAL := help
# `make setup run` / `make setup test` must run in order even when MAKEFLAGS carries -j.
.NOTPARALLEL:

# ---- variables (override on the command line: `make api-webhook PROJECT_ID=… WEBHOOK_COMMIT=…`) -------------
API_BASE ?= http://127.0.0.1:8080
# PAAS_AUTH_TOKEN: not defined here; when set (environment or command line) the curl targets send it as a bearer.
# ARTIFACTS_ROOT: as PAAS_ARTIFACTS_ROOT's Linux default (SPEC §1), or PAAS_ARTIFACTS_ROOT itself when that is set.
ARTIFACTS_ROOT ?= $(or $(strip $(PAAS_ARTIFACTS_ROOT)),$(if $(XDG_STATE_HOME),$(XDG_STATE_HOME)/slipway/artifacts,$(if $(HOME),$(HOME)/.local/state/slipway/artifacts,$(or $(PAAS_DATA_DIR),./data)/artifacts)))
BUILDKIT_ADDR ?=
PROJECT_NAME ?=
PROJECT_ID ?=
WEBHOOK_COMMIT ?=
TASK ?=
ATTEMPTS ?= 40
SLEEP_SECS ?= 0.25
PAAS_HTTP_ADDR ?= 127.0.0.1:8080

# Passed to every recipe's environment (scripts read them from there).
export API_BASE ARTIFACTS_ROOT PROJECT_NAME PROJECT_ID WEBHOOK_COMMIT ATTEMPTS SLEEP_SECS

LINT_DIRS := cmd server workers web scripts test
PRETTIER := npx --no-install prettier
TASKMAP := node scripts/taskmap.mjs

# Inputs of `npm run build` (server bundle + UI); `run` rebuilds when any is newer than the outputs.
BUILD_INPUTS = $(shell find cmd server workers web cfg -type f -not -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null) \
	$(wildcard package.json package-lock.json tsconfig.json scripts/build.mjs)
BUILD_OUTPUTS := dist/slipway.mjs dist/web/index.html
RUN_SERVER = PAAS_HTTP_ADDR=$(PAAS_HTTP_ADDR) node dist/slipway.mjs

.PHONY: help setup build run run-artifact run-buildkit buildkit-check test check lint format wait-api smoke-registration \
	api-list api-create api-webhook demo-commit task-list task-show task-files task-tests task-audit \
	agent-check bench chaos clean

help:
	@echo "Slipway make targets (SPEC §14):"
	@echo "  setup run | setup test       README commands: install prerequisites, build, then run / test"
	@echo "  build | run | run-artifact | run-buildkit [BUILDKIT_ADDR=…] | buildkit-check [BUILDKIT_ADDR=…]"
	@echo "  test | check | lint | format | agent-check | bench | chaos | clean"
	@echo "  wait-api | smoke-registration | api-list | api-create [PROJECT_NAME=…]"
	@echo "  api-webhook PROJECT_ID=… [WEBHOOK_COMMIT=…] | demo-commit PROJECT_ID=…"
	@echo "  task-list | task-show|task-files|task-tests|task-audit TASK=…"
	@echo "Variables: API_BASE=$(API_BASE) ARTIFACTS_ROOT=$(ARTIFACTS_ROOT) ATTEMPTS=$(ATTEMPTS) SLEEP_SECS=$(SLEEP_SECS)"

# ---- setup / build / run --------------------------------------------------------------------------------------
setup:
	scripts/setup.sh
	@if [ -f package-lock.json ]; then echo "[setup] npm ci"; npm ci; \
	else echo "[setup] no package-lock.json: npm install"; npm install; fi
	npm run build

build:
	npm run build

$(BUILD_OUTPUTS) &: $(BUILD_INPUTS)
	npm run build
	@touch $(BUILD_OUTPUTS)

run: $(BUILD_OUTPUTS)
	$(RUN_SERVER)

run-artifact: $(BUILD_OUTPUTS)
	PAAS_IMAGE_BUILDER_MODE=artifact $(RUN_SERVER)

run-buildkit: $(BUILD_OUTPUTS)
	PAAS_IMAGE_BUILDER_MODE=buildkit $(if $(BUILDKIT_ADDR),PAAS_BUILDKIT_ADDR='$(BUILDKIT_ADDR)') $(RUN_SERVER)

# Probe BuildKit the way the server does at start (SPEC §9.2): BUILDKIT_ADDR, else the auto-detected addresses.
buildkit-check: $(BUILD_OUTPUTS)
	$(if $(BUILDKIT_ADDR),PAAS_BUILDKIT_ADDR='$(BUILDKIT_ADDR)') node dist/slipway.mjs buildkit-check

# ---- quality --------------------------------------------------------------------------------------------------
# `npm test` = tsc type-check (tests included), then every vitest suite.
test:
	npm test

# lint + type-check + agent-check + test (the type-check is the first half of `npm test`).
check: lint agent-check test

# Formatter check (prettier), linter (ESLint core rules over TS/TSX through Babel's parser, plus the DESIGN
# dependency direction cmd → server → workers; eslint.config.js says why not typescript-eslint) and static checks
# (tsc strict with noUnusedLocals, tests included).
lint:
	$(PRETTIER) --check $(LINT_DIRS)
	npx --no-install eslint --max-warnings 0 $(LINT_DIRS) eslint.config.js
	npx --no-install tsc -p tsconfig.json --noEmit

format:
	$(PRETTIER) --write $(LINT_DIRS)

agent-check:
	$(TASKMAP) agent-check

# Benchmarks of issue 7 (scripts/bench/, < 10 min on 2 cores; docs/BENCHMARKS.md). `make bench BENCH="P1 P3"` runs a subset.
bench:
	@if [ ! -f dist/slipway.mjs ]; then npm run build; fi
	node scripts/bench/run.mjs $(BENCH)

# Chaos and abuse suites R1–R6 (issue 7): real Slipway processes, faults on purpose; builds first if dist is missing.
chaos:
	@if [ ! -f dist/slipway.mjs ] || [ ! -f dist/web/index.html ]; then npm run build; fi
	npx vitest run --project chaos

clean:
	rm -rf dist .tmp data coverage
	@case "$(ARTIFACTS_ROOT)" in ""|/|"$(HOME)"|"$(HOME)/") echo "clean: refusing to remove ARTIFACTS_ROOT='$(ARTIFACTS_ROOT)'" >&2; exit 1;; esac
	rm -rf '$(ARTIFACTS_ROOT)'

# ---- API helpers (curl; bearer from PAAS_AUTH_TOKEN when set) -------------------------------------------------
wait-api:
	@scripts/api.sh wait

smoke-registration:
	@scripts/api.sh smoke

api-list:
	@scripts/api.sh list

api-create:
	@scripts/api.sh create

api-webhook:
	@scripts/api.sh webhook

demo-commit:
	@scripts/demo-commit.sh

# ---- TASKMAP.yaml ---------------------------------------------------------------------------------------------
task-list:
	@$(TASKMAP) list

task-show:
	@$(TASKMAP) show '$(TASK)'

task-files:
	@$(TASKMAP) files '$(TASK)'

task-tests:
	@$(TASKMAP) tests '$(TASK)'

task-audit:
	@$(TASKMAP) audit '$(TASK)'
