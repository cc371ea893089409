# eks_llm.inference — developer and CI entry points. Every target installs what it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
COLLECTION_LINK := build/collections/ansible_collections/eks_llm/inference
SANITY_ROOT := build/sanity/ansible_collections/eks_llm/inference
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: bench-gang help venv collection-link lint sanity unit integration integration-aws integration-k8s \
	integration-bench molecule test rehearse rehearse-destroy testbed-build testbed-up testbed-down \
	testbed-status bench bench-rehearsal clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  %-18s %s\n", $$1, $$2}'

venv: $(VENV)/.installed collection-link ## Create .venv from requirements.txt (idempotent)

$(VENV)/.installed: requirements.txt requirements-runtime.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=..."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

collection-link: ## Make eks_llm.inference resolve from this clone (build/collections)
	@mkdir -p $(dir $(COLLECTION_LINK))
	@test -L $(COLLECTION_LINK) || ln -sfn ../../../.. $(COLLECTION_LINK)

lint: venv ## ansible-lint (production profile) and yamllint
	$(BIN)/yamllint -s .
	$(BIN)/ruff check plugins tests tools benchmarks
	$(BIN)/ansible-lint --profile production

sanity: venv ## ansible-test sanity (python 3.11) in a temporary collection tree
	@pipv=$$($(PY) -c "from ansible_test._internal.python_requirements import PIP_VERSION as v; print(v)" 2>/dev/null || echo 24.2); \
	 cache=~/.ansible/test/cache/get_pip_$${pipv//./_}.py; \
	 test -f $$cache || { mkdir -p $$(dirname $$cache); cp tools/get_pip_offline.py $$cache; }
	rm -rf build/sanity && mkdir -p $(SANITY_ROOT)
	git ls-files -z --cached --others --exclude-standard -- . ':!tools' ':!benchmarks' ':!.ci' \
		| tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C $(SANITY_ROOT)
	@sp=$$($(PY) -c "import ansible_collections; print(list(ansible_collections.__path__)[0])"); \
	 for ns in amazon community kubernetes; do ln -sfn $$sp/$$ns build/sanity/ansible_collections/$$ns; done
	cd $(SANITY_ROOT) && git init -q && git add -A && \
		$(CURDIR)/$(BIN)/ansible-test sanity --python 3.11 --color no \
		--skip-test shellcheck --skip-test pslint

unit: venv ## Unit tests (no network)
	$(PY) -m pytest tests/unit -q

integration-aws: venv ## Role/module tests against moto in server mode
	$(PY) -m pytest tests/integration -q -m aws

testbed-build: venv ## Build the test cluster's upstream binaries (cached under ~/.cache)
	bash tools/testbed/build.sh

testbed-up: testbed-build ## Start the local test cluster
	$(PY) tools/testbed/testbed.py up

testbed-down: venv ## Stop the local test cluster
	$(PY) tools/testbed/testbed.py down

testbed-status: venv ## Show the local test cluster
	$(PY) tools/testbed/testbed.py status

integration-k8s: testbed-build ## Tests against the local test cluster
	$(PY) -m pytest tests/integration -q -m k8s

integration-bench: venv ## Benchmark truth: simulator + aiperf
	$(PY) -m pytest tests/integration -q -m bench

integration: testbed-build ## All integration tests but molecule
	$(PY) -m pytest tests/integration -q -m "not molecule"

molecule: testbed-build ## Molecule scenarios against the test cluster and moto
	$(PY) -m pytest tests/integration -q -m molecule

test: lint sanity unit integration molecule ## Everything CI runs

SCENARIO ?= triton_vllm

rehearse: testbed-build ## A scenario (SCENARIO=, default triton_vllm) end to end on the local stand-ins, ending in a benchmark report
	$(PY) tools/rehearse.py --scenario $(SCENARIO)

rehearse-all: testbed-build ## Every scenario of playbooks/scenarios.yml end to end with its full sweep, one after the other
	$(PY) tools/rehearse.py --all

rehearse-destroy: venv ## Tear the rehearsal of SCENARIO down
	$(PY) tools/rehearse.py --scenario $(SCENARIO) --destroy

bench: venv ## Benchmark scripts (print measured ratios): parser speed
	$(PY) benchmarks/parse_speed.py

bench-gang: testbed-build ## Benchmark script: how soon lws_gang_wait returns after the last pod of a gang turns Ready
	$(PY) benchmarks/lws_gang_notice.py

bench-rehearsal: testbed-build ## Benchmark script: first vs second rehearsal converge time
	$(PY) benchmarks/rehearsal_rerun.py

clean: ## Remove build output (not the venv)
	rm -rf build/sanity build/rehearsal
