# build.mk - build one tree of labs in one variant, out of tree.
#
#   make -f harness/mk/build.mk VARIANT=tsan SRCDIR=solutions TAG=solutions \
#        LABS="02-mutex"
#
# builds, for each lab named and each earlier lab it USES, the lab's sources
# from SRCDIR, the harness's scenario and test programs, and the lab's apps,
# into build/VARIANT/TAG/bin/. harness/check-lab is the usual way in. Each
# lab says what it has in harness/mk/NN-name.mk; how those parts are found,
# and the variants' flags, are harness/mk/labs.mk's.

VARIANT ?= native
SRCDIR ?= labs
TAG ?= $(notdir $(SRCDIR))
LABS ?=
OUT := build/$(VARIANT)/$(TAG)
BIN := $(OUT)/bin

include harness/mk/labs.mk

# -- variants (harness/mk/labs.mk) --------------------------------------------
CC := gcc
CXX := g++
WARN := -Wall -Wextra
BASE := -std=c11 -D_GNU_SOURCE -g -pthread
ifeq ($(filter $(VARIANT),$(VARIANTS)),)
  $(error unknown VARIANT '$(VARIANT)'; valid: $(VARIANTS))
endif
VFLAGS := $(VFLAGS_$(VARIANT))

# Warnings are errors in the project's own code. A student's tree (TAG=labs)
# shows its warnings without stopping the build; `make test` builds the
# untouched skeletons with WERROR=1 to prove they compile warning-free.
ifeq ($(TAG),labs)
  WERROR ?= 0
else
  WERROR ?= 1
endif
LAB_WERROR := $(if $(filter 1,$(WERROR)),-Werror)

# Every lab asked for, plus what it uses, earlier labs first.
ALL_LABS := $(sort $(foreach l,$(LABS),$(call deep,$(l))))
INCS := $(foreach l,$(ALL_LABS),-I$(SRCDIR)/$(l)/include) -Isanitizers \
	-Iharness/lib -Iharness/tests
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

CFLAGS_ALL = $(BASE) $(VFLAGS) $(WARN) $(CFLAGS)
LDFLAGS_ALL = $(BASE) $(VFLAGS) $(VLDFLAGS_$(VARIANT)) $(LDFLAGS)

HLIB := $(OUT)/hobj/lib/preempt.o $(OUT)/hobj/lib/scenario.o \
	$(OUT)/hobj/lib/verdict.o
harness_objs = $(patsubst harness/%.c,$(OUT)/hobj/%.o,$($(1)_HARNESS_SRCS))

# -- the explore variant (harness/explore/, docs/architecture.md) -----------
# Only the lab's sources are instrumented: their atomics call the hooks of
# the explorer's runtime, which replaces preempt.c and libtsan. A lab's
# programs in this variant are its NN_EXPLORE list. The reference mutex
# spins once before it sleeps, so that the search covers its sleeping path
# within small preemption bounds (docs/architecture.md says why).
# LAB_EXPLORE makes liburcu's queue operations points of their own
# (sanitizers/urcu_annotate.h).
ifeq ($(VARIANT),explore)
$(OUT)/obj/%.o: CFLAGS += -fsanitize=thread -DMUTEX_SPIN_LIMIT=1 -DLAB_EXPLORE
HLIB := $(OUT)/hobj/lib/scenario.o $(OUT)/hobj/lib/verdict.o \
	$(patsubst harness/%.c,$(OUT)/hobj/%.o,$(wildcard harness/explore/*.c))
INCS += -Iharness/explore
$(foreach l,$(LABS),$(eval $(l)_SCENARIOS := $($(l)_EXPLORE))\
  $(eval $(l)_TESTS :=)$(eval $(l)_APPS :=))
endif

# prog_rule LAB, NAME, SOURCE-OBJECT, EXTRA-LIBS
define prog_rule
$(BIN)/$(2): $(3) $(call harness_objs,$(1)) $(call deep_objs,$(1)) $(HLIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $(4) $(call deep_libs,$(1)) -lm
PROGRAMS += $(BIN)/$(2)
endef

PROGRAMS :=
$(foreach l,$(LABS),\
  $(foreach p,$($(l)_SCENARIOS),$(eval $(call prog_rule,$(l),$(p),$(OUT)/hobj/scenarios/$(l)/$(p).o,)))\
  $(foreach p,$($(l)_TESTS),$(eval $(call prog_rule,$(l),$(p),$(OUT)/hobj/tests/$(l)/$(p).o,$(CHECK_LIBS))))\
  $(foreach p,$($(l)_APPS),$(eval $(call prog_rule,$(l),$(p),$(OUT)/obj/$(l)/apps/$(p).o,))))

all: $(PROGRAMS)
.PHONY: all
.DEFAULT_GOAL := all

# Objects depend on the flags they were built with: a change of WERROR or
# CFLAGS rebuilds them (so `WERROR=1` after a normal build still proves the
# tree warning-free). The file is rewritten only when the flags change.
FLAGS_FILE := $(OUT)/.flags
FLAGS_NOW := $(CC) $(CFLAGS_ALL) $(LAB_WERROR) $(LDFLAGS_ALL)
$(shell mkdir -p $(OUT) && echo '$(FLAGS_NOW)' | cmp -s - $(FLAGS_FILE) || \
	echo '$(FLAGS_NOW)' > $(FLAGS_FILE))

# The lab's own sources and apps, from the tree being checked. Graded
# (harness/grade sets LAB_INTEGRITY=inert), what the integrity check
# refuses in an object and can undo is undone before anything links it.
$(OUT)/obj/%.o: $(SRCDIR)/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LAB_WERROR) $(INCS) -MMD -MP -c $< -o $@
	$(if $(filter inert,$(LAB_INTEGRITY)),harness/integrity/check --inert $@)

# -- given code ---------------------------------------------------------------
# Code the student does not write lives once, in $(GIVEN_DIR)/NN-name/
# (its own headers in include/), and is built from there whatever SRCDIR
# is: a submission is built with the official copy, never its own. In
# harness/mk/NN-name.mk, NN-name_GIVEN lists a lab's given sources (as
# apps/x.c) and NN-name_PARTS_app the objects an app links besides
# apps/app.c (as NN-name/apps/y.c). The self-test's mutants of given code
# point GIVEN_DIR at a patched copy.
GIVEN_DIR ?= harness/given
INCS += $(foreach l,$(ALL_LABS),-I$(GIVEN_DIR)/$(l)/include)
$(foreach l,$(LABS),$(foreach p,$($(l)_APPS),$(eval \
  $(BIN)/$(p): $(patsubst %.c,$(OUT)/obj/%.o,$($(l)_PARTS_$(p))))))
GIVEN_OBJS := $(foreach l,$(ALL_LABS),\
  $(patsubst %.c,$(OUT)/obj/$(l)/%.o,$($(l)_GIVEN)))
$(GIVEN_OBJS): $(OUT)/obj/%.o: $(GIVEN_DIR)/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Werror $(INCS) -MMD -MP -c $< -o $@

# The harness's code: scenarios, tests and helpers.
$(OUT)/hobj/%.o: harness/%.c $(FLAGS_FILE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Werror $(INCS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
