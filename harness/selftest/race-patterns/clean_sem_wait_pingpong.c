// SPDX-License-Identifier: MIT
/*
 * clean_sem_wait_pingpong.c - two threads take turns on one variable,
 * each turn handed over by sem_post() and sem_wait().
 *
 * Every access is ordered by the previous hand-off; all three detectors
 * model sem_wait() and sem_post().
 *
 * Expect: clean
 */
#include <pthread.h>
#include <semaphore.h>

static sem_t ping, pong;
static int ball;

static void *other(void *arg)
{
	for (int i = 0; i < 5; i++) {
		sem_wait(&ping);
		ball++;
		sem_post(&pong);
	}
	return arg;
}

int main(void)
{
	pthread_t t;

	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	pthread_create(&t, NULL, other, NULL);
	for (int i = 0; i < 5; i++) {
		ball++;
		sem_post(&ping);
		sem_wait(&pong);
	}
	pthread_join(t, NULL);
	return ball != 10;
}
