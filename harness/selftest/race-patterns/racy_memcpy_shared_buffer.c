// SPDX-License-Identifier: MIT
/*
 * racy_memcpy_shared_buffer.c - two threads memcpy() different messages
 * into one global buffer.
 *
 * The library call writes the buffer on behalf of each thread; the race
 * is between the two calls, reported inside memcpy with this program's
 * lines below it.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <string.h>

static char buffer[64];

static void *writer(void *arg)
{
	memcpy(buffer, arg, 48);
	return NULL;
}

int main(void)
{
	static char a[48] = "first message", b[48] = "second message";
	pthread_t t1, t2;

	pthread_create(&t1, NULL, writer, a);
	pthread_create(&t2, NULL, writer, b);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return buffer[0] == 0;
}
