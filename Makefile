# schemashift developer commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench openapi liquibase clean console console-test console-screenshots deploy-console

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,data]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/schemashift local up

test: $(STAMP) lint console-test
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --template template.yaml --region us-east-1

bench: $(STAMP)
	$(BIN)/python -m bench

# The published contract, generated from the template's routes and the request/response models.
openapi: $(STAMP)
	$(BIN)/python -m schemashift.api.openapi docs/openapi.json

# The browser console (console/): TypeScript + Preact, built by Vite. The built files in
# console/dist are committed, so `make run` serves them without Node; `make console` rebuilds them.
CONSOLE_MODULES := console/node_modules/.installed
$(CONSOLE_MODULES): console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $(CONSOLE_MODULES)

console: $(CONSOLE_MODULES)
	cd console && npm run --silent build

# Unit tests, type check and build; fails when the committed console/dist is not what the sources build.
console-test: $(CONSOLE_MODULES)
	cd console && npm test --silent
	cd console && npm run --silent build
	@git diff --quiet -- console/dist || { echo "console/dist is stale: commit the rebuilt files (make console)"; git status --short console/dist; exit 1; }

# Run the browser tests and keep their screenshots for docs/console.md.
console-screenshots: $(STAMP)
	SCHEMASHIFT_CONSOLE_SCREENSHOTS=docs/images/console $(BIN)/python -m pytest tests/console -p no:randomly

# Upload the console to the deployed stack's bucket and refresh CloudFront (after `sam deploy`).
STACK ?= schemashift-dev
deploy-console: console
	@out() { aws cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	bucket=$$(out ConsoleBucketName); dist=$$(out ConsoleDistributionId); \
	aws s3 sync console/dist "s3://$$bucket/console/" --delete --cache-control no-cache && \
	aws cloudfront create-invalidation --distribution-id "$$dist" --paths '/console*' >/dev/null && \
	echo "console: $$(out ConsoleUrl)"

# Real Liquibase 4.28 (npm package) for differential tests and benchmarks.
liquibase:
	bash scripts/install-liquibase.sh

clean:
	rm -rf $(VENV) .schemashift .pytest_cache .ruff_cache
