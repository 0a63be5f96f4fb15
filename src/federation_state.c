/*
 * federation_state.c — disclosure-safe descriptive aggregates: describe(x) and safe_count(*).
 *
 * clinnova.describe(x float8) returns a clinnova.summary: the number of non-NULL values, their
 * (compensated) sum and the sum of squared deviations from the mean (m2).  Summaries merge like
 * the aggregate's parallel combine step (Chan, Golub and LeVeque's pairwise update of m2), so a
 * coordinator merges per-site summaries with clinnova.summary_merge(summary) into the summary
 * of the pooled data: n and, for integer data, the mean exactly; m2 up to floating-point
 * rounding of the merge order.  Accessors give n, mean, variance (n - 1 denominator) and
 * standard deviation.
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
#include "utils/float.h"
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
 * The summary value: n, the sum of the values, and m2, the sum of squared deviations from their
 * mean.  Invariants: n >= 0; n == 0 implies sum == 0 and m2 == 0; n == 1 implies m2 == 0; sum and
 * m2 are finite and m2 >= 0.  Fixed length (24 bytes), passed by reference.  The mean is sum / n:
 * with the compensated summation below, the mean of integer data (below 2^53 in total) is exact
 * and identical however the rows were split across workers or sites.
 */
typedef struct Summary
{
	int64		n;
	double		sum;
	double		m2;
} Summary;

/*
 * The aggregate state: a summary whose sum carries a Neumaier compensation term (the rounding
 * error the plain double sum has lost so far; the true sum is sum + comp).
 */
typedef struct SummaryState
{
	int64		n;
	double		sum;
	double		comp;
	double		m2;
} SummaryState;

#define SUMMARY_CHECK(s) \
	CLINNOVA_ASSERT((s)->n >= 0 && isfinite((s)->sum) && isfinite((s)->m2) && (s)->m2 >= 0 && \
					((s)->n > 0 || ((s)->sum == 0 && (s)->m2 == 0)) && ((s)->n != 1 || (s)->m2 == 0))

/* Neumaier's compensated addition of x to (sum, comp). */
static inline void
CompensatedAdd(double *sum, double *comp, double x)
{
	double		t = *sum + x;

	if (fabs(*sum) >= fabs(x))
		*comp += (*sum - t) + x;
	else
		*comp += (x - t) + *sum;
	*sum = t;
}

/* Mean of a state (0 when empty). */
static inline double
StateMean(const SummaryState *s)
{
	return s->n > 0 ? (s->sum + s->comp) / (double) s->n : 0.0;
}

/* Add one value: compensated sum, and Welford's update of m2 around the running mean. */
static inline void
SummaryAdd(SummaryState *s, double x)
{
	double		mean_old = StateMean(s);

	s->n++;
	CompensatedAdd(&s->sum, &s->comp, x);
	s->m2 += (x - mean_old) * (x - StateMean(s));
	if (s->n == 1)
		s->m2 = 0;
}

/*
 * Fold b (n, sum + comp, m2) into a: Chan, Golub and LeVeque's pairwise update of m2, and the
 * compensated sum of the sums.
 */
static void
SummaryMerge(SummaryState *a, int64 nb, double sumb, double compb, double m2b)
{
	int64		n;
	double		delta;

	if (nb == 0)
		return;
	if (a->n == 0)
	{
		a->n = nb;
		a->sum = sumb;
		a->comp = compb;
		a->m2 = m2b;
		return;
	}
	n = a->n + nb;
	delta = (sumb + compb) / (double) nb - StateMean(a);
	a->m2 += m2b + delta * delta * ((double) a->n * (double) nb / (double) n);
	CompensatedAdd(&a->sum, &a->comp, sumb);
	CompensatedAdd(&a->sum, &a->comp, compb);
	a->n = n;
}

/* Raise 22P02 for a malformed summary text; detail says what is wrong. */
static void
SummarySyntaxError(const char *input, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type clinnova.summary: \"%s\"", input),
			 errdetail("%s", what),
			 errhint("The form is \"n=<count> sum=<number> m2=<number>\".")));
}

