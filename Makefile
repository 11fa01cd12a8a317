# Quick start on a fresh machine with only python3:  make demo   /   make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# An editable install leaves kqcalc's own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set every
	# run would compile them again (about 0.1 s); a stale file is simply recompiled in memory.
	$(BIN)/python -m compileall -q kqcalc
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kqcalc compute sample_data/ --out kqcalc-out/demo; status=$$?; \
	echo "Report: $$(pwd)/kqcalc-out/demo/report.xlsx (awards.csv, summary.csv, issues.csv, manifest.json beside it)"; \
	test $$status -eq 0 -o $$status -eq 3

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check kqcalc tests

bench: $(STAMP)
	$(BIN)/python -m kqcalc.bench

clean:
	rm -rf $(VENV) kqcalc-out .pytest_cache
