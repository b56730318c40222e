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
# -C: strict checksums, a download whose checksum does not match fails the build.
MVN := ./mvnw -B -ntp -C
# Maven 3.9's bundled Guice calls sun.misc.Unsafe, which JDK 24+ warns about on every build; allow
# it there, quietly (JDK 21-23 would reject the option).
JAVA_MAJOR := $(shell sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$(JAVA_HOME)/release" 2>/dev/null)
export MAVEN_OPTS += $(if $(filter-out 21 22 23,$(JAVA_MAJOR)),--sun-misc-unsafe-memory-access=allow)

# The ports of `make run` and `make admin`; a second instance next to the first needs its own of
# each, and its own DATA_DIR: make run PORT=8081 ADMIN_PORT=9081 ENGINE_PORT=8002 DATA_DIR=.data/dynalite-2
# PORT: the API. ADMIN_PORT: the service's health and metrics listener (its admin.port, ADMIN_PORT in
# the service's environment too). ENGINE_PORT: the local engine. DYNAMODB_ADMIN_PORT: `make admin`.
PORT ?= 8080
ADMIN_PORT ?= 9080
ENGINE_PORT ?= 8000
DYNAMODB_ADMIN_PORT ?= 8001
DATA_DIR ?= .data/dynalite
# `make run AUTH=jwt`: /products needs a bearer token, checked against a development key pair
# in .data/auth/ (scripts/dev-auth.sh); `make token` prints one. Default: no authentication.
AUTH ?= none
SCOPES ?= products.read products.write
# Passed to scripts/run.sh alone: exported, ADMIN_PORT would move the admin listener of every
# service a recipe starts (the tests' too), as the service reads it from the environment.
RUN_ENV = PORT=$(PORT) ADMIN_PORT=$(ADMIN_PORT) ENGINE_PORT=$(ENGINE_PORT) DATA_DIR=$(DATA_DIR)
SERVICE_JAR := service/target/product-service.jar
# What the service's jar is built from: `make run` rebuilds it only when one of these changed.
SERVICE_SOURCES := pom.xml schema/pom.xml service/pom.xml $(shell find schema/src/main service/src/main -type f 2>/dev/null)
# JVM flags of `make run`; the container image and `make bench` use the same (see docs/PERFORMANCE.md).
JAVA_OPTS ?= -XX:+UseSerialGC -Xmx80m -XX:TrimNativeHeapInterval=2000 -XX:+ExitOnOutOfMemoryError

##@ General

# Variables the target descriptions name, printed with their values.
HELP_VARS = IMAGE VERSION IMAGE_REF CDK_OUTPUTS PORT ADMIN_PORT ENGINE_PORT DYNAMODB_ADMIN_PORT DATA_DIR

.PHONY: help
help: ## Show this help
	@$(foreach v,$(HELP_VARS),$(v)='$($(v))') awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} \
	  function expand(text,   name) { while (match(text, /\$$\([A-Z_]+\)/)) { name = substr(text, RSTART + 2, RLENGTH - 3); \
	    text = substr(text, 1, RSTART - 1) ENVIRON[name] substr(text, RSTART + RLENGTH) } return text } \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, expand($$2) } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)
	@printf '\n\033[1mPorts of make run and make admin\033[0m (a second instance sets each, and its own DATA_DIR)\n'
	@printf '  PORT=%s (API)  ADMIN_PORT=%s (health, metrics)  ENGINE_PORT=%s (local engine)  DYNAMODB_ADMIN_PORT=%s (make admin)  DATA_DIR=%s\n' \
	  '$(PORT)' '$(ADMIN_PORT)' '$(ENGINE_PORT)' '$(DYNAMODB_ADMIN_PORT)' '$(DATA_DIR)'

##@ Development

.PHONY: run
run: check-jdk run-ports $(SERVICE_JAR) engine-deps ## Serve the API on :$(PORT) (health, metrics :$(ADMIN_PORT)) against the local engine on :$(ENGINE_PORT), data in $(DATA_DIR) (AUTH=jwt: tokens needed)
	@$(RUN_ENV) AUTH=$(AUTH) JAVA="$(JAVA)" JAVA_OPTS="$(JAVA_OPTS)" SERVICE_JAR=$(SERVICE_JAR) scripts/run.sh serve

# Before the build, so that a taken port is said at once, not after minutes of compiling.
.PHONY: run-ports
run-ports:
	@$(RUN_ENV) scripts/run.sh ports

