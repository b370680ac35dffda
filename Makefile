# Amends: `make run` serves the demo, `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: help run test lint bench messages docs clean python

help:
	@echo "make run    set everything up and serve the demo on http://127.0.0.1:$(PORT)"
	@echo "make test   lint, migration check, and the whole suite on SQLite and PostgreSQL"
	@echo "make bench  the 100,000-account benchmark (slow; not part of make test)"

python:
	@scripts/find-python

$(STAMP): pyproject.toml constraints.txt
	@set -e; py=$$(scripts/find-python); \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

# A local secret key, made once and kept out of git, so the demo runs as production does.
var/secret-key:
	@mkdir -p var
	@$(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

run: export AMENDS_SECRET_KEY_FILE ?= var/secret-key
# The demo's mail is kept in var/outbox and shown at /outbox/ (unless a mail server is set).
run: export AMENDS_EMAIL_OUTBOX ?= var/outbox
run: $(STAMP) var/secret-key
	@$(BIN)/amends migrate --no-input -v 0
	@$(BIN)/amends demo --if-empty
	@echo
	@echo "  Amends: http://127.0.0.1:$(PORT)/"
	@echo "  Log in as admin (or maria, eleni, tomek, li, sam, viktor), password: amends-demo"
	@echo
	@echo "  The worker (notices, escalation mail, digests) runs beside it and logs to"
	@echo "  var/worker.log; the mail it sends waits at http://127.0.0.1:$(PORT)/outbox/."
	@echo
	@$(BIN)/amends worker > var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/amends serve --port $(PORT) --no-migrate

lint: $(STAMP)
	$(BIN)/ruff check src bench conftest.py
	$(BIN)/ruff format --check src bench conftest.py

test: $(STAMP)
	@scripts/test

bench: $(STAMP)
	$(PY) bench/accounts.py

# Refresh the translation catalogues after changing UI text (needs gettext's msgfmt).
messages: $(STAMP)
	cd src/amends && AMENDS_DEBUG=1 ../../$(BIN)/amends makemessages --no-obsolete --ignore "*/tests/*" -l en -l zh_Hans -l el -l pl
	cd src/amends && AMENDS_DEBUG=1 ../../$(BIN)/amends compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache

docs: $(STAMP)
	@scripts/make-docs
