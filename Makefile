# Two commands on a fresh machine: `make run` (the demo on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=

.PHONY: install install-dev run test test-fast browser bench bench-web screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Run Accord on SQLite + the filesystem broker with demo data: http://127.0.0.1:8000 (Ctrl-C stops).
run: install
	platform/run-dev.sh

browser:
	platform/install-browser.sh

## The whole suite. Uses DATABASE_URL / CELERY_BROKER_URL when set (PostgreSQL + Redis in CI).
test: install-dev browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Everything but the browser and real-worker tests, for a quick loop.
test-fast: install-dev
	$(BIN)/python -m pytest -m "not e2e and not worker" $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/scrub_quality.py
	$(BIN)/python bench/scrub_speed.py
	$(BIN)/python bench/train.py

# Pages and list endpoints at scale S and L (needs DATABASE_URL on PostgreSQL; generates ~1.2M rows).
bench-web: install-dev
	$(BIN)/python bench/web_scale.py

## README screenshots (docs/screenshot-wide.png, docs/screenshot-narrow.png) from a live demo in Chromium.
screenshots: install-dev browser
	$(BIN)/python bench/screenshots.py

clean:
	rm -rf var/test var/broker
