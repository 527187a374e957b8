# `make test` on a fresh machine: a virtualenv in .venv, the test requirements, then the whole suite.
# PYTEST_ARGS passes options through, e.g. `make test PYTEST_ARGS="-m unit -x"`.

PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=

VENV_PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: test install clean

test: $(INSTALLED)
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

install: $(INSTALLED)

# Reinstalled whenever a requirements file changes.
$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
