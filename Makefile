# The course's two commands: `make start` (set up and open JupyterLab) and `make test`.
# Everything lives in .venv; a second run reuses it unless the pins changed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
# nbgrader shells out to alembic, so the venv's bin/ must be on PATH for every command.
export PATH := $(BIN):$(PATH)

.PHONY: start test quick bench build setup clean test-system-packages

# System programs the tests need, as program=package(s): bubblewrap sandboxes the students' code in
# `autograder grade`; Chromium (and the fonts its screenshots need) runs the browser tests.
# tools/system_packages.sh installs them with apt-get as root or with passwordless sudo, or stops
# in seconds naming the command to run. COURSE_CHROMIUM points the browser tests at another Chromium.
COURSE_CHROMIUM ?= /usr/bin/chromium
export COURSE_CHROMIUM
TEST_SYSTEM_PACKAGES := bwrap=bubblewrap $(COURSE_CHROMIUM)=chromium \
  /usr/share/fonts/truetype/liberation=fonts-liberation

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null || { \
	  echo "This course needs Python 3.11 as '$(PYTHON)'. Install it, or run: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -e .
	@# The notebooks' "python3" kernel, pinned to this venv's Python whichever Jupyter finds it.
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (rnn-course)" >/dev/null
	@# JupyterLab defaults for an offline course: no "get notified about Jupyter news?" prompt (nor
	@# requests to jupyter.org), and closing a notebook stops its kernel (each holds TensorFlow, ~0.7 GB).
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '%s\n' '{' \
	  '  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false},' \
	  '  "@jupyterlab/notebook-extension:tracker": {"kernelShutdown": true}' \
	  '}' > $(VENV)/share/jupyter/lab/settings/overrides.json
	@touch $(STAMP)
	@echo "Course environment ready in $(VENV)"

# Jupyter refuses to run as root without --allow-root (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The formgrader shows each unit's points from gradebook.db: (re)fill it when a source notebook
# changed, from a scratch copy so that release/ stays as committed. A failure only warns.
GRADEBOOK_SOURCES := $(wildcard source/*/*.ipynb) nbgrader_config.py tools/prepare_gradebook.py
gradebook.db: $(STAMP) $(GRADEBOOK_SOURCES)
	-@$(BIN)/python tools/prepare_gradebook.py

start: $(STAMP) gradebook.db
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=. --port=$(PORT) \
	  $(if $(NO_BROWSER),--no-browser,) --LabApp.default_url=/lab/tree/README.md $(JUPYTER_ARGS)

# System packages first: a missing one stops the run before the slow Python install.
test: test-system-packages $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-system-packages:
	@tools/system_packages.sh $(TEST_SYSTEM_PACKAGES)

# The contributors' loop: checks that run in seconds (environment, build, wire format, mistake
# packing, grader units); no TensorFlow notebook, no browser, no sandbox. See README.
quick: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser and not sandbox" $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_notebooks.py
	$(BIN)/python benchmarks/grading_speed.py

build: $(STAMP)
	$(BIN)/autograder build

clean:
	rm -rf $(VENV)
