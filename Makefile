# Concurrency labs in C: the one entry point.
#
#   make check-lab N     check your labs/NN-* (SRC=solutions for the reference)
#   make run-lab N       run a lab's programs, as the chapter runs node main.js
#   make check           check every lab of SRC
#   make harness         every lab's checks over the reference solutions
#   make test            the project's own test suite
#   make setup           install the Debian packages the project needs
#   make clean           remove build/
#
# Options: SRC=labs|solutions|DIR  SEED=n (replay)  ONLY=check-id  V=1
# (full detector output). N may be written 2 or 02.

SRC ?= labs
SHELL := /bin/bash
export SEED ONLY V SRC

# `make check-lab 2`: the word after the target names the lab, not a goal.
LAB_GOALS := check-lab run-lab bench-lab
ifneq ($(filter $(LAB_GOALS),$(firstword $(MAKECMDGOALS))),)
  N ?= $(word 2,$(MAKECMDGOALS))
  ifneq ($(N),)
    $(eval $(N):;@:)
  endif
endif

.PHONY: help check-lab run-lab check harness test setup clean

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

check-lab:
	@harness/check-lab "$(N)" "$(SRC)"

run-lab:
	@harness/run-lab "$(N)" "$(SRC)"

check:
	@harness/check-all "$(SRC)"

harness:
	@harness/check-all solutions

test:
	@harness/selftest/run

setup:
	@harness/setup

clean:
	rm -rf build dist

# The runner is the project's own code: warnings are errors.
RUNNER_SRCS := harness/runner/runner.c harness/runner/checks.c
build/tools/runner: $(RUNNER_SRCS) harness/runner/checks.h
	@mkdir -p $(@D)
	gcc -std=c11 -O2 -g -Wall -Wextra -Werror \
		-o $@ $(RUNNER_SRCS) $$(pkg-config --cflags --libs jansson)
