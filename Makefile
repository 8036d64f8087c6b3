# minerfarm developer commands. Everything runs in .venv, created on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint zipapp bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: serve the commander on its defaults (https://0.0.0.0:8443, data in ./minerfarm-data)
run: $(STAMP)
	$(PY) -m minerfarm commander

## test: the whole suite, slow end-to-end tests included (what CI runs), on two workers
## (pytest-xdist, one test module per worker at a time: most tests wait on real processes and sockets)
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

## test-fast: skip the slow end-to-end tests
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow"

## lint: ruff and mypy --strict (CI runs it before the tests)
lint: $(STAMP)
	$(VENV)/bin/ruff check minerfarm tests bench
	$(VENV)/bin/mypy --strict minerfarm

## zipapp: dist/minerfarm.pyz, one file with every dependency (shiv: compiled ones work too)
zipapp: $(STAMP)
	rm -rf build/zipapp && mkdir -p dist
	$(VENV)/bin/shiv --compressed --reproducible -c minerfarm -o dist/minerfarm.pyz \
		--build-id "$$(git rev-parse --short HEAD 2>/dev/null || echo dev)" .

bench: $(STAMP)
	$(PY) bench/ingest.py

clean:
	rm -rf build dist .pytest_cache
