# Every target builds .venv from pyproject.toml + constraints.txt on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean lock chromium

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Initialise the registry if needed, load the demo, serve the API and verify page on :8000.
run: $(STAMP)
	$(BIN)/skillcert init
	$(BIN)/skillcert demo
	$(BIN)/skillcert serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy schemas verifier issuer registry
	$(BIN)/lint-imports

# The browser tests drive Debian's Chromium headless, and their screenshots need a CJK font;
# both are installed here when missing.
chromium:
	@{ command -v chromium >/dev/null && fc-list :lang=zh | grep -q .; } || \
		{ apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei; }

test: lint chromium
	$(BIN)/pytest -q -m "not slow"

$(VENV)/.bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $(VENV)/.bench

bench: $(VENV)/.bench
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python bench/issue.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/log.py
	$(BIN)/python bench/http.py

# Re-pin every dependency to what resolves today; commit the result.
lock:
	rm -rf /tmp/skillcert-lock && $(PYTHON) -m venv /tmp/skillcert-lock
	/tmp/skillcert-lock/bin/pip install --quiet -e '.[dev,bench]'
	/tmp/skillcert-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
