# Two commands: `make report` (demo report) and `make test` (the test suite).
# Both create .venv with the pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test bench clean notebooks

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/nidb report

test: $(STAMP)
	$(BIN)/python -m pytest

notebooks: $(STAMP)  # re-store the outputs of notebooks/ (checked by nbval in `make test`)
	$(BIN)/python -m nidb.report.execute notebooks

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) reports/_site reports/_build
