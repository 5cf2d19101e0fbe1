// SPDX-License-Identifier: MIT
/*
 * The explorer's ThreadSanitizer hooks. The lab's sources are compiled with
 * gcc's -fsanitize=thread, which turns every C11 atomic and fence into a
 * call to __tsan_atomic*() and every plain access into __tsan_read/write*();
 * explore programs link these definitions instead of libtsan, as the
 * kernel's KCSAN does. Each atomic is a scheduling point: the thread waits
 * for its turn, then performs the operation itself, seq_cst whatever order
 * the code asked for (the explorer runs sequentially consistent
 * interleavings), and records what it did for the timeline. Plain accesses
 * and the annotation calls are no-ops.
 */
#include "explore_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef unsigned char a8;
typedef unsigned short a16;
typedef unsigned int a32;
typedef unsigned long long a64;

#define SC __ATOMIC_SEQ_CST
#define PC ((uintptr_t)__builtin_return_address(0))

/* A value as the timeline shows it: small ones in decimal. One that can
 * only be an address is not shown: it changes from run to run, and a
 * replay must print the same timeline. */
static const char *val(char *buf, a64 v)
{
	if (v >> 40)
		snprintf(buf, 24, "(address)");
	else
		snprintf(buf, 24, v < 100000 ? "%llu" : "0x%llx", v);
	return buf;
}

#define EX_LOAD(N)                                                             \
	a##N __tsan_atomic##N##_load(const volatile a##N *a, int mo);          \
	a##N __tsan_atomic##N##_load(const volatile a##N *a, int mo)           \
	{                                                                      \
		char b[24];                                                    \
		a##N v;                                                        \
		(void)mo;                                                      \
		if (!ex_active())                                              \
			return __atomic_load_n(a, SC);                         \
		ex_point(ex_spin_check(a));                                    \
		v = __atomic_load_n(a, SC);                                    \
		ex_note_access(a, false);                                      \
		ex_record(PC, "load %s=%s", ex_name(a, 'w'), val(b, v));       \
		return v;                                                      \
	}

#define EX_STORE(N)                                                            \
	void __tsan_atomic##N##_store(volatile a##N *a, a##N v, int mo);       \
	void __tsan_atomic##N##_store(volatile a##N *a, a##N v, int mo)        \
	{                                                                      \
		char b[24];                                                    \
		a##N old;                                                      \
		(void)mo;                                                      \
		if (!ex_active()) {                                            \
			__atomic_store_n(a, v, SC);                            \
			return;                                                \
		}                                                              \
		ex_point(false);                                               \
		old = __atomic_exchange_n(a, v, SC);                           \
		ex_note_access(a, old != v);                                   \
		ex_record(PC, "store %s=%s", ex_name(a, 'w'), val(b, v));      \
	}

/* exchange and the fetch_op family: "xchg state 1->2". */
#define EX_RMW(N, OP, BUILTIN, WORD)                                           \
	a##N __tsan_atomic##N##_##OP(volatile a##N *a, a##N v, int mo);        \
	a##N __tsan_atomic##N##_##OP(volatile a##N *a, a##N v, int mo)         \
	{                                                                      \
		char b1[24], b2[24];                                           \
		a##N old;                                                      \
		(void)mo;                                                      \
		if (!ex_active())                                              \
			return BUILTIN(a, v, SC);                              \
		ex_point(ex_spin_check(a));                                    \
		old = BUILTIN(a, v, SC);                                       \
		ex_note_access(a, old != *a);                                  \
		ex_record(PC, WORD " %s %s->%s", ex_name(a, 'w'),              \
			  val(b1, old), val(b2, *a));                          \
		return old;                                                    \
	}

static int cas_step(uintptr_t pc, volatile void *a, a64 want, a64 was, a64 v,
		    int ok)
{
	char b1[24], b2[24], b3[24];

	ex_note_access(a, ok && want != v);
	if (ok)
		ex_record(pc, "cas %s %s->%s ok", ex_name(a, 'w'),
			  val(b1, want), val(b2, v));
	else
		ex_record(pc, "cas %s %s->%s fails (%s=%s)", ex_name(a, 'w'),
			  val(b1, want), val(b2, v), ex_name(a, 'w'),
			  val(b3, was));
	return ok;
}

