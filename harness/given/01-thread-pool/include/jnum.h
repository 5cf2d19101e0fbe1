/* SPDX-License-Identifier: MIT */
/*
 * jnum.h - numbers in JSON as the chapter's JavaScript prints them: the
 * shortest decimal text that reads back to the same double, and 1 rather
 * than 1.0 for a whole number. Given code, shared by the servers and the
 * actor (lab 04 uses lab 01).
 *
 * jansson prints every real of a document with one precision, 17
 * significant digits by default, so 2.414213562373095 comes out as
 * 2.4142135623730949, and 1 as 1.0. jnum_dumps() finds, for each real, the
 * fewest digits (1..17) whose text strtod() reads back to the same double,
 * and dumps the document with the largest of them: a document with one
 * real (every reply here) prints it in its shortest form. Where several
 * reals need different precisions, the shorter ones may print longer than
 * their shortest, never wrong. Like jansson, it writes exponents as %g
 * does (1e-05 as 1e-5; JavaScript writes 0.00001): outside [1e-4, 1e17)
 * the text may differ from JavaScript's, while reading back the same.
 */
#ifndef LAB_JNUM_H
#define LAB_JNUM_H

#include <stddef.h>

#include <jansson.h>

/*
 * jnum_new - a JSON number for v: an integer when v is a whole number of
 * magnitude below 2^53 (so it prints without ".0"), else a real. Returns a
 * new reference, or NULL (out of memory, or v not finite: JSON has no NaN).
 */
json_t *jnum_new(double v);

/*
 * jnum_dumps - json_dumps(doc, flags) with every real in its shortest
 * round-trip text (flags must not hold JSON_REAL_PRECISION). Returns a
 * string to free(), or NULL.
 */
char *jnum_dumps(const json_t *doc, size_t flags);

/* jnum_digits - the fewest significant digits (1..17) that print v so that
 * strtod() reads back v. */
int jnum_digits(double v);

#endif /* LAB_JNUM_H */
