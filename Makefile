# The course's two commands: `make start` (set up and open JupyterLab) and `make test`.
# Everything lives in .venv; a second run reuses it unless the pins changed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
# nbgrader shells out to alembic, so the venv's bin/ must be on PATH for every command.
export PATH := $(BIN):$(PATH)

.PHONY: start test quick bench build setup clean test-system-packages private hub

# System programs the tests need, as program=package(s): bubblewrap sandboxes the students' code in
# `autograder grade`; Chromium (and the fonts its screenshots need) runs the browser tests.
# tools/system_packages.sh installs them with apt-get as root or with passwordless sudo, or stops
# in seconds naming the command to run. COURSE_CHROMIUM points the browser tests at another Chromium.
COURSE_CHROMIUM ?= /usr/bin/chromium
export COURSE_CHROMIUM
# configurable-http-proxy is JupyterHub's proxy, for `make hub` and tests/test_hub.py.
HUB_SYSTEM_PACKAGES := configurable-http-proxy=node-configurable-http-proxy
TEST_SYSTEM_PACKAGES := bwrap=bubblewrap $(COURSE_CHROMIUM)=chromium \
  /usr/share/fonts/truetype/liberation=fonts-liberation $(HUB_SYSTEM_PACKAGES)

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null || { \
	  echo "This course needs Python 3.11 as '$(PYTHON)'. Install it, or run: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# Exactly the lock (every distribution pinned and hashed), then the course's packages, built with
	@# the lock's setuptools (no build isolation: nothing unpinned is fetched), without setuptools's
	@# boxed note that every editable install gets.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	PYTHONWARNINGS="ignore:Editable installation" \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
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

# What other accounts of a shared machine must not read: solutions and hidden tests (source/, their scripts in
# paired/, the right variants in tests/known_mistakes/, the history in .git/), the students' work and the grades
# (nbgrader's folders, the gradebook, grades.csv). Closed to everyone but the owner, made first so that what nbgrader
# writes later lands inside closed folders; the rest (lectures, release/, the helper package, the venv) stays
# readable, so the sandbox's unprivileged uid can still reach Python. `make start` and `make test` run it.
PRIVATE_FOLDERS := source paired tests/known_mistakes .git submitted autograded feedback downloaded .autograder
PRIVATE_FILES := gradebook.db grades.csv
private:
	@mkdir -p submitted autograded feedback downloaded .autograder
	@for path in $(PRIVATE_FOLDERS) $(PRIVATE_FILES); do if [ -e $$path ]; then chmod -R go-rwx $$path; fi; done

# Jupyter refuses to run as root without --allow-root (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The formgrader shows each unit's points from gradebook.db: (re)fill it when a source notebook
# changed, from a scratch copy so that release/ stays as committed. A failure only warns.
GRADEBOOK_SOURCES := $(wildcard source/*/*.ipynb) nbgrader_config.py tools/prepare_gradebook.py
gradebook.db: $(STAMP) $(GRADEBOOK_SOURCES)
	-@$(BIN)/python tools/prepare_gradebook.py

start: $(STAMP) gradebook.db private
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir=. --port=$(PORT) \
	  $(if $(NO_BROWSER),--no-browser,) --LabApp.default_url=/lab/tree/README.md $(JUPYTER_ARGS)

# A class on this machine: JupyterHub with the roster's accounts (hub/roster.csv; README, "Teach a class").
# As root. HUB_ARGS passes options to hub/start.py (`make hub HUB_ARGS=--help` lists them).
hub: $(STAMP) gradebook.db
	@tools/system_packages.sh bwrap=bubblewrap $(HUB_SYSTEM_PACKAGES)
	$(BIN)/python -m hub.start $(HUB_ARGS)

# System packages first: a missing one stops the run before the slow Python install. Lint next:
# it takes a second and fails before the long part.
test: test-system-packages $(STAMP) private
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-system-packages:
	@tools/system_packages.sh $(TEST_SYSTEM_PACKAGES)

# The contributors' loop: checks that run in seconds (environment, lint, build, wire format,
# mistake packing, grader units); no TensorFlow notebook, no browser, no sandbox. See README.
quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow and not browser and not sandbox" $(PYTEST_ARGS)

.PHONY: lint lock
lint: $(STAMP)
	$(BIN)/ruff check .

# requirements.in -> requirements.lock (hashes; Linux x86_64, CPython 3.11) -> environment.yml, with
# the venv's own uv. Kept pins stay unless requirements.in moves them; `make lock LOCK_ARGS=--upgrade`
# moves every unpinned package to its newest version.
LOCK_COMMAND := uv pip compile --generate-hashes --python-version 3.11 \
  --python-platform x86_64-unknown-linux-gnu requirements.in -o requirements.lock
lock: $(STAMP)
	$(BIN)/$(LOCK_COMMAND) --quiet --custom-compile-command "make lock, which runs: $(LOCK_COMMAND)" $(LOCK_ARGS)
	$(BIN)/python tools/lock_to_conda.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run_notebooks.py
	$(BIN)/python benchmarks/grading_speed.py

build: $(STAMP)
	$(BIN)/autograder build

clean:
	rm -rf $(VENV)
