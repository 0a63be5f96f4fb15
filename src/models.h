/*
 * models.h — small helpers shared by the source files of the models module.
 */
#ifndef CLINNOVA_MODELS_H
#define CLINNOVA_MODELS_H

#include "postgres.h"

/* Is the text value equal to the C string s?  No allocation: scoring calls it once per row. */
static inline bool
TextIs(const text *t, const char *s)
{
	size_t		len = strlen(s);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), s, len) == 0;
}

#endif							/* CLINNOVA_MODELS_H */
