/*
 * survfit.c — the survfit type: the risk table that every survival estimator of clinnova reads.
 *
 * Layout and invariants are described in survfit.h.  This file owns everything about the value
 * itself: construction, the single validation routine that every input path runs (text,
 * binary, aggregate deserialization), text I/O (a JSON object, so that a value can also be
 * inspected with jsonb functions), binary send/recv with a format version byte, equality, and
 * the disclosure-control transformation applied by the final functions of the aggregates when
 * the session belongs to a federation role.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "utils/memutils.h"

#include "clinnova.h"
#include "survfit.h"

/* Largest integer a double counts exactly. */
#define SURV_MAX_COUNT	9007199254740992.0

/* ---- construction and access ---- */

/* A zeroed survfit with room for ntime rows of the layout given by flags and ncause. */
Survfit *
SurvfitAlloc(int flags, int ncause, int ntime)
{
	int			ncol = SurvfitNcol(flags, ncause);
	Size		len;
	Survfit    *sf;

	if (ntime < 0 || (Size) ntime > (MaxAllocSize - offsetof(Survfit, data)) / sizeof(double) / ncol)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("survfit value is too large"),
				 errdetail("The risk table would have %d rows of %d columns.", ntime, ncol)));
	len = offsetof(Survfit, data) + (Size) ntime * ncol * sizeof(double);
	sf = (Survfit *) palloc0(len);
	SET_VARSIZE(sf, len);
	sf->flags = (uint8) flags;
	sf->ncause = (uint8) ncause;
	sf->reserved = 0;
	sf->ntime = ntime;
	return sf;
}

/* Fill t with column pointers of sf; unweighted columns stand in for the weighted ones. */
void
SurvTableInit(SurvTable *t, const Survfit *sf)
{
	int			flags = sf->flags;
	int			k = sf->ncause;
	bool		w = (flags & SURVFIT_WEIGHTED) != 0;
	int			c;

	t->ntime = sf->ntime;
	t->ncause = k;
	t->weighted = w;
	t->fractional = (flags & SURVFIT_FRACTIONAL) != 0;
	t->has_entry = (flags & SURVFIT_ENTRY) != 0;
	t->time = SurvfitColumn(sf, 0);
	for (c = 0; c < k; c++)
	{
		int			col = SurvfitColEvents(flags, c);

		t->ev_n[c] = SurvfitColumn(sf, col);
		t->ev_w[c] = w ? SurvfitColumn(sf, col + 1) : t->ev_n[c];
		t->ev_w2[c] = w ? SurvfitColumn(sf, col + 2) : t->ev_n[c];
	}
	c = SurvfitColCensored(flags, k);
	t->cens_n = SurvfitColumn(sf, c);
	t->cens_w = w ? SurvfitColumn(sf, c + 1) : t->cens_n;
	t->cens_w2 = w ? SurvfitColumn(sf, c + 2) : t->cens_n;
	if (t->has_entry)
	{
		c = SurvfitColEntered(flags, k);
		t->ent_n = SurvfitColumn(sf, c);
		t->ent_w = w ? SurvfitColumn(sf, c + 1) : t->ent_n;
	}
	else
		t->ent_n = t->ent_w = NULL;
}

/* Number of input rows (people or intervals) behind sf: every row contributes one exit. */
int64
SurvfitRecords(const Survfit *sf)
{
	SurvTable	t;
	double		n = 0;
	int			i,
				c;

	SurvTableInit(&t, sf);
	for (i = 0; i < t.ntime; i++)
	{
		for (c = 0; c < t.ncause; c++)
			n += t.ev_n[c][i];
		n += t.cens_n[i];
	}
	return (int64) n;
}

/* Number of people with an event (any cause) in sf. */
double
SurvfitEvents(const Survfit *sf)
{
	SurvTable	t;
	double		n = 0;
	int			i,
				c;

	SurvTableInit(&t, sf);
	for (i = 0; i < t.ntime; i++)
		for (c = 0; c < t.ncause; c++)
			n += t.ev_n[c][i];
	return n;
}

/* ---- validation ---- */

/* Raise sqlerrcode for an invalid survfit value, with detail. */
static void
SurvfitInvalid(int sqlerrcode, const char *what, const char *detail)
	pg_attribute_noreturn();

