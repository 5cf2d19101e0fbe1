// SPDX-License-Identifier: MIT
/*
 * clean_mutex_list.c - a linked list pushed by two threads and freed by
 * main after the joins; every push under one mutex.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdlib.h>

struct node {
	struct node *next;
	int v;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node *head; /* protected by lock */

static void *pusher(void *arg)
{
	for (int i = 0; i < 20; i++) {
		struct node *n = malloc(sizeof(*n));

		n->v = i;
		pthread_mutex_lock(&lock);
		n->next = head;
		head = n;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];
	int count = 0;

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pusher, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	while (head) {
		struct node *n = head;

		head = n->next;
		free(n);
		count++;
	}
	return count != 40;
}
