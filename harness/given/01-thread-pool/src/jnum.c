// SPDX-License-Identifier: MIT
/*
 * Numbers in JSON as the chapter's JavaScript prints them (jnum.h). Given
 * code.
 */
#include "jnum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int jnum_digits(double v)
{
	char text[32];

	/* 17 significant digits always read back the same double (IEEE 754
	 * binary64); the shortest that does is what JavaScript prints. */
	for (int p = 1; p < 17; p++) {
		snprintf(text, sizeof(text), "%.*g", p, v);
		if (strtod(text, NULL) == v)
			return p;
	}
	return 17;
}

json_t *jnum_new(double v)
{
	if (!isfinite(v))
		return NULL;
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* The most digits any real in doc needs (0: none has a real). */
static int most_digits(const json_t *doc)
{
	const char *key;
	json_t *value;
	size_t i;
	int most = 0, d;

	if (json_is_real(doc))
		return jnum_digits(json_real_value(doc));
	if (json_is_object(doc)) {
		json_object_foreach((json_t *)doc, key, value) {
			d = most_digits(value);
			most = d > most ? d : most;
		}
	} else if (json_is_array(doc)) {
		json_array_foreach(doc, i, value) {
			d = most_digits(value);
			most = d > most ? d : most;
		}
	}
	return most;
}

char *jnum_dumps(const json_t *doc, size_t flags)
{
	int digits = most_digits(doc);

	if (digits)
		flags |= JSON_REAL_PRECISION(digits);
	return json_dumps(doc, flags);
}