static void
SurvfitInvalid(int sqlerrcode, const char *what, const char *detail)
{
	if (sqlerrcode == ERRCODE_INVALID_BINARY_REPRESENTATION)
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("invalid binary representation of %s", what),
				 errdetail_internal("%s", detail)));
	if (sqlerrcode != ERRCODE_INVALID_TEXT_REPRESENTATION)
		elog(ERROR, "clinnova: invalid %s value built internally: %s", what, detail);
	ereport(ERROR,
			(errcode(sqlerrcode),
			 errmsg("invalid input syntax for type %s", what),
			 errdetail_internal("%s", detail)));
}

/* A people count must be an exact integer in [0, 2^53]. */
static bool
ValidCount(double v)
{
	return v >= 0 && v <= SURV_MAX_COUNT && v == floor(v);
}

/*
 * Check every invariant of survfit.h; raise sqlerrcode (22P02 for text input, 22P03 for binary
 * input and aggregate states) naming the offending row and value.
 */
void
SurvfitValidate(const Survfit *sf, int sqlerrcode, const char *what)
{
	SurvTable	t;
	int			i,
				c;
	double		exits_after = 0,
				entries_ge = 0,
				exits_after_w = 0,
				entries_ge_w = 0;

	if (sf->flags & ~SURVFIT_ALL_FLAGS)
		SurvfitInvalid(sqlerrcode, what, psprintf("Unknown flags 0x%02x.", sf->flags));
	if ((sf->flags & SURVFIT_FRACTIONAL) && !(sf->flags & SURVFIT_WEIGHTED))
		SurvfitInvalid(sqlerrcode, what, "Fractional weights are flagged on a table without weights.");
	if (sf->ncause < 1 || sf->ncause > SURVFIT_MAX_CAUSES)
		SurvfitInvalid(sqlerrcode, what,
					   psprintf("The number of causes is %d; it must be between 1 and %d.",
								sf->ncause, SURVFIT_MAX_CAUSES));
	if (sf->reserved != 0)
		SurvfitInvalid(sqlerrcode, what, "A reserved field is not zero.");
	if (sf->ntime < 1)
		SurvfitInvalid(sqlerrcode, what, "The risk table has no rows.");
	if (VARSIZE(sf) != offsetof(Survfit, data) +
		(Size) sf->ntime * SurvfitNcol(sf->flags, sf->ncause) * sizeof(double))
		SurvfitInvalid(sqlerrcode, what, "The value length does not match its row count.");

	SurvTableInit(&t, sf);
	for (i = 0; i < t.ntime; i++)
	{
		double		people = 0;
		double		tm = t.time[i];

		if (!(tm >= 0 && tm <= DBL_MAX))
			SurvfitInvalid(sqlerrcode, what,
						   psprintf("Time %s in row %d is not a finite number >= 0.",
									float8out_internal(tm), i + 1));
		if (i > 0 && !(tm > t.time[i - 1]))
			SurvfitInvalid(sqlerrcode, what,
						   psprintf("Times must increase strictly: row %d has time %s after %s.",
									i + 1, float8out_internal(tm),
									float8out_internal(t.time[i - 1])));
		for (c = 0; c <= t.ncause + 1; c++)
		{
			const double *np,
					   *wp,
					   *w2p;
			const char *label;

			if (c < t.ncause)
			{
				np = t.ev_n[c];
				wp = t.ev_w[c];
				w2p = t.ev_w2[c];
				label = "events";
			}
			else if (c == t.ncause)
			{
				np = t.cens_n;
				wp = t.cens_w;
				w2p = t.cens_w2;
				label = "censored";
			}
			else
			{
				if (!t.has_entry)
					break;
				np = t.ent_n;
				wp = t.ent_w;
				w2p = NULL;
				label = "entered";
			}
			if (!ValidCount(np[i]))
				SurvfitInvalid(sqlerrcode, what,
							   psprintf("The %s count %s in row %d is not an integer between 0 and 2^53.",
										label, float8out_internal(np[i]), i + 1));
			people += np[i];
			if (t.weighted)
			{
				if (!(wp[i] >= 0 && wp[i] <= DBL_MAX) || (wp[i] > 0) != (np[i] > 0))
					SurvfitInvalid(sqlerrcode, what,
								   psprintf("The %s weight %s in row %d must be finite, >= 0 and positive exactly when the count (%s) is.",
											label, float8out_internal(wp[i]), i + 1,
											float8out_internal(np[i])));
				if (w2p && (!(w2p[i] >= 0 && w2p[i] <= DBL_MAX) || (w2p[i] > 0) != (np[i] > 0)))
					SurvfitInvalid(sqlerrcode, what,
								   psprintf("The %s squared-weight sum %s in row %d must be finite, >= 0 and positive exactly when the count (%s) is.",
											label, float8out_internal(w2p[i]), i + 1,
											float8out_internal(np[i])));
				if (!t.fractional && (wp[i] != floor(wp[i]) || (w2p && w2p[i] != floor(w2p[i]))))
					SurvfitInvalid(sqlerrcode, what,
								   psprintf("Row %d has a non-integer %s weight sum %s although the weights are declared integer.",
											i + 1, label, float8out_internal(wp[i])));
			}
		}
		if (people <= 0)
			SurvfitInvalid(sqlerrcode, what,
						   psprintf("Row %d (time %s) has no events, censorings or entries.",
									i + 1, float8out_internal(tm)));
	}

	/*
	 * Risk sets: whoever enters at or after t must leave after t, so the entries at times >= t
	 * never outnumber the exits at times > t.  Exact for people counts; weighted sums are
	 * allowed a relative rounding slack.
	 */
	if (t.has_entry)
	{
		for (i = t.ntime - 1; i >= 0; i--)
		{
			entries_ge += t.ent_n[i];
			entries_ge_w += t.ent_w[i];
			if (entries_ge > exits_after ||
				entries_ge_w > exits_after_w * (1 + 1e-9) + 1e-300)
				SurvfitInvalid(sqlerrcode, what,
							   psprintf("%s people enter at or after time %s but only %s leave after it.",
										float8out_internal(entries_ge),
										float8out_internal(t.time[i]),
										float8out_internal(exits_after)));
			for (c = 0; c < t.ncause; c++)
			{
				exits_after += t.ev_n[c][i];
				exits_after_w += t.ev_w[c][i];
			}
			exits_after += t.cens_n[i];
			exits_after_w += t.cens_w[i];
		}
	}
}

