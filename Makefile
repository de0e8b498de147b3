# Two commands: `make report` (demo report) and `make test` (the test suite).
# Both create .venv with the pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test bench clean notebooks constraints-check lab

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

# Every pin of constraints.txt must install on each supported Python (pyproject: >= 3.11;
# 3.11.0/3.11.2 stand for the oldest 3.11.x, e.g. Debian 12's). Resolves wheels only, installs nothing.
SUPPORTED_PYTHONS := 3.11.0 3.11.2 3.12.0 3.13.0
constraints-check: $(STAMP)
	@for v in $(SUPPORTED_PYTHONS); do \
	  if $(BIN)/python -m pip install --dry-run --quiet --ignore-installed \
	      --python-version $$v --only-binary=:all: --target $(VENV)/.dry-run \
	      -r constraints.txt >$(VENV)/.dry-run.log 2>&1; then \
	    echo "constraints.txt resolves on Python $$v"; \
	  else \
	    grep -v '^WARNING: Location' $(VENV)/.dry-run.log; \
	    echo "constraints.txt does not resolve on Python $$v"; exit 1; \
	  fi; \
	done

lab: $(STAMP)  # open the chapter notebooks in JupyterLab
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) reports/_site reports/_build
