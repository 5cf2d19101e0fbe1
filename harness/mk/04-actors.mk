# Lab 04: actors with mailboxes on the lab-01 thread pool, NUL-framed JSON
# messages, and the chapter's actor_server and actor programs (libevent's
# evhttp and bufferevents, jansson, liburcu's wfcqueue and RCU).
04-actors_SRCS := src/actor.c src/wire.c src/router.c
# The actor runs its turns on the student's own lab-01 pool, as the
# chapter's actor.js requires ./rpc-worker.js.
04-actors_USES := 01-thread-pool
04-actors_SCENARIOS := actor_stress router_stress fake_server
# harness code linked into every program of the lab
04-actors_HARNESS_SRCS :=
04-actors_TESTS := test_actors
04-actors_APPS := actor_server actor
# the explore variant builds only these (harness/explore/)
04-actors_EXPLORE := explore_actor
# Given code, built from harness/given/04-actors/ whatever the tree
# (build.mk): both programs, split along their seams (apps/server.h), the
# compute actor they run, the delay line (the chapter's wait as a timer),
# and lab 01's number format.
04-actors_GIVEN := apps/actor_server.c apps/server_http.c apps/server_link.c \
	apps/server_route.c apps/actor.c src/compute.c src/delay.c
04-actors_SHARED := 04-actors/src/compute.c 04-actors/src/delay.c \
	01-thread-pool/src/jnum.c
04-actors_PARTS_actor_server := 04-actors/apps/server_http.c \
	04-actors/apps/server_link.c 04-actors/apps/server_route.c \
	$(04-actors_SHARED)
04-actors_PARTS_actor := $(04-actors_SHARED)
04-actors_LDLIBS := $(shell pkg-config --libs libevent libevent_pthreads \
	jansson liburcu-memb 2>/dev/null || echo -levent_pthreads -levent \
	-ljansson -lurcu-memb) -lurcu-common
# `make run-lab 4` prints how to start the chapter's two programs.
04-actors_RUN := actor_server
