# Lab 01's benchmark baseline from a library: GLib's GThreadPool.
01-thread-pool_BENCH_CFLAGS := $(shell pkg-config --cflags glib-2.0 2>/dev/null)
01-thread-pool_BENCH_LIBS := $(shell pkg-config --libs glib-2.0 2>/dev/null || echo -lglib-2.0)
