// SPDX-License-Identifier: MIT
/*
 * What the explorer takes over in an explore program, besides the atomics:
 * futex(2) through syscall(), thread start, exit and join, pthread mutexes
 * and condition variables, sched_yield() and sleeps (as yields), and the
 * harness's lab_preempt(). Each is a scheduling point and is emulated in
 * the scheduler, so a thread that waits is blocked there and a lost
 * wake-up shows as "every thread is blocked". A thread that is not one of
 * a schedule's (the parent, a library's own helper started elsewhere)
 * reaches the real function.
 */

#include "explore_int.h"
#include "preempt.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PC ((uintptr_t)__builtin_return_address(0))

/* The real functions, looked up on first use (a library's constructor may
 * call one before main). */
#define REAL(name, type, ...) ((type)real_fn(&real_##name, #name))(__VA_ARGS__)

static void *real_fn(void **slot, const char *name)
{
	if (!*slot) {
		/* The condition variables' current version, not the compat
		 * one that plain dlsym() may return. */
		*slot = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
		if (!*slot)
			*slot = dlsym(RTLD_NEXT, name);
	}
	return *slot;
}

static void *real_syscall, *real_pthread_create, *real_pthread_join,
	*real_pthread_exit, *real_pthread_mutex_lock,
	*real_pthread_mutex_trylock, *real_pthread_mutex_timedlock,
	*real_pthread_mutex_unlock, *real_pthread_mutex_init,
	*real_pthread_mutex_destroy, *real_pthread_cond_wait,
	*real_pthread_cond_timedwait, *real_pthread_cond_signal,
	*real_pthread_cond_broadcast, *real_pthread_cond_init,
	*real_pthread_cond_destroy, *real_sched_yield, *real_nanosleep,
	*real_usleep;

/* Look every real function up now, in the explorer's parent, so that no
 * schedule's child repeats the lookups after its fork. */
void ex_resolve_real(void)
{
	static const char *const names[] = {
		"syscall", "pthread_create", "pthread_join", "pthread_exit",
		"pthread_mutex_lock", "pthread_mutex_trylock",
		"pthread_mutex_timedlock", "pthread_mutex_unlock",
		"pthread_mutex_init", "pthread_mutex_destroy",
		"pthread_cond_wait", "pthread_cond_timedwait",
		"pthread_cond_signal", "pthread_cond_broadcast",
		"pthread_cond_init", "pthread_cond_destroy", "sched_yield",
		"nanosleep", "usleep"};
	void **slots[] = {
		&real_syscall, &real_pthread_create, &real_pthread_join,
		&real_pthread_exit, &real_pthread_mutex_lock,
		&real_pthread_mutex_trylock, &real_pthread_mutex_timedlock,
		&real_pthread_mutex_unlock, &real_pthread_mutex_init,
		&real_pthread_mutex_destroy, &real_pthread_cond_wait,
		&real_pthread_cond_timedwait, &real_pthread_cond_signal,
		&real_pthread_cond_broadcast, &real_pthread_cond_init,
		&real_pthread_cond_destroy, &real_sched_yield, &real_nanosleep,
		&real_usleep};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		real_fn(slots[i], names[i]);
}

typedef long (*syscall_fn)(long, long, long, long, long, long, long);

long ex_real_futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
	return REAL(syscall, syscall_fn, SYS_futex, (long)addr, op, val, 0, 0,
		    0);
}

/* -- futex(2) ------------------------------------------------------------- */

static long futex_wait(uintptr_t pc, uint32_t *w, uint32_t val, bool timed)
{
	const char *name;
	uint32_t now;

	ex_point(false);
	name = ex_name(w, 'w');
	now = __atomic_load_n(w, __ATOMIC_SEQ_CST);
	ex_note_access(NULL, false);
	if (now != val) {
		ex_record(pc, "futex_wait(%s==%u): %s=%u, EAGAIN", name, val,
			  name, now);
		errno = EAGAIN;
		return -1;
	}
	ex_record(pc, "futex_wait(%s==%u) sleeps", name, val);
	if (ex_block(EX_W_FUTEX, w, val, timed, NULL) == EX_TIMEDOUT) {
		ex_record(pc, "futex_wait(%s) times out", name);
		errno = ETIMEDOUT;
		return -1;
	}
	ex_record(pc, "futex_wait(%s) woken", name);
	return 0;
}