$(SERVICE_JAR): $(SERVICE_SOURCES)
	@echo "Building the service (the first build downloads its dependencies: a few minutes)..."
	@$(MVN) install -DskipTests -pl service -am | grep --line-buffered -E '^\[INFO\] (Building [^ ]|BUILD )|^\[(ERROR|WARNING)\]'
	@touch $@

.PHONY: token
token: ## Print a development token for `make run AUTH=jwt` (SCOPES="products.read products.write")
	@scripts/dev-auth.sh token "$(SCOPES)"

.PHONY: test
test: check-jdk engine-deps ## Build everything and run every test
	$(MVN) install

# One test class or method of one module, e.g. make test-one TEST=ProductCreateGetTest#originalServicesCurlCallsWork
# (MODULE=deploy-tests for those). Builds the modules it depends on; runs with the JDK found above.
TEST ?=
MODULE ?= service

.PHONY: test-one
test-one: check-jdk engine-deps ## Run the tests matching TEST=Class[#method] in MODULE (default service); fails when none matches
	@MVN="$(MVN)" scripts/test-one.sh "$(MODULE)" "$(TEST)"

# `make hostile` (with `make run` in another terminal): the lock-out attacks at full size, e.g.
# ATTACKS="slow-read slowloris" DURATION=60; the small versions run in `make test` (HostileLoadTest).
ATTACKS ?=
DURATION ?=

.PHONY: hostile
hostile: ## Lock-out attacks at full size against `make run` (slowhttptest; ATTACKS=slow-read slow-body slowloris trickle admin)
	PORT=$(PORT) ADMIN_PORT=$(ADMIN_PORT) $(if $(ATTACKS),ATTACKS='$(ATTACKS)') $(if $(DURATION),DURATION=$(DURATION)) scripts/hostile-load.sh

.PHONY: build
build: check-jdk ## Compile and package everything, without tests
	$(MVN) -q install -DskipTests

.PHONY: engine-deps
engine-deps: local/node_modules/.package-lock.json ## Install the local DynamoDB engine (dynalite, pinned in local/package-lock.json)

local/node_modules/.package-lock.json: local/package.json local/package-lock.json
	cd local && npm ci --no-audit --no-fund --loglevel=error

.PHONY: admin
admin: engine-deps ## Admin UI for the engine of `make run` (:$(ENGINE_PORT)) on :$(DYNAMODB_ADMIN_PORT) (dynamodb-admin)
	DYNAMO_ENDPOINT=http://localhost:$(ENGINE_PORT) AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
	  local/node_modules/.bin/dynamodb-admin --host localhost --port $(DYNAMODB_ADMIN_PORT)

.PHONY: clean
clean: ## Remove build output (keeps the local engine's data in .data/)
	$(MVN) -q clean
	rm -rf local/node_modules infra-cdk/node_modules infra-cdk/cdk.out

##@ Benchmarks

# `make bench` runs everything; `make bench BENCH_QUICK=1` checks it all in about 6 minutes on
# 2 cores. Empty variables keep the benchmark's defaults (full: 5 s a cell, 30 s
# warm-up, 100,000 products for the scale test; quick: 2 s, 10 s, 20,000). Results: a markdown
# report on stdout, JSON and PNG charts in bench/results/; docs/PERFORMANCE.md says how to read them.
BENCH_QUICK ?=
BENCH_DURATION ?=
BENCH_WARMUP ?=
BENCH_CONCURRENCY ?= 1,16,64
BENCH_OPERATIONS ?= get,post,put,query,list
BENCH_PHASES ?= load,scale,decisions,startup
# Total requests/s for a fixed-rate run (latency without coordinated omission); 0 = closed loop.
BENCH_RATE ?= 0
# off, or jwt: the service checks an RS256 token on every request (key pair and JWKS made by the run).
BENCH_AUTH ?= off
# off, or a sampling ratio (0.1, 1.0): the service exports spans to an OTLP sink in the benchmark.
BENCH_TRACING ?= off
# on: the measured service runs with an AOT cache trained under load first (as the image runs with
# its cache; JDK 25 keeps method profiles in it, so the service warms up sooner); off: no cache.
BENCH_AOT ?= on
# Anything else, e.g. BENCH_ARGS='--service-settings=-Ddynamodb.connections=64 --direct-client=crt'
BENCH_ARGS ?=
BENCH_JAR := bench/target/product-bench.jar

