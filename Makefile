# product-service: `make run` serves the API on a local engine, `make test` runs every test.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# A JDK 21+ (Helidon 4), found by scripts/find-jdk.sh: JAVA_HOME if it qualifies, else the
# newest installed. Maven (through the wrapper) and the service both run on it.
JAVA_HOME := $(shell scripts/find-jdk.sh)
export JAVA_HOME
JAVA := $(JAVA_HOME)/bin/java
MVN := ./mvnw -B -ntp

PORT ?= 8080
ENGINE_PORT ?= 8000
DATA_DIR ?= .data/dynalite
SERVICE_JAR := service/target/product-service.jar
# JVM flags of `make run`; the container image and `make bench` use the same (see docs/PERFORMANCE.md).
JAVA_OPTS ?= -XX:+UseSerialGC -XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError

##@ General

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: run
run: check-jdk build engine-deps ## Serve the API on :8080 against the local engine on :8000 (data kept in .data/)
	@if (exec 3<>/dev/tcp/127.0.0.1/$(ENGINE_PORT)) 2>/dev/null; then \
	  echo "Port $(ENGINE_PORT) is taken (another 'make run'?): stop it, or use ENGINE_PORT=8001 make run" >&2; exit 1; fi
	@mkdir -p $(DATA_DIR)
	@trap 'kill $$engine 2>/dev/null || true; wait $$engine 2>/dev/null || true' EXIT; \
	node local/engine.js --port $(ENGINE_PORT) --path $(DATA_DIR) & engine=$$!; \
	for _ in $$(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$(ENGINE_PORT)) 2>/dev/null && break; sleep 0.1; done; \
	"$(JAVA)" $(JAVA_OPTS) -Dconfig.profile=local -Dserver.port=$(PORT) \
	  -Ddynamodb.endpoint=http://localhost:$(ENGINE_PORT) -jar $(SERVICE_JAR)

.PHONY: test
test: check-jdk engine-deps ## Build everything and run every test
	$(MVN) install

.PHONY: build
build: check-jdk ## Compile and package everything, without tests
	$(MVN) -q install -DskipTests

.PHONY: engine-deps
engine-deps: local/node_modules/.package-lock.json ## Install the local DynamoDB engine (dynalite, pinned in local/package-lock.json)

local/node_modules/.package-lock.json: local/package.json local/package-lock.json
	cd local && npm ci --no-audit --no-fund --loglevel=error

.PHONY: clean
clean: ## Remove build output (keeps the local engine's data in .data/)
	$(MVN) -q clean
	rm -rf local/node_modules

##@ Benchmarks

# `make bench` runs everything (about 8 minutes on 2 cores); `make bench BENCH_QUICK=1` checks
# it all in about 4. Empty variables keep the benchmark's defaults (full: 5 s a cell, 30 s
# warm-up, 100,000 products for the scale test; quick: 2 s, 10 s, 20,000). Results: a markdown
# report on stdout, JSON in bench/results/; docs/PERFORMANCE.md says how to read them.
BENCH_QUICK ?=
BENCH_DURATION ?=
BENCH_WARMUP ?=
BENCH_CONCURRENCY ?= 1,16,64
BENCH_OPERATIONS ?= get,post,put,query,list
BENCH_PHASES ?= load,scale,decisions,startup
# Total requests/s for a fixed-rate run (latency without coordinated omission); 0 = closed loop.
BENCH_RATE ?= 0
# Anything else, e.g. BENCH_ARGS='--service-settings=-Ddynamodb.connections=64 --direct-client=crt'
BENCH_ARGS ?=
BENCH_JAR := bench/target/product-bench.jar

.PHONY: bench
bench: check-jdk build engine-deps ## Load, scale, start-up and memory benchmark, service vs direct SDK (BENCH_QUICK=1: short)
	"$(JAVA)" -Xmx1g --enable-native-access=ALL-UNNAMED -jar $(BENCH_JAR) \
	  --java="$(JAVA)" --java-opts="$(JAVA_OPTS)" --service-jar=$(SERVICE_JAR) \
	  --concurrency=$(BENCH_CONCURRENCY) --operations=$(BENCH_OPERATIONS) --phases=$(BENCH_PHASES) --rate=$(BENCH_RATE) \
	  $(if $(BENCH_QUICK),--quick) $(if $(BENCH_DURATION),--duration=$(BENCH_DURATION)) \
	  $(if $(BENCH_WARMUP),--warmup=$(BENCH_WARMUP)) $(BENCH_ARGS)

.PHONY: bench-startup
bench-startup: ## Start-up only: time to ready and to the first GET, with and without the JDK 25 AOT cache
	@$(MAKE) bench BENCH_PHASES=startup

.PHONY: check-jdk
check-jdk:
	@test -n "$(JAVA_HOME)" || { echo "No JDK 21+ found (see above)." >&2; exit 1; }
