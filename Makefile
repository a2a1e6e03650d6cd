# schemashift developer commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench openapi liquibase clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,data]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/schemashift local up

test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint template.yaml

bench: $(STAMP)
	$(BIN)/python -m bench

# The published contract, generated from the template's routes and the request/response models.
openapi: $(STAMP)
	$(BIN)/python -m schemashift.api.openapi docs/openapi.json

# Real Liquibase 4.28 (npm package) for differential tests and benchmarks.
liquibase:
	bash scripts/install-liquibase.sh

clean:
	rm -rf $(VENV) .schemashift .pytest_cache .ruff_cache
