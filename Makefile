# Quick start on a fresh machine with only python3:  make demo   /   make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: demo test lint bench clean

# An editable install leaves kqcalc's own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set every run
# would compile them again (about 0.1 s); compileall does it once (a stale file is simply recompiled in memory).
$(STAMP): pyproject.toml
	@echo "Installing kqcalc and its dependencies into $(VENV)/ (once; a minute or two) …"
	@$(PYTHON) -m venv $(VENV)
	@{ $(PIP) install --upgrade pip && $(PIP) install -e '.[dev]'; } > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m compileall -q kqcalc
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/kqcalc compute sample_data/ --out kqcalc-out/demo; status=$$?; \
	echo; \
	echo "Report: $$(pwd)/kqcalc-out/demo/report.xlsx (awards.csv, summary.csv, issues.csv, manifest.json beside it)"; \
	echo "kqcalc itself: $$(pwd)/$(BIN)/kqcalc (try: $(BIN)/kqcalc --help)"; \
	test $$status -eq 0 -o $$status -eq 3

test: $(STAMP)
	@$(BIN)/python -m pytest

lint: $(STAMP)
	@$(BIN)/ruff check kqcalc tests

bench: $(STAMP)
	@$(BIN)/python -m kqcalc.tools.bench

clean:
	rm -rf $(VENV) kqcalc-out .pytest_cache
