/* SPDX-License-Identifier: MIT */
/*
 * urcu_annotate.h - liburcu's wait-free queue and RCU, described to the race
 * detectors.
 *
 * liburcu 0.13 (Debian 12) predates its upstream ThreadSanitizer support:
 * its atomics are inline assembly and its grace periods use membarrier(2),
 * neither of which TSan, Helgrind or DRD can see. Without help, every
 * message handed over through a wfcqueue and every array published under
 * RCU looks like a data race (measured: 9 to 14 TSan reports on a correct
 * RCU list, 42 Helgrind contexts). This header wraps the calls the labs
 * use and adds, at each publish and observe point, the happens-before edge
 * that liburcu really provides:
 *
 *   wrapper                  the edge it describes        TSan          Helgrind, DRD
 *   lab_wfcq_enqueue(n)      sender -> whoever dequeues n  release n     HAPPENS_BEFORE n
 *   lab_wfcq_dequeue -> n                                  acquire n     HAPPENS_AFTER n
 *   lab_rcu_assign_pointer   updater -> readers of p       release &p    HAPPENS_BEFORE &p
 *   lab_rcu_dereference(p)                                 acquire &p    HAPPENS_AFTER &p
 *   lab_rcu_read_unlock      reader -> end of the grace    release G     HAPPENS_BEFORE G
 *   lab_synchronize_rcu        period that waits for it    acquire G     HAPPENS_AFTER G
 *
 * G is one token for every grace period. The grace-period edge is made
 * only here, inside the wrappers, so that code which frees without waiting
 * for a grace period stays visible to TSan: its reader's accesses and its
 * free() are then unordered, and TSan reports the pair (the lab-04 mutant
 * free_without_grace_period shows it). Helgrind sees that case only with
 * --free-is-write=yes, which sanitizers/env.sh sets.
 *
 * The words liburcu itself synchronises on (a queue's head and tail, a
 * node's next pointer, a published pointer) are handed to the Valgrind
 * tools as synchronisation words with LAB_URCU_SYNC_WORD, as
 * lab_annotate.h does for a lock word; liburcu's own bookkeeping inside the
 * library is covered by suppressions matching only liburcu's objects
 * (helgrind.supp, drd.supp).
 *
 * Unlike the lock annotations in lab_annotate.h, these stay on in the
 * tsan-order build: they describe a library TSan cannot see into, not the
 * memory orders of the lab's own code, which TSan judges in both builds.
 */
#ifndef LAB_URCU_ANNOTATE_H
#define LAB_URCU_ANNOTATE_H

#include <sched.h>

#include <urcu/urcu-memb.h>
#include <urcu/wfcqueue.h>

#include "lab_annotate.h"

#ifdef LAB_TSAN
/* From the TSan runtime's sanitizer/tsan_interface.h. */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define LAB_URCU_RELEASE(addr) __tsan_release((void *)(addr))
#define LAB_URCU_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#else
#define LAB_URCU_RELEASE(addr) LAB_HAPPENS_BEFORE(addr)
#define LAB_URCU_ACQUIRE(addr) LAB_HAPPENS_AFTER(addr)
#endif
#define LAB_URCU_SYNC_WORD(addr, len) LAB_VG_SYNC_WORD((addr), (len))

/*
 * The explorer (harness/explore/) sees a thread switch only at a C11 atomic
 * of the lab's code, and liburcu's are inline assembly: in its build
 * (LAB_EXPLORE), each queue operation below is a scheduling point of its
 * own and a row of the timeline ("enqueue q1", "empty(q1)? no"). The
 * operation itself still runs whole, as one step, since only one thread
 * runs at a time there. Elsewhere these are nothing.
 */
#ifdef LAB_EXPLORE
void lab_explore_queue_point(const void *queue);
void lab_explore_queue_step(const void *queue, const char *op, int result);
#define LAB_EXPLORE_QUEUE_POINT(q) lab_explore_queue_point(q)
#define LAB_EXPLORE_QUEUE_STEP(q, op, r) lab_explore_queue_step((q), (op), (r))
#else
#define LAB_EXPLORE_QUEUE_POINT(q) ((void)0)
#define LAB_EXPLORE_QUEUE_STEP(q, op, r) ((void)0)
#endif

/* The grace periods' token: one byte for the whole program (a weak
 * definition, so every file that includes this header shares it). */
__attribute__((weak)) char lab_rcu_grace_token;

/* ---- wait-free concurrent queue (urcu/wfcqueue.h) ------------------------ */

/* lab_wfcq_init - an empty queue without liburcu's dequeue lock (one
 * consumer at a time, by the caller's own rule). Cannot fail. */