/* ---- text I/O ---- */

/* Append the name of column col of a survfit with these flags and causes. */
static void
AppendColumnName(StringInfo buf, int flags, int ncause, int col)
{
	static const char *const suffix[] = {"", "_w", "_w2"};
	int			q = (flags & SURVFIT_WEIGHTED) ? 3 : 1;
	int			c;

	if (col == 0)
	{
		appendStringInfoString(buf, "time");
		return;
	}
	col -= 1;
	c = col / q;
	if (c < ncause)
	{
		if (ncause == 1)
			appendStringInfo(buf, "events%s", suffix[col % q]);
		else
			appendStringInfo(buf, "events_%d%s", c + 1, suffix[col % q]);
	}
	else if (c == ncause)
		appendStringInfo(buf, "censored%s", suffix[col % q]);
	else
		appendStringInfo(buf, "entered%s", suffix[col - (ncause + 1) * q]);
}

/* The text form's "weights" value for flags. */
static const char *
WeightsName(int flags)
{
	if (!(flags & SURVFIT_WEIGHTED))
		return "none";
	return (flags & SURVFIT_FRACTIONAL) ? "fractional" : "integer";
}

PG_FUNCTION_INFO_V1(survfit_out);
/*
 * survfit_out: the risk table as a JSON object, e.g.
 *   {"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[5,1,0],...]}
 * Numbers in shortest exact form, so text round trips are exact.
 */
