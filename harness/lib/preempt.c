// SPDX-License-Identifier: MIT
/*
 * Seeded schedule noise (see preempt.h). Each thread owns its generator, so
 * lab_preempt() shares nothing between threads and adds no synchronisation
 * that could hide the race it is meant to expose.
 */
#include "preempt.h"

#include <sched.h>

static bool noise_on;
static uint64_t noise_seed;
static _Thread_local uint64_t rng_state = 0x9e3779b97f4a7c15ull;

void lab_noise_init(uint64_t seed, bool on)
{
	noise_seed = seed;
	noise_on = on;
	rng_state = seed ^ 0x9e3779b97f4a7c15ull;
}

/* splitmix64: a good spread from consecutive seeds. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void lab_noise_thread(uint64_t index)
{
	uint64_t s = noise_seed ^ (index * 0xd1b54a32d192ed03ull);

	rng_state = splitmix64(&s);
}

uint64_t lab_noise_rand(void)
{
	return splitmix64(&rng_state);
}

static void spin(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		lab_cpu_relax();
}

void lab_preempt(void)
{
	if (!noise_on)
		return;
	uint64_t r = lab_noise_rand();

	switch (r & 3) {
	case 0:
		break;
	case 1:
		sched_yield();
		break;
	default:
		spin((unsigned)(r >> 8) % 4096);
		break;
	}
}
