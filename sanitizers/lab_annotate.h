/* SPDX-License-Identifier: MIT */
/*
 * lab_annotate.h - tell the race detectors what our own primitives are.
 *
 * ThreadSanitizer, Helgrind and DRD all know pthread_mutex_t. None of them
 * knows a mutex built on futex(2) by a student, and Helgrind and DRD do not
 * understand C11 atomics at all, so without help they report the lock word
 * and everything it protects as racy. These macros describe our locks and
 * our publish/observe points to each detector, and compile to nothing (or,
 * for Valgrind, to a few instructions that do nothing outside Valgrind).
 *
 * Which detector is told what:
 *
 *   macro                    TSan                    Helgrind and DRD
 *   LAB_MUTEX_CREATE         __tsan_mutex_create     ANNOTATE_RWLOCK_CREATE
 *   LAB_MUTEX_PRE_LOCK       __tsan_mutex_pre_lock   -
 *   LAB_MUTEX_POST_LOCK      __tsan_mutex_post_lock  ANNOTATE_RWLOCK_ACQUIRED
 *   LAB_MUTEX_PRE_UNLOCK     __tsan_mutex_pre_unlock ANNOTATE_RWLOCK_RELEASED
 *   LAB_MUTEX_POST_UNLOCK    __tsan_mutex_post_unlock -
 *   LAB_HAPPENS_BEFORE       nothing (see below)     ANNOTATE_HAPPENS_BEFORE
 *   LAB_HAPPENS_AFTER        nothing (see below)     ANNOTATE_HAPPENS_AFTER
 *
 * A caution that shapes the harness: between __tsan_mutex_pre_lock() and
 * __tsan_mutex_post_lock() TSan ignores the lock's own atomics and takes the
 * happens-before edge from the annotation instead. An annotated lock whose
 * acquire uses memory_order_relaxed therefore looks correct to TSan. So the
 * harness builds a second TSan variant with -DLAB_ANNOTATE_TSAN=0, in which
 * TSan judges the memory orders the code really uses; the checks named
 * "tsan-order" run that build. For the same reason the happens-before macros
 * say nothing to TSan: for lock-free code TSan is the authority, and an
 * annotation must never be able to hide a missing release or acquire.
 *
 * Helgrind and DRD see the edges only through these annotations, so they
 * check that the code using a lock locks where it must, never the lock's
 * memory orders.
 */
#ifndef LAB_ANNOTATE_H
#define LAB_ANNOTATE_H

#if defined(__SANITIZE_THREAD__)
#define LAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LAB_TSAN 1
#endif
#endif

#ifndef LAB_ANNOTATE_TSAN
#define LAB_ANNOTATE_TSAN 1
#endif

#if defined(LAB_TSAN) && LAB_ANNOTATE_TSAN
/* Declared by the TSan runtime (sanitizer/tsan_interface.h), repeated here
 * so that the header also builds where that file is not installed. */
void __tsan_mutex_create(void *addr, unsigned flags);
void __tsan_mutex_destroy(void *addr, unsigned flags);
void __tsan_mutex_pre_lock(void *addr, unsigned flags);
int __tsan_mutex_post_lock(void *addr, unsigned flags, int recursion);
int __tsan_mutex_pre_unlock(void *addr, unsigned flags);
void __tsan_mutex_post_unlock(void *addr, unsigned flags);
#define LAB_TSAN_TRY_LOCK 0x10u        /* __tsan_mutex_try_lock */
#define LAB_TSAN_TRY_LOCK_FAILED 0x20u /* __tsan_mutex_try_lock_failed */
#define LAB_TSAN_NOT_STATIC 0x100u     /* __tsan_mutex_not_static */
#define LAB_TSAN_CREATE(m) __tsan_mutex_create((m), LAB_TSAN_NOT_STATIC)
#define LAB_TSAN_DESTROY(m) __tsan_mutex_destroy((m), 0)
#define LAB_TSAN_PRE_LOCK(m, try)                                              \
	__tsan_mutex_pre_lock((m), (try) ? LAB_TSAN_TRY_LOCK : 0)
#define LAB_TSAN_POST_LOCK(m, try, ok)                                         \
	__tsan_mutex_post_lock((m),                                            \
			       ((try) ? LAB_TSAN_TRY_LOCK : 0) |               \
				       ((ok) ? 0 : LAB_TSAN_TRY_LOCK_FAILED),  \
			       0)
