# `make test` on a fresh machine: a virtualenv in .venv, the test requirements, the programs the tests
# run (tests/install-system-tools: redis-server, curl, jq, file, chromium, from Debian's packages
# where missing), then the whole suite.
# `make check`: mypy --strict (mypy.ini: genes/, adapters/, entrypoints/, the fakes against the ports, tests/support).
# PYTEST_ARGS passes options through, e.g. `make test PYTEST_ARGS="-m unit -x"`.
# `make run`: the whole service without Docker (Redis, the API, the job workers; see local/run.py), on
# 127.0.0.1 unless HOST says otherwise. HOST, PORT, WORKERS, REDIS_PORT, REDIS_HOST and every other
# setting (entrypoints/settings.py) come from the environment or the command line.

PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=

VENV_PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
RUN_INSTALLED := $(VENV)/.installed-run

.PHONY: test check run install clean

test: $(INSTALLED)
	tests/install-system-tools
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

check: $(INSTALLED)
	$(VENV_PYTHON) -m mypy

run: $(RUN_INSTALLED)
	$(VENV_PYTHON) -m local.run

install: $(INSTALLED)

# Reinstalled whenever a requirements file changes. The test requirements include those of `make run`.
$(INSTALLED): requirements.txt requirements-run.txt requirements-dev.txt
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_INSTALLED)

$(RUN_INSTALLED): requirements.txt requirements-run.txt
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet -r requirements-run.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
