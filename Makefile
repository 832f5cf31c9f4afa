# make run: set up and serve on http://127.0.0.1:5000 with the job consumer · make test: run the suite · make docs · make bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run serve setup test bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime
	$(FLASK) ltc setup

run: setup
	$(FLASK) ltc run --host 127.0.0.1 --port 5000   # the web app and the job consumer; Ctrl-C stops both

# Production-style: several gunicorn workers (set LTC_ENV, LTC_SECRET_KEY, LTC_DATABASE_URL first).
WORKERS ?= 2
BIND ?= 127.0.0.1:8000
serve: $(VENV)/.runtime
	$(FLASK) ltc db upgrade
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(BIND) --access-logfile - 'app:app'

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q -n 2

docs: $(VENV)/.dev   # the documentation site into site/ (strict: broken links fail)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(VENV)/.dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache site
