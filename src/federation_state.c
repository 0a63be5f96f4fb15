/*
 * federation_state.c — disclosure-safe descriptive aggregates: describe(x) and safe_count(*).
 *
 * clinnova.describe(x float8) returns a clinnova.summary: the number of non-NULL values, their
 * mean and the sum of squared deviations from the mean (m2).  Summaries merge exactly like the
 * aggregate's parallel combine step (Chan, Golub and LeVeque's pairwise update), so a
 * coordinator merges per-site summaries with clinnova.summary_merge(summary) into the summary
 * of the pooled data (equal up to floating-point rounding of the merge order).  Accessors give
 * n, mean, variance (n - 1 denominator) and standard deviation.
 *
 * clinnova.safe_count(*) counts rows.
 *
 * Disclosure control: when the current role is a federation role, both final functions return
 * NULL for a result describing fewer than clinnova.min_cell_count people (e.g. a FILTER subset);
 * minimum and maximum are deliberately not offered (they are individual values).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "clinnova.h"

/* Binary format version of clinnova.summary and of the describe state. */
#define SUMMARY_FORMAT_VERSION 1

/*
 * Values beyond this magnitude are skipped: their squares, times any realistic count, would
 * overflow m2.  No clinical measurement comes near it.
 */
#define SUMMARY_MAX_ABS 1.0e140

/*
 * The summary value and the describe state (the same three numbers).  Invariants: n >= 0;
 * n == 0 implies mean == 0 and m2 == 0; n == 1 implies m2 == 0; mean and m2 are finite and
 * m2 >= 0.  Fixed length (24 bytes), passed by reference.
 */
typedef struct Summary
{
	int64		n;
	double		mean;
	double		m2;
} Summary;

#define SUMMARY_CHECK(s) \
	CLINNOVA_ASSERT((s)->n >= 0 && isfinite((s)->mean) && isfinite((s)->m2) && (s)->m2 >= 0 && \
					((s)->n > 0 || ((s)->mean == 0 && (s)->m2 == 0)) && ((s)->n != 1 || (s)->m2 == 0))

/* Fold b into a (Chan et al.): the summary of the union of both samples. */
static void
SummaryMerge(Summary *a, const Summary *b)
{
	int64		n;
	double		delta;

	if (b->n == 0)
		return;
	if (a->n == 0)
	{
		*a = *b;
		return;
	}
	n = a->n + b->n;
	delta = b->mean - a->mean;
	a->mean += delta * ((double) b->n / (double) n);
	a->m2 += b->m2 + delta * delta * ((double) a->n * (double) b->n / (double) n);
	a->n = n;
	SUMMARY_CHECK(a);
}

/* Add one value (Welford's update). */
static inline void
SummaryAdd(Summary *s, double x)
{
	double		delta = x - s->mean;

	s->n++;
	s->mean += delta / (double) s->n;
	s->m2 += delta * (x - s->mean);
}

/* Raise 22P02 for a malformed summary text; detail says what is wrong. */
static void
SummarySyntaxError(const char *input, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type clinnova.summary: \"%s\"", input),
			 errdetail("%s", what),
			 errhint("The form is \"n=<count> mean=<number> m2=<number>\".")));
}

/* Raise 22P02 (text) or 22P03 (binary) unless s satisfies the invariants of a summary. */
static void
SummaryValidate(const Summary *s, const char *input, bool binary)
{
	const char *problem = NULL;

	if (s->n < 0)
		problem = "The count n is negative.";
	else if (!isfinite(s->mean) || !isfinite(s->m2))
		problem = "mean and m2 must be finite.";
	else if (s->m2 < 0)
		problem = "m2 (the sum of squared deviations) is negative.";
	else if (s->n == 0 && (s->mean != 0 || s->m2 != 0))
		problem = "An empty summary (n=0) must have mean=0 and m2=0.";
	else if (s->n == 1 && s->m2 != 0)
		problem = "A summary of one value must have m2=0.";
	if (problem == NULL)
		return;
	if (binary)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of clinnova.summary"),
				 errdetail("%s", problem)));
	SummarySyntaxError(input, problem);
}