Datum
survfit_out(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	int			ncol = SurvfitNcol(sf->flags, sf->ncause);
	StringInfoData buf;
	int			i,
				j;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"causes\":%d,\"weights\":\"%s\",\"columns\":[",
					 sf->ncause, WeightsName(sf->flags));
	for (j = 0; j < ncol; j++)
	{
		if (j > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoChar(&buf, '"');
		AppendColumnName(&buf, sf->flags, sf->ncause, j);
		appendStringInfoChar(&buf, '"');
	}
	appendStringInfoString(&buf, "],\"rows\":[");
	for (i = 0; i < sf->ntime; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoChar(&buf, '[');
		for (j = 0; j < ncol; j++)
		{
			if (j > 0)
				appendStringInfoChar(&buf, ',');
			clinnova_append_float8(&buf, SurvfitColumn(sf, j)[i]);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* Raise 22P02 for malformed survfit text. */
static void
SurvfitSyntax(const char *input, const char *detail) pg_attribute_noreturn();

static void
SurvfitSyntax(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type survfit"),
			 errdetail_internal("%s", detail),
			 errhint("A survfit is written as {\"causes\":1,\"weights\":\"none\",\"columns\":[\"time\",\"events\",\"censored\"],\"rows\":[[5,1,0],[11,3,0]]}.")));
}

/*
 * The JSON number v as a double (exact: numeric -> shortest text -> strtod).  row and col
 * (1-based, 0 for "not in a row") name the place in the error message.
 */
static double
JsonbNumberValue(const JsonbValue *v, const char *input, int row, int col)
{
	if (v == NULL || v->type != jbvNumeric)
	{
		if (row == 0)
			SurvfitSyntax(input, "\"causes\" must be a number.");
		SurvfitSyntax(input, psprintf("Row %d, column %d must be a number.", row, col));
	}
	/* out-of-range numbers become +-Infinity or 0 here and fail the checks that follow */
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
}

/* The object member key of container, or a syntax error naming it. */
static JsonbValue *
JsonbMember(JsonbContainer *container, const char *key, const char *input)
{
	JsonbValue *v = getKeyJsonValueFromContainer(container, key, strlen(key), NULL);

	if (v == NULL)
		SurvfitSyntax(input, psprintf("The key \"%s\" is missing.", key));
	return v;
}

/* Does the JSON string v equal s? */
static bool
JsonbStringIs(const JsonbValue *v, const char *s)
{
	return v->type == jbvString && v->val.string.len == (int) strlen(s) &&
		memcmp(v->val.string.val, s, v->val.string.len) == 0;
}

/* Error context for survfit text input: says which input was being read. */
static void
SurvfitInputContext(void *arg)
{
	errcontext("reading a survfit value");
}

PG_FUNCTION_INFO_V1(survfit_in);
/* survfit_in: parse the JSON form written by survfit_out (any key order and spacing). */
Datum
survfit_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	ErrorContextCallback errcb;
	Jsonb	   *jb;
	JsonbValue *v,
			   *cols,
			   *rows;
	int			ncause,
				flags = 0,
				ncol,
				ntime,
				i,
				j;
	double		causes;
	Survfit    *sf;
	StringInfoData name;

	errcb.callback = SurvfitInputContext;
	errcb.arg = NULL;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(input)));
	if (!JB_ROOT_IS_OBJECT(jb))
		SurvfitSyntax(input, "The value must be a JSON object.");
	if (JsonContainerSize(&jb->root) != 4)
		SurvfitSyntax(input, "The object must have exactly the keys causes, weights, columns and rows.");

	causes = JsonbNumberValue(JsonbMember(&jb->root, "causes", input), input, 0, 0);
	if (!(causes >= 1 && causes <= SURVFIT_MAX_CAUSES && causes == floor(causes)))
		SurvfitSyntax(input, psprintf("\"causes\" is %s; it must be an integer between 1 and %d.",
									  float8out_internal(causes), SURVFIT_MAX_CAUSES));
	ncause = (int) causes;

	v = JsonbMember(&jb->root, "weights", input);
	if (JsonbStringIs(v, "none"))
		flags = 0;
	else if (JsonbStringIs(v, "integer"))
		flags = SURVFIT_WEIGHTED;
	else if (JsonbStringIs(v, "fractional"))
		flags = SURVFIT_WEIGHTED | SURVFIT_FRACTIONAL;
	else
		SurvfitSyntax(input, "\"weights\" must be \"none\", \"integer\" or \"fractional\".");

	/* columns: the canonical list for these flags, with or without the entry columns */
	cols = JsonbMember(&jb->root, "columns", input);
	if (cols->type != jbvBinary || !JsonContainerIsArray(cols->val.binary.data))
		SurvfitSyntax(input, "\"columns\" must be an array of column names.");
	ncol = JsonContainerSize(cols->val.binary.data);
	if (ncol == SurvfitNcol(flags | SURVFIT_ENTRY, ncause))
		flags |= SURVFIT_ENTRY;
	else if (ncol != SurvfitNcol(flags, ncause))
		SurvfitSyntax(input, psprintf("\"columns\" has %d names; a table with %d causes and weights \"%s\" has %d (or %d with late entries).",
									  ncol, ncause, WeightsName(flags),
									  SurvfitNcol(flags, ncause),
									  SurvfitNcol(flags | SURVFIT_ENTRY, ncause)));
	initStringInfo(&name);
	for (j = 0; j < ncol; j++)
	{
		v = getIthJsonbValueFromContainer(cols->val.binary.data, j);
		resetStringInfo(&name);
		AppendColumnName(&name, flags, ncause, j);
		if (!JsonbStringIs(v, name.data))
			SurvfitSyntax(input, psprintf("Column %d must be named \"%s\".", j + 1, name.data));
	}

	rows = JsonbMember(&jb->root, "rows", input);
	if (rows->type != jbvBinary || !JsonContainerIsArray(rows->val.binary.data))
		SurvfitSyntax(input, "\"rows\" must be an array of rows.");
	ntime = JsonContainerSize(rows->val.binary.data);
	if (ntime < 1)
		SurvfitSyntax(input, "\"rows\" is empty; a survfit has at least one row.");

	sf = SurvfitAlloc(flags, ncause, ntime);
	for (i = 0; i < ntime; i++)
	{
		JsonbValue *row = getIthJsonbValueFromContainer(rows->val.binary.data, i);

		if (row->type != jbvBinary || !JsonContainerIsArray(row->val.binary.data) ||
			JsonContainerSize(row->val.binary.data) != (uint32) ncol)
			SurvfitSyntax(input, psprintf("Row %d must be an array of %d numbers.", i + 1, ncol));
		for (j = 0; j < ncol; j++)
		{
			v = getIthJsonbValueFromContainer(row->val.binary.data, j);
			/* + 0.0 turns -0 into 0: equal values have equal bits */
			SurvfitColumn(sf, j)[i] = JsonbNumberValue(v, input, i + 1, j + 1) + 0.0;
		}
	}
	SurvfitValidate(sf, ERRCODE_INVALID_TEXT_REPRESENTATION, "survfit");

	error_context_stack = errcb.previous;
	PG_RETURN_SURVFIT_P(sf);
}

