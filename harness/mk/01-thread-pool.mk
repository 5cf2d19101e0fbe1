# Lab 01: a pool of worker threads with the chapter's dispatch strategies,
# and pool_server, the chapter's main.js: an HTTP server (libevent's evhttp,
# JSON by jansson) whose every request becomes a square_sum task.
01-thread-pool_SRCS := src/tpool.c src/commands.c
01-thread-pool_USES :=
01-thread-pool_SCENARIOS := pool_stress skew
# harness code linked into every program of the lab
01-thread-pool_HARNESS_SRCS :=
01-thread-pool_TESTS := test_tpool
01-thread-pool_APPS := pool_server
# Given code, built from harness/given/01-thread-pool/ whatever the tree
# (build.mk): all of pool_server but the student's hand-off, apps/handoff.c,
# and jnum.c, the chapter's number format (lab 04's programs use it too).
01-thread-pool_GIVEN := apps/pool_server.c src/jnum.c
01-thread-pool_PARTS_pool_server := 01-thread-pool/apps/handoff.c \
	01-thread-pool/src/jnum.c
# the explore variant builds only these (harness/explore/)
01-thread-pool_EXPLORE := explore_pool
01-thread-pool_LDLIBS := $(shell pkg-config --libs libevent libevent_pthreads \
	jansson 2>/dev/null || echo -levent_pthreads -levent -ljansson)
# `make run-lab 1` runs the server, as the chapter runs node main.js.
01-thread-pool_RUN := pool_server
