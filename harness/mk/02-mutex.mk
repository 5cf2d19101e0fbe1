# Lab 02: the thread-product race and a futex mutex.
02-mutex_SRCS := src/mutex.c
02-mutex_USES :=
02-mutex_SCENARIOS := thread_product thread_product_atomic \
	thread_product_mutex mutex_stress mutex_fork futex_count
# harness code linked into every program of the lab
02-mutex_HARNESS_SRCS := harness/scenarios/02-mutex/product.c
02-mutex_TESTS := test_mutex
02-mutex_APPS :=
# the explore variant builds only these (harness/explore/)
02-mutex_EXPLORE := explore_product explore_mutex
02-mutex_LDLIBS :=
# `make run-lab 2` runs these in order, as the chapter runs its programs.
02-mutex_RUN := thread_product_atomic thread_product_mutex
