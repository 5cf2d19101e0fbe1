/* SPDX-License-Identifier: MIT */
/*
 * traffic.h - what lab 03's scenario programs send through the rings, and
 * how they count it. A byte stream per producer whose every byte can be
 * recomputed, a 16-byte message that carries its own check value, tallies
 * (count, sum, sum of squares) that must balance on both sides, and a
 * bounded wait: a thread that makes no progress for a while gives up and
 * says so instead of hanging.
 */
#ifndef LAB_TRAFFIC_H
#define LAB_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One message: the same 16 bytes in every ring of the lab. */
struct msg {
	uint32_t producer;
	uint32_t seq;
	uint64_t check; /* a hash of the two fields above */
};

struct msg msg_make(uint32_t producer, uint32_t seq);
bool msg_valid(const struct msg *m);

/* Byte k of producer p's stream: cheap, and different for each p. */
uint8_t stream_byte(uint32_t producer, uint64_t k);

/* Fill buf[0, n) with the stream of producer p from offset k. */
void stream_fill(uint8_t *buf, size_t n, uint32_t producer, uint64_t k);

/* What passed one point: how many bytes, their sum and sum of squares. */
struct tally {
	uint64_t bytes;
	uint64_t sum;
	uint64_t sumsq;
};

void tally_add(struct tally *t, const uint8_t *p, size_t n);
void tally_merge(struct tally *into, const struct tally *t);
bool tally_equal(const struct tally *a, const struct tally *b);

/*
 * A wait for room or data that cannot hang: spin a little, then yield;
 * waiting_too_long() turns true after limit_s seconds without a call to
 * progressed().
 */
struct patience {
	unsigned misses;
	double since;
	double limit_s;
};

void patience_init(struct patience *p, double limit_s);
void progressed(struct patience *p);
/* Back off once; returns true when the wait has lasted too long. */
bool waiting_too_long(struct patience *p);

/* lab_preempt(), once in about one_in calls (a power of two). */
void maybe_preempt(unsigned one_in);

double now_s(void);

#endif /* LAB_TRAFFIC_H */
