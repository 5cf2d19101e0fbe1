// SPDX-License-Identifier: MIT
//
// bench.cc - the C++ side of bench.h: each C function forwards to Google
// Benchmark, and main() runs whatever the C files registered. Besides
// forwarding it does four things the library does not: a smoke run (one
// repetition of one iteration per case, same names), leaving glibc's
// single-threaded mode before anything is measured, refusing user counters
// named like the library's own JSON keys, and counting one system call per
// case with a perf tracepoint counter in each thread.

#include "bench.h"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <linux/perf_event.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace
{

benchmark::State &S(struct bench_state *s)
{
	return *reinterpret_cast<benchmark::State *>(s);
}

const benchmark::State &S(const struct bench_state *s)
{
	return *reinterpret_cast<const benchmark::State *>(s);
}

benchmark::internal::Benchmark *B(struct bench *b)
{
	return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

struct bench *C(benchmark::internal::Benchmark *b)
{
	return reinterpret_cast<struct bench *>(b);
}

// Every registered case, with the minimum time main() applies to it.
// A function-local static: the C constructors that fill it may run before
// this file's own static initialisers.
struct registered {
	benchmark::internal::Benchmark *b;
	double min_time;
};

std::vector<registered> &registry()
{
	static std::vector<registered> r;
	return r;
}

bool smoke;

// -- counting one system call per case ---------------------------------------
//
// A perf counter on the tracepoint syscalls:sys_enter_NAME counts in the
// kernel every entry of that system call by the thread that opened it,
// however the call was made (glibc, syscall(2), inline assembly), without
// changing what the call does. Each benchmark thread opens its own counter
// right after the start barrier and reads it when its loop ends, so the
// count covers this thread's loop (plus the library's stop barrier, a
// couple of calls per run at most).

struct syscall_counting {
	bool on;
	std::string name;    // "futex"
	std::string counter; // "futex_per_Mop"
	long long id;	     // the tracepoint's id, or -1
	std::string error;   // why it cannot count, when id < 0
} counting;

struct thread_count {
	const benchmark::State *st;
	bool active;
	int fd;
	int err;
};
thread_local thread_count tl;

long long tracepoint_id(const std::string &name, std::string *error)
{
	const char *roots[] = {"/sys/kernel/tracing",
			       "/sys/kernel/debug/tracing"};
	bool denied = false;
	for (const char *root : roots) {
		std::string path = std::string(root) +
				   "/events/syscalls/sys_enter_" + name + "/id";
		FILE *f = std::fopen(path.c_str(), "r");
		long long id;
		if (!f) {
			denied |= errno == EACCES;
			continue;
		}
		bool ok = std::fscanf(f, "%lld", &id) == 1;
		std::fclose(f);
		if (ok)
			return id;
	}
	*error = denied ? "tracefs is not readable: counting needs root "
			  "(or CAP_PERFMON and access to tracefs)"
			: "no tracepoint syscalls:sys_enter_" + name +
			      " (is tracefs mounted at /sys/kernel/tracing?)";
	return -1;
}

int open_counter(int *err)
{
	struct perf_event_attr attr;

	std::memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = static_cast<uint64_t>(counting.id);
	attr.exclude_hv = 1;
	int fd = static_cast<int>(syscall(SYS_perf_event_open, &attr,
					  0 /* this thread */, -1 /* any CPU */,
					  -1, PERF_FLAG_FD_CLOEXEC));
	*err = fd < 0 ? errno : 0;
	return fd;
}

// counters[name] += Counter(...) would go through Counter's conversion to
// double and drop the flags: set them on the entry itself.
void add_counter(benchmark::State &st, const std::string &name, double value,
		 benchmark::Counter::Flags flags,
		 benchmark::Counter::OneK one_k)
{
	benchmark::Counter &c = st.counters[name];
	c.value += value;
	c.flags = flags;
	c.oneK = one_k;
}

void start_counting(benchmark::State &st)
{
	tl.st = &st;
	tl.active = true;
	tl.fd = -1;
	tl.err = 0;
	if (counting.id >= 0)
		tl.fd = open_counter(&tl.err);
}

void stop_counting(benchmark::State &st)
{
	tl.active = false;
	if (tl.fd < 0) {
		std::string why =
		    counting.id < 0 ? counting.error : std::strerror(tl.err);
		st.SetLabel("cannot count " + counting.name + ": " + why);
		return;
	}
	uint64_t calls = 0;
	ssize_t got = read(tl.fd, &calls, sizeof(calls));
	close(tl.fd);
	tl.fd = -1;
	if (got != static_cast<ssize_t>(sizeof(calls))) {
		st.SetLabel("cannot read the " + counting.name + " counter");
		return;
	}
	// Summed over threads by the library, then divided by the iterations
	// of all threads together: calls per million iterations.
	add_counter(st, counting.counter, static_cast<double>(calls) * 1e6,
		    benchmark::Counter::kAvgIterations,
		    benchmark::Counter::kIs1000);
}

bool counted_keep_running(benchmark::State &st, int64_t n)
{
	bool more = n == 1 ? st.KeepRunning() : st.KeepRunningBatch(n);
	if (!tl.active || tl.st != &st) {
		if (more)
			start_counting(st); // after the start barrier
		return more;
	}
	if (!more)
		stop_counting(st);
	return more;
}

// -- the library's own JSON keys ---------------------------------------------

bool reserved_counter_name(const char *name)
{
	static const char *const keys[] = {
	    "name",
	    "family_index",
	    "per_family_instance_index",
	    "run_name",
	    "run_type",
	    "repetitions",
	    "repetition_index",
	    "threads",
	    "aggregate_name",
	    "aggregate_unit",
	    "iterations",
	    "real_time",
	    "cpu_time",
	    "time_unit",
	    "label",
	    "error_occurred",
	    "error_message",
	    "big_o",
	    "rms",
	    "bytes_per_second",
	    "items_per_second",
	};
	for (const char *k : keys)
		if (std::strcmp(k, name) == 0)
			return true;
	return false;
}

std::string cpu_model()
{
	std::ifstream f("/proc/cpuinfo");
	std::string line;
	while (std::getline(f, line)) {
		if (line.rfind("model name", 0) == 0 ||
		    line.rfind("Model", 0) == 0) {
			size_t colon = line.find(':');
			if (colon != std::string::npos) {
				size_t start =
				    line.find_first_not_of(" \t", colon + 1);
				return start == std::string::npos
					   ? ""
					   : line.substr(start);
			}
		}
	}
	return "unknown";
}

// glibc (2.34 on) lets a process that has never started a second thread
// take its own locks without atomic instructions. Benchmarks of locks are
// about multithreaded programs, and a lock written with C11 atomics has no
// such shortcut, so every run starts by leaving that mode for good.
void *nothing(void *arg)
{
	return arg;
}

void leave_single_threaded_mode()
{
	pthread_t t;
	if (pthread_create(&t, nullptr, nothing, nullptr) == 0)
		pthread_join(t, nullptr);
}

bool env_on(const char *name)
{
	const char *v = std::getenv(name);
	return v && *v && std::strcmp(v, "0") != 0;
}

} // namespace

extern "C" {

struct bench *bench_register(const char *name,
			     void (*fn)(struct bench_state *s))
{
	auto *b =
	    benchmark::RegisterBenchmark(name, [fn](benchmark::State &st) {
		    fn(reinterpret_cast<struct bench_state *>(&st));
	    });
	registry().push_back({b, 0.0});
	return C(b);
}

struct bench *bench_arg(struct bench *b, int64_t x)
{
	return C(B(b)->Arg(x));
}

struct bench *bench_args(struct bench *b, int n, const int64_t *xs)
{
	return C(B(b)->Args(std::vector<int64_t>(xs, xs + n)));
}

struct bench *bench_arg_range(struct bench *b, int64_t lo, int64_t hi, int mult)
{
	return C(B(b)->RangeMultiplier(mult)->Range(lo, hi));
}

struct bench *bench_arg_name(struct bench *b, const char *name)
{
	return C(B(b)->ArgName(name));
}

struct bench *bench_threads(struct bench *b, int n)
{
	return C(B(b)->Threads(n));
}

struct bench *bench_real_time(struct bench *b)
{
	return C(B(b)->UseRealTime());
}

struct bench *bench_unit(struct bench *b, enum bench_unit u)
{
	static const benchmark::TimeUnit units[] = {
	    benchmark::kNanosecond, benchmark::kMicrosecond,
	    benchmark::kMillisecond, benchmark::kSecond};
	return C(B(b)->Unit(units[u]));
}

struct bench *bench_min_time(struct bench *b, double seconds)
{
	for (registered &r : registry())
		if (r.b == B(b))
			r.min_time = seconds;
	return b;
}

bool bench_keep_running(struct bench_state *s)
{
	if (counting.on)
		return counted_keep_running(S(s), 1);
	return S(s).KeepRunning();
}

bool bench_keep_running_batch(struct bench_state *s, int64_t n)
{
	if (counting.on)
		return counted_keep_running(S(s), n);
	return S(s).KeepRunningBatch(n);
}

int64_t bench_range(const struct bench_state *s, int i)
{
	return S(s).range(static_cast<size_t>(i));
}

int64_t bench_iterations(const struct bench_state *s)
{
	return static_cast<int64_t>(S(s).iterations());
}

int bench_thread_index(const struct bench_state *s)
{
	return S(s).thread_index();
}

int bench_thread_count(const struct bench_state *s)
{
	return S(s).threads();
}

void bench_pause(struct bench_state *s)
{
	S(s).PauseTiming();
}

void bench_resume(struct bench_state *s)
{
	S(s).ResumeTiming();
}

void bench_items_processed(struct bench_state *s, int64_t items)
{
	S(s).SetItemsProcessed(items);
}

void bench_bytes_processed(struct bench_state *s, int64_t bytes)
{
	S(s).SetBytesProcessed(bytes);
}

void bench_counter(struct bench_state *s, const char *name, double value,
		   unsigned flags)
{
	if (reserved_counter_name(name)) {
		std::string msg =
		    std::string("counter name '") + name +
		    "' is one of Google Benchmark's own JSON keys";
		S(s).SkipWithError(msg.c_str());
		return;
	}
	int f = 0;
	if (flags & BENCH_COUNTER_RATE)
		f |= benchmark::Counter::kIsRate;
	if (flags & BENCH_COUNTER_AVG_THREADS)
		f |= benchmark::Counter::kAvgThreads;
	if (flags & BENCH_COUNTER_PER_ITERATION)
		f |= benchmark::Counter::kAvgIterations;
	if (flags & BENCH_COUNTER_INVERT)
		f |= benchmark::Counter::kInvert;
	add_counter(
	    S(s), name, value, static_cast<benchmark::Counter::Flags>(f),
	    (flags & BENCH_COUNTER_BINARY) ? benchmark::Counter::kIs1024
					   : benchmark::Counter::kIs1000);
}

void bench_label(struct bench_state *s, const char *label)
{
	S(s).SetLabel(label);
}

void bench_skip_with_error(struct bench_state *s, const char *msg)
{
	S(s).SkipWithError(msg);
}

bool bench_smoke(void)
{
	return smoke;
}

} // extern "C"

int main(int argc, char **argv)
{
	smoke = env_on("BENCH_SMOKE");
	const char *sys = std::getenv("BENCH_COUNT_SYSCALL");
	if (sys && *sys) {
		counting.on = true;
		counting.name = sys;
		counting.counter = counting.name + "_per_Mop";
		counting.id = tracepoint_id(counting.name, &counting.error);
	}

	// A smoke run: one repetition, and a minimum time so short that the
	// first iteration ends the measurement. The flags go last, so they
	// win over the command line's. (Iterations(1) would do the same but
	// put "/iterations:1" into every name.)
	std::vector<char *> args(argv, argv + argc);
	static char one_rep[] = "--benchmark_repetitions=1";
	static char tiny_time[] = "--benchmark_min_time=1e-9";
	if (smoke) {
		args.push_back(one_rep);
		args.push_back(tiny_time);
	}
	args.push_back(nullptr);
	int nargs = static_cast<int>(args.size()) - 1;

	leave_single_threaded_mode();
	benchmark::Initialize(&nargs, args.data());
	if (benchmark::ReportUnrecognizedArguments(nargs, args.data()))
		return 1;
	// Per-case minimum times put "/min_time:" into names and would
	// override the smoke run's: they apply only to real runs.
	for (registered &r : registry())
		if (!smoke && r.min_time > 0)
			r.b->MinTime(r.min_time);

	benchmark::AddCustomContext("cpu_model", cpu_model());
	benchmark::AddCustomContext(
	    "nproc", std::to_string(sysconf(_SC_NPROCESSORS_ONLN)));
	const char *src = std::getenv("BENCH_SRC");
	benchmark::AddCustomContext("bench_src", src ? src : "");
	benchmark::AddCustomContext("bench_smoke", smoke ? "1" : "0");
	if (counting.on)
		benchmark::AddCustomContext("bench_count_syscall",
					    counting.name);

	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
