# The user interface of the project: `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY        := .venv/bin/python
MODEL     ?= admission
export MODEL
# The shipped Terraform CLI config (filesystem mirror when the machine has one).
export TF_CLI_CONFIG_FILE := $(CURDIR)/build/terraformrc
export AWS_EC2_METADATA_DISABLED := true

.PHONY: help
help:  ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}'

.PHONY: setup
setup:  ## Install what this machine lacks (apt packages, Python environments); idempotent
	@bash scripts/setup.sh

.PHONY: model
model: setup  ## Train the example models into build/models/<name>/ (model.rds + model.json)
	@bash models/train_all.sh

.PHONY: package
package: model  ## Build build/lambda.zip + build/lambda.manifest.json (incremental)
	@$(PY) -m lambda_zip build

.PHONY: localstack-up
localstack-up: setup  ## Start LocalStack on 127.0.0.1:4566 in the background (no-op if running)
	@$(PY) localstack/ctl.py up

.PHONY: localstack-down
localstack-down:  ## Stop LocalStack and every function process it started
	@if [ -x $(PY) ]; then $(PY) localstack/ctl.py down; fi

.PHONY: up
up: package localstack-up  ## Bring the whole stack up on LocalStack; print the site, the API and one prediction
	@$(PY) scripts/stack.py up

.PHONY: publish-model
publish-model: model  ## Serve build/models/<MODEL> from the running stack: upload it, no apply, no redeploy
	@$(PY) scripts/stack.py publish-model

.PHONY: score
score: setup  ## Score a CSV with the running stack (make score INPUT=file.csv); results in build/scores/
	@$(PY) scripts/score.py "$(INPUT)"

.PHONY: down
down:  ## Destroy the LocalStack stack and stop LocalStack
	@if [ -x $(PY) ]; then $(PY) scripts/stack.py down; fi
	@$(MAKE) --no-print-directory localstack-down

.PHONY: test-unit
test-unit: model  ## Unit tests: handler on host R, packaging, models, Terraform modules (no LocalStack)
	@$(PY) -m pytest -m "not localstack" tests

.PHONY: test-integration
test-integration: package localstack-up  ## Everything on LocalStack: executor, apply, end to end, browser, fuzz, faults
	@$(PY) -m pytest -m localstack tests

.PHONY: test
test: package lint  ## Lint, then every test: unit, Terraform, browser and integration on LocalStack
	@# A LocalStack that was already running (e.g. from `make up`) is left running afterwards.
	@started=0; if ! $(PY) localstack/ctl.py status >/dev/null; then $(PY) localstack/ctl.py up || exit 1; started=1; fi; \
	status=0; $(PY) -m pytest tests || status=$$?; \
	if [ $$started = 1 ]; then $(PY) localstack/ctl.py down; fi; exit $$status

.PHONY: lint
lint: setup  ## ruff, mypy and terraform fmt
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy
	@terraform fmt -check -recursive terraform

.PHONY: bench
bench: package localstack-up  ## Measure sizes, cold start, latency and cost into build/bench/
	@$(PY) -m bench

.PHONY: deploy-aws
deploy-aws: package  ## Apply terraform/envs/aws to the AWS account of your credentials
	@$(PY) scripts/stack.py up --env aws

.PHONY: destroy-aws
destroy-aws:  ## Destroy what deploy-aws created
	@$(PY) scripts/stack.py down --env aws

.PHONY: clean
clean: down  ## Remove build/ (keeps .venv)
	rm -rf build