static inline void lab_wfcq_init(struct __cds_wfcq_head *head,
				 struct cds_wfcq_tail *tail)
{
	__cds_wfcq_init(head, tail);
	LAB_URCU_SYNC_WORD(head, sizeof(*head));
	LAB_URCU_SYNC_WORD(tail, sizeof(*tail));
}

/*
 * lab_wfcq_enqueue - append node; wait-free, any number of threads.
 * Everything the caller wrote before happens before the dequeue of node.
 * Returns false if the queue was empty before (liburcu's answer).
 */
static inline bool lab_wfcq_enqueue(struct __cds_wfcq_head *head,
				    struct cds_wfcq_tail *tail,
				    struct cds_wfcq_node *node)
{
	bool was_nonempty;

	cds_wfcq_node_init(node);
	LAB_URCU_SYNC_WORD(node, sizeof(*node));
	LAB_URCU_RELEASE(node);
	LAB_EXPLORE_QUEUE_POINT(head);
	was_nonempty = cds_wfcq_enqueue(head, tail, node);
	LAB_EXPLORE_QUEUE_STEP(head, "enqueue", was_nonempty);
	return was_nonempty;
}

/*
 * lab_wfcq_dequeue - take the first node, or NULL when the queue is empty.
 * One consumer at a time.
 *
 * An enqueuer appends in two steps: it swaps the tail to its node, then
 * links its node from the one before. A dequeue that comes between the
 * two must wait for the second. liburcu's blocking dequeue waits by
 * spinning 10 times and then sleeping 10 ms: on a machine with fewer CPUs
 * than busy threads, where an enqueuer is often preempted between its
 * steps, that sleep is most of the time (lab 04's benchmark with two
 * senders). This one spins a little, then yields its CPU on every further
 * try, since the preempted enqueuer may be waiting for it.
 */
#define LAB_WFCQ_SPINS 100

static inline struct cds_wfcq_node *
lab_wfcq_dequeue(struct __cds_wfcq_head *head, struct cds_wfcq_tail *tail)
{
	struct cds_wfcq_node *node;
	unsigned tries = 0;

	LAB_EXPLORE_QUEUE_POINT(head);
	while ((node = __cds_wfcq_dequeue_nonblocking(head, tail)) ==
	       CDS_WFCQ_WOULDBLOCK) {
		if (++tries < LAB_WFCQ_SPINS)
			caa_cpu_relax();
		else
			sched_yield();
	}
	LAB_EXPLORE_QUEUE_STEP(head, "dequeue", node != NULL);
	if (node)
		LAB_URCU_ACQUIRE(node);
	return node;
}

/* lab_wfcq_empty - a snapshot; no ordering. */
static inline bool lab_wfcq_empty(struct __cds_wfcq_head *head,
				  struct cds_wfcq_tail *tail)
{
	bool empty;

	LAB_EXPLORE_QUEUE_POINT(head);
	empty = cds_wfcq_empty(head, tail);
	LAB_EXPLORE_QUEUE_STEP(head, "empty", empty);
	return empty;
}

/* ---- RCU, the urcu-memb flavour (urcu/urcu-memb.h) ---------------------- */

static inline void lab_rcu_register_thread(void)
{
	urcu_memb_register_thread();
}

static inline void lab_rcu_unregister_thread(void)
{
	urcu_memb_unregister_thread();
}

static inline void lab_rcu_read_lock(void)
{
	urcu_memb_read_lock();
}

/* Everything the reader did in its critical section happens before the
 * end of any grace period that waited for it. */
static inline void lab_rcu_read_unlock(void)
{
	LAB_URCU_RELEASE(&lab_rcu_grace_token);
	urcu_memb_read_unlock();
}

/* Wait until every reader that was inside a critical section when this
 * was called has left it. Never call it from inside one. */
static inline void lab_synchronize_rcu(void)
{
	urcu_memb_synchronize_rcu();
	LAB_URCU_ACQUIRE(&lab_rcu_grace_token);
}

/* Publish v at p: a reader that sees v sees everything written before. */
#define lab_rcu_assign_pointer(p, v)                                           \
	do {                                                                   \
		LAB_URCU_RELEASE(&(p));                                        \
		rcu_assign_pointer((p), (v));                                  \
	} while (0)

/* Load the pointer published at p, inside a read-side critical section. */
#define lab_rcu_dereference(p)                                                 \
	__extension__({                                                        \
		__typeof__(p) lab_v_ = rcu_dereference(p);                     \
		LAB_URCU_ACQUIRE(&(p));                                        \
		lab_v_;                                                        \
	})

#endif /* LAB_URCU_ANNOTATE_H */
