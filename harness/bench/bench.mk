# bench.mk - build the benchmark programs of some labs of one tree.
#
#   make -f harness/bench/bench.mk SRCDIR=solutions TAG=solutions \
#        LABS="02-mutex"
#
# builds, for each lab named, build/bench/TAG/bin/bench-NN-name from
#   - the lab's sources (and those of each earlier lab it USES), taken from
#     SRCDIR as harness/mk/NN-name.mk lists them (found as harness/mk/labs.mk
#     says), natively with -O2;
#   - the lab's benchmark cases, harness/bench/NN-name/*.c (gcc, -Werror);
#   - the Google Benchmark shim, harness/bench/bench.cc (g++),
# linked with g++. harness/bench/run is the usual way in. A lab's cases may
# need more flags or libraries (the baselines' libraries): its
# harness/bench/NN-name/bench.mk sets NN-name_BENCH_CFLAGS and
# NN-name_BENCH_LIBS.

SRCDIR ?= solutions
TAG ?= $(notdir $(SRCDIR))
LABS ?=
# harness/bench/run's smoke run builds elsewhere (OUT=...), so that make test
# and make bench may run at the same time.
OUT ?= build/bench/$(TAG)$(if $(filter 1,$(BENCH_ANNOTATE)),-annotated)
BIN := $(OUT)/bin

include harness/mk/labs.mk
include $(wildcard harness/bench/[0-9][0-9]-*/bench.mk)

CC := gcc
CXX := g++
# The native variant of harness/mk/build.mk: what a user of the lab gets.
BASE := -std=c11 -D_GNU_SOURCE -g -pthread $(VFLAGS_native)
WARN := -Wall -Wextra
# The detectors' annotations (sanitizers/lab_annotate.h) are Valgrind client
# requests in a native build: a few instructions each, which a real user of
# the lab would compile out. valgrind.h's own switch, NVALGRIND, does that;
# BENCH_ANNOTATE=1 keeps them, to measure what they cost.
ifeq ($(BENCH_ANNOTATE),1)
  ANNOTATE :=
else
  ANNOTATE := -DNVALGRIND
endif
# A student's tree shows its warnings without stopping the build.
ifeq ($(TAG),labs)
  LAB_WERROR :=
else
  LAB_WERROR := -Werror
endif
BENCH_CFLAGS := $(shell pkg-config --cflags benchmark 2>/dev/null)
BENCH_LIBS := $(shell pkg-config --libs benchmark 2>/dev/null || echo -lbenchmark)

# Objects are rebuilt when the flags change.
STAMP := $(OUT)/.flags
# BENCH_LAB_CFLAGS adds flags to the lab's own sources only, to try a
# variant without editing them (-DNAME=value for a macro the lab guards
# with #ifndef).
LAB_FLAGS := $(BASE) $(ANNOTATE) $(LAB_WERROR) $(BENCH_LAB_CFLAGS)
$(shell mkdir -p $(OUT) && (echo '$(LAB_FLAGS)' | \
	cmp -s - $(STAMP) || echo '$(LAB_FLAGS)' >$(STAMP)))

# uses, deep, deep_objs, deep_libs, deep_incs: harness/mk/labs.mk
incs = $(call deep_incs,$(1)) -Isanitizers -Iharness/bench -Iharness/lib
case_objs = $(patsubst harness/bench/%.c,$(OUT)/bobj/%.o,\
	$(wildcard harness/bench/$(1)/*.c))

SHIM := $(OUT)/bobj/bench.o

# lab_rules LAB: its program, and how its own and its cases' objects build.
define lab_rules
$(BIN)/bench-$(1): $(call case_objs,$(1)) $(call deep_objs,$(1)) $(SHIM)
	@mkdir -p $$(@D)
	$$(CXX) -pthread -o $$@ $$^ $$($(1)_BENCH_LIBS) \
		$(call deep_libs,$(1)) $$(BENCH_LIBS) -lm

$(OUT)/bobj/$(1)/%.o: harness/bench/$(1)/%.c $(STAMP)
	@mkdir -p $$(@D)
	$$(CC) $$(BASE) $$(WARN) -Werror $(call incs,$(1)) \
		$$($(1)_BENCH_CFLAGS) -MMD -MP -c $$< -o $$@

$(OUT)/obj/$(1)/%.o: $(SRCDIR)/$(1)/%.c $(STAMP)
	@mkdir -p $$(@D)
	$$(CC) $$(LAB_FLAGS) $$(WARN) $(call incs,$(1)) \
		-MMD -MP -c $$< -o $$@

PROGRAMS += $(BIN)/bench-$(1)
endef

PROGRAMS :=
ALL_LABS := $(sort $(foreach l,$(LABS),$(call deep,$(l))))
$(foreach l,$(ALL_LABS),$(eval $(call lab_rules,$(l))))

all: $(foreach l,$(LABS),$(BIN)/bench-$(l))
.PHONY: all
.DEFAULT_GOAL := all

$(SHIM): harness/bench/bench.cc harness/bench/bench.h
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -g -pthread -Wall -Wextra -Werror $(BENCH_CFLAGS) \
		-Iharness/bench -c $< -o $@

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
