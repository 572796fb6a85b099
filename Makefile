# coderlib — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.coderlib-installed
APP    ?=
PORT   ?= 8866
NBVAL  := --nbval --nbval-kernel-name coderlib --nbval-sanitize-with tests/nbval_sanitize.cfg \
          --nbval-cell-timeout 900

.PHONY: help setup run test lint lab app reports browser refresh bench clean

help:
	@echo "make run     - set up .venv and run every notebook headless into build/"
	@echo "make test    - set up .venv and run the whole test suite (notebooks included)"
	@echo "make lab     - open JupyterLab on the notebooks"
	@echo "make app     - serve the apps with Voila on 127.0.0.1:$(PORT) (landing page; APP=02_coding_practice serves one)"
	@echo "make reports - run the accuracy report once per coder into build/reports/"
	@echo "make refresh - re-execute notebooks in place (after changing their outputs)"
	@echo "make bench   - run the benchmarks in bench/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null || \
	  { echo "coderlib needs python3 >= 3.10 (found: $$($(PYTHON) --version 2>&1 || echo none)); install it or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name coderlib --display-name "Python (coderlib)" >/dev/null
	@$(MAKE) --no-print-directory browser
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/coderlib notebooks run

# Debian's chromium for the browser tests (tests/test_app_browser.py); never a downloaded build.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium for the browser tests (apt-get)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || \
	      echo "NOTE: could not install chromium with apt-get: the browser tests will be skipped"; \
	  else \
	    echo "NOTE: chromium is not installed and this is not root: run 'sudo apt-get install chromium' to enable the browser tests (they are skipped until then)"; \
	  fi; }

test: $(STAMP) browser
	$(BIN)/ruff check coderlib tests bench scripts
	$(BIN)/coderlib exercises validate exercises
	$(BIN)/coderlib drills validate
	$(BIN)/python -m pytest -p no:cacheprovider tests notebooks $(NBVAL)

lint: $(STAMP)
	$(BIN)/ruff check coderlib tests bench scripts

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

app: $(STAMP)
	$(BIN)/python -m coderlib.ui.serve $(APP) --port=$(PORT)

reports: $(STAMP)
	$(BIN)/python -m coderlib.ui.reports

refresh: $(STAMP)
	$(BIN)/coderlib notebooks refresh

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf build .pytest_cache .ruff_cache
