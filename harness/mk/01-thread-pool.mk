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
# the explore variant builds only these (harness/explore/)
01-thread-pool_EXPLORE := explore_pool
01-thread-pool_LDLIBS := $(shell pkg-config --libs libevent libevent_pthreads \
	jansson 2>/dev/null || echo -levent_pthreads -levent -ljansson)
# `make run-lab 1` runs the server, as the chapter runs node main.js.
01-thread-pool_RUN := pool_server
