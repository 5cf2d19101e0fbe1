# labs.mk - how a lab's parts are found, and the variants the checks are
# built in: the one place for both. Included by harness/mk/build.mk (the
# checks' builds) and harness/bench/bench.mk (the benchmarks' build), after
# they set OUT (where objects go) and SRCDIR (the tree of labs).
#
# Each lab says what it has in harness/mk/NN-name.mk: NN-name_SRCS (its
# sources, relative to the lab's directory), _USES (earlier labs whose
# sources it links), _LDLIBS, _SCENARIOS, _TESTS, _APPS, _HARNESS_SRCS, _RUN.

include $(wildcard harness/mk/[0-9][0-9]-*.mk)

# The labs that lab $(1) uses, each after those it uses in turn; then the
# lab with them.
uses = $(foreach u,$($(1)_USES),$(call uses,$(u)) $(u))
deep = $(call uses,$(1)) $(1)
# A lab's objects, its own and with those of the labs it uses; the libraries
# they need; the include directories of their public headers.
lab_objs = $(patsubst %.c,$(OUT)/obj/$(1)/%.o,$($(1)_SRCS))
deep_objs = $(foreach l,$(call deep,$(1)),$(call lab_objs,$(l)))
deep_libs = $(foreach l,$(call deep,$(1)),$($(l)_LDLIBS))
deep_incs = $(foreach l,$(call deep,$(1)),-I$(SRCDIR)/$(l)/include)

# The build variants, in the order check-lab builds them. A variant is this
# list's word and its flags below (VLDFLAGS_name: extra link flags, if
# any); check-lab builds it into build/NAME/TAG/ and hands the checks its
# bin directory as $NAME (upper case, - as _: tsan-order is $TSAN_ORDER).
VARIANTS := native tsan tsan-order asan explore
VFLAGS_native := -O2
VFLAGS_tsan := -O1 -fsanitize=thread
# TSan judges the lock's own memory orders: see sanitizers/lab_annotate.h
VFLAGS_tsan-order := -O1 -fsanitize=thread -DLAB_ANNOTATE_TSAN=0
VFLAGS_asan := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
# The explorer (harness/explore/): lab objects get -fsanitize=thread from
# build.mk's explore block, linked with the explorer's runtime, not libtsan.
VFLAGS_explore := -O1
# Every symbol bound at start: no schedule's child (a fork) binds one again.
VLDFLAGS_explore := -Wl,-z,now

# `make -s -f harness/mk/labs.mk variants` prints the list (check-lab).
.PHONY: variants
variants:
	@echo $(VARIANTS)