.PHONY: bench
bench: check-jdk build engine-deps ## Load, scale, start-up and memory benchmark, service vs direct SDK, with charts (BENCH_QUICK=1: short)
	"$(JAVA)" -Xmx1g --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -jar $(BENCH_JAR) \
	  --java="$(JAVA)" --java-opts="$(JAVA_OPTS)" --service-jar=$(SERVICE_JAR) \
	  --concurrency=$(BENCH_CONCURRENCY) --operations=$(BENCH_OPERATIONS) --phases=$(BENCH_PHASES) --rate=$(BENCH_RATE) \
	  --auth=$(BENCH_AUTH) --tracing=$(BENCH_TRACING) --aot=$(BENCH_AOT) \
	  $(if $(BENCH_QUICK),--quick) $(if $(BENCH_DURATION),--duration=$(BENCH_DURATION)) \
	  $(if $(BENCH_WARMUP),--warmup=$(BENCH_WARMUP)) $(BENCH_ARGS)

.PHONY: bench-charts
bench-charts: check-jdk ## Redraw the PNG charts in bench/results/ from bench/results/latest.json, without measuring
	@test -f $(BENCH_JAR) || { echo "No $(BENCH_JAR): run 'make bench' first." >&2; exit 1; }
	"$(JAVA)" -Djava.awt.headless=true -cp $(BENCH_JAR) org.productservice.bench.Charts bench/results/latest.json bench/results

# `make bench-compare BASELINE=bench/results/bench-<a>.json VARIANT=bench/results/bench-<b>.json`
BASELINE ?=
VARIANT ?= bench/results/latest.json

.PHONY: bench-compare
bench-compare: check-jdk ## Two reports side by side, e.g. auth off vs on (BASELINE=<json> VARIANT=<json>, default latest)
	@test -n "$(BASELINE)" -a -f $(BENCH_JAR) || { echo "Usage: make bench-compare BASELINE=<report.json> [VARIANT=<report.json>], after 'make bench'" >&2; exit 1; }
	"$(JAVA)" -cp $(BENCH_JAR) org.productservice.bench.Compare "$(BASELINE)" "$(VARIANT)"

.PHONY: bench-startup
bench-startup: ## Start-up only: time to ready and to the first GET, with and without the JDK 25 AOT cache
	@$(MAKE) bench BENCH_PHASES=startup

.PHONY: check-jdk
check-jdk:
	@test -n "$(JAVA_HOME)" || { echo "No JDK 21+ found (see above)." >&2; exit 1; }

##@ Infrastructure

# The AWS CDK app in infra-cdk/ (docs/DEPLOY-AWS.md, "The stack (AWS CDK)"). The CLI is pinned in
# infra-cdk/package-lock.json and run by scripts/cdk.sh (npx --no, one line instead of Node
# banners, one line when AWS credentials are missing). Context reaches the app as `-c key=value`:
# the variables below, and anything else through CDK_CONTEXT, e.g. CDK_CONTEXT='-c wafRateLimit=500'.
# --strict: cdk-nag reports its AwsSolutions rules as errors or warnings; errors alone would fail
# the CLI, --strict makes an unsuppressed warning fail it too.
#
# STAGE has no default for diff/infra-deploy/destroy: `dev` stacks delete their tables with the
# stack, so deploying one must be a choice, not an accident (`make synth` alone defaults to dev).
STAGE ?=
# Pod Identity (the default identity): the cluster the stack associates the role with. Without the
# association the pods get no AWS credentials, so infra-deploy requires it (or -c identity=irsa).
EKS_CLUSTER ?=
# The API's TLS: DOMAIN with HOSTED_ZONE_ID (the stack requests the certificate, validated by DNS),
# or CERTIFICATE_ARN (with DOMAIN for the host rule). Neither: an internal ALB, no public API.
DOMAIN ?=
HOSTED_ZONE_ID ?=
CERTIFICATE_ARN ?=
# Network facts for the NetworkPolicy, passed through the stack's outputs to `make k8s-config`:
# the ALB subnets' CIDRs and the node subnets' CIDRs (kubelet probes; comma-separated, or `none`
# for k8s-config alone), and the cluster VPC's CIDR, which they are checked against.
VPC_CIDR ?=
ALB_SUBNET_CIDRS ?=
NODE_SUBNET_CIDRS ?=
CDK_CONTEXT ?=
CDK := scripts/cdk.sh
CDK_ARGS = --strict -c stage=$(or $(STAGE),dev) \
  $(if $(EKS_CLUSTER),-c eksClusterName=$(EKS_CLUSTER)) \
  $(if $(DOMAIN),-c domainName=$(DOMAIN)) $(if $(HOSTED_ZONE_ID),-c hostedZoneId=$(HOSTED_ZONE_ID)) \
  $(if $(CERTIFICATE_ARN),-c certificateArn=$(CERTIFICATE_ARN)) \
  $(if $(VPC_CIDR),-c vpcCidr=$(VPC_CIDR)) $(if $(ALB_SUBNET_CIDRS),-c albSubnetCidrs=$(ALB_SUBNET_CIDRS)) \
  $(if $(filter-out none,$(NODE_SUBNET_CIDRS)),-c nodeSubnetCidrs=$(NODE_SUBNET_CIDRS)) \
  $(CDK_CONTEXT)
