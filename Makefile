# ipseval — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format bench bench-paired coding-quality docs lock clean install screenshots reference

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	$(BIN)/python -m compileall -q src  # as pip does for an installed copy (PYTHONDONTWRITEBYTECODE)
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ipseval demo demo/data --clients 718 --seed 2019
	$(BIN)/ipseval evaluate demo/data --out demo/out || [ $$? -eq 1 ]  # 1: the demo's faulty rows
	@echo
	@echo "The demo report is at: $(abspath demo/out/report.html)"

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# stage timings (bench.py), then ipseval against the hand-written R and Python references in
# paired runs (paired.py; add 1,000,000 clients with `make bench-paired PAIRED="--million"`)
bench: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/paired.py $(PAIRED)

bench-paired: $(STAMP)
	$(BIN)/python benchmarks/paired.py $(PAIRED)

screenshots: $(STAMP)
	$(BIN)/python benchmarks/screenshots.py out/screenshots

coding-quality: $(STAMP)
	$(BIN)/python benchmarks/coding_quality.py

docs: $(STAMP)
	$(BIN)/python -m ipseval.docs docs

# Re-create the R reference values the tests compare against (needs Debian's r-base-core and
# r-cran-* packages; CI needs no R: tests/reference/expected/ is committed).
reference: $(STAMP)
	Rscript tests/reference/datasets.R
	for f in tests/reference/export_*.py; do [ ! -e "$$f" ] || $(BIN)/python "$$f" || exit 1; done
	for f in tests/reference/*.R; do [ "$$f" = tests/reference/datasets.R ] || Rscript "$$f" || exit 1; done

# Refresh the lock file from the current environment (after changing pyproject.toml).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^ipseval' > requirements.lock

clean:
	rm -rf demo out .pytest_cache .ruff_cache
