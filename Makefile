# SSCN Helpdesk. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell bash scripts/find-python.sh)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/sscn.tar.gz
NLU_FILES := $(wildcard nlu_data/*.yml)
KB_FILES := $(wildcard knowledge_base/*.yml)
# The knowledge base's phrasings are question examples too (bot/kb/nlu_export.py).
KB_NLU := build/nlu/kb-questions.yml
TRAINING_FILES := config.yml domain.yml $(NLU_FILES) $(KB_NLU)

.PHONY: run cluster test train bench lint validate kb-check crossval clean loadtest faults

$(VENV)/.installed: pyproject.toml constraints.txt
	@if [ -z "$(PYTHON_BIN)" ]; then \
	  echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10)."; \
	  echo "Install it, e.g. 'pyenv install 3.10', or run: make PYTHON_BIN=/path/to/python3.10"; \
	  exit 1; fi
	@[ -x $(PY) ] || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

$(KB_NLU): $(VENV)/.installed $(KB_FILES) $(NLU_FILES)
	$(VENV)/bin/sscn kb export-nlu $@

$(MODEL): $(VENV)/.installed $(TRAINING_FILES)
	$(RASA) train --data nlu_data $(KB_NLU) --config config.yml --domain domain.yml \
	  --out models --fixed-model-name sscn
	@touch $@

train: $(MODEL)

run: $(VENV)/.installed $(MODEL)
	@bash scripts/run.sh

# Production shape on one machine: N_RASA (2) Rasa instances, N_ACTIONS (2) action
# servers behind nginx, PostgreSQL, Redis (docs/DEPLOY.md).
cluster: $(VENV)/.installed $(MODEL)
	@bash scripts/ensure-package.sh nginx nginx "make cluster"
	@bash scripts/cluster.sh

test: $(VENV)/.installed
	@bash scripts/ensure-package.sh chromium chromium "the browser tests"
	@bash scripts/ensure-package.sh nginx nginx "the load-balancer tests"
	$(PY) -m pytest -q

validate: $(VENV)/.installed $(KB_NLU)
	$(RASA) data validate --data nlu_data $(KB_NLU) --config config.yml --domain domain.yml --fail-on-warnings

kb-check: $(VENV)/.installed
	$(VENV)/bin/sscn kb check

crossval: $(VENV)/.installed $(KB_NLU)
	rm -rf build/crossval && mkdir -p build/crossval
	ln -s $(abspath $(NLU_FILES) $(KB_NLU)) build/crossval/
	$(RASA) test nlu --nlu build/crossval --config config.yml --cross-validation --folds 5 --out results/crossval

bench: $(VENV)/.installed $(MODEL)
	$(PY) bench/run.py

# Load test of the production shape (docs/LOAD.md): Locust in its own venv, because
# its pins may clash with Rasa's. LOADTEST_ARGS, e.g. "--instances 2 --stages 20,40".
LOAD_VENV := .venv-load
LOAD_PYTHON ?= $(PYTHON_BIN)
LOADTEST_ARGS ?=

$(LOAD_VENV)/.installed: bench/load/requirements.txt
	@[ -x $(LOAD_VENV)/bin/python ] || $(LOAD_PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet -r bench/load/requirements.txt
	@touch $@

loadtest: $(VENV)/.installed $(MODEL) $(LOAD_VENV)/.installed
	@bash scripts/ensure-package.sh nginx nginx "make loadtest"
	$(LOAD_VENV)/bin/python bench/load/run.py $(LOADTEST_ARGS)

# Faults under load (docs/FAULT_CAMPAIGN.md): the six scenarios of issue 14 point 4, one
# at a time, against the cluster under a fixed load; FAULTS_ARGS, e.g. "--only 3,4".
# Restarts PostgreSQL and Redis of this machine (each time for as long as the scenario needs).
FAULTS_ARGS ?=

faults: $(VENV)/.installed $(MODEL) $(LOAD_VENV)/.installed
	@bash scripts/ensure-package.sh nginx nginx "make faults"
	$(LOAD_VENV)/bin/python bench/faults/run.py $(FAULTS_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check bot actions channels tests bench scripts devtools
	$(VENV)/bin/ruff format --check bot actions channels tests bench scripts devtools

clean:
	rm -rf models build results .pytest_cache
