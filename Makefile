# Channel SFA — one machine: `make run`; every test: `make test`.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= $(shell command -v python3.11 || command -v python3)
COMPONENTS := services/common services/leads services/opportunities services/quotes \
              services/commission gateway portal
export AMQP_URI ?= pyamqp://guest:guest@localhost:5672//

.PHONY: install run test lint bench openapi clean

install: $(VENV)/.installed

$(VENV)/.installed: $(addsuffix /pyproject.toml,$(COMPONENTS)) requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else \
	  "Channel SFA needs Python 3.11 (nameko 2.14 runs on eventlet); found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=23,<26"
	$(BIN)/pip install --quiet $(addprefix -e ,$(COMPONENTS)) -r requirements-dev.txt
	@touch $@

run: install
	@scripts/run.sh

test: install
	@scripts/ensure_broker.sh --management
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

bench: install
	@scripts/ensure_broker.sh --management
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "bench/load.py needs wrk: apt-get install wrk" >&2; exit 1; }
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

openapi: install
	@$(BIN)/flask --app 'gateway.app:create_app()' openapi print

clean:
	rm -rf $(VENV) .run
