// SPDX-License-Identifier: MIT
/*
 * racy_strncpy_name.c - two threads rename a shared object with strncpy()
 * and snprintf(), unlocked.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char name[32];

static void *renamer(void *arg)
{
	strncpy(name, arg, sizeof(name) - 1);
	return NULL;
}

static void *formatter(void *arg)
{
	snprintf(name, sizeof(name), "thread-%d", 7);
	return arg;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, renamer, "worker-one");
	pthread_create(&t2, NULL, formatter, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return name[0] == 0;
}
