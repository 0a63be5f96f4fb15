/*
 * rmst.c — restricted mean survival time: rmst(curve, tau) as R's print(fit, rmean = tau)
 * reports it, and rmst_diff(curve_a, curve_b, tau) for two independent groups (difference,
 * standard error sqrt(se_a^2 + se_b^2), normal confidence limits and two-sided p-value).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/float.h"

#include "clinnova.h"
#include "distributions.h"
#include "survfit.h"

/* 22023 unless tau is finite and > 0. */
static void
RmstCheckTau(double tau)
{
	if (!(tau > 0 && tau <= DBL_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tau must be a finite number > 0"),
				 errdetail("The tau is %s.", float8out_internal(tau))));
}

/* The restricted mean and its standard error of the KM curve of sf up to tau. */
static void
RmstOf(const Survfit *sf, double tau, double *mean, double *se, const char *fname)
{
	SurvCurve  *cv = SurvKaplanMeier(sf, SURV_VAR_GREENWOOD, 1, fname);

	SurvRestrictedMean(cv, tau, mean, se);
}

/* A record of n float8 values (NULL where isnull[i]) for a function with OUT parameters. */
static Datum
RmstRecord(FunctionCallInfo fcinfo, const double *v, const bool *isnull, int n)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5];
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: function returning a record called in a context that cannot accept one");
	tupdesc = BlessTupleDesc(tupdesc);
	for (i = 0; i < n; i++)
	{
		values[i] = Float8GetDatum(isnull[i] ? 0 : v[i]);
		nulls[i] = isnull[i];
	}
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

PG_FUNCTION_INFO_V1(rmst);
/* rmst(curve, tau) -> (rmst, se). */
Datum
rmst(PG_FUNCTION_ARGS)
{
	Survfit    *sf = PG_GETARG_SURVFIT_P(0);
	double		tau = PG_GETARG_FLOAT8(1);
	double		v[2];
	bool		isnull[2] = {false, false};

	RmstCheckTau(tau);
	RmstOf(sf, tau, &v[0], &v[1], "rmst");
	PG_RETURN_DATUM(RmstRecord(fcinfo, v, isnull, 2));
}

PG_FUNCTION_INFO_V1(rmst_diff);
/*
 * rmst_diff(curve_a, curve_b, tau, conf_level) -> (diff, se, lower, upper, p): RMST of a minus
 * RMST of b.  With se = 0 the p-value is 0 for a non-zero difference and NULL for none (R:
 * 2 * pnorm(-|0/0|) is NaN).
 */
Datum
rmst_diff(PG_FUNCTION_ARGS)
{
	Survfit    *a = PG_GETARG_SURVFIT_P(0);
	Survfit    *b = PG_GETARG_SURVFIT_P(1);
	double		tau = PG_GETARG_FLOAT8(2);
	double		z = SurvConfZ(PG_GETARG_FLOAT8(3));
	double		ma,
				sa,
				mb,
				sb,
				v[5];
	bool		isnull[5] = {false, false, false, false, false};

	RmstCheckTau(tau);
	RmstOf(a, tau, &ma, &sa, "rmst_diff");
	RmstOf(b, tau, &mb, &sb, "rmst_diff");
	v[0] = ma - mb;
	v[1] = sqrt(sa * sa + sb * sb);
	if (isinf(v[1]) && !isinf(sa) && !isinf(sb))
		v[1] = hypot(sa, sb);	/* the squares overflowed (areas near DBL_MAX) */
	v[2] = v[0] - z * v[1];
	v[3] = v[0] + z * v[1];
	if (v[1] > 0)
		v[4] = 2 * dist_norm_upper(fabs(v[0]) / v[1]);
	else if (v[0] != 0)
		v[4] = 0;
	else
		isnull[4] = true;
	PG_RETURN_DATUM(RmstRecord(fcinfo, v, isnull, 5));
}