static long futex_wake(uintptr_t pc, uint32_t *w, uint32_t n)
{
	char who[64];
	int woken;

	ex_point(false);
	ex_note_access(NULL, false);
	woken = ex_wake(EX_W_FUTEX, w, n > INT_MAX ? INT_MAX : (int)n, who,
			sizeof(who));
	ex_record(pc, "futex_wake(%s, %u): wakes %s", ex_name(w, 'w'), n,
		  who);
	return woken;
}

/*
 * FUTEX_WAIT and FUTEX_WAIT_BITSET block in the scheduler (a timed one may
 * time out, as a scheduling choice; the bitset is taken as MATCH_ANY);
 * FUTEX_WAKE and FUTEX_WAKE_BITSET wake the longest sleepers first.
 */
static long futex_emulate(uintptr_t pc, long *a)
{
	uint32_t *w = (uint32_t *)a[0];
	int cmd = (int)a[1] & FUTEX_CMD_MASK;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		return futex_wait(pc, w, (uint32_t)a[2], a[3] != 0);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return futex_wake(pc, w, (uint32_t)a[2]);
	default:
		ex_end(EX_SETUP, "futex operation %d is not emulated by the "
				 "explorer", cmd);
	}
}

long syscall(long nr, ...)
{
	long a[6];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (ex_active() && nr == SYS_futex)
		return futex_emulate(PC, a);
	return REAL(syscall, syscall_fn, nr, a[0], a[1], a[2], a[3], a[4],
		    a[5]);
}

/* -- threads ---------------------------------------------------------------- */

struct boot {
	void *(*fn)(void *);
	void *arg;
	int tid;
};
static struct boot boots[EX_MAX_THREADS];

static void *trampoline(void *p)
{
	struct boot *b = p;
	void *ret;

	ex_thread_start(b->tid);
	ret = b->fn(b->arg);
	ex_thread_finish();
	return ret;
}

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
			 void *(*)(void *), void *);

int pthread_create(pthread_t *th, const pthread_attr_t *attr,
		   void *(*fn)(void *), void *arg)
{
	uintptr_t pc = PC;
	int tid, e;

	if (!ex_active())
		return REAL(pthread_create, create_fn, th, attr, fn, arg);
	/* Not a scheduling point: until it is chosen, the new thread does
	 * nothing, so "created but not run yet" covers "not created yet". */
	tid = ex_thread_new();
	boots[tid] = (struct boot){fn, arg, tid};
	e = REAL(pthread_create, create_fn, th, attr, trampoline, &boots[tid]);
	if (e)
		ex_end(EX_SETUP, "pthread_create: error %d", e);
	ex_thread_set_handle(tid, (uintptr_t)*th);
	ex_record(pc, "pthread_create: T%d", tid);
	return 0;
}

typedef int (*join_fn)(pthread_t, void **);

int pthread_join(pthread_t th, void **ret)
{
	uintptr_t pc = PC;
	int tid;

	if (!ex_active() || (tid = ex_thread_of((uintptr_t)th)) < 0)
		return REAL(pthread_join, join_fn, th, ret);
	/* Not a scheduling point: a join touches nothing that another
	 * thread sees, so joining later is the same as blocking here. */
	if (!ex_thread_done(tid)) {
		ex_record(pc, "pthread_join(T%d) waits", tid);
		ex_block(EX_W_JOIN, (const void *)(uintptr_t)tid, 0, false,
			 NULL);
	}
	ex_record(pc, "pthread_join(T%d)", tid);
	return REAL(pthread_join, join_fn, th, ret);
}

typedef void (*exit_fn)(void *);

void pthread_exit(void *ret)
{
	if (ex_active() && ex_self > 0)
		ex_thread_finish();
	REAL(pthread_exit, exit_fn, ret);
	__builtin_unreachable();
}

/* -- pthread mutexes and condition variables --------------------------------
 * Emulated by address: the real objects are never touched in a schedule.
 * An unlock wakes every waiter, and each tries again when it runs, so a
 * thread that unlocks and locks again may barge in first, as with glibc. */

