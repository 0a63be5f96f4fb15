/*
 * km.c — Kaplan-Meier in SQL: the km and km_merge aggregates, their parallel support functions
 * (shared with cif), and the accessors that read a survfit as a KM curve: km_table, surv_at,
 * median_survival, surv_quantile, nelson_aalen and survfit_summary.
 *
 * Transition functions run once per row, so they do the least possible: NULL checks, one
 * range check per argument, one slot lookup (a direct array index for integer times), one or
 * two additions.  Rows with a NULL time, event, entry or weight, and rows with weight 0, are
 * skipped (R drops zero weights too).
 *
 * Only km(time, event) has an integer 0/1 event overload: with integer events the three-
 * argument forms km(time, event, weight) and km(entry, time, event) would both accept
 * (float8, integer, integer-or-float8) arguments, and PostgreSQL would either refuse the call
 * as ambiguous or silently pick the wrong meaning.  The other forms take a boolean event.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/tuplestore.h"

#include "clinnova.h"
#include "survfit.h"

/* ---- transition ---- */

/* The state argument, created (in the aggregate context) on the first counted row. */
static inline SurvState *
KmGetState(FunctionCallInfo fcinfo, int ncause, bool weighted)
{
	MemoryContext aggcxt;

	if (!PG_ARGISNULL(0))
		return (SurvState *) PG_GETARG_POINTER(0);
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: survival transition function called outside an aggregate");
	return SurvStateCreate(aggcxt, ncause, weighted);
}

/* Return the state unchanged (a skipped row): NULL while nothing has been counted. */
#define KM_SKIP_ROW() \
	do { \
		if (PG_ARGISNULL(0)) \
			PG_RETURN_NULL(); \
		PG_RETURN_POINTER(PG_GETARG_POINTER(0)); \
	} while (0)

/* 22023 unless the integer event code is 0 or 1. */
static inline bool
KmIntEvent(int32 e)
{
	if (unlikely(e != 0 && e != 1))
		SurvReportBadEvent(e);
	return e == 1;
}

/*
 * Count one row: an exit at time (an event when event, else a censoring) with weight w
 * (weighted states only), and, when entry >= 0, a late entry at entry.  Arguments are valid.
 */
static inline void
KmCount(SurvState *st, double entry, double time, bool event, double w)
{
	double	   *slot = SurvStateSlot(st, time);

	if (!st->weighted)
	{
		slot[event ? 0 : 1] += 1;
		if (entry >= 0)
			SurvStateSlot(st, entry)[2] += 1;
	}
	else
	{
		/* one cause: [events, censored, entered, ev_w, ev_w2, cens_w, cens_w2, ent_w] */
		int			j = event ? 0 : 1;

		slot[j] += 1;
		slot[3 + 2 * j] += w;
		slot[4 + 2 * j] += w * w;
		if (w != floor(w))
			st->fractional = true;
		if (entry >= 0)
		{
			slot = SurvStateSlot(st, entry);
			slot[2] += 1;
			slot[7] += w;
		}
	}
}

PG_FUNCTION_INFO_V1(km_transfn);
/* km(time float8, event boolean) transition. */
Datum
km_transfn(PG_FUNCTION_ARGS)
{
	double		t;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		KM_SKIP_ROW();
	t = PG_GETARG_FLOAT8(1);
	SurvCheckTime(t, "time");
	{
		SurvState  *st = KmGetState(fcinfo, 1, false);

		KmCount(st, -1, t + 0.0, PG_GETARG_BOOL(2), 1);
		PG_RETURN_POINTER(st);
	}
}

PG_FUNCTION_INFO_V1(km_int_transfn);
/* km(time float8, event integer) transition: event 0 or 1. */
Datum
km_int_transfn(PG_FUNCTION_ARGS)
{
	double		t;
	bool		e;
	SurvState  *st;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		KM_SKIP_ROW();
	t = PG_GETARG_FLOAT8(1);
	SurvCheckTime(t, "time");
	e = KmIntEvent(PG_GETARG_INT32(2));
	st = KmGetState(fcinfo, 1, false);
	KmCount(st, -1, t + 0.0, e, 1);
	PG_RETURN_POINTER(st);
}