/* ---- binary I/O ---- */

/*
 * Write sf in the binary format: version byte, flags byte, causes (int16), rows (int32), then
 * the columns' float8 values column by column.
 */
void
SurvfitWriteBinary(StringInfo buf, const Survfit *sf)
{
	int			n = sf->ntime * SurvfitNcol(sf->flags, sf->ncause);
	int			i;

	pq_sendbyte(buf, SURVFIT_FORMAT_VERSION);
	pq_sendbyte(buf, sf->flags);
	pq_sendint16(buf, sf->ncause);
	pq_sendint32(buf, sf->ntime);
	for (i = 0; i < n; i++)
		pq_sendfloat8(buf, sf->data[i]);
}

/*
 * Read a survfit written by SurvfitWriteBinary from the rest of buf, check the declared sizes
 * against the bytes present before allocating, and validate it.
 */
Survfit *
SurvfitReadBinary(StringInfo buf, int sqlerrcode, const char *what)
{
	int			flags,
				ncause,
				ntime,
				ncol,
				n,
				i;
	int64		expect;
	Survfit    *sf;

	clinnova_recv_version(buf, SURVFIT_FORMAT_VERSION, what);
	if (buf->len - buf->cursor < 7)
		SurvfitInvalid(sqlerrcode, what, "The value is truncated.");
	flags = pq_getmsgbyte(buf);
	ncause = (int16) pq_getmsgint(buf, 2);
	ntime = (int32) pq_getmsgint(buf, 4);
	if (flags & ~SURVFIT_ALL_FLAGS)
		SurvfitInvalid(sqlerrcode, what, psprintf("Unknown flags 0x%02x.", flags));
	if (ncause < 1 || ncause > SURVFIT_MAX_CAUSES)
		SurvfitInvalid(sqlerrcode, what,
					   psprintf("The number of causes is %d; it must be between 1 and %d.",
								ncause, SURVFIT_MAX_CAUSES));
	if (ntime < 1)
		SurvfitInvalid(sqlerrcode, what, psprintf("The row count is %d.", ntime));
	ncol = SurvfitNcol(flags, ncause);
	expect = (int64) ntime * ncol * (int64) sizeof(double);
	if (expect != (int64) (buf->len - buf->cursor))
		SurvfitInvalid(sqlerrcode, what,
					   psprintf("%d rows of %d columns need " INT64_FORMAT " bytes but %d are present.",
								ntime, ncol, expect, buf->len - buf->cursor));
	sf = SurvfitAlloc(flags, ncause, ntime);
	n = ntime * ncol;
	for (i = 0; i < n; i++)
		sf->data[i] = pq_getmsgfloat8(buf) + 0.0;	/* -0 becomes 0 */
	SurvfitValidate(sf, sqlerrcode, what);
	return sf;
}