struct mtx {
	const void *addr;
	bool held;
	int owner;
};
static struct mtx mtxs[256];
static int nmtx;

static struct mtx *mtx_of(const void *m)
{
	for (int i = 0; i < nmtx; i++)
		if (mtxs[i].addr == m)
			return &mtxs[i];
	if (nmtx == (int)(sizeof(mtxs) / sizeof(mtxs[0])))
		ex_end(EX_SETUP, "more than %d pthread mutexes", nmtx);
	mtxs[nmtx] = (struct mtx){m, false, -1};
	return &mtxs[nmtx++];
}

static int mtx_take(struct mtx *x, bool timed)
{
	while (x->held)
		if (ex_block(EX_W_MUTEX, x->addr, 0, timed, NULL) ==
		    EX_TIMEDOUT)
			return ETIMEDOUT;
	x->held = true;
	x->owner = ex_self;
	return 0;
}

static void mtx_give(uintptr_t pc, struct mtx *x, const char *what)
{
	char who[64];

	if (!x->held || x->owner != ex_self)
		ex_end(EX_FAIL, "T%d calls %s on pthread mutex %s, which it "
				"does not hold (step %u)",
		       ex_self, what, ex_name(x->addr, 'm'),
		       ex_shm->nsteps + 1);
	(void)pc;
	x->held = false;
	x->owner = -1;
	ex_wake(EX_W_MUTEX, x->addr, INT_MAX, who, sizeof(who));
}

typedef int (*mtx_fn)(pthread_mutex_t *);
typedef int (*mtx_timed_fn)(pthread_mutex_t *, const struct timespec *);
typedef int (*mtx_init_fn)(pthread_mutex_t *, const pthread_mutexattr_t *);

int pthread_mutex_lock(pthread_mutex_t *m)
{
	uintptr_t pc = PC;

	if (!ex_active())
		return REAL(pthread_mutex_lock, mtx_fn, m);
	ex_point(false);
	ex_note_access(NULL, false);
	mtx_take(mtx_of(m), false);
	ex_record(pc, "lock %s", ex_name(m, 'm'));
	return 0;
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *ts)
{
	uintptr_t pc = PC;
	int rc;

	if (!ex_active())
		return REAL(pthread_mutex_timedlock, mtx_timed_fn, m, ts);
	ex_point(false);
	ex_note_access(NULL, false);
	rc = mtx_take(mtx_of(m), true);
	ex_record(pc, rc ? "timedlock %s times out" : "lock %s",
		  ex_name(m, 'm'));
	return rc;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	uintptr_t pc = PC;
	struct mtx *x;

	if (!ex_active())
		return REAL(pthread_mutex_trylock, mtx_fn, m);
	ex_point(false);
	ex_note_access(NULL, false);
	x = mtx_of(m);
	if (x->held) {
		ex_record(pc, "trylock %s: busy", ex_name(m, 'm'));
		return EBUSY;
	}
	mtx_take(x, false);
	ex_record(pc, "trylock %s", ex_name(m, 'm'));
	return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	uintptr_t pc = PC;

	if (!ex_active())
		return REAL(pthread_mutex_unlock, mtx_fn, m);
	ex_point(false);
	ex_note_access(NULL, false);
	mtx_give(pc, mtx_of(m), "pthread_mutex_unlock");
	ex_record(pc, "unlock %s", ex_name(m, 'm'));
	return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	if (!ex_active())
		return REAL(pthread_mutex_init, mtx_init_fn, m, a);
	*mtx_of(m) = (struct mtx){m, false, -1};
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	struct mtx *x;

	if (!ex_active())
		return REAL(pthread_mutex_destroy, mtx_fn, m);
	x = mtx_of(m);
	if (x->held)
		ex_end(EX_FAIL, "T%d destroys pthread mutex %s while T%d "
				"holds it",
		       ex_self, ex_name(m, 'm'), x->owner);
	return 0;
}

static const char *wake_word(int why)
{
	return why == EX_TIMEDOUT  ? "times out"
	       : why == EX_SPURIOUS ? "wakes spuriously"
				    : "woken";
}

