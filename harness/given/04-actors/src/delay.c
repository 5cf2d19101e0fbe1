// SPDX-License-Identifier: MIT
/*
 * Lab 04: the chapter's wait as a timer on an event loop (delay.h). Given
 * code.
 */
#include "delay.h"

#include <errno.h>
#include <stdlib.h>

struct delayed {
	struct delay_line *line;
	struct actor_msg *msg;
	struct event *timer;
	struct delayed *prev, *next;
};

int delay_line_init(struct delay_line *d, struct event_base *base,
		    unsigned ms, void (*fire)(struct actor_msg *msg, void *arg),
		    void *arg)
{
	struct timeval tv = {(time_t)(ms / 1000),
			     (suseconds_t)(ms % 1000) * 1000};

	*d = (struct delay_line){.base = base, .fire = fire, .arg = arg};
	if (ms == 0)
		return 0;
	d->wait = event_base_init_common_timeout(base, &tv);
	return d->wait ? 0 : -ENOMEM;
}

/* Take w off the line and free it; returns its message. */
static struct actor_msg *unlink_delayed(struct delayed *w)
{
	struct delay_line *d = w->line;
	struct actor_msg *msg = w->msg;

	if (w->prev)
		w->prev->next = w->next;
	else
		d->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	d->n--;
	event_free(w->timer);
	free(w);
	return msg;
}

static void on_time_up(evutil_socket_t fd, short what, void *arg)
{
	struct delayed *w = arg;
	struct delay_line *d = w->line;

	(void)fd;
	(void)what;
	d->fire(unlink_delayed(w), d->arg);
}

int delay_add(struct delay_line *d, struct actor_msg *msg)
{
	struct delayed *w;

	if (!d->wait) {
		d->fire(msg, d->arg);
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (w)
		w->timer = evtimer_new(d->base, on_time_up, w);
	if (!w || !w->timer || evtimer_add(w->timer, d->wait) < 0) {
		if (w && w->timer)
			event_free(w->timer);
		free(w);
		return -ENOMEM;
	}
	w->line = d;
	w->msg = msg;
	w->next = d->head;
	if (d->head)
		d->head->prev = w;
	d->head = w;
	d->n++;
	return 0;
}

size_t delay_waiting(const struct delay_line *d)
{
	return d->n;
}

void delay_line_drain(struct delay_line *d,
		      void (*each)(struct actor_msg *msg, void *arg),
		      void *arg)
{
	struct actor_msg *msg;

	while (d->head) {
		msg = unlink_delayed(d->head);
		if (each)
			each(msg, arg);
		else
			actor_msg_free(msg);
	}
}
