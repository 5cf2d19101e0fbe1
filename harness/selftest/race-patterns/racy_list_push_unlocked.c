// SPDX-License-Identifier: MIT
/*
 * racy_list_push_unlocked.c - two threads push onto one linked list with
 * no lock.
 *
 * head is read and written by both: a race, and lost nodes.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>

struct node {
	struct node *next;
};

static struct node *head;

static void *pusher(void *arg)
{
	for (int i = 0; i < 10; i++) {
		struct node *n = malloc(sizeof(*n));

		n->next = head;
		head = n;
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pusher, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	while (head) {
		struct node *n = head;

		head = n->next;
		free(n);
	}
	return 0;
}
