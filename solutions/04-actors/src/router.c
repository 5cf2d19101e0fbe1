// SPDX-License-Identifier: MIT
/*
 * Lab 04, reference solution: the set of actors under RCU. Readers pick an
 * actor from the published array without a lock; updaters publish a
 * changed copy and free the old array only after a grace period.
 * router.h gives the contract and the diagram.
 */
#include "router.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "urcu_annotate.h"

/* One published version of the set. Never changed once published. */
struct actor_set {
	size_t n;
	struct actor *actor[];
};

struct router {
	/* RCU-protected: readers load it with lab_rcu_dereference(); NULL
	 * is the empty set */
	struct actor_set *set;
	/* serialises updaters; readers never take it */
	pthread_mutex_t update;
};

int router_create(struct router **out)
{
	struct router *r;
	int rc;

	if (!out)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = -pthread_mutex_init(&r->update, NULL);
	if (rc < 0) {
		free(r);
		return rc;
	}
	/* The published pointer is a synchronisation word for Helgrind and
	 * DRD: its edges come from the publish and observe annotations. */
	LAB_URCU_SYNC_WORD(&r->set, sizeof(r->set));
	*out = r;
	return 0;
}

void router_destroy(struct router *r)
{
	if (!r)
		return;
	free(r->set);
	pthread_mutex_destroy(&r->update);
	free(r);
}

void router_register_thread(void)
{
	lab_rcu_register_thread();
}

void router_unregister_thread(void)
{
	lab_rcu_unregister_thread();
}

static struct actor_set *set_alloc(size_t n)
{
	struct actor_set *s = malloc(sizeof(*s) + n * sizeof(s->actor[0]));

	if (s)
		s->n = n;
	return s;
}

/* Where a is in s, or -1. */
static long set_find(const struct actor_set *s, const struct actor *a)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->actor[i] == a)
			return (long)i;
	return -1;
}

/*
 * Publish next in place of old and free old once no reader can hold it.
 * Called with the update lock held: updaters take turns, and each one
 * waits for its own grace period before it frees.
 */
static void replace_locked(struct router *r, struct actor_set *old,
			   struct actor_set *next)
{
	lab_rcu_assign_pointer(r->set, next);
	lab_synchronize_rcu();
	free(old);
}

int router_add(struct router *r, struct actor *a)
{
	struct actor_set *old, *next;
	size_t n;

	if (!r || !a)
		return -EINVAL;
	pthread_mutex_lock(&r->update);
	/* Only updaters write r->set, and we hold their lock. */
	old = r->set;
	if (set_find(old, a) >= 0) {
		pthread_mutex_unlock(&r->update);
		return -EEXIST;
	}
	n = old ? old->n : 0;
	next = set_alloc(n + 1);
	if (!next) {
		pthread_mutex_unlock(&r->update);
		return -ENOMEM;
	}
	if (n)
		memcpy(next->actor, old->actor, n * sizeof(old->actor[0]));
	next->actor[n] = a;
	replace_locked(r, old, next);
	pthread_mutex_unlock(&r->update);
	return 0;
}

int router_remove(struct router *r, struct actor *a)
{
	struct actor_set *old, *next = NULL;
	long at;

	if (!r || !a)
		return -EINVAL;
	pthread_mutex_lock(&r->update);
	old = r->set;
	at = set_find(old, a);
	if (at < 0) {
		pthread_mutex_unlock(&r->update);
		return -ENOENT;
	}
	if (old->n > 1) {
		next = set_alloc(old->n - 1);
		if (!next) {
			pthread_mutex_unlock(&r->update);
			return -ENOMEM;
		}
		/* Every actor but a, in the same order. */
		memcpy(next->actor, old->actor, (size_t)at * sizeof(a));
		memcpy(next->actor + at, old->actor + at + 1,
		       (old->n - (size_t)at - 1) * sizeof(a));
	}
	/* After the grace period no reader holds old, nor a through it. */
	replace_locked(r, old, next);
	pthread_mutex_unlock(&r->update);
	return 0;
}

int router_send(struct router *r, struct actor_msg *msg, uint64_t rnd)
{
	struct actor_set *s;
	int rc;

	if (!r || !msg)
		return -EINVAL;
	lab_rcu_read_lock();
	s = lab_rcu_dereference(r->set);
	if (!s) {
		lab_rcu_read_unlock();
		return -ENOENT;
	}
	/* The actor stays valid until we leave the critical section: its
	 * owner frees it only after router_remove()'s grace period. */
	rc = actor_send(s->actor[rnd % s->n], msg);
	lab_rcu_read_unlock();
	return rc;
}

size_t router_size(struct router *r)
{
	struct actor_set *s;
	size_t n;

	lab_rcu_read_lock();
	s = lab_rcu_dereference(r->set);
	n = s ? s->n : 0;
	lab_rcu_read_unlock();
	return n;
}
