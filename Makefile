# The course's two commands: `make start` (set up and open JupyterLab) and `make test`.
# Everything lives in .venv; a second run reuses it unless the pins changed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
# nbgrader shells out to alembic, so the venv's bin/ must be on PATH for every command.
export PATH := $(BIN):$(PATH)

.PHONY: start test bench build setup clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null || { \
	  echo "This course needs Python 3.11 as '$(PYTHON)'. Install it, or run: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -e .
	@# The notebooks' "python3" kernel, pinned to this venv's Python whichever Jupyter finds it.
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (rnn-course)" >/dev/null
	@touch $(STAMP)
	@echo "Course environment ready in $(VENV)"

# Jupyter refuses to run as root without --allow-root (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

start: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=. --port=$(PORT) \
	  $(if $(NO_BROWSER),--no-browser,) --LabApp.default_url=/lab/tree/README.md $(JUPYTER_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_notebooks.py

build: $(STAMP)
	$(BIN)/autograder build

clean:
	rm -rf $(VENV)
