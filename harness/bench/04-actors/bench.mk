# Lab 04's benchmark baselines: liburcu's wfcqueue used directly (its
# functions are in liburcu-common, which the lab links already) and a
# pthread mutex + condvar queue (libc). The lab's own libraries come from
# 04-actors_LDLIBS in harness/mk/04-actors.mk.
04-actors_BENCH_CFLAGS := $(shell pkg-config --cflags liburcu jansson 2>/dev/null)
04-actors_BENCH_LIBS :=
