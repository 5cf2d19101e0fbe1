# Lab 03: the chapter's ring buffer, shared under the lab-02 mutex, and the
# lock-free queues. The shared ring locks with the student's own mutex.
03-ring-buffer_SRCS := src/ring.c src/ring_shared.c src/ring_spsc.c \
	src/ring_mpmc.c
03-ring-buffer_USES := 02-mutex
03-ring-buffer_SCENARIOS := ring_demo shared_ring_stress ring_unlocked \
	spsc_stress mpmc_stress
# harness code linked into every program of the lab
03-ring-buffer_HARNESS_SRCS := harness/scenarios/03-ring-buffer/traffic.c
03-ring-buffer_TESTS := test_ring
03-ring-buffer_APPS :=
# the explore variant builds only these (harness/explore/)
03-ring-buffer_EXPLORE := explore_ring
03-ring-buffer_LDLIBS :=
# `make run-lab 3` runs the chapter's producers and consumers (part 5).
03-ring-buffer_RUN := ring_demo