PG_FUNCTION_INFO_V1(survfit_send);
/* survfit_send: binary output (see SurvfitWriteBinary). */
Datum
survfit_send(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	SurvfitWriteBinary(&buf, sf);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(survfit_recv);
/* survfit_recv: binary input, running every check of survfit_in. */
Datum
survfit_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Survfit    *sf = SurvfitReadBinary(buf, ERRCODE_INVALID_BINARY_REPRESENTATION, "survfit");

	clinnova_recv_end(buf, "survfit");
	PG_RETURN_SURVFIT_P(sf);
}

/* ---- equality ---- */

/* Two survfit values are equal when their layouts and all stored numbers are identical. */
static bool
SurvfitEqual(const Survfit *a, const Survfit *b)
{
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

PG_FUNCTION_INFO_V1(survfit_eq);
/* survfit = survfit */
Datum
survfit_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SurvfitEqual(PG_GETARG_SURVFIT_P(0), PG_GETARG_SURVFIT_P(1)));
}

PG_FUNCTION_INFO_V1(survfit_ne);
/* survfit <> survfit */
Datum
survfit_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!SurvfitEqual(PG_GETARG_SURVFIT_P(0), PG_GETARG_SURVFIT_P(1)));
}

/* ---- argument errors of the aggregates ---- */

/* 22023: a time argument that is negative, NaN or infinite. */
void
SurvReportBadTime(double t, const char *argname)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be a finite number >= 0", argname),
			 errdetail("The %s is %s.", argname, float8out_internal(t)),
			 errhint("Filter or fix the row; NULL times are skipped.")));
}

/* 22023: a case weight that is negative, NaN, infinite or above SURV_MAX_WEIGHT. */
void
SurvReportBadWeight(double w)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("case weight must be a number between 0 and 1e150"),
			 errdetail("The weight is %s.", float8out_internal(w)),
			 errhint("Rows with weight 0 or NULL are skipped.")));
}

/* 22003: sums of case weights (or of their squares) overflowed float8. */
void
SurvReportWeightOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sums of case weights are out of range for type double precision"),
			 errhint("Rescale the weights: only their ratios matter.")));
}

/* 22023: a (start, stop] interval whose entry time is not before its exit time. */
void
SurvReportBadEntry(double entry, double time)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("entry time must be less than the exit time"),
			 errdetail("The entry time is %s and the exit time is %s.",
					   float8out_internal(entry), float8out_internal(time)),
			 errhint("A row describes the interval (entry, time]: at risk after entry, up to and including time.")));
}

/* 22023: an integer event code other than 0 or 1. */
void
SurvReportBadEvent(int32 event)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("event must be 0 (censored) or 1 (event)"),
			 errdetail("The event code is %d.", event),
			 errhint("Recode other codings first, e.g. status = 2 for R's 1/2 coding.")));
}

/* 22023: a competing-risks cause outside 0..SURVFIT_MAX_CAUSES. */
void
SurvReportBadCause(int32 cause)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cause must be between 0 (censored) and %d", SURVFIT_MAX_CAUSES),
			 errdetail("The cause is %d.", cause)));
}

/* ---- disclosure control ---- */

/*
 * One row of a disclosure series: a time and the values of one kind of count there (people
 * first, then weight sums when weighted), see SurvfitDiscloseSafe.
 */
typedef struct DiscRow
{
	double		time;
	double		v[3];			/* people [, weight sum [, squared-weight sum]] */
} DiscRow;