# Where `make infra-deploy` writes the stack's outputs and `make k8s-config` reads them; one
# definition, relative to the repository (the CLI runs in infra-cdk/, hence abspath below).
CDK_OUTPUTS ?= infra-cdk/outputs.json

.PHONY: synth
synth: check-jdk infra-deps infra-build ## Write the CloudFormation template to infra-cdk/cdk.out (offline; STAGE=dev CDK_CONTEXT=...)
	$(CDK) synth $(CDK_ARGS) --quiet
	@echo "Template: infra-cdk/cdk.out/product-service-$(or $(STAGE),dev).template.json"

.PHONY: diff
diff: require-stage check-jdk infra-deps infra-build ## Compare the stack with what is deployed (STAGE=...; needs AWS credentials)
	$(CDK) diff $(CDK_ARGS)

.PHONY: infra-deploy
infra-deploy: require-stage require-cluster check-jdk infra-deps infra-build ## Deploy the stack (STAGE=..., EKS_CLUSTER=...); its outputs go to infra-cdk/outputs.json
	$(CDK) deploy $(CDK_ARGS) --outputs-file $(abspath $(CDK_OUTPUTS))

.PHONY: destroy
destroy: require-stage check-jdk infra-deps infra-build ## Delete the stack (STAGE=...; asks first; only dev stages delete their data)
	$(CDK) destroy $(CDK_ARGS)

.PHONY: infra-build
infra-build: check-jdk ## Compile and package the CDK app (and the schema it builds the tables from)
	$(MVN) -q package -DskipTests -pl infra-cdk -am

.PHONY: infra-deps
infra-deps: infra-cdk/node_modules/.package-lock.json ## Install the AWS CDK CLI (pinned in infra-cdk/package-lock.json)

infra-cdk/node_modules/.package-lock.json: infra-cdk/package.json infra-cdk/package-lock.json
	cd infra-cdk && npm ci --no-audit --no-fund --loglevel=error

.PHONY: require-stage
require-stage:
	@test -n "$(STAGE)" || { echo "Set STAGE: e.g. STAGE=prod (tables kept, deletion protection) or STAGE=dev / dev-<name> (deleted with the stack)" >&2; exit 1; }

.PHONY: require-cluster
require-cluster:
	@test -n "$(EKS_CLUSTER)$(findstring identity=irsa,$(CDK_CONTEXT))" || { echo "Set EKS_CLUSTER=<your EKS cluster>: the stack associates the role with the service account there (EKS Pod Identity); or use CDK_CONTEXT='-c identity=irsa -c oidcProviderArn=...'" >&2; exit 1; }

##@ Container

# The image: name, tag (the git revision, marked -dirty for uncommitted changes) and where `push`
# sends it (e.g. REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com).
IMAGE ?= product-service
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REGISTRY ?=
DOCKER ?= docker
# Empty: scripts/compose.sh picks `docker compose`, `docker-compose` or `podman compose`.
COMPOSE ?=
export COMPOSE
IMAGE_REF = $(if $(REGISTRY),$(REGISTRY)/)$(IMAGE):$(VERSION)

.PHONY: image
image: ## Build the container image $(IMAGE):$(VERSION) (service/Dockerfile)
	$(DOCKER) build -f service/Dockerfile -t $(IMAGE):$(VERSION) \
	  --build-arg VERSION=$(VERSION) \
	  --build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
	  $$(url=$$(git config --get remote.origin.url 2>/dev/null) && echo "--build-arg SOURCE=$$url") .

