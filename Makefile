# OneMap: `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test lint bench chromium clean

$(VENV)/.installed-run: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

## Start the whole system: embedded Redis, worker, demo city, web app (prints the URL).
run: $(VENV)/.installed-run
	$(PY) app.py

## Debian's Chromium for the browser tests (CI runs as root on a fresh machine).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; }
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is missing: run 'apt-get install -y chromium' as root"; exit 1; }

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## The whole suite: lint, types, unit, integration (real Redis) and browser tests (real Chromium).
test: $(VENV)/.installed-dev chromium lint
	$(PY) -m pytest -q

bench: $(VENV)/.installed-dev
	$(PY) bench/worker_throughput.py

clean:
	rm -rf $(VENV) var