/* Refuse a result that cannot be made safe: 42501 naming the aggregate and the threshold. */
static void
DiscRefuse(const char *aggname, const char *what)
	pg_attribute_noreturn();

static void
DiscRefuse(const char *aggname, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s refused: the result would describe fewer than clinnova.min_cell_count = %d people",
					aggname, clinnova_min_cell_count),
			 errdetail("%s", what),
			 errhint("Federation roles see only results in which every group and every count describes at least clinnova.min_cell_count people; analyse larger groups.")));
}

/*
 * Merge the rows of one series (sorted by time, counts positive) so that each count is >= m.
 * forward: rows are merged towards the later time (exits may only move later); otherwise
 * towards the earlier time (entries may only move earlier), scanning from the end.  Rows with
 * equal times always merge.  An unsafe remainder at the end of the scan is folded into the
 * rows before it.  Returns the new row count; refuses when the whole series counts fewer
 * than m people.
 */
static int
MergeSeries(DiscRow *rows, int n, int nv, int m, bool forward, const char *aggname,
			const char *what)
{
	DiscRow    *out = palloc(sizeof(DiscRow) * Max(n, 1));
	int			nout = 0,
				i,
				j;
	bool		pending = false;
	DiscRow		acc;

	memset(&acc, 0, sizeof(acc));
	for (i = 0; i < n; i++)
	{
		DiscRow    *r = &rows[forward ? i : n - 1 - i];
		DiscRow    *next = (i + 1 < n) ? &rows[forward ? i + 1 : n - 2 - i] : NULL;

		if (!pending)
		{
			memset(&acc, 0, sizeof(acc));
			pending = true;
		}
		for (j = 0; j < nv; j++)
			acc.v[j] += r->v[j];
		acc.time = r->time;		/* the latest (forward) or earliest (backward) time so far */
		if (next != NULL && next->time == r->time)
			continue;
		if (acc.v[0] >= m)
		{
			out[nout++] = acc;
			pending = false;
		}
	}
	if (pending)
	{
		/* fold the remainder into the rows before it until it is safe */
		while (acc.v[0] < m && nout > 0)
		{
			nout--;
			for (j = 0; j < nv; j++)
				acc.v[j] += out[nout].v[j];
		}
		if (acc.v[0] < m)
			DiscRefuse(aggname, what);
		out[nout++] = acc;
	}
	for (i = 0; i < nout; i++)
		rows[i] = out[forward ? i : nout - 1 - i];
	pfree(out);
	return nout;
}

/* One value of the output table: which series (column group) and its row. */
typedef struct DiscCell
{
	double		time;
	int			series;			/* 0..k-1 events of a cause, k censored, k + 1 entered */
	const DiscRow *row;
} DiscCell;

/* qsort: cells by time. */
static int
DiscCellCmp(const void *a, const void *b)
{
	double		x = ((const DiscCell *) a)->time,
				y = ((const DiscCell *) b)->time;

	return (x > y) - (x < y);
}

/*
 * Refuse a group of fewer than clinnova.min_cell_count people, or with a number of events that
 * is positive but below it.  Used by SurvfitDiscloseSafe and by logrank for each of its cells.
 */
void
SurvDiscloseCheckGroup(int64 records, double events, const char *aggname)
{
	int			m = clinnova_min_cell_count;

	if (records < m)
		DiscRefuse(aggname, "A group has fewer people than the minimum cell count.");
	if (events > 0 && events < m)
		DiscRefuse(aggname, "A group has fewer events than the minimum cell count.");
}

/*
 * The disclosure-control transformation of a risk table (identity unless the current role is
 * a federation role, see clinnova_disclosure_control_active).  With m = clinnova.min_cell_count:
 *
 *   1. a table describing fewer than m people is refused (42501);
 *   2. exit times are rounded up to the time grain (clinnova_coarsen_time), entry times down
 *      to it: an exit may only move later and an entry only earlier, so every (entry, exit]
 *      interval still contains its exit and the risk sets stay consistent;
 *   3. each kind of count is a series of its own — the events of each cause, the censorings,
 *      the late entries — and each series is merged independently: exits forward in time (into
 *      the later time), entries backward (into the earlier time), until every row of the series
 *      counts at least m people; a short remainder is folded into the rows before it.  Merging
 *      the series separately keeps sparse censorings from dragging events along with them;
 *   4. a series counting fewer than m people in all (say 3 events, or 2 late entries) is
 *      refused;
 *   5. the series are laid out again as one table over the union of their times.
 * Weight sums travel with their counts.  Every count of the result is thus 0 or >= m people,
 * and so is the number at risk at every exit row.
 */
