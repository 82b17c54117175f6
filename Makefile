# Two set-up commands: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[all]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/lucidnet demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -q

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[all,docs]'
	touch $@

# The documentation site (mkdocs-material + mkdocstrings) in build/site; warnings are errors.
docs: $(VENV)/.installed-docs
	cd docs && ../$(BIN)/python make_gallery.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
