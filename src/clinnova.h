/*
 * clinnova.h — helpers shared by every module of the extension.
 *
 * Only what more than one module needs lives here: settings (GUC variables), assertion macros,
 * exact float8 text I/O, float8[] argument access, the binary format version check and a
 * few small error helpers.  Module-specific declarations go in the module's own header.
 */
#ifndef CLINNOVA_H
#define CLINNOVA_H

#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/float.h"

#ifndef CLINNOVA_VERSION
#define CLINNOVA_VERSION "unknown"
#endif

/*
 * Invariant checks after state mutations.  Active in the test build (make ASSERTS=1), where a
 * broken invariant raises an internal error instead of silently producing a wrong number.
 */
#ifdef CLINNOVA_ASSERT_CHECKING
#define CLINNOVA_ASSERT(cond) \
	do { \
		if (!(cond)) \
			elog(ERROR, "clinnova: invariant violated: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)
#else
#define CLINNOVA_ASSERT(cond) ((void) 0)
#endif

/* ---- settings (defined and registered in clinnova.c) ---- */
extern bool clinnova_verbose;			/* clinnova.verbose: NOTICE per fitting iteration */
extern int	clinnova_min_cell_count;	/* clinnova.min_cell_count: disclosure threshold */
extern char *clinnova_federation_roles; /* clinnova.federation_roles: roles the guard restricts */
extern double clinnova_time_grain;		/* clinnova.time_grain: grain of exported risk tables */

/* ---- disclosure control (federation) ---- */

/*
 * True when the current role is listed in clinnova.federation_roles (directly or through role
 * membership).  Final functions of disclosure-safe aggregates then apply min_cell_count and
 * time_grain to what they return, so that no value leaving a site describes fewer people than
 * clinnova.min_cell_count.
 */
extern bool clinnova_disclosure_control_active(void);

/* t rounded up to a multiple of clinnova.time_grain (t itself when the grain is 0). */
extern double clinnova_coarsen_time(double t);

/* ---- exact float8 text I/O ---- */

/* Append v in shortest form that reads back to the identical double (NaN, Infinity, -Infinity). */
extern void clinnova_append_float8(StringInfo buf, double v);

/*
 * Parse one float8 starting at str; *endptr receives the first unparsed character.  Raises 22P02
 * naming typname and the whole input orig on a malformed number.
 */
extern double clinnova_parse_float8(char *str, char **endptr, const char *typname,
									const char *orig);

/* ---- float8[] arguments ---- */

/*
 * Return a pointer to the elements of a one-dimensional float8[] without copying, and its length
 * in *n.  Raises 22023 for a multi-dimensional array or a NULL element, naming argname.  An empty
 * array gives *n = 0.
 */
extern double *clinnova_float8_array(ArrayType *a, int *n, const char *argname);

/*
 * Room for a float8[] argument stored as a short (1-byte header) varlena, the form of arrays
 * of up to 12 elements: clinnova_float8_array_arg aligns it here instead of palloc'ing a copy.
 */
typedef union ClnShortArrayBuf
{
	double		align;
	char		data[VARATT_SHORT_MAX + VARHDRSZ];
} ClnShortArrayBuf;

/* clinnova_float8_array of argument argno, without a palloc per call for short arrays. */
extern double *clinnova_float8_array_arg(FunctionCallInfo fcinfo, int argno, ClnShortArrayBuf *buf,
										 int *n, const char *argname);

/* Build a one-dimensional float8[] from n doubles. */
extern ArrayType *clinnova_make_float8_array(const double *v, int n);

/* ---- binary I/O ---- */

/*
 * Read the leading format-version byte of a binary value and raise 22P03 (invalid binary
 * representation) unless it equals expected.
 */
extern void clinnova_recv_version(StringInfo buf, int expected, const char *typname);

/*
 * The float8 a value's text form can express: one NaN (any payload or sign reads back as it)
 * and +0 for -0 (JSON text has no negative zero).  Binary input, send and out pass every
 * stored double through it, so that binary values round-trip through text.
 */
static inline double
clinnova_canonical_float8(double x)
{
	return isnan(x) ? get_float8_nan() : x + 0.0;
}

/* Raise 22P03 unless the whole message was consumed (trailing garbage in a binary value). */
extern void clinnova_recv_end(StringInfo buf, const char *typname);

/* ---- memory ---- */

/* Advise transparent huge pages for the 2 MB-aligned interior of a large fresh array. */
extern void clinnova_advise_huge_pages(void *p, Size size);

/* palloc of n doubles (MCXT_ALLOC_HUGE; huge pages advised when large); 54000 naming what. */
extern double *clinnova_alloc_doubles(int64 n, const char *what);

/* ---- process facts ---- */

/* Number of threads of the calling backend process, from /proc/self/task (-1 if unknown). */
extern int	clinnova_process_threads(void);

#endif							/* CLINNOVA_H */