Survfit *
SurvfitDiscloseSafe(Survfit *sf, const char *aggname)
{
	SurvTable	t;
	int			m = clinnova_min_cell_count;
	int			k = sf->ncause;
	bool		w = (sf->flags & SURVFIT_WEIGHTED) != 0;
	double		grain = clinnova_time_grain;
	int			nseries = k + 2,
				ncell = 0,
				ntime = 0,
				s,
				i,
				flags;
	DiscRow   **rows = palloc(sizeof(DiscRow *) * nseries);
	int		   *nrows = palloc0(sizeof(int) * nseries);
	DiscCell   *cells;
	Survfit    *out;

	if (!clinnova_disclosure_control_active())
		return sf;

	SurvDiscloseCheckGroup(SurvfitRecords(sf), 0, aggname);
	SurvTableInit(&t, sf);
	for (s = 0; s < nseries; s++)
	{
		const double *np,
				   *wp,
				   *w2p;
		bool		entry = (s == k + 1);

		if (s < k)
			np = t.ev_n[s], wp = t.ev_w[s], w2p = t.ev_w2[s];
		else if (s == k)
			np = t.cens_n, wp = t.cens_w, w2p = t.cens_w2;
		else if (t.has_entry)
			np = t.ent_n, wp = t.ent_w, w2p = NULL;
		else
		{
			rows[s] = NULL;
			continue;
		}
		rows[s] = palloc0(sizeof(DiscRow) * t.ntime);
		for (i = 0; i < t.ntime; i++)
		{
			DiscRow    *r;

			if (np[i] <= 0)
				continue;
			r = &rows[s][nrows[s]++];
			r->time = !entry ? clinnova_coarsen_time(t.time[i]) :
				(grain > 0 ? floor(t.time[i] / grain) * grain : t.time[i]);
			r->v[0] = np[i];
			r->v[1] = wp[i];
			r->v[2] = w2p ? w2p[i] : 0;
		}
		if (nrows[s] > 0)
			nrows[s] = MergeSeries(rows[s], nrows[s], w ? 3 : 1, m, !entry, aggname,
								   s < k ? "An event count stays below the minimum cell count after merging all times." :
								   s == k ? "The number of censorings stays below the minimum cell count after merging all times." :
								   "The number of late entries is below the minimum cell count.");
		ncell += nrows[s];
	}

	/* lay the series out again over the union of their times */
	cells = palloc(sizeof(DiscCell) * Max(ncell, 1));
	ncell = 0;
	for (s = 0; s < nseries; s++)
		for (i = 0; i < nrows[s]; i++)
		{
			cells[ncell].time = rows[s][i].time;
			cells[ncell].series = s;
			cells[ncell++].row = &rows[s][i];
		}
	qsort(cells, ncell, sizeof(DiscCell), DiscCellCmp);
	for (i = 0; i < ncell; i++)
		if (i == 0 || cells[i].time != cells[i - 1].time)
			ntime++;
	flags = sf->flags & ~SURVFIT_ENTRY;
	if (nrows[k + 1] > 0)
		flags |= SURVFIT_ENTRY;
	out = SurvfitAlloc(flags, k, ntime);
	for (i = 0, ntime = -1; i < ncell; i++)
	{
		const DiscCell *c = &cells[i];
		int			col;

		if (i == 0 || c->time != cells[i - 1].time)
			SurvfitColumn(out, 0)[++ntime] = c->time;
		col = c->series < k ? SurvfitColEvents(flags, c->series) :
			c->series == k ? SurvfitColCensored(flags, k) : SurvfitColEntered(flags, k);
		SurvfitColumn(out, col)[ntime] = c->row->v[0];
		if (w)
		{
			SurvfitColumn(out, col + 1)[ntime] = c->row->v[1];
			if (c->series <= k)
				SurvfitColumn(out, col + 2)[ntime] = c->row->v[2];
		}
	}
	SurvfitValidate(out, ERRCODE_INTERNAL_ERROR, "survfit");
	return out;
}