static int cond_wait(uintptr_t pc, pthread_cond_t *c, pthread_mutex_t *m,
		     bool timed)
{
	struct mtx *x = mtx_of(m);
	const char *cn = ex_name(c, 'c');
	int why;

	ex_point(false);
	ex_note_access(NULL, false);
	mtx_give(pc, x, "pthread_cond_wait");
	ex_record(pc, "cond_wait(%s) unlocks %s, sleeps", cn,
		  ex_name(m, 'm'));
	why = ex_block(EX_W_COND, c, 0, timed, m);
	mtx_take(x, false);
	ex_record(pc, "cond_wait(%s) %s, locks %s", cn, wake_word(why),
		  ex_name(m, 'm'));
	return why == EX_TIMEDOUT ? ETIMEDOUT : 0;
}

typedef int (*cw_fn)(pthread_cond_t *, pthread_mutex_t *);
typedef int (*ctw_fn)(pthread_cond_t *, pthread_mutex_t *,
		      const struct timespec *);
typedef int (*c_fn)(pthread_cond_t *);
typedef int (*ci_fn)(pthread_cond_t *, const pthread_condattr_t *);

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	if (!ex_active())
		return REAL(pthread_cond_wait, cw_fn, c, m);
	return cond_wait(PC, c, m, false);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
			   const struct timespec *ts)
{
	if (!ex_active())
		return REAL(pthread_cond_timedwait, ctw_fn, c, m, ts);
	return cond_wait(PC, c, m, true);
}

static int cond_wake(uintptr_t pc, pthread_cond_t *c, int n, const char *op)
{
	char who[64];

	ex_point(false);
	ex_note_access(NULL, false);
	ex_wake(EX_W_COND, c, n, who, sizeof(who));
	ex_record(pc, "%s(%s): wakes %s", op, ex_name(c, 'c'), who);
	return 0;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	if (!ex_active())
		return REAL(pthread_cond_signal, c_fn, c);
	return cond_wake(PC, c, 1, "cond_signal");
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	if (!ex_active())
		return REAL(pthread_cond_broadcast, c_fn, c);
	return cond_wake(PC, c, INT_MAX, "cond_broadcast");
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	if (!ex_active())
		return REAL(pthread_cond_init, ci_fn, c, a);
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	if (!ex_active())
		return REAL(pthread_cond_destroy, c_fn, c);
	return 0;
}

/* -- yields ----------------------------------------------------------------
 * A thread that yields or sleeps waits for another to do something: the
 * scheduler runs another thread there without counting a preemption. */

static void yield_point(uintptr_t pc, const char *what)
{
	ex_point(true);
	ex_note_access(NULL, false);
	ex_record(pc, "%s", what);
}

typedef int (*yield_fn)(void);
typedef int (*nanosleep_fn)(const struct timespec *, struct timespec *);
typedef int (*usleep_fn)(useconds_t);

int sched_yield(void)
{
	if (!ex_active())
		return REAL(sched_yield, yield_fn);
	yield_point(PC, "sched_yield()");
	return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!ex_active())
		return REAL(nanosleep, nanosleep_fn, req, rem);
	yield_point(PC, "nanosleep() (a yield)");
	return 0;
}

int usleep(useconds_t us)
{
	if (!ex_active())
		return REAL(usleep, usleep_fn, us);
	yield_point(PC, "usleep() (a yield)");
	return 0;
}

/* -- the harness's own noise points (preempt.h) ------------------------------
 * An explore program links these instead of preempt.c: lab_preempt() is a
 * scheduling point, and the noise it would add is the explorer's choice. */

void lab_noise_init(uint64_t seed, bool on)
{
	(void)seed, (void)on;
}

void lab_noise_thread(uint64_t index)
{
	(void)index;
}

uint64_t lab_noise_rand(void)
{
	static _Thread_local uint64_t n;

	return ++n;
}

void lab_preempt(void)
{
	if (!ex_active())
		return;
	/* No row of its own: the program's explore_say() lines tell what
	 * happens around it, and a preemption here marks the next row. */
	ex_point(false);
	ex_note_access(NULL, false);
}