#define EX_CAS(N, KIND)                                                        \
	int __tsan_atomic##N##_compare_exchange_##KIND(                        \
		volatile a##N *a, a##N *c, a##N v, int mo, int fmo);           \
	int __tsan_atomic##N##_compare_exchange_##KIND(                        \
		volatile a##N *a, a##N *c, a##N v, int mo, int fmo)            \
	{                                                                      \
		a##N want = *c;                                                \
		int ok;                                                        \
		(void)mo, (void)fmo;                                           \
		if (!ex_active())                                              \
			return __atomic_compare_exchange_n(a, c, v, 0, SC,     \
							   SC);                \
		ex_point(ex_spin_check(a));                                    \
		ok = __atomic_compare_exchange_n(a, c, v, 0, SC, SC);          \
		return cas_step(PC, a, want, *c, v, ok);                       \
	}

#define EX_CAS_VAL(N)                                                          \
	a##N __tsan_atomic##N##_compare_exchange_val(                          \
		volatile a##N *a, a##N c, a##N v, int mo, int fmo);            \
	a##N __tsan_atomic##N##_compare_exchange_val(                          \
		volatile a##N *a, a##N c, a##N v, int mo, int fmo)             \
	{                                                                      \
		a##N want = c;                                                 \
		(void)mo, (void)fmo;                                           \
		if (!ex_active()) {                                            \
			__atomic_compare_exchange_n(a, &c, v, 0, SC, SC);      \
			return c;                                              \
		}                                                              \
		ex_point(ex_spin_check(a));                                    \
		cas_step(PC, a, want, c,  v,                                   \
			 __atomic_compare_exchange_n(a, &c, v, 0, SC, SC));    \
		return c;                                                      \
	}

#define EX_ALL(N)                                                              \
	EX_LOAD(N)                                                             \
	EX_STORE(N)                                                            \
	EX_RMW(N, exchange, __atomic_exchange_n, "xchg")                       \
	EX_RMW(N, fetch_add, __atomic_fetch_add, "fetch_add")                  \
	EX_RMW(N, fetch_sub, __atomic_fetch_sub, "fetch_sub")                  \
	EX_RMW(N, fetch_and, __atomic_fetch_and, "fetch_and")                  \
	EX_RMW(N, fetch_or, __atomic_fetch_or, "fetch_or")                     \
	EX_RMW(N, fetch_xor, __atomic_fetch_xor, "fetch_xor")                  \
	EX_RMW(N, fetch_nand, __atomic_fetch_nand, "fetch_nand")               \
	EX_CAS(N, strong)                                                      \
	EX_CAS(N, weak)                                                        \
	EX_CAS_VAL(N)

/* A weak compare-exchange never fails spuriously here: it is the strong
 * one. That is a choice the explorer does not explore (docs say so). */
EX_ALL(8)
EX_ALL(16)
EX_ALL(32)
EX_ALL(64)

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_thread_fence(int mo)
{
	(void)mo;
	if (ex_active()) {
		ex_point(false);
		ex_record(PC, "fence");
	}
	__atomic_thread_fence(SC);
}

void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_signal_fence(int mo)
{
	(void)mo;
	__atomic_signal_fence(SC);
}

/*
 * liburcu's wait-free queue, whose atomics are inline assembly: in the
 * explore build sanitizers/urcu_annotate.h's wrappers call these around
 * each operation, so that it is a scheduling point of its own (the point
 * comes first, then the whole operation runs as one step) and a row of
 * the timeline. Asking whether the queue is empty again, with nothing
 * changed since, is a spin, as for an atomic.
 */
void lab_explore_queue_point(const void *queue);
void lab_explore_queue_point(const void *queue)
{
	if (ex_active())
		ex_point(ex_spin_check(queue));
}