/* Expect the literal word at *p (after spaces); advance past it. */
static void
SummaryExpect(char **p, const char *word, const char *input)
{
	while (isspace((unsigned char) **p))
		(*p)++;
	if (strncmp(*p, word, strlen(word)) != 0)
		SummarySyntaxError(input, psprintf("Expected \"%s\" at \"%s\".", word, *p));
	*p += strlen(word);
}

PG_FUNCTION_INFO_V1(summary_in);
/* clinnova.summary text input: "n=228 mean=62.44736842105263 m2=18394.47368421053". */
Datum
summary_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	char	   *p = input;
	char	   *end;
	Summary    *s = palloc(sizeof(Summary));
	double		n;

	SummaryExpect(&p, "n=", input);
	n = clinnova_parse_float8(p, &end, "clinnova.summary", input);
	if (n != floor(n) || n < 0 || n > 9.0e18)
		SummarySyntaxError(input, "The count n must be a non-negative integer.");
	s->n = (int64) n;
	p = end;
	SummaryExpect(&p, "mean=", input);
	s->mean = clinnova_parse_float8(p, &end, "clinnova.summary", input);
	p = end;
	SummaryExpect(&p, "m2=", input);
	s->m2 = clinnova_parse_float8(p, &end, "clinnova.summary", input);
	p = end;
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		SummarySyntaxError(input, psprintf("Unexpected text \"%s\" after m2.", p));
	SummaryValidate(s, input, false);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(summary_out);
/* clinnova.summary text output; float8 in shortest exact form. */
Datum
summary_out(PG_FUNCTION_ARGS)
{
	Summary    *s = (Summary *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "n=" INT64_FORMAT " mean=", s->n);
	clinnova_append_float8(&buf, s->mean);
	appendStringInfoString(&buf, " m2=");
	clinnova_append_float8(&buf, s->m2);
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(summary_recv);
/* clinnova.summary binary input: version byte, n int8, mean float8, m2 float8; re-validated. */
Datum
summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Summary    *s = palloc(sizeof(Summary));

	clinnova_recv_version(buf, SUMMARY_FORMAT_VERSION, "clinnova.summary");
	if (buf->len - buf->cursor != 24)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of clinnova.summary"),
				 errdetail("Expected 24 bytes after the version, got %d.", buf->len - buf->cursor)));
	s->n = pq_getmsgint64(buf);
	s->mean = pq_getmsgfloat8(buf);
	s->m2 = pq_getmsgfloat8(buf);
	clinnova_recv_end(buf, "clinnova.summary");
	SummaryValidate(s, NULL, true);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(summary_send);
