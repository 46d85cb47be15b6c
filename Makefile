# dxcase: quick start is `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.dxcase-installed
OUT    ?= out/demo
LEARNERS ?= 20
CASES  ?= $(patsubst %/case.yaml,%,$(wildcard casestudies/*/case.yaml))
SEEDS  ?= 1-8

.PHONY: demo test test-fast lint bench bench-review bench-batch bench-grade bench-hub bench-demo batch hub lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dxcase needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Install the project (editable) and its test tools, pinned by requirements.lock.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	@touch $(STAMP)

# The whole cycle on the bundled defaults; LEARNERS=8 for a smaller simulated cohort.
demo: $(STAMP)
	$(BIN)/dxcase demo --out $(OUT) --learners $(LEARNERS)

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -m "" -q --durations=15

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_data.py

bench-review: $(STAMP)
	$(BIN)/python benchmarks/bench_review.py

# Every notebook of every case over 8 dataset variants; report in out/batch/report.html.
batch: $(STAMP)
	$(BIN)/dxcase batch validate $(CASES) --seeds $(SEEDS) --out out/batch

# Sequential papermill vs dxcase batch on the same 8 runs; writes benchmarks/results/batch.json.
bench-batch: $(STAMP)
	$(BIN)/python benchmarks/bench_batch.py

# the grader before answer keys (its own worktree and venv) vs now, stock nbgrader for reference (N=10)
bench-grade: $(STAMP)
	$(BIN)/python benchmarks/bench_grade.py --n $(or $(N),10)

# A pilot on this machine (as root): JupyterHub on loopback with demo learners, a facilitator and
# retail_demand released; prints how to log in; Ctrl-C stops it. PORT=8000 by default.
hub: $(STAMP)
	$(BIN)/dxcase hub demo --out out/hub --port $(or $(PORT),8000)

# A cohort hub's start-up and memory per learner (as root); writes benchmarks/results/hub.json.
bench-hub: $(STAMP)
	$(BIN)/python benchmarks/bench_hub.py

# The whole demo timed (wall, CPU, floor); writes benchmarks/results/demo.json.
bench-demo: $(STAMP)
	$(BIN)/python benchmarks/bench_demo.py --learners $(LEARNERS)

# Re-pin requirements.lock from what is installed in .venv (after changing pyproject.toml).
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^dxcase' > requirements.lock

clean:
	rm -rf $(VENV) out build dist src/*.egg-info
