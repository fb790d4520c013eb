# Two commands: `make demo` and `make test`. Each builds .venv on a fresh machine first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the end-to-end tests drive for real: a browser, Kamailio and sipp, pg_dump /
# pg_restore for backups (the client of the server's major version), Redis for shared limits,
# and espeak-ng + sox to make telephone speech for the transcription tests and benchmark.
APT_PACKAGES := chromium kamailio kamailio-utils-modules kamailio-extra-modules \
	kamailio-json-modules sip-tester nodejs postgresql-client redis-server espeak-ng sox

.PHONY: demo test lint typecheck e2e-deps clean bench-attribution bench-http bench-reports mutants \
	bench-transcription

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/callscope demo

e2e-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing; \
		else echo "apt-get not found; end-to-end tests need:$$missing"; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) e2e-deps lint typecheck
	$(BIN)/python -m pytest

# Benchmarks (not tests): each prints the table the README quotes.
bench-attribution: $(STAMP)
	$(BIN)/python -m bench.attribution.run

bench-http: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(BIN)/python -m bench.http.run

bench-reports: $(STAMP)
	$(BIN)/python -m bench.reports.run

# Mutation testing (not in CI: about an hour on 2 cores). Which modules and which tests:
# [tool.mutmut] in pyproject.toml. Fast tests on SQLite only; prints the score and what survived.
# From scratch each time (mutmut keeps copies of unmutated modules that would go stale);
# `$(BIN)/mutmut run` alone reuses the last results. Survivors are explained in docs/mutation.md.
SCORE := import json; s = json.load(open("mutants/mutmut-cicd-stats.json")); \
	caught, total = s["killed"] + s["timeout"], s["total"]; \
	left = total - caught - s["survived"] - s["no_tests"] - s["skipped"] - s["suspicious"]; \
	print("mutation score: %d/%d = %.1f%% killed (%d by timeout; %d survived, %d without tests, \
	%d not checked)" % (caught, total, 100 * caught / total, s["timeout"], s["survived"], \
	s["no_tests"], left))

mutants: $(STAMP)
	rm -rf mutants
	env -u CI -u CALLSCOPE_TEST_DATABASE_URL $(BIN)/mutmut run --max-children 2 || true
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/mutmut results
	$(BIN)/python -c '$(SCORE)'
bench-transcription: $(STAMP) e2e-deps
	$(BIN)/python -m bench.transcription.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants .hypothesis
