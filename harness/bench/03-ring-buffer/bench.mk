# Lab 03's benchmark baselines: Concurrency Kit's ck_ring (header-only, but
# linked as the package says) and liburcu's wfcqueue (in liburcu-common).
03-ring-buffer_BENCH_CFLAGS := $(shell pkg-config --cflags ck liburcu-cds 2>/dev/null)
03-ring-buffer_BENCH_LIBS := $(shell pkg-config --libs ck liburcu-cds 2>/dev/null || echo -lck -lurcu-cds -lurcu-common)
