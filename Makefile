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

.PHONY: setup-test
setup-test:  ## What `setup` installs plus the R packages of the test matrix (tests/model_matrix)
	@bash scripts/setup.sh --test

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
up: package localstack-up  ## Bring the stack up on LocalStack serving every built model (MODELS=a,b; MODEL: default)
	@$(PY) scripts/stack.py up

.PHONY: publish-model
publish-model: model  ## Publish build/models/<MODEL> to the running stack as a new version: no apply, no redeploy
	@$(PY) scripts/stack.py publish-model

.PHONY: model-versions
model-versions:  ## List the kept versions of MODEL: model version, trained_at, published, S3 version id, serving
	@$(PY) scripts/stack.py model-versions

.PHONY: rollback-model
rollback-model:  ## Serve the previous version of MODEL again (VERSION=<model version>: that one); no apply
	@$(PY) scripts/stack.py rollback-model

.PHONY: score
score: setup  ## Score a CSV with the running stack (make score INPUT=file.csv [MODEL=name]); results in build/scores/
	@$(PY) scripts/score.py "$(INPUT)" $(if $(filter command line environment,$(origin MODEL)),--model "$(MODEL)")

.PHONY: truth
truth: setup  ## Upload ground truth for MODEL: make truth MODEL=<name> INPUT=labels.csv (request_id[,row] or file,row; and the output)
	@$(PY) scripts/truth.py "$(INPUT)" --model "$(MODEL)"

.PHONY: monitor
monitor: setup  ## Run the model monitor on the running stack (MODEL=name: one model); writes build/monitoring/<model>.html
	@$(PY) scripts/monitor_run.py $(if $(filter command line environment,$(origin MODEL)),--model "$(MODEL)")

.PHONY: down
down:  ## Destroy the LocalStack stack and stop LocalStack
	@if [ -x $(PY) ]; then $(PY) scripts/stack.py down; fi
	@$(MAKE) --no-print-directory localstack-down

.PHONY: test-unit
test-unit: setup-test model  ## Unit tests: handler on host R, packaging, models, Terraform modules (no LocalStack)
	@$(PY) -m pytest -m "not localstack" tests

.PHONY: test-integration
test-integration: package localstack-up  ## Everything on LocalStack: executor, apply, end to end, browser, fuzz, faults; then iam-check
	@status=0; $(PY) -m pytest -m localstack tests || status=$$?; $(PY) -m iam_check || status=$${status/#0/1}; exit $$status

.PHONY: test
test: setup-test package lint  ## Lint, then every test: unit, Terraform, browser and integration on LocalStack; then iam-check
	@# A LocalStack that was already running (e.g. from `make up`) is left running afterwards.
	@started=0; if ! $(PY) localstack/ctl.py status >/dev/null; then $(PY) localstack/ctl.py up || exit 1; started=1; fi; \
	status=0; LOCALSTACK_STOPPED_AFTER_TESTS=$$started $(PY) -m pytest tests || status=$$?; \
	$(PY) -m iam_check || status=$${status/#0/1}; \
	if [ $$started = 1 ]; then $(PY) localstack/ctl.py down; fi; exit $$status

.PHONY: iam-check
iam-check: setup  ## Check every AWS call recorded since LocalStack started against the applied policies (build/iam/)
	@$(PY) -m iam_check

.PHONY: lint
lint: setup  ## ruff, mypy, terraform fmt, actionlint, and parliament over every IAM policy the Terraform roots render
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy
	@terraform fmt -check -recursive terraform
	@.venv/bin/actionlint
	@$(PY) -m policy_lint

.PHONY: bench
bench: package localstack-up  ## Measure sizes, cold start, latency and cost into build/bench/
	@$(PY) -m bench

# AUTO_APPROVE=1 applies without asking (CI, after its own plan review); a person sees the plan and types yes.
APPROVE := $(if $(filter 1 true yes,$(AUTO_APPROVE)),--auto-approve)

.PHONY: deploy-aws
deploy-aws: setup  ## Deploy to AWS: check credentials, build, show the plan, ask, apply (AUTO_APPROVE=1 skips the question)
	@$(PY) scripts/stack.py check-aws
	@$(MAKE) --no-print-directory package
	@$(PY) scripts/stack.py up --env aws $(APPROVE)

.PHONY: plan-aws
plan-aws: setup  ## Plan terraform/envs/aws into build/aws.tfplan + build/aws-plan.txt without the state lock (PR checks)
	@$(PY) scripts/stack.py check-aws
	@$(MAKE) --no-print-directory package
	@$(PY) scripts/stack.py plan --env aws --no-lock

.PHONY: destroy-aws
destroy-aws: setup  ## Destroy what deploy-aws created: shows the destroy plan and asks (AUTO_APPROVE=1 skips the question)
	@$(PY) scripts/stack.py down --env aws $(APPROVE)

.PHONY: clean
clean: down  ## Remove build/ (keeps .venv)
	rm -rf build
