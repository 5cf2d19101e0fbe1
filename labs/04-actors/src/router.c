// SPDX-License-Identifier: MIT
/*
 * Lab 04: the set of actors under RCU. Readers pick an actor from the
 * published array without a lock; updaters publish a changed copy and free
 * the old array only after a grace period. router.h gives the contract and
 * the diagram; docs/labs/04-actors.md has "RCU in five minutes".
 *
 * Every TODO(lab04) returns -ENOSYS until you write it. Use the lab_rcu_*
 * wrappers of sanitizers/urcu_annotate.h, not liburcu's calls: they tell
 * the race detectors what a grace period is.
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
 *
 * TODO(lab04) step 6: publish with lab_rcu_assign_pointer(), wait with
 * lab_synchronize_rcu(), then free(old). Why in that order, and what goes
 * wrong without the wait? (The check tsan-router knows.)
 */
static void replace_locked(struct router *r, struct actor_set *old,
			   struct actor_set *next)
{
	(void)r;
	(void)old;
	(void)next;
}

/*
 * TODO(lab04) step 6: under r->update, copy the published array (r->set,
 * NULL when empty) into a new one with a added at the end (set_alloc());
 * -EEXIST if a is in it already (set_find()); then replace_locked().
 */
int router_add(struct router *r, struct actor *a)
{
	if (!r || !a)
		return -EINVAL;
	(void)set_alloc;
	(void)set_find;
	(void)replace_locked;
	return -ENOSYS;
}

/*
 * TODO(lab04) step 6: as router_add(), with a copy that leaves a out (NULL
 * when a was the last); -ENOENT if a is not in the set.
 */
int router_remove(struct router *r, struct actor *a)
{
	if (!r || !a)
		return -EINVAL;
	return -ENOSYS;
}

/*
 * TODO(lab04) step 5: the read side, as router_size() below does it: in a
 * read-side critical section, load the array with lab_rcu_dereference(),
 * and send msg to actor rnd % n with actor_send() before you leave the
 * section (the actor may be freed after it). -ENOENT when the set is empty.
 */
int router_send(struct router *r, struct actor_msg *msg, uint64_t rnd)
{
	(void)r;
	(void)msg;
	(void)rnd;
	return -ENOSYS;
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
