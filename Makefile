# Session Lab: `make run` and `make test` each create .venv if needed and install into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SCENARIO ?= scenarios/seed-story.yaml
OUT ?= out/$(basename $(notdir $(SCENARIO)))

.PHONY: run test bench clean

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

## run: simulate the default scenario and print its summary (the dashboard comes later)
run: $(VENV)/.deps
	$(PY) -m engine simulate $(SCENARIO) --out $(OUT)

## test: every test
test: $(VENV)/.test-deps
	$(PY) -m pytest -q -p no:cacheprovider -n 2 tests

## bench: speed figures (prints a table; asserts nothing)
bench: $(VENV)/.test-deps
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) out test-output