/* Raise 22P02 (text) or 22P03 (binary) unless s satisfies the invariants of a summary. */
static void
SummaryValidate(const Summary *s, const char *input, bool binary)
{
	const char *problem = NULL;

	if (s->n < 0)
		problem = "The count n is negative.";
	else if (!isfinite(s->sum) || !isfinite(s->m2))
		problem = "sum and m2 must be finite.";
	else if (s->m2 < 0)
		problem = "m2 (the sum of squared deviations) is negative.";
	else if (s->n == 0 && (s->sum != 0 || s->m2 != 0))
		problem = "An empty summary (n=0) must have sum=0 and m2=0.";
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
/* clinnova.summary text input: "n=228 sum=14238 m2=18688.368421052637". */
Datum
summary_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	char	   *p = input;
	char	   *end;
	Summary    *s = palloc(sizeof(Summary));
	int64		n;

	SummaryExpect(&p, "n=", input);
	/* an integer read exactly (a double is exact only below 2^53; binary input takes any int8) */
	errno = 0;
	n = strtoi64(p, &end, 10);
	if (end == p || errno == ERANGE || n < 0 || (*end != '\0' && !isspace((unsigned char) *end)))
		SummarySyntaxError(input, "The count n must be a non-negative integer.");
	s->n = n;
	p = end;
	SummaryExpect(&p, "sum=", input);
	s->sum = clinnova_parse_float8(p, &end, "clinnova.summary", input);
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
	appendStringInfo(&buf, "n=" INT64_FORMAT " sum=", s->n);
	clinnova_append_float8(&buf, s->sum);
	appendStringInfoString(&buf, " m2=");
	clinnova_append_float8(&buf, s->m2);
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(summary_recv);


/* clinnova.summary binary input: version byte, n int8, sum float8, m2 float8; re-validated. */
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
	s->sum = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	s->m2 = clinnova_canonical_float8(pq_getmsgfloat8(buf));
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
	pq_sendfloat8(&buf, s->sum);
	pq_sendfloat8(&buf, s->m2);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- aggregates ---- */

/* The aggregate state, allocated once in the aggregate context (first call). */
static SummaryState *
GetSummaryState(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: %s called in non-aggregate context", fname);
	if (PG_ARGISNULL(0))
		return (SummaryState *) MemoryContextAllocZero(aggcontext, sizeof(SummaryState));
	return (SummaryState *) PG_GETARG_POINTER(0);
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
	SummaryState *s = GetSummaryState(fcinfo, "describe_transfn");

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
	SummaryState *s = GetSummaryState(fcinfo, "summary_merge_transfn");

	if (!PG_ARGISNULL(1))
	{
		Summary    *v = (Summary *) PG_GETARG_POINTER(1);

		SummaryMerge(s, v->n, v->sum, 0.0, v->m2);
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(summary_combine);
/* Combine two partial states (parallel aggregation); all four NULL cases. */
Datum
summary_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	SummaryState *a;
	SummaryState *b;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: summary_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		/* a NULL state stays SQL NULL (a NULL pointer returned as a value crashed later calls) */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (SummaryState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
	{
		a = (SummaryState *) MemoryContextAlloc(aggcontext, sizeof(SummaryState));
		*a = *b;
		PG_RETURN_POINTER(a);
	}
	a = (SummaryState *) PG_GETARG_POINTER(0);
	SummaryMerge(a, b->n, b->sum, b->comp, b->m2);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(summary_serialize);
/* Serialize a partial state: version byte, n, sum, comp, m2. */
Datum
summary_serialize(PG_FUNCTION_ARGS)
{
	SummaryState *s = (SummaryState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SUMMARY_FORMAT_VERSION);
	pq_sendint64(&buf, s->n);
	pq_sendfloat8(&buf, s->sum);
	pq_sendfloat8(&buf, s->comp);
	pq_sendfloat8(&buf, s->m2);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(summary_deserialize);
/* Deserialize a partial state (format version, length and values checked). */
Datum
summary_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	SummaryState *s;
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "clinnova: summary_deserialize called in non-aggregate context");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	clinnova_recv_version(&buf, SUMMARY_FORMAT_VERSION, "clinnova.summary state");
	if (buf.len - buf.cursor != 32)
		elog(ERROR, "clinnova: summary state has %d bytes, expected 32", buf.len - buf.cursor);
	s = (SummaryState *) palloc(sizeof(SummaryState));
	s->n = pq_getmsgint64(&buf);
	s->sum = pq_getmsgfloat8(&buf);
	s->comp = pq_getmsgfloat8(&buf);
	s->m2 = pq_getmsgfloat8(&buf);
	if (s->n < 0 || !isfinite(s->sum) || !isfinite(s->comp) || !isfinite(s->m2) || s->m2 < 0)
		elog(ERROR, "clinnova: corrupt summary state");
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
	SummaryState *s;
	Summary    *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (SummaryState *) PG_GETARG_POINTER(0);
	if (s->n == 0)
		PG_RETURN_NULL();
	if (clinnova_disclosure_control_active() && s->n < clinnova_min_cell_count)
		PG_RETURN_NULL();
	result = palloc(sizeof(Summary));
	result->n = s->n;
	result->sum = s->sum + s->comp;
	result->m2 = s->n > 1 ? Max(s->m2, 0.0) : 0.0;
	SUMMARY_CHECK(result);
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
/* summary_mean(summary): mean = sum / n (NULL when n = 0). */
Datum
summary_mean(PG_FUNCTION_ARGS)
{
	Summary    *s = (Summary *) PG_GETARG_POINTER(0);

	if (s->n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(s->sum / (double) s->n);
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