#define LAB_TSAN_PRE_UNLOCK(m) __tsan_mutex_pre_unlock((m), 0)
#define LAB_TSAN_POST_UNLOCK(m) __tsan_mutex_post_unlock((m), 0)
#else
#define LAB_TSAN_CREATE(m) ((void)(m))
#define LAB_TSAN_DESTROY(m) ((void)(m))
#define LAB_TSAN_PRE_LOCK(m, try) ((void)(m), (void)(try))
#define LAB_TSAN_POST_LOCK(m, try, ok) ((void)(m), (void)(try), (void)(ok))
#define LAB_TSAN_PRE_UNLOCK(m) ((void)(m))
#define LAB_TSAN_POST_UNLOCK(m) ((void)(m))
#endif

#if !defined(LAB_TSAN) && defined(__has_include)
#if __has_include(<valgrind/helgrind.h>)
/* helgrind.h first: drd.h then leaves the ANNOTATE_RWLOCK_* macros to it,
 * and DRD honours Helgrind's client requests for them. */
#include <valgrind/helgrind.h>
#include <valgrind/drd.h>
#define LAB_VALGRIND 1
#endif
#endif

#ifdef LAB_VALGRIND
#define LAB_VG_CREATE(m) ANNOTATE_RWLOCK_CREATE(m)
#define LAB_VG_DESTROY(m) ANNOTATE_RWLOCK_DESTROY(m)
#define LAB_VG_ACQUIRED(m) ANNOTATE_RWLOCK_ACQUIRED((m), 1)
#define LAB_VG_RELEASED(m) ANNOTATE_RWLOCK_RELEASED((m), 1)
#define LAB_HAPPENS_BEFORE(addr) ANNOTATE_HAPPENS_BEFORE(addr)
#define LAB_HAPPENS_AFTER(addr) ANNOTATE_HAPPENS_AFTER(addr)
/* A synchronisation word (a lock word, or a lock-free queue's position) is
 * accessed only with atomic instructions; tell Helgrind and DRD not to
 * treat those accesses as data. */
#define LAB_VG_SYNC_WORD(addr, len) VALGRIND_HG_DISABLE_CHECKING((addr), (len))
#else
#define LAB_VG_CREATE(m) ((void)(m))
#define LAB_VG_DESTROY(m) ((void)(m))
#define LAB_VG_ACQUIRED(m) ((void)(m))
#define LAB_VG_RELEASED(m) ((void)(m))
#define LAB_HAPPENS_BEFORE(addr) ((void)(addr))
#define LAB_HAPPENS_AFTER(addr) ((void)(addr))
#define LAB_VG_SYNC_WORD(addr, len) ((void)(addr), (void)(len))
#endif

/* A lock was initialised at m; its word is the len bytes at m. */
#define LAB_MUTEX_CREATE(m, len)                                               \
	do {                                                                   \
		LAB_TSAN_CREATE(m);                                            \
		LAB_VG_SYNC_WORD((m), (len));                                  \
		LAB_VG_CREATE(m);                                              \
	} while (0)
#define LAB_MUTEX_DESTROY(m)                                                   \
	do {                                                                   \
		LAB_VG_DESTROY(m);                                             \
		LAB_TSAN_DESTROY(m);                                           \
	} while (0)
/* Around the code that takes the lock. try is true for calls that may give
 * up (try or timed acquire); ok says whether the lock was taken. */
#define LAB_MUTEX_PRE_LOCK(m, try) LAB_TSAN_PRE_LOCK((m), (try))
#define LAB_MUTEX_POST_LOCK(m, try, ok)                                        \
	do {                                                                   \
		LAB_TSAN_POST_LOCK((m), (try), (ok));                          \
		if (ok)                                                        \
			LAB_VG_ACQUIRED(m);                                    \
	} while (0)
/* Around the code that lets the lock go. */
#define LAB_MUTEX_PRE_UNLOCK(m)                                                \
	do {                                                                   \
		LAB_VG_RELEASED(m);                                            \
		LAB_TSAN_PRE_UNLOCK(m);                                        \
	} while (0)
#define LAB_MUTEX_POST_UNLOCK(m) LAB_TSAN_POST_UNLOCK(m)

#endif /* LAB_ANNOTATE_H */
