# SSCN Helpdesk. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON_BIN ?= $(shell bash scripts/find-python.sh)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/sscn.tar.gz
TRAINING_FILES := config.yml domain.yml $(wildcard nlu_data/*.yml)

.PHONY: run test train bench lint validate kb-check crossval clean

$(VENV)/.installed: pyproject.toml constraints.txt
	@if [ -z "$(PYTHON_BIN)" ]; then \
	  echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10)."; \
	  echo "Install it, e.g. 'pyenv install 3.10', or run: make PYTHON_BIN=/path/to/python3.10"; \
	  exit 1; fi
	@[ -x $(PY) ] || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

$(MODEL): $(VENV)/.installed $(TRAINING_FILES)
	$(RASA) train --data nlu_data --config config.yml --domain domain.yml \
	  --out models --fixed-model-name sscn
	@touch $@

train: $(MODEL)

run: $(VENV)/.installed $(MODEL)
	@bash scripts/run.sh

test: $(VENV)/.installed
	@bash scripts/ensure-chromium.sh
	$(PY) -m pytest -q

validate: $(VENV)/.installed
	$(RASA) data validate --data nlu_data --config config.yml --domain domain.yml --fail-on-warnings

kb-check: $(VENV)/.installed
	$(VENV)/bin/sscn kb check

crossval: $(VENV)/.installed
	$(RASA) test nlu --nlu nlu_data --config config.yml --cross-validation --folds 5 --out results/crossval

bench: $(VENV)/.installed $(MODEL)
	$(PY) bench/run.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check bot actions channels tests bench
	$(VENV)/bin/ruff format --check bot actions channels tests bench

clean:
	rm -rf models results .pytest_cache