/* Shared body of the weighted transitions; event already decoded. */
static Datum
KmWeighted(FunctionCallInfo fcinfo, bool event)
{
	double		t = PG_GETARG_FLOAT8(1);
	double		w = PG_GETARG_FLOAT8(3);
	SurvState  *st;

	SurvCheckTime(t, "time");
	SurvCheckWeight(w);
	if (w == 0)
		KM_SKIP_ROW();
	st = KmGetState(fcinfo, 1, true);
	KmCount(st, -1, t + 0.0, event, w);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(km_weighted_transfn);
/* km(time float8, event boolean, weight float8) transition. */
Datum
km_weighted_transfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		KM_SKIP_ROW();
	return KmWeighted(fcinfo, PG_GETARG_BOOL(2));
}

/* Shared body of the entry transitions: (entry, time] with event and weight (w = 1 unweighted). */
static Datum
KmEntry(FunctionCallInfo fcinfo, bool event, bool weighted, double w)
{
	double		entry = PG_GETARG_FLOAT8(1);
	double		t = PG_GETARG_FLOAT8(2);
	SurvState  *st;

	SurvCheckTime(entry, "entry time");
	SurvCheckTime(t, "time");
	if (!(entry < t))
		SurvReportBadEntry(entry, t);
	if (weighted)
	{
		SurvCheckWeight(w);
		if (w == 0)
			KM_SKIP_ROW();
	}
	st = KmGetState(fcinfo, 1, weighted);
	KmCount(st, entry + 0.0, t, event, w);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(km_entry_transfn);
/* km(entry float8, time float8, event boolean) transition. */
Datum
km_entry_transfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		KM_SKIP_ROW();
	return KmEntry(fcinfo, PG_GETARG_BOOL(3), false, 1);
}

PG_FUNCTION_INFO_V1(km_entry_weighted_transfn);
/* km(entry float8, time float8, event boolean, weight float8) transition. */
Datum
km_entry_weighted_transfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		KM_SKIP_ROW();
	return KmEntry(fcinfo, PG_GETARG_BOOL(3), true, PG_GETARG_FLOAT8(4));
}

PG_FUNCTION_INFO_V1(km_merge_transfn);
/* km_merge(survfit) transition: add the table's rows (NULL tables are skipped). */
Datum
km_merge_transfn(PG_FUNCTION_ARGS)
{
	Survfit    *sf;
	SurvState  *st;

	if (PG_ARGISNULL(1))
		KM_SKIP_ROW();
	sf = PG_GETARG_SURVFIT_P(1);
	st = KmGetState(fcinfo, sf->ncause, (sf->flags & SURVFIT_WEIGHTED) != 0);
#ifdef CLINNOVA_ASSERT_CHECKING
	{
		int64		before = SurvStateRecords(st) + SurvfitRecords(sf);

		SurvStateAddSurvfit(st, sf);
		CLINNOVA_ASSERT(SurvStateRecords(st) == before);
	}
#else
	SurvStateAddSurvfit(st, sf);
#endif
	PG_RETURN_POINTER(st);
}

/* ---- parallel support (shared by km, km_merge and cif) ---- */

PG_FUNCTION_INFO_V1(km_combine);
/* Combine two partial states; a NULL first state is replaced by a copy in the aggregate context. */
Datum
km_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	SurvState  *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: km_combine called outside an aggregate");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (SurvState *) PG_GETARG_POINTER(1);
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(SurvStateCopy(aggcxt, b));
	a = (SurvState *) PG_GETARG_POINTER(0);
