# Concurrency labs in C: the one entry point.
#
#   make check-lab N     check your labs/NN-* (SRC=solutions for the reference)
#   make run-lab N       run a lab's programs, as the chapter runs node main.js
#   make check           check every lab of SRC
#   make harness         every lab's checks over the reference solutions
#   make test            the project's own test suite
#   make bench           benchmarks of every lab (make bench-lab N for one)
#   make grade SUBMISSIONS=dir   grade a directory of student submissions
#   make race-detect FILES="a.c b.c"   run every detector over any C program
#   make dist-student    a copy of the project without solutions/
#   make gradescope      Gradescope's autograder zip (GRADESCOPE_LABS=2,3)
#   make fuzz            libFuzzer targets, FUZZ_TIME=seconds each (300)
#   make soak            servers under wrk with actors coming and going,
#                        SOAK_TIME=seconds per server (600)
#   make setup           install the Debian packages the project needs
#   make clean           remove build/
#
# Options: SRC=labs|solutions|DIR  SEED=n (replay)  ONLY=check-id  V=1
# (full detector output)  SCHED=s (with ONLY: replay an explore check's
# schedule)  STRICT=1 (extensions count). N may be written 2 or 02.

SRC ?= labs
SHELL := /bin/bash
export SEED ONLY V SRC SCHED STRICT

# `make check-lab 2`: the word after the target names the lab, not a goal.
LAB_GOALS := check-lab run-lab bench-lab
ifneq ($(filter $(LAB_GOALS),$(firstword $(MAKECMDGOALS))),)
  N ?= $(word 2,$(MAKECMDGOALS))
  ifneq ($(N),)
    $(eval $(N):;@:)
  endif
endif

.PHONY: help check-lab run-lab check harness test setup clean bench bench-lab \
	grade race-detect dist-student gradescope fuzz soak

help:
	@sed -n '3,22p' Makefile | sed 's/^# \{0,1\}//'

check-lab:
	@harness/check-lab "$(N)" "$(SRC)"

run-lab:
	@harness/run-lab "$(N)" "$(SRC)"

check:
	@harness/check-all "$(SRC)"

# make harness: the reference solutions, or SRC=labs|DIR, or LABS=path/to/a/tree
harness:
	@harness/check-all "$(or $(LABS),$(if $(filter command line environment,$(origin SRC)),$(SRC),solutions))"

# setup first: the self-test driver is Python, which a minimal Debian lacks.
test:
	@harness/setup --if-missing && harness/selftest/run

setup:
	@harness/setup

# Benchmarks, fuzzing and the soak run the reference unless SRC is given: a
# fresh skeleton has nothing to measure yet.
BENCH_SRC := $(if $(filter command line environment,$(origin SRC)),$(SRC),$(if $(wildcard solutions),solutions,labs))

bench:
	@harness/bench/run all "$(BENCH_SRC)"

bench-lab:
	@harness/bench/run "$(N)" "$(BENCH_SRC)"

grade:
	@harness/grade "$(SUBMISSIONS)"

race-detect:
	@harness/race-detect $(FILES)

dist-student:
	@harness/dist-student

gradescope:
	@harness/gradescope/build

fuzz:
	@harness/setup --if-missing && SRC=$(BENCH_SRC) FUZZ_TIME=$(FUZZ_TIME) harness/fuzz/run deep

soak:
	@harness/setup --if-missing && SRC=$(BENCH_SRC) SOAK_TIME=$(SOAK_TIME) harness/soak

clean:
	rm -rf build dist

# The runner is the project's own code: warnings are errors.
RUNNER_SRCS := $(wildcard harness/runner/*.c)
build/tools/runner: $(RUNNER_SRCS) $(wildcard harness/runner/*.h) \
		harness/lib/protocol.h
	@mkdir -p $(@D)
	gcc -std=c11 -O2 -g -Wall -Wextra -Werror -Iharness/lib \
		-o $@ $(RUNNER_SRCS) $$(pkg-config --cflags --libs jansson)

# race-detect's schedule noise for gcc's TSan runs (harness/lib/tsan_noise.c)
build/tools/tsan_noise.so: harness/lib/tsan_noise.c harness/lib/preempt.c \
		harness/lib/preempt.h
	@mkdir -p $(@D)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -Iharness/lib \
		-o $@ harness/lib/tsan_noise.c harness/lib/preempt.c -ldl

# protocol.h's facts for the shell and Python tools (harness/lib/protocol.h).
build/tools/protocol_mirror: harness/lib/protocol_mirror.c harness/lib/protocol.h
	@mkdir -p $(@D)
	gcc -std=c11 -O2 -Wall -Wextra -Werror -Iharness/lib -o $@ $<
build/tools/protocol.sh build/tools/protocol.py: build/tools/protocol.%: \
		build/tools/protocol_mirror
	$< $* > $@.tmp && mv $@.tmp $@
