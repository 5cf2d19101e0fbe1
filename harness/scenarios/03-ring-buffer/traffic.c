// SPDX-License-Identifier: MIT
/*
 * Lab 03: the traffic that the scenario programs send through the rings,
 * and its accounting (see traffic.h).
 */
#include "traffic.h"

#include <sched.h>
#include <time.h>

#include "preempt.h"

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct msg msg_make(uint32_t producer, uint32_t seq)
{
	struct msg m = {producer, seq, 0};

	m.check = mix(((uint64_t)producer << 32 | seq) + 0x9e3779b97f4a7c15ull);
	return m;
}

bool msg_valid(const struct msg *m)
{
	return m->check == msg_make(m->producer, m->seq).check;
}

uint8_t stream_byte(uint32_t producer, uint64_t k)
{
	/* Period 251 (a prime), so that no chunk size lines up with it. */
	return (uint8_t)((k % 251) * 7 + producer * 31 + 1);
}

void stream_fill(uint8_t *buf, size_t n, uint32_t producer, uint64_t k)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = stream_byte(producer, k + i);
}

void tally_add(struct tally *t, const uint8_t *p, size_t n)
{
	t->bytes += n;
	for (size_t i = 0; i < n; i++) {
		t->sum += p[i];
		t->sumsq += (uint64_t)p[i] * p[i];
	}
}

void tally_merge(struct tally *into, const struct tally *t)
{
	into->bytes += t->bytes;
	into->sum += t->sum;
	into->sumsq += t->sumsq;
}

bool tally_equal(const struct tally *a, const struct tally *b)
{
	return a->bytes == b->bytes && a->sum == b->sum && a->sumsq == b->sumsq;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void patience_init(struct patience *p, double limit_s)
{
	p->misses = 0;
	p->since = 0;
	p->limit_s = limit_s;
}

void progressed(struct patience *p)
{
	p->misses = 0;
}

bool waiting_too_long(struct patience *p)
{
	/* A few spins catch a partner that is about to act; after that,
	 * yield, so that a partner on this CPU (or under Valgrind, which
	 * runs one thread at a time) gets to run. */
	if (p->misses < 16)
		lab_cpu_relax();
	else
		sched_yield();
	if (p->misses++ % 1024 != 0)
		return false;
	if (p->misses == 1) {
		p->since = now_s();
		return false;
	}
	return now_s() - p->since > p->limit_s;
}

void maybe_preempt(unsigned one_in)
{
	if ((lab_noise_rand() & (one_in - 1)) == 0)
		lab_preempt();
}