#ifdef CLINNOVA_ASSERT_CHECKING
	{
		int64		before = SurvStateRecords(a) + SurvStateRecords(b);

		SurvStateAddState(a, b);
		CLINNOVA_ASSERT(SurvStateRecords(a) == before);
	}
#else
	SurvStateAddState(a, b);
#endif
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(km_serialize);
/* Serialize a state as its sorted risk table in survfit's binary format. */
Datum
km_serialize(PG_FUNCTION_ARGS)
{
	SurvState  *st = (SurvState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	SurvfitWriteBinary(&buf, SurvStateToSurvfit(st));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(km_deserialize);
/* Rebuild a state from km_serialize's bytes, checking version, lengths and every invariant. */
Datum
km_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	Survfit    *sf;
	SurvState  *st;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	sf = SurvfitReadBinary(&buf, ERRCODE_INVALID_BINARY_REPRESENTATION, "survival aggregate state");
	clinnova_recv_end(&buf, "survival aggregate state");
	st = SurvStateCreate(CurrentMemoryContext, sf->ncause, (sf->flags & SURVFIT_WEIGHTED) != 0);
	SurvStateAddSurvfit(st, sf);
	PG_RETURN_POINTER(st);
}

/* The final risk table of a state, after disclosure control; NULL for no rows. */
static Datum
KmFinal(FunctionCallInfo fcinfo, const char *aggname)
{
	Survfit    *sf;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	sf = SurvStateToSurvfit((SurvState *) PG_GETARG_POINTER(0));
	PG_RETURN_SURVFIT_P(SurvfitDiscloseSafe(sf, aggname));
}

PG_FUNCTION_INFO_V1(km_finalfn);
/* km final function. */
Datum
km_finalfn(PG_FUNCTION_ARGS)
{
	return KmFinal(fcinfo, "km");
}

PG_FUNCTION_INFO_V1(km_merge_finalfn);
/* km_merge final function. */
Datum
km_merge_finalfn(PG_FUNCTION_ARGS)
{
	return KmFinal(fcinfo, "km_merge");
}

PG_FUNCTION_INFO_V1(cif_finalfn);
/* cif final function. */
Datum
cif_finalfn(PG_FUNCTION_ARGS)
{
	return KmFinal(fcinfo, "cif");
}

/* ---- accessors ---- */

/* Form a composite result from values/nulls for a function with OUT parameters. */
static Datum
KmRecord(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: function returning a record called in a context that cannot accept one");
	tupdesc = BlessTupleDesc(tupdesc);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* A float8 datum, NULL when isnull. */
static inline void
SetFloat(Datum *values, bool *nulls, int i, double v, bool isnull)
{
	values[i] = Float8GetDatum(isnull ? 0 : v);
	nulls[i] = isnull;
}

PG_FUNCTION_INFO_V1(km_table);
/*
 * km_table(curve, conf_type, conf_level, variance): one row per exit time with the numbers
 * R's survfit object holds (std_err on the -log S scale).
 */
Datum
km_table(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	SurvConfType ct = SurvParseConfType(PG_GETARG_TEXT_PP(1));
	double		z = SurvConfZ(PG_GETARG_FLOAT8(2));
	SurvVariance v = SurvParseVariance(PG_GETARG_TEXT_PP(3));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SurvCurve  *cv;
	double	   *lo,
			   *hi;
	bool	   *lon,
			   *hin;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	cv = SurvKaplanMeier(sf, v, 1, "km_table");
	SurvCurveBands(cv, ct, z, &lo, &lon, &hi, &hin);
	for (i = 0; i < cv->nrow; i++)
	{
		Datum		values[10];
		bool		nulls[10] = {false};

		SetFloat(values, nulls, 0, cv->time[i], false);
		SetFloat(values, nulls, 1, cv->n_risk[i], false);
		SetFloat(values, nulls, 2, cv->n_event[i], false);
		SetFloat(values, nulls, 3, cv->n_censor[i], false);
		SetFloat(values, nulls, 4, cv->surv[i], false);
		SetFloat(values, nulls, 5, cv->std_err[i], false);
		SetFloat(values, nulls, 6, lo[i], lon[i]);
		SetFloat(values, nulls, 7, hi[i], hin[i]);
		SetFloat(values, nulls, 8, cv->cumhaz[i], false);
		SetFloat(values, nulls, 9, cv->std_chaz[i], false);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(surv_at);
/*
 * surv_at(curve, t): the KM estimate at t (right-continuous step function): 1 before the first
 * time, NULL after the last time (R's summary(fit, times) drops such times).
 */
Datum
surv_at(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	double		t = PG_GETARG_FLOAT8(1);
	SurvCurve  *cv;
	int			lo = 0,
				hi;

	if (isnan(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must not be NaN")));
	cv = SurvKaplanMeier(sf, SURV_VAR_GREENWOOD, 1, "surv_at");
	if (cv->nrow == 0 || t > cv->time[cv->nrow - 1])
		PG_RETURN_NULL();
	if (t < cv->time[0])
		PG_RETURN_FLOAT8(1.0);
	/* largest row with time <= t */
	hi = cv->nrow - 1;
	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (cv->time[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	PG_RETURN_FLOAT8(cv->surv[lo]);
}

PG_FUNCTION_INFO_V1(median_survival);
/*
 * median_survival(curve, conf_type, conf_level, variance) -> (median, lower, upper): R's
 * print.survfit median and its confidence limits read off the bands (NULL where R has NA).
 */
Datum
median_survival(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	SurvConfType ct = SurvParseConfType(PG_GETARG_TEXT_PP(1));
	double		z = SurvConfZ(PG_GETARG_FLOAT8(2));
	SurvVariance v = SurvParseVariance(PG_GETARG_TEXT_PP(3));
	SurvCurve  *cv = SurvKaplanMeier(sf, v, 1, "median_survival");
	double	   *lo,
			   *hi,
				r;
	bool	   *lon,
			   *hin,
			   *none = palloc0(sizeof(bool) * Max(cv->nrow, 1));
	Datum		values[3];
	bool		nulls[3];

	SurvCurveBands(cv, ct, z, &lo, &lon, &hi, &hin);
	nulls[0] = !SurvMinMin(cv->nrow, cv->time, cv->surv, none, &r);
	values[0] = Float8GetDatum(nulls[0] ? 0 : r);
	nulls[1] = !SurvMinMin(cv->nrow, cv->time, lo, lon, &r);
	values[1] = Float8GetDatum(nulls[1] ? 0 : r);
	nulls[2] = !SurvMinMin(cv->nrow, cv->time, hi, hin, &r);
	values[2] = Float8GetDatum(nulls[2] ? 0 : r);
	PG_RETURN_DATUM(KmRecord(fcinfo, values, nulls));
}

PG_FUNCTION_INFO_V1(surv_quantile);
/*
 * surv_quantile(curve, p, conf_type, conf_level, variance) -> (quantile, lower, upper): R's
 * quantile.survfit for probability p (the time by which a fraction p has had the event).
 */
Datum
surv_quantile(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	double		p = PG_GETARG_FLOAT8(1);
	SurvConfType ct = SurvParseConfType(PG_GETARG_TEXT_PP(2));
	double		z = SurvConfZ(PG_GETARG_FLOAT8(3));
	SurvVariance v = SurvParseVariance(PG_GETARG_TEXT_PP(4));
	SurvCurve  *cv;
	double	   *lo,
			   *hi,
				r;
	bool	   *lon,
			   *hin,
			   *none;
	Datum		values[3];
	bool		nulls[3];

	if (!(p >= 0 && p <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p must be between 0 and 1"),
				 errdetail("The p is %s.", float8out_internal(p))));
	cv = SurvKaplanMeier(sf, v, 1, "surv_quantile");
	none = palloc0(sizeof(bool) * Max(cv->nrow, 1));
	SurvCurveBands(cv, ct, z, &lo, &lon, &hi, &hin);
	nulls[0] = !SurvFindQuantile(cv->nrow, cv->time, cv->surv, none, p, &r);
	values[0] = Float8GetDatum(nulls[0] ? 0 : r);
	nulls[1] = !SurvFindQuantile(cv->nrow, cv->time, lo, lon, p, &r);
	values[1] = Float8GetDatum(nulls[1] ? 0 : r);
	nulls[2] = !SurvFindQuantile(cv->nrow, cv->time, hi, hin, p, &r);
	values[2] = Float8GetDatum(nulls[2] ? 0 : r);
	PG_RETURN_DATUM(KmRecord(fcinfo, values, nulls));
}

PG_FUNCTION_INFO_V1(nelson_aalen);
/*
 * nelson_aalen(curve, ctype, conf_type, conf_level, variance): the cumulative hazard per exit
 * time with its standard error, and R's stype = 2 survival exp(-cumhaz) with its bands.
 */
Datum
nelson_aalen(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	int32		ctype = PG_GETARG_INT32(1);
	SurvConfType ct = SurvParseConfType(PG_GETARG_TEXT_PP(2));
	double		z = SurvConfZ(PG_GETARG_FLOAT8(3));
	SurvVariance v = SurvParseVariance(PG_GETARG_TEXT_PP(4));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SurvCurve  *cv;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	cv = SurvKaplanMeier(sf, v, ctype, "nelson_aalen");
	for (i = 0; i < cv->nrow; i++)
	{
		Datum		values[9];
		bool		nulls[9] = {false};
		double		s = exp(-cv->cumhaz[i]),
					lo = 0,
					hi = 0;
		bool		lon,
					hin;

		SurvConfInt(s, cv->std_chaz[i], ct, z, &lo, &lon, &hi, &hin);
		SetFloat(values, nulls, 0, cv->time[i], false);
		SetFloat(values, nulls, 1, cv->cumhaz[i], false);
		SetFloat(values, nulls, 2, cv->std_chaz[i], false);
		SetFloat(values, nulls, 3, cv->n_risk[i], false);
		SetFloat(values, nulls, 4, cv->n_event[i], false);
		SetFloat(values, nulls, 5, cv->n_censor[i], false);
		SetFloat(values, nulls, 6, s, false);
		SetFloat(values, nulls, 7, lo, lon);
		SetFloat(values, nulls, 8, hi, hin);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(survfit_summary);
/*
 * survfit_summary(curve) -> (records, n_max, n_start, events, causes, weights, late_entries,
 * times): R's summary table counts (records, n.max, n.start, events) and the table's shape.
 */
Datum
survfit_summary(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	SurvCurve  *cv = SurvKaplanMeier(sf, SURV_VAR_GREENWOOD, 1, "survfit_summary");
	Datum		values[8];
	bool		nulls[8] = {false};
	double		nmax = 0,
				events = 0;
	int			i;

	for (i = 0; i < cv->nrow; i++)
	{
		nmax = Max(nmax, cv->n_risk[i]);
		events += cv->n_event[i];
	}
	values[0] = Int64GetDatum(SurvfitRecords(sf));
	values[1] = Float8GetDatum(nmax);
	values[2] = Float8GetDatum(cv->nrow > 0 ? cv->n_risk[0] : 0);
	nulls[2] = cv->nrow == 0;
	values[3] = Float8GetDatum(events);
	values[4] = Int32GetDatum(sf->ncause);
	values[5] = CStringGetTextDatum(!(sf->flags & SURVFIT_WEIGHTED) ? "none" :
									(sf->flags & SURVFIT_FRACTIONAL) ? "fractional" : "integer");
	values[6] = BoolGetDatum((sf->flags & SURVFIT_ENTRY) != 0);
	values[7] = Int32GetDatum(sf->ntime);
	PG_RETURN_DATUM(KmRecord(fcinfo, values, nulls));
}
