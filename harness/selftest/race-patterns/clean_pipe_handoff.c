// SPDX-License-Identifier: MIT
/*
 * clean_pipe_handoff.c - a worker fills a record, then writes one byte to
 * a pipe; main reads the byte, then the record.
 *
 * The read() returns only after the write(): the byte carries the
 * ordering. TSan models a file descriptor's write-read pair as
 * happens-before; Helgrind and DRD do not.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <unistd.h>

static int fds[2];
static struct {
	int id;
	char name[8];
} record;

static void *worker(void *arg)
{
	record.id = 7;
	record.name[0] = 'x';
	if (write(fds[1], "!", 1) != 1)
		return NULL;
	return arg;
}

int main(void)
{
	pthread_t t;
	char c;

	if (pipe(fds) != 0)
		return 2;
	pthread_create(&t, NULL, worker, NULL);
	if (read(fds[0], &c, 1) != 1)
		return 2;
	int ok = record.id == 7 && record.name[0] == 'x';
	record.id = 0;
	pthread_join(t, NULL);
	return !ok;
}
