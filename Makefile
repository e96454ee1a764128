# Session Lab: `make run` and `make test` each create .venv if needed and install into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# The scenario the dashboard opens on: a file, or a built-in name (scenarios/NAME.yaml).
SCENARIO ?= seed-story
OUT ?= out/$(basename $(notdir $(SCENARIO)))
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run simulate test bench chromium clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.deps: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-test.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

## run: the dashboard on http://127.0.0.1:$(PORT), opened on $(SCENARIO) (already run)
run: $(VENV)/.deps
	@echo "Session Lab: http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	@( sleep 4; $(PY) -m webbrowser -t http://127.0.0.1:$(PORT) >/dev/null 2>&1 || true ) &
	SESSION_LAB_SCENARIO=$(SCENARIO) $(PY) -m streamlit run app.py --server.port $(PORT) \
		--server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false

## simulate: the command line on $(SCENARIO), files in $(OUT)
simulate: $(VENV)/.deps
	$(PY) -m engine simulate $(if $(wildcard $(SCENARIO)),$(SCENARIO),scenarios/$(SCENARIO).yaml) --out $(OUT)

## chromium: Debian's Chromium for the browser test (Playwright drives it; never downloads one)
chromium:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## test: every test, the browser test included
test: $(VENV)/.test-deps chromium
	$(PY) -m pytest -q -p no:cacheprovider -n 2 --durations=25 tests

## bench: speed figures (prints a table; asserts nothing)
bench: $(VENV)/.test-deps chromium
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) out test-output