/* clinnova.summary binary output. */
Datum
summary_send(PG_FUNCTION_ARGS)
{
	Summary    *s = (Summary *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SUMMARY_FORMAT_VERSION);
	pq_sendint64(&buf, s->n);
	pq_sendfloat8(&buf, s->mean);
	pq_sendfloat8(&buf, s->m2);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- aggregates ---- */

/* The aggregate state, allocated once in the aggregate context (first call). */
static Summary *
SummaryState(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: %s called in non-aggregate context", fname);
	if (PG_ARGISNULL(0))
		return (Summary *) MemoryContextAllocZero(aggcontext, sizeof(Summary));
	return (Summary *) PG_GETARG_POINTER(0);
}

PG_FUNCTION_INFO_V1(describe_transfn);
/*
 * describe(x) transition: add x.  NULL, NaN, infinite and absurdly large (> 1e140) values are
 * skipped: a federation site must not raise data-dependent errors, and such values have no
 * finite mean or variance.
 */
Datum
describe_transfn(PG_FUNCTION_ARGS)
{
	Summary    *s = SummaryState(fcinfo, "describe_transfn");

	if (!PG_ARGISNULL(1))
	{
		double		x = PG_GETARG_FLOAT8(1);

		if (isfinite(x) && fabs(x) <= SUMMARY_MAX_ABS)
			SummaryAdd(s, x);
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(summary_merge_transfn);
/* summary_merge(summary) transition: fold a summary in (NULL summaries are skipped). */
Datum
summary_merge_transfn(PG_FUNCTION_ARGS)
{
	Summary    *s = SummaryState(fcinfo, "summary_merge_transfn");

	if (!PG_ARGISNULL(1))
		SummaryMerge(s, (Summary *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(summary_combine);
/* Combine two partial states (parallel aggregation); all four NULL cases. */
Datum
summary_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	Summary    *a;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: summary_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0));
	if (PG_ARGISNULL(0))
	{
		a = (Summary *) MemoryContextAlloc(aggcontext, sizeof(Summary));
		*a = *(Summary *) PG_GETARG_POINTER(1);
		PG_RETURN_POINTER(a);
	}
	a = (Summary *) PG_GETARG_POINTER(0);
	SummaryMerge(a, (Summary *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(summary_serialize);
/* Serialize a partial state: the binary form of clinnova.summary. */
Datum
summary_serialize(PG_FUNCTION_ARGS)
{
	return summary_send(fcinfo);
}

PG_FUNCTION_INFO_V1(summary_deserialize);
/* Deserialize a partial state (format version and length checked). */
Datum
summary_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	Summary    *s;
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: summary_deserialize called in non-aggregate context");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	clinnova_recv_version(&buf, SUMMARY_FORMAT_VERSION, "clinnova.summary state");
	if (buf.len - buf.cursor != 24)
		elog(ERROR, "clinnova: summary state has %d bytes, expected 24", buf.len - buf.cursor);
	s = (Summary *) palloc(sizeof(Summary));
	s->n = pq_getmsgint64(&buf);
	s->mean = pq_getmsgfloat8(&buf);
	s->m2 = pq_getmsgfloat8(&buf);
	SummaryValidate(s, NULL, true);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(summary_finalfn);
/*
 * Final function of describe and summary_merge: the summary, or NULL for empty input; for a
 * federation role also NULL when it describes fewer than clinnova.min_cell_count values.
 */
Datum
summary_finalfn(PG_FUNCTION_ARGS)
{
	Summary    *s;
	Summary    *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (Summary *) PG_GETARG_POINTER(0);
	if (s->n == 0)
		PG_RETURN_NULL();
	if (clinnova_disclosure_control_active() && s->n < clinnova_min_cell_count)
		PG_RETURN_NULL();
	result = palloc(sizeof(Summary));
	*result = *s;
	PG_RETURN_POINTER(result);
}

PG_FUNCTION_INFO_V1(safe_count_finalfn);
/* Final function of safe_count(*): the count; NULL below min_cell_count for a federation role. */
Datum
safe_count_finalfn(PG_FUNCTION_ARGS)
{
	int64		n = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);

	if (clinnova_disclosure_control_active() && n < clinnova_min_cell_count)
		PG_RETURN_NULL();
	PG_RETURN_INT64(n);
}

/* ---- accessors ---- */

PG_FUNCTION_INFO_V1(summary_n);
/* summary_n(summary): number of values. */
Datum
summary_n(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(((Summary *) PG_GETARG_POINTER(0))->n);
}

PG_FUNCTION_INFO_V1(summary_mean);
/* summary_mean(summary): mean (NULL when n = 0). */
Datum
summary_mean(PG_FUNCTION_ARGS)
{
	Summary    *s = (Summary *) PG_GETARG_POINTER(0);

	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->mean);
}

PG_FUNCTION_INFO_V1(summary_variance);
/* summary_variance(summary): sample variance m2 / (n - 1) (NULL when n < 2, as R's var). */
Datum
summary_variance(PG_FUNCTION_ARGS)
{
	Summary    *s = (Summary *) PG_GETARG_POINTER(0);

	if (s->n < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->m2 / (double) (s->n - 1));
}

PG_FUNCTION_INFO_V1(summary_sd);
/* summary_sd(summary): sample standard deviation (NULL when n < 2). */
Datum
summary_sd(PG_FUNCTION_ARGS)
{
	Summary    *s = (Summary *) PG_GETARG_POINTER(0);

	if (s->n < 2)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sqrt(s->m2 / (double) (s->n - 1)));
}
