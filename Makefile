# One command from nothing to the PDF: `make report`. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed

DATA_DIR ?= data
RUNS     ?= runs
OUT      ?= report
CONFIG   ?= configs/default.toml
STUDY    ?= $(sort $(wildcard configs/study/*.toml))
QUICK    ?=
BINARIZED ?=
BIN_CONFIG := $(if $(BINARIZED),configs/binarized.toml)
# PARITY=1: the study's MLP models trained in fp32 too, their verdicts set side by side (~30 min)
PARITY   ?=
VERDICT_STUDY ?= $(filter-out %conv.toml %best.toml,$(STUDY))
FP32_CHECKED := $(if $(PARITY),$(CONFIG) $(VERDICT_STUDY))
SET      ?=
SEEDS    ?=
JOBS     ?= auto
SCHEDULER ?=
# FIGURES=all: every figure of every config into $(OUT)/figures/, not only those the report prints
FIGURES  ?=
FIGURE_ARGS := $(if $(filter all,$(FIGURES)),--all)
$(if $(filter-out all,$(FIGURES)),$(error FIGURES='$(FIGURES)': leave it empty for the figures the report prints, or set FIGURES=all))
RUN_ARGS := --data-dir $(DATA_DIR) --runs $(RUNS) $(if $(QUICK),--overlay configs/quick.toml) \
            $(if $(SEEDS),--set seeds=$(SEEDS)) $(foreach kv,$(SET),--set $(kv))

TEX_PACKAGES := latexmk texlive-latex-recommended texlive-latex-extra \
                texlive-fonts-recommended texlive-science lmodern poppler-utils
TEX_FILES    := siunitx.sty tcolorbox.sty cleveref.sty lmodern.sty

RESULTS      := $(OUT)/results
VERIFY_JSON  := $(RESULTS)/verify.json

# Inside `make report`, each stage appends its wall time to $(STAGES), and the build ends with
# the table of them (code/vae/stages.py): $(call stage_start,NAME) as a recipe's first line,
# $(call stage_end,NAME) as its last. Outside `make report` (no $(STAGES) file) nothing is kept.
STAGES      := $(OUT)/build/stages.tsv
stage_start = @if [ -f $(STAGES) ] && command -v date >/dev/null; then date +%s%N > $(STAGES).$(1); fi
stage_end   = @if [ -f $(STAGES).$(1) ] && command -v date >/dev/null; then printf '%s\t%s\n' $(1) \
                $$(( $$(date +%s%N) - $$(cat $(STAGES).$(1)) )) >> $(STAGES); rm -f $(STAGES).$(1); fi

.PHONY: help setup lock tex test plan parity verdicts verify verified train study measure figures summary report report-unlocked \
        stages-begin bench previews clean distclean
.DELETE_ON_ERROR:

help:
	@echo "make report   set up, verify the derivations, train (cached), draw figures, build $(OUT)/report.pdf"
	@echo "make plan     what make report would train, measure, draw and build, and why (no torch)"
	@echo "make test     run the test suite (what CI runs)"
	@echo "make verify   SymPy checks of the derivations -> $(VERIFY_JSON)"
	@echo "make train    train CONFIG ($(CONFIG)) only;  make study: CONFIG and the study variants"
	@echo "make measure  read every model's images with a digit classifier -> $(RESULTS)/measurements.json"
	@echo "make figures  draw the figures the report prints into $(OUT)/figures/ (FIGURES=all: every config's)"
	@echo "make bench    measure training and evaluation speed, MLP and conv (~12 min) -> $(RESULTS)/bench.json"
	@echo "make lock     resolve pyproject.toml's dependencies anew into requirements.lock"
	@echo "make parity   train the MLP and the conv model in fp32 and bf16, print paired differences"
	@echo "make verdicts the study's MLP comparisons in fp32 and bf16: which verdicts change"
	@echo "make clean    remove report outputs;  make distclean: also runs/ and .venv/"
	@echo "options: DATA_DIR=$(DATA_DIR) CONFIG=$(CONFIG) QUICK=1 BINARIZED=1 PARITY=1 SEEDS=3 JOBS=$(JOBS) FIGURES=all"
	@echo "         SCHEDULER=tcp://host:8786 (train on a Dask cluster's workers)"
	@echo "         SET='epochs=3 lr=3e-4' RUNS=$(RUNS) OUT=$(OUT)"

setup: $(STAMP) tex

# Installs exactly the versions in requirements.lock; re-installs only when it changes.
LOCK := requirements.lock
$(STAMP): pyproject.toml $(LOCK)
	$(call stage_start,setup)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r $(LOCK)
	@# pip compiles the bytecode one file at a time; compileall uses every core (18 s less on
	@# two). Its status is ignored as pip ignores it: torch ships files for newer Pythons only.
	@$(PY) -m compileall -q -j 0 $(VENV)/lib > /dev/null 2>&1 || true
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@
	$(call stage_end,setup)

# Resolves pyproject.toml's dependencies (with the test extra) anew into requirements.lock, with
# pip-tools in a venv of its own so that the tool never enters the locked environment.
LOCK_VENV := .lock-venv
lock:
	@test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	$(LOCK_VENV)/bin/pip-compile --quiet --upgrade --extra test --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o $(LOCK) pyproject.toml
	@echo "wrote $(LOCK); commit it, and 'make setup' installs exactly these versions"

tex:
	$(call stage_start,tex)
	@missing=""; for t in latexmk pdflatex pdftotext pdftoppm; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	for f in $(TEX_FILES); do command -v kpsewhich >/dev/null && kpsewhich $$f >/dev/null || missing="$$missing $$f"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "TeX is incomplete (missing:$$missing); installing Debian's packages (about a minute)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEX_PACKAGES) >/dev/null || exit 1; \
	  else \
	    echo "error: TeX is incomplete (missing:$$missing). Install these Debian packages and run make again:"; \
	    echo "  sudo apt-get install $(TEX_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi
	$(call stage_end,tex)

test: setup
	$(PY) -m pytest

verify: setup
	$(PY) -m derivations.verify --out $(VERIFY_JSON)

# make report re-runs the checks only when they or the code they call changed (the checks'
# import closure, read from the code)
verified: setup
	$(call stage_start,checks)
	$(PY) -m derivations.verify --out $(VERIFY_JSON) --reuse
	$(call stage_end,checks)

TRAIN_ARGS := --jobs $(JOBS) $(if $(SCHEDULER),--scheduler $(SCHEDULER))
train: setup
	$(PY) -m vae train $(CONFIG) $(TRAIN_ARGS) $(RUN_ARGS)

study: setup
	$(call stage_start,training)
	$(PY) -m vae train $(CONFIG) $(STUDY) $(BIN_CONFIG) $(TRAIN_ARGS) $(RUN_ARGS)
	$(if $(FP32_CHECKED),$(PY) -m vae parity --verdicts $(FP32_CHECKED) --jobs $(JOBS) $(RUN_ARGS))
	$(call stage_end,training)

figures: measure
	$(call stage_start,figures)
	$(PY) -m vae figures --main $(CONFIG) --variants $(STUDY) --jobs $(JOBS) $(FIGURE_ARGS) $(RUN_ARGS) --out $(OUT)/figures
	$(call stage_end,figures)

measure: study
	$(call stage_start,measurements)
	$(PY) -m vae measure --main $(CONFIG) --variants $(STUDY) --jobs $(JOBS) $(RUN_ARGS) --out $(RESULTS)/measurements.json
	$(call stage_end,measurements)

summary: measure
	$(call stage_start,summary)
	$(PY) -m vae summary --main $(CONFIG) --variants $(STUDY) $(if $(BIN_CONFIG),--binarized $(BIN_CONFIG)) \
	  $(if $(FP32_CHECKED),--fp32-checked $(FP32_CHECKED)) $(RUN_ARGS) \
	  --measurements $(RESULTS)/measurements.json --out $(RESULTS)/summary.json
	$(call stage_end,summary)

# One report build at a time per checkout: a second `make report` waits for the first.
REPORT_LOCK ?= $(OUT)/.lock
report:
	@mkdir -p $(dir $(REPORT_LOCK))
	@flock -n $(REPORT_LOCK) true || echo "another 'make report' is running in this checkout; waiting for it (lock: $(REPORT_LOCK))"
	@flock $(REPORT_LOCK) $(MAKE) --no-print-directory report-unlocked

report-unlocked: stages-begin setup verified figures summary
	$(call stage_start,pdf)
	$(PY) build.py --results $(RESULTS) --figures $(OUT)/figures --build-dir $(OUT)/build --out $(OUT)/report.pdf
	$(call stage_end,pdf)
	@$(PY) -m vae stages $(STAGES) --runs $(RUNS)

stages-begin:
	@mkdir -p $(dir $(STAGES)) && rm -f $(STAGES).* && printf 'began\t%s\n' $$(date +%s%N) > $(STAGES)

# What `make report` would do and why, without doing it; needs no set-up (no torch, no numpy).
PLAN_PY := $(if $(wildcard $(PY)),$(PY),PYTHONPATH=code:. $(PYTHON))
plan:
	@$(PLAN_PY) -m vae plan --main $(CONFIG) --variants $(STUDY) $(if $(BIN_CONFIG),--binarized $(BIN_CONFIG)) \
	  $(if $(FP32_CHECKED),--fp32-checked $(FP32_CHECKED)) --jobs $(JOBS) $(FIGURE_ARGS) $(RUN_ARGS) --out $(OUT)

# bf16 against fp32, paired by seed: the evidence behind precision = "auto" (README, Precision).
PARITY_CONFIGS ?= $(CONFIG) configs/study/13-conv.toml
parity: setup
	$(PY) -m vae parity $(PARITY_CONFIGS) --jobs $(JOBS) $(RUN_ARGS)

# The study's MLP comparisons trained in fp32 as well as bf16: do the verdicts hold? (~30 min)
verdicts: setup
	$(PY) -m vae parity --verdicts $(CONFIG) $(VERDICT_STUDY) --jobs $(JOBS) $(RUN_ARGS)

# Small page images for the README, from the built report.
PREVIEW_PAGES ?= 1 6 13
previews:
	@test -f $(OUT)/report.pdf || { echo "error: $(OUT)/report.pdf is missing; run make report first"; exit 1; }
	@mkdir -p docs && rm -f docs/preview-*.png
	@for p in $(PREVIEW_PAGES); do pdftoppm -png -r 45 -f $$p -l $$p -singlefile $(OUT)/report.pdf docs/preview-$$p; done
	@ls docs/preview-*.png

# The MLP (CONFIG) and the convolutional model; BENCH_ARGS='--rounds 5' for more rounds.
BENCH_CONFIGS ?= $(CONFIG) configs/study/13-conv.toml
BENCH_ARGS    ?=
bench: setup
	$(PY) -m vae bench $(BENCH_CONFIGS) $(BENCH_ARGS) $(RUN_ARGS) --out $(RESULTS)/bench.json

clean:
	rm -rf $(OUT)/build $(RESULTS) $(OUT)/figures $(OUT)/report.pdf

distclean: clean
	rm -rf $(RUNS) $(VENV)
