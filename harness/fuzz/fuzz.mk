# SPDX-License-Identifier: MIT
# fuzz.mk - build the libFuzzer targets (clang, -fsanitize=fuzzer,address,
# undefined) against one tree of labs. harness/fuzz/run is the usual way in.
#
#   make -f harness/fuzz/fuzz.mk SRCDIR=solutions OUT=build/fuzz/quick
#        [JANSSON_SRC=dir] [LIBEVENT_SRC=dir LIBEVENT_BUILD=dir]
#
# The labs' code is compiled with the fuzzer's coverage instrumentation, so
# that the fuzzer sees which of its branches an input reaches. JANSSON_SRC,
# when given, is jansson's source tree (Debian's source package): its
# src/*.c are compiled in with the same instrumentation, so that coverage
# of the JSON parser counts too; without it the system's libjansson is
# linked, uninstrumented. LIBEVENT_BUILD, when given, is a build of
# libevent's source tree LIBEVENT_SRC made by its own configure with the
# same instrumentation (harness/fuzz/run does it): its static libraries
# and headers replace the system's, so evhttp's parser counts too.

SRCDIR ?= solutions
OUT ?= build/fuzz/quick
JANSSON_SRC ?=
TARGETS := fuzz_wire fuzz_actor_http fuzz_pool_http fuzz_ring
# The servers' given code, the same for every tree.
GIVEN := harness/given

LIBEVENT_SRC ?=
LIBEVENT_BUILD ?=
ifneq ($(LIBEVENT_BUILD),)
  EVENT_LIBS := $(addprefix $(LIBEVENT_BUILD)/.libs/libevent_,\
	extra.a pthreads.a core.a)
  EVENT_INC := -I$(LIBEVENT_BUILD)/include -I$(LIBEVENT_SRC)/include
else
  EVENT_LIBS := $(shell pkg-config --libs libevent libevent_pthreads)
  EVENT_INC :=
endif

CC := clang
SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
CFLAGS := -std=gnu11 -D_GNU_SOURCE -DNVALGRIND -g -O1 -pthread \
	-fno-omit-frame-pointer $(SAN) -Wall -Wextra
# The labs' code is built warning-free by gcc elsewhere; here clang only
# compiles it (valgrind.h's NVALGRIND stubs set variables they never use).
LAB_CFLAGS := $(CFLAGS) -Wno-unused-but-set-variable
HARNESS_CFLAGS := $(CFLAGS) -Werror -Wno-unused-but-set-variable
INST := -fsanitize=fuzzer-no-link
LDFLAGS := -pthread -fsanitize=fuzzer $(SAN)
INCS := $(foreach l,01-thread-pool 02-mutex 03-ring-buffer 04-actors,\
	-I$(SRCDIR)/$(l)/include) \
	$(foreach l,01-thread-pool 04-actors,-I$(GIVEN)/$(l)/include \
	-I$(GIVEN)/$(l)/apps) -Isanitizers -Iharness/lib -Iharness/fuzz \
	$(EVENT_INC)

URCU_LIBS := $(shell pkg-config --libs liburcu-memb) -lurcu-common

