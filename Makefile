# Two commands: `make demo` and `make test`. Each builds .venv on a fresh machine first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the end-to-end tests drive for real: a browser, Kamailio and sipp, and
# espeak-ng + sox to make telephone speech for the transcription tests and benchmark.
APT_PACKAGES := chromium kamailio kamailio-utils-modules kamailio-extra-modules \
	kamailio-json-modules sip-tester nodejs espeak-ng sox

.PHONY: demo test lint typecheck e2e-deps clean bench-attribution bench-http bench-reports \
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

bench-transcription: $(STAMP) e2e-deps
	$(BIN)/python -m bench.transcription.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