.PHONY: image-test
image-test: engine-deps ## Build the image and test it as the Deployment runs it (docker or podman; docs/TESTING.md)
	scripts/image-test.sh

.PHONY: push
push: ## Tag and push the image to REGISTRY (log in first); records its digest for `make deploy`
	@test -n "$(REGISTRY)" || { echo "Set REGISTRY, e.g. make push REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com" >&2; exit 1; }
	$(DOCKER) tag $(IMAGE):$(VERSION) $(IMAGE_REF)
	$(DOCKER) push $(IMAGE_REF)
	DOCKER="$(DOCKER)" scripts/record-digest.sh $(IMAGE_REF) $(IMAGE_DIGEST_FILE)

.PHONY: up
up: ## Start DynamoDB Local (:8000), the admin UI (:8001) and the service (:8080) with Compose (COMPOSE=...)
	scripts/compose.sh up --build --detach
	@echo "API http://localhost:8080/products  admin UI http://localhost:8001  (make logs, make down)"

.PHONY: down
down: ## Stop the compose stack and delete its containers (the in-memory data goes with them)
	scripts/compose.sh down --remove-orphans

.PHONY: logs
logs: ## Follow the compose stack's logs
	scripts/compose.sh logs --follow

##@ Kubernetes

OVERLAY ?= aws
KUBECTL ?= kubectl
ROLLOUT_TIMEOUT ?= 180s
# Where the service exports traces and metrics (OTLP/HTTP); empty: the ADOT add-on's collector
# (see scripts/k8s-config.js), `none`: no export. 80 → 443 redirect on the public ALB: HTTP_REDIRECT=true.
OTLP_ENDPOINT ?=
HTTP_REDIRECT ?=
# A throwaway kustomization on top of the overlay that sets the image (registry, name, digest).
# It lives inside k8s/ because kustomize refuses resources given by an absolute path.
DEPLOY_DIR := k8s/.deploy
# Written by `make push`: the pushed image's registry digest, which `make deploy` applies.
IMAGE_DIGEST_FILE := $(DEPLOY_DIR)/image.digest

.PHONY: k8s-config
k8s-config: ## Write the aws overlay's values (tables, AUTH_*, cursor key ARN, role, ALB, NetworkPolicy) from the CDK outputs
	VPC_CIDR="$(VPC_CIDR)" ALB_SUBNET_CIDRS="$(ALB_SUBNET_CIDRS)" NODE_SUBNET_CIDRS="$(NODE_SUBNET_CIDRS)" \
	  OTLP_ENDPOINT="$(OTLP_ENDPOINT)" HTTP_REDIRECT="$(HTTP_REDIRECT)" \
	  node scripts/k8s-config.js --outputs $(CDK_OUTPUTS) --out k8s/overlays/aws/generated

.PHONY: render
render: deploy-kustomization ## Print the manifests `make deploy` would apply (OVERLAY, REGISTRY, VERSION)
	@$(KUBECTL) kustomize $(DEPLOY_DIR)

.PHONY: deploy
deploy: kube-context ## Apply the overlay (OVERLAY=aws|local); on aws the image pushed last, by digest
	@$(MAKE) deploy-kustomization REQUIRE_DIGEST=$(if $(filter aws,$(OVERLAY)),1,0)
	$(KUBECTL) apply -k $(DEPLOY_DIR)

.PHONY: rollout
rollout: kube-context ## Wait until the new pods are ready; fails after ROLLOUT_TIMEOUT
	$(KUBECTL) --namespace product-service rollout status deployment/product-service --timeout=$(ROLLOUT_TIMEOUT)

.PHONY: undeploy
undeploy: kube-context deploy-kustomization ## Delete everything the overlay created (the DynamoDB tables stay: the CDK stack owns them)
	$(KUBECTL) delete -k $(DEPLOY_DIR) --ignore-not-found

REQUIRE_DIGEST ?= 0
.PHONY: kube-context
kube-context:
	@KUBECTL="$(KUBECTL)" scripts/kube-context.sh

.PHONY: deploy-kustomization
deploy-kustomization:
	@scripts/deploy-kustomization.sh $(DEPLOY_DIR) $(OVERLAY) $(if $(REGISTRY),$(REGISTRY)/)$(IMAGE) "$(VERSION)" $(IMAGE_DIGEST_FILE) $(REQUIRE_DIGEST)