ifneq ($(JANSSON_SRC),)
  JANSSON_OBJS := $(patsubst $(JANSSON_SRC)/src/%.c,$(OUT)/jansson/%.o,\
	$(wildcard $(JANSSON_SRC)/src/*.c))
  JANSSON_INC := -I$(OUT)/jansson-include -I$(JANSSON_SRC)/src
  JANSSON_LIBS :=
else
  JANSSON_OBJS :=
  JANSSON_INC :=
  JANSSON_LIBS := $(shell pkg-config --libs jansson)
endif

lab = $(patsubst %.c,$(OUT)/lab/%.o,$(addprefix $(1)/,$(2)))
given = $(patsubst %.c,$(OUT)/given/%.o,$(addprefix $(1)/,$(2)))
POOL := $(call lab,01-thread-pool,src/tpool.c src/commands.c)
ACTORS := $(call lab,04-actors,src/actor.c src/router.c src/wire.c)
RING := $(call lab,02-mutex,src/mutex.c) $(call lab,03-ring-buffer,\
	src/ring.c src/ring_shared.c src/ring_spsc.c src/ring_mpmc.c)
JNUM := $(call given,01-thread-pool,src/jnum.c)
SERVER_PARTS := $(call given,04-actors,apps/server_route.c \
	apps/server_link.c src/compute.c src/delay.c) $(JNUM)
DRIVER := $(OUT)/harness/http_driver.o
# The servers' given code ends with verdict_control() (harness/lib/
# verdict.c), which does nothing here: no e2e script watches a fuzz target.
VERDICT := $(OUT)/hlib/verdict.o

all: $(addprefix $(OUT)/bin/,$(TARGETS))
.PHONY: all

$(OUT)/bin/fuzz_wire: $(OUT)/harness/fuzz_wire.o \
	$(call lab,04-actors,src/wire.c) $(JANSSON_OBJS)
$(OUT)/bin/fuzz_actor_http: $(OUT)/harness/fuzz_actor_http.o $(DRIVER) \
	$(VERDICT) $(SERVER_PARTS) $(ACTORS) $(POOL) $(JANSSON_OBJS)
$(OUT)/bin/fuzz_pool_http: $(OUT)/harness/fuzz_pool_http.o $(DRIVER) \
	$(VERDICT) $(call lab,01-thread-pool,apps/handoff.c) $(JNUM) $(POOL) \
	$(JANSSON_OBJS)
$(OUT)/bin/fuzz_ring: $(OUT)/harness/fuzz_ring.o $(RING)

$(OUT)/bin/%:
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(URCU_LIBS) $(JANSSON_LIBS) -lm

# The labs' sources, instrumented.
$(OUT)/lab/%.o: $(SRCDIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(LAB_CFLAGS) $(INST) $(JANSSON_INC) $(INCS) -c $< -o $@

# The given code, instrumented too.
$(OUT)/given/%.o: $(GIVEN)/%.c
	@mkdir -p $(@D)
	$(CC) $(LAB_CFLAGS) $(INST) $(JANSSON_INC) $(INCS) -c $< -o $@

# The targets include the servers' given files: rebuilt with them.
$(OUT)/harness/fuzz_actor_http.o: $(GIVEN)/04-actors/apps/actor_server.c \
	$(GIVEN)/04-actors/apps/server_http.c $(GIVEN)/04-actors/apps/server.h
$(OUT)/harness/fuzz_pool_http.o: $(GIVEN)/01-thread-pool/apps/pool_server.c \
	$(GIVEN)/01-thread-pool/include/pool_server.h
$(OUT)/hlib/%.o: harness/lib/%.c harness/lib/%.h harness/lib/protocol.h
	@mkdir -p $(@D)
	$(CC) $(HARNESS_CFLAGS) $(INST) $(INCS) -c $< -o $@
$(OUT)/harness/%.o: harness/fuzz/%.c $(wildcard harness/fuzz/*.h)
	@mkdir -p $(@D)
	$(CC) $(HARNESS_CFLAGS) $(INST) $(JANSSON_INC) $(INCS) -c $< -o $@

# jansson from its source: the two configuration headers its build would
# generate for this platform (GCC atomics, long long, localeconv,
# /dev/urandom for the hash seed), then every file.
JANSSON_CONF := $(OUT)/jansson-include/jansson_config.h \
	$(OUT)/jansson-include/jansson_private_config.h
$(OUT)/jansson-include/jansson_config.h: $(JANSSON_SRC)/src/jansson_config.h.in
	@mkdir -p $(@D)
	sed -e 's/@json_inline@/inline/' -e 's/@json_have_long_long@/1/' \
	    -e 's/@json_have_localeconv@/1/' \
	    -e 's/@json_have_atomic_builtins@/1/' \
	    -e 's/@json_have_sync_builtins@/1/' $< >$@
$(OUT)/jansson-include/jansson_private_config.h:
	@mkdir -p $(@D)
	printf '#define %s 1\n' HAVE_STDINT_H HAVE_INTTYPES_H HAVE_UNISTD_H \
	    HAVE_SYS_TIME_H HAVE_SYS_TYPES_H HAVE_SYS_STAT_H HAVE_FCNTL_H HAVE_SCHED_H \
	    HAVE_GETTIMEOFDAY HAVE_SCHED_YIELD HAVE_LOCALE_H HAVE_SETLOCALE \
	    HAVE_INT32_T HAVE_UINT32_T HAVE_UINT16_T HAVE_UINT8_T \
	    HAVE_SSIZE_T HAVE_OPEN HAVE_CLOSE HAVE_READ USE_URANDOM \
	    HAVE_ATOMIC_BUILTINS HAVE_SYNC_BUILTINS \
	    >$@
	echo '#define INITIAL_HASHTABLE_ORDER 3' >>$@
$(OUT)/jansson/%.o: $(JANSSON_SRC)/src/%.c $(JANSSON_CONF)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -w $(INST) -DHAVE_CONFIG_H=1 $(JANSSON_INC) -c $< -o $@
