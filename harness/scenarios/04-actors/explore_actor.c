// SPDX-License-Identifier: MIT
/*
 * Lab 04 under the explorer: the mailbox's turn flag. One pool actor on
 * the lab-01 pool gets a few messages from one or two senders while its
 * turns run on the pool's workers; the switch points are the flag's
 * atomics, each mailbox operation (sanitizers/urcu_annotate.h makes them
 * points in this build), the pool's pthread calls, and the middle of
 * handle(). In every schedule within the bound: one actor never runs two
 * handle()s at once, each sender's messages are handled in the order sent,
 * and once no thread can run any more, every message sent has been handled
 * (a send that races the end of a turn is never stranded).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "actor.h"
#include "explore.h"
#include "preempt.h"

enum { MAX_SENDERS = 2, MAX_MSGS = 3 };
#define LAB04_TODO "labs/04-actors/src/actor.c is a TODO still (TODO(lab04))"

static unsigned long workers = 1, senders = 2, msgs = 2, batch;

static struct actor *actor;
/* Harness state, touched by one thread at a time (the explorer runs one). */
static bool in_handle;	      /* a handle() of the actor is running */
static char running[8];	      /* the message it handles */
static int last[MAX_SENDERS]; /* each sender's last message handled */
static bool handled[MAX_SENDERS][MAX_MSGS + 1];
static bool sent[MAX_SENDERS][MAX_MSGS + 1];

/* Message i (1, 2, ...) of sender s is "a1", "a2", ... "b1", ... */
static const char *msg_name(char *buf, uint64_t tag)
{
	snprintf(buf, 8, "%c%u", 'a' + (int)(tag / 16), (unsigned)(tag % 16));
	return buf;
}

static int lab_rc(const char *what, int rc, const char *todo)
{
	if (rc == -ENOSYS)
		explore_setup_error("%s returned -ENOSYS: %s", what, todo);
	if (rc < 0)
		explore_fail("%s returned %d (%s)", what, rc, strerror(-rc));
	return rc;
}

/* The actor's handle(): a thread switch may come in its middle. */
static void on_message(struct actor *self, struct actor_msg *msg)
{
	unsigned s = (unsigned)(msg->tag / 16), i = (unsigned)(msg->tag % 16);
	char name[8];

	(void)self;
	explore_say("handle(%s)", msg_name(name, msg->tag));
	if (in_handle)
		explore_fail("two turns of one actor at once: handle(%s) "
			     "starts while handle(%s) has not returned",
			     name, running);
	if (s >= senders || i < 1 || i > msgs || handled[s][i])
		explore_fail("handle(%s): a message that was not sent, or "
			     "handled twice",
			     name);
	if ((int)i != last[s] + 1)
		explore_fail("handle(%s) before %c%d: one sender's messages "
			     "out of order",
			     name, 'a' + (int)s, last[s] + 1);
	in_handle = true;
	snprintf(running, sizeof(running), "%s", name);
	lab_preempt();
	in_handle = false;
	handled[s][i] = true;
	last[s] = (int)i;
	actor_msg_free(msg);
}

static void send_all(unsigned s)
{
	for (unsigned i = 1; i <= msgs; i++) {
		struct actor_msg *msg = actor_msg_new(NULL, NULL);
		char name[8];

		if (!msg)
			explore_setup_error("actor_msg_new: out of memory");
		msg->tag = s * 16 + i;
		explore_say("actor_send(%s)", msg_name(name, msg->tag));
		lab_rc("actor_send", actor_send(actor, msg), LAB04_TODO);
		sent[s][i] = true;
	}
}

static void *sender(void *arg)
{
	send_all((unsigned)(uintptr_t)arg);
	return NULL;
}

/* No thread can run any more: a message sent and not handled will never
 * be, since no turn is scheduled or running to take it. */
static void check_stranded(void)
{
	char list[64] = "", name[8];
	int n = 0;

	for (unsigned s = 0; s < senders; s++)
		for (unsigned i = 1; i <= msgs; i++)
			if (sent[s][i] && !handled[s][i]) {
				size_t len = strlen(list);

				snprintf(list + len, sizeof(list) - len, "%s%s",
					 n++ ? ", " : "",
					 msg_name(name, s * 16 + i));
			}
	if (n)
		explore_fail("a message stranded: %s sent, never handled, and "
			     "no thread can run any more (the workers wait "
			     "for tasks): the last turn went idle and no "
			     "turn is scheduled for %s",
			     list, n > 1 ? "them" : "it");
}

static void body(void)
{
	struct actor_system_config cfg = {(int)workers, TPOOL_ROUNDROBIN,
					  (unsigned)batch, 1};
	struct actor_spec spec = {"A", on_message, NULL, NULL, NULL};
	pthread_t th[MAX_SENDERS];
	struct actor_system *sys;

	if (workers < 1 || workers > 2 || senders < 1 ||
	    senders > MAX_SENDERS || msgs < 1 || msgs > MAX_MSGS)
		explore_setup_error("--workers 1 to 2, --senders 1 to %d, "
				    "--msgs 1 to %d",
				    MAX_SENDERS, MAX_MSGS);
	lab_rc("actor_system_create", actor_system_create(&sys, &cfg),
	       "labs/01-thread-pool is not written yet (TODO(lab01)), and "
	       "lab 04's turns run on its pool");
	lab_rc("actor_spawn", actor_spawn(sys, &spec, &actor), LAB04_TODO);
	/* The workers reach their wait first, as in a real program, where
	 * messages come later: a yield is a free switch. */
	sched_yield();
	for (unsigned long s = 1; s < senders; s++)
		if (pthread_create(&th[s], NULL, sender, (void *)(uintptr_t)s))
			explore_setup_error("pthread_create failed");
	send_all(0);
	for (unsigned long s = 1; s < senders; s++)
		pthread_join(th[s], NULL);
	explore_wait_idle();
	check_stranded();
	actor_system_destroy(sys);
}

int main(int argc, char **argv)
{
	static const struct explore_test test = {
		"explore_actor",
		"Lab 04's turn flag: senders race the end of a turn on the "
		"lab-01 pool; one turn at a time, no message stranded.",
		body, "dfs", 1, false};
	const struct scenario_opt opts[] = {
		{"workers", &workers, "pool workers, 1 to 2"},
		{"senders", &senders, "sending threads (main is one), 1 to 2"},
		{"msgs", &msgs, "messages per sender, 1 to 3"},
		{"batch", &batch, "messages per turn (0: ACTOR_BATCH)"},
		{NULL, NULL, NULL},
	};

	return explore_main(&test, opts, argc, argv);
}