void lab_explore_queue_step(const void *queue, const char *op, int result);
void lab_explore_queue_step(const void *queue, const char *op, int result)
{
	const char *q;

	if (!ex_active())
		return;
	q = ex_name(queue, 'q');
	if (strcmp(op, "enqueue") == 0) {
		ex_note_access(queue, true);
		ex_record(PC, "enqueue %s%s", q, result ? "" : " (was empty)");
	} else if (strcmp(op, "dequeue") == 0) {
		ex_note_access(queue, result != 0);
		ex_record(PC, "dequeue %s: %s", q,
			  result ? "a message" : "empty");
	} else {
		ex_note_access(queue, false);
		ex_record(PC, "empty(%s)? %s", q, result ? "yes" : "no");
	}
}

/* What the instrumentation calls besides atomics: nothing to do. */
#define EX_NOP(NAME, ARGS)                                                     \
	void NAME ARGS;                                                        \
	void NAME ARGS                                                         \
	{                                                                      \
	}
#define EX_ACCESS(N)                                                           \
	EX_NOP(__tsan_unaligned_read##N, (void *p))                            \
	EX_NOP(__tsan_unaligned_write##N, (void *p))                           \
	EX_NOP(__tsan_volatile_read##N, (void *p))                             \
	EX_NOP(__tsan_volatile_write##N, (void *p))

/*
 * Plain accesses: no-ops, unless the program asks for them as scheduling
 * points (--plain 1), for code whose races are on plain variables (a ring
 * written without its lock). The hook runs before the access: a read shows
 * the value it is about to get, a write only where it writes.
 */
static void plain_point(uintptr_t pc, void *p, unsigned n, bool write)
{
	a64 v = 0;
	char b[24];

	ex_point(!write && ex_spin_check(p));
	ex_note_access(p, write);
	if (write) {
		ex_record(pc, "write %s", ex_name(p, 'w'));
		return;
	}
	__builtin_memcpy(&v, p, n);
	ex_record(pc, "read %s=%s", ex_name(p, 'w'), val(b, v));
}

#define EX_PLAIN(N)                                                            \
	void __tsan_read##N(void *p);                                          \
	void __tsan_read##N(void *p)                                           \
	{                                                                      \
		if (ex_active() && ex_shm->plain)                              \
			plain_point(PC, p, N, false);                          \
	}                                                                      \
	void __tsan_write##N(void *p);                                         \
	void __tsan_write##N(void *p)                                          \
	{                                                                      \
		if (ex_active() && ex_shm->plain)                              \
			plain_point(PC, p, N, true);                           \
	}

EX_PLAIN(1)
EX_PLAIN(2)
EX_PLAIN(4)
EX_PLAIN(8)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
EX_ACCESS(1)
EX_ACCESS(2)
EX_ACCESS(4)
EX_ACCESS(8)
EX_ACCESS(16)
EX_NOP(__tsan_read16, (void *p))
EX_NOP(__tsan_write16, (void *p))
EX_NOP(__tsan_init, (void))
EX_NOP(__tsan_func_entry, (void *p))
EX_NOP(__tsan_func_exit, (void))
EX_NOP(__tsan_read_range, (void *p, unsigned long n))
EX_NOP(__tsan_write_range, (void *p, unsigned long n))
EX_NOP(__tsan_vptr_update, (void **p, void *v))
EX_NOP(__tsan_vptr_read, (void **p))
EX_NOP(__tsan_acquire, (void *p))
EX_NOP(__tsan_release, (void *p))
EX_NOP(__tsan_mutex_create, (void *p, unsigned f))
EX_NOP(__tsan_mutex_destroy, (void *p, unsigned f))
EX_NOP(__tsan_mutex_pre_lock, (void *p, unsigned f))
EX_NOP(__tsan_mutex_post_unlock, (void *p, unsigned f))
EX_NOP(__tsan_mutex_pre_signal, (void *p, unsigned f))
EX_NOP(__tsan_mutex_post_signal, (void *p, unsigned f))
EX_NOP(__tsan_mutex_pre_divert, (void *p, unsigned f))
EX_NOP(__tsan_mutex_post_divert, (void *p, unsigned f))

int __tsan_mutex_post_lock(void *p, unsigned f, int recursion);
int __tsan_mutex_post_lock(void *p, unsigned f, int recursion)
{
	return 0;
}

int __tsan_mutex_pre_unlock(void *p, unsigned f);
int __tsan_mutex_pre_unlock(void *p, unsigned f)
{
	return 0;
}
#pragma GCC diagnostic pop
