/*
 * coxph_predict.c — predictions from a coxmodel for new patients: linear predictor, relative
 * risk, survival probability at a time, and the whole survival curve with its confidence
 * band (R's predict.coxph and survfit(fit, newdata) defaults).
 *
 * Scoring runs once per row of a query, so the detoasted, parsed model is cached in
 * fn_extra for the duration of the query: the cache is keyed by the model argument's bytes
 * (the TOAST pointer for a stored model, the value itself otherwise), so scoring a million
 * rows against one model parses it once.  A model computed in the same query (a subquery)
 * arrives as the same pointer every row, which is recognized without comparing its bytes.
 *
 * Survival curves (survfit.coxph: stype 2, ctype 2 for Efron fits and 1 for Breslow, conf.type
 * log): for a patient x with z = x - means and r = exp(z . beta) (aliased terms count 0),
 *   cumhaz(t) = r H(t),  surv(t) = exp(-cumhaz(t)),
 *   std_err(t) = r sqrt(V(t) + q' Var q),  q = H(t) z - Xbar(t),
 *   lower, upper = exp(log surv -+ z_alpha std_err), upper capped at 1; NULL where surv = 0.
 * Var is the variance the model reports (robust when the fit was robust, like R).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "clinnova.h"
#include "distributions.h"
#include "coxph.h"

PG_FUNCTION_INFO_V1(coxph_predict_lp);
PG_FUNCTION_INFO_V1(coxph_predict_risk);
PG_FUNCTION_INFO_V1(coxph_predict_generic);
PG_FUNCTION_INFO_V1(coxph_predict_surv);
PG_FUNCTION_INFO_V1(coxph_predict_curve);

/* Bytes of a cached model value compared at the head and tail for a same-pointer hit. */
#define CACHE_PROBE 256
/* Inline values up to this size are compared in full. */
#define CACHE_FULL_COMPARE 65536

/*
 * Per-query model cache in fn_extra.  Invariant: model points into detoasted, which lives
 * in fn_mcxt; key holds the bytes (or TOAST pointer) the model was read from; coef0 is coef
 * with aliased terms 0.
 */
typedef struct ModelCache
{
	const void *rawptr;			/* the argument's pointer when cached */
	Size		keylen;
	char	   *key;			/* copy of the key bytes (at most CACHE_FULL_COMPARE) */
	bool		key_is_probe;	/* key holds only head and tail probes */
	struct varlena *detoasted;
	CoxModel   *model;
	double	   *coef0;
	double		zq;				/* normal quantile of the confidence level */
	double	   *z;				/* scratch: centred covariates */
	double	   *q;				/* scratch: H z - Xbar */
	int64	   *ev_index;		/* per baseline time: event ordinal in its stratum, or -1 */
} ModelCache;

/* Would the raw argument bytes match the cached key? */
static bool
CacheMatches(const ModelCache *c, const struct varlena *raw)
{
	Size		len;

	if (VARATT_IS_EXTERNAL(raw))
	{
		len = VARSIZE_EXTERNAL(raw);
		return !c->key_is_probe && c->keylen == len && memcmp(c->key, raw, len) == 0;
	}
	len = VARSIZE_ANY(raw);
	if (c->keylen != len)
		return false;
	if (!c->key_is_probe)
		return memcmp(c->key, raw, len) == 0;
	/* a large in-memory value: same pointer, same length, same head and tail */
	return c->rawptr == (const void *) raw &&
		memcmp(c->key, raw, CACHE_PROBE) == 0 &&
		memcmp(c->key + CACHE_PROBE, (const char *) raw + len - CACHE_PROBE, CACHE_PROBE) == 0;
}

/* Record the key of raw in c (in the current context). */
static void
CacheSetKey(ModelCache *c, const struct varlena *raw)
{
	Size		len = VARATT_IS_EXTERNAL(raw) ? VARSIZE_EXTERNAL(raw) : VARSIZE_ANY(raw);

	c->rawptr = raw;
	c->keylen = len;
	if (VARATT_IS_EXTERNAL(raw) || len <= CACHE_FULL_COMPARE)
	{
		c->key = palloc(len);
		memcpy(c->key, raw, len);
		c->key_is_probe = false;
	}
	else
	{
		c->key = palloc(2 * CACHE_PROBE);
		memcpy(c->key, raw, CACHE_PROBE);
		memcpy(c->key + CACHE_PROBE, (const char *) raw + len - CACHE_PROBE, CACHE_PROBE);
		c->key_is_probe = true;
	}
}

/* The parsed model of argument argno, from the cache when the same value is passed again. */
static ModelCache *
CachedModel(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	ModelCache *c = (ModelCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	int			j;

	if (c != NULL && CacheMatches(c, raw))
		return c;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (c != NULL)
	{
		/* a different model: release the old one */
		if (c->detoasted != (struct varlena *) c->rawptr)
			pfree(c->detoasted);
		pfree(c->key);
		if (c->ev_index)
			pfree(c->ev_index);
	}
	else
		c = palloc0(sizeof(ModelCache));
	c->ev_index = NULL;
	c->detoasted = (struct varlena *) PG_DETOAST_DATUM_COPY(PointerGetDatum(raw));
	c->model = CoxModelParse(c->detoasted);
	CacheSetKey(c, raw);
	c->coef0 = palloc(sizeof(double) * c->model->p);
	for (j = 0; j < c->model->p; j++)
		c->coef0[j] = isnan(c->model->coef[j]) ? 0.0 : c->model->coef[j];
	c->zq = dist_norm_quantile(1.0 - (1.0 - c->model->hdr->conf_level) / 2.0);
	c->z = palloc(sizeof(double) * c->model->p);
	c->q = palloc(sizeof(double) * c->model->p);
	fcinfo->flinfo->fn_extra = c;
	MemoryContextSwitchTo(old);
	return c;
}

/* Event ordinal of the last event time <= each baseline time of its stratum (-1: none). */
static void
IndexBaseline(FunctionCallInfo fcinfo, ModelCache *c)
{
	CoxModel   *m = c->model;
	MemoryContext old;
	int			s;

	if (c->ev_index)
		return;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	c->ev_index = palloc_extended(sizeof(int64) * Max(m->hdr->ntimes, 1), MCXT_ALLOC_HUGE);
	MemoryContextSwitchTo(old);
	for (s = 0; s < m->nstrata; s++)
	{
		int64		i,
					e = m->ev_first[s] - 1;

		for (i = m->time_first[s]; i < m->time_first[s + 1]; i++)
		{
			if (m->n_event[i] > 0)
				e++;
			c->ev_index[i] = e >= m->ev_first[s] ? e : -1;
		}
	}
}

/* x as a float8[] of the model's length; 22023 otherwise. */
static const double *
CovariateArg(FunctionCallInfo fcinfo, int argno, const CoxModel *m)
{
	int			n;
	const double *x;
	int			j;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x must not be NULL")));
	x = clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(argno), &n, "x");
	if (n != m->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x has %d elements but the model has %d terms", n, m->p),
				 errhint("Give the covariates in the order of coxph_coefs(model).")));
	for (j = 0; j < n; j++)
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("covariates must be finite numbers"),
					 errdetail("Element %d of x is %s.", j + 1, float8out_internal(x[j]))));
	return x;
}

/* Centred linear predictor (x - means) . beta, aliased terms 0; fills c->z. */
static double
LinearPredictor(ModelCache *c, const double *x)
{
	const CoxModel *m = c->model;
	double		lp = 0;
	int			j;

	for (j = 0; j < m->p; j++)
	{
		c->z[j] = x[j] - m->means[j];
		lp += c->z[j] * c->coef0[j];
	}
	return lp;
}

/* predict_lp(model, x): R's predict(fit, newdata, type = "lp"). */
Datum
coxph_predict_lp(PG_FUNCTION_ARGS)
{
	ModelCache *c = CachedModel(fcinfo, 0);

	PG_RETURN_FLOAT8(LinearPredictor(c, CovariateArg(fcinfo, 1, c->model)));
}

/* predict_risk(model, x): R's predict(fit, newdata, type = "risk") = exp(lp). */
Datum
coxph_predict_risk(PG_FUNCTION_ARGS)
{
	ModelCache *c = CachedModel(fcinfo, 0);

	PG_RETURN_FLOAT8(exp(LinearPredictor(c, CovariateArg(fcinfo, 1, c->model))));
}

/* predict(model, x, type): 'lp', or 'risk' / 'response' (synonyms; the default). */
Datum
coxph_predict_generic(PG_FUNCTION_ARGS)
{
	ModelCache *c = CachedModel(fcinfo, 0);
	double		lp = LinearPredictor(c, CovariateArg(fcinfo, 1, c->model));
	char	   *type = PG_ARGISNULL(2) ? "risk" : text_to_cstring(PG_GETARG_TEXT_PP(2));

	if (strcmp(type, "lp") == 0)
		PG_RETURN_FLOAT8(lp);
	if (strcmp(type, "risk") == 0 || strcmp(type, "response") == 0)
		PG_RETURN_FLOAT8(exp(lp));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown prediction type \"%s\" for a coxmodel", type),
			 errhint("Use 'lp' (linear predictor) or 'risk' (relative risk, also 'response').")));
	PG_RETURN_NULL();
}

/*
 * The stratum a prediction refers to: the named one, the only one, or (for NULL) the NULL
 * stratum of a model that has one; -1 from predict_curve means "all strata".
 */
static int
PredictionStratum(FunctionCallInfo fcinfo, int argno, const CoxModel *m, bool all_allowed,
				  const char *fname)
{
	int			s;

	if (argno < PG_NARGS() && !PG_ARGISNULL(argno))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(argno));

		s = CoxModelFindStratum(m, name, false);
		if (s < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the model has no stratum \"%s\"", name),
					 errhint("The strata are listed by coxph_basehaz(model).")));
		return s;
	}
	if (m->nstrata == 1)
		return 0;
	if (all_allowed)
		return -1;
	s = CoxModelFindStratum(m, NULL, true);
	if (s < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a stratum for a model with %d strata", fname, m->nstrata),
				 errhint("Pass the stratum name as the last argument.")));
	return s;
}

/*
 * Survival, cumulative hazard and standard error of patient (c->z, risk r) at baseline time
 * index i; before the stratum's first event: surv 1, cumhaz 0, std_err 0 (as R).
 */
static void
CurvePoint(ModelCache *c, int64 i, double r, double *surv, double *cumhaz, double *se)
{
	const CoxModel *m = c->model;
	const double *V = CoxModelVar(m);
	int64		e = c->ev_index[i];
	int			p = m->p;
	int			j,
				k;
	double		H,
				quad = 0;

	if (e < 0)
	{
		*surv = 1.0;
		*cumhaz = 0.0;
		*se = 0.0;
		return;
	}
	H = m->cumhaz[e];
	for (j = 0; j < p; j++)
		c->q[j] = H * c->z[j] - m->cumxbar[e * p + j];
	for (j = 0; j < p; j++)
		for (k = 0; k < p; k++)
			quad += c->q[j] * V[j + k * p] * c->q[k];
	*cumhaz = H * r;
	*surv = exp(-*cumhaz);
	*se = sqrt((m->cumvar[e] + quad) * r * r);
}

/* predict_surv(model, x, t [, strata]): the patient's survival probability at time t. */
Datum
coxph_predict_surv(PG_FUNCTION_ARGS)
{
	ModelCache *c;
	CoxModel   *m;
	const double *x;
	double		t,
				r,
				surv,
				cumhaz,
				se;
	int			s;
	int64		lo,
				hi;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	c = CachedModel(fcinfo, 0);
	m = c->model;
	x = CovariateArg(fcinfo, 1, m);
	t = PG_GETARG_FLOAT8(2);
	if (isnan(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("t must be a number")));
	CoxRequireBaseline(m, "predict_surv");
	IndexBaseline(fcinfo, c);
	s = PredictionStratum(fcinfo, 3, m, false, "predict_surv");
	r = exp(LinearPredictor(c, x));
	/* the last baseline time <= t */
	lo = m->time_first[s];
	hi = m->time_first[s + 1];
	if (t > m->time[hi - 1])
		PG_RETURN_NULL();		/* beyond follow-up: not estimated */
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (m->time[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->time_first[s])
		PG_RETURN_FLOAT8(1.0);
	CurvePoint(c, lo - 1, r, &surv, &cumhaz, &se);
	PG_RETURN_FLOAT8(surv);
}

/*
 * predict_curve(model, x [, strata]) -> (time, surv, lower, upper, std_err, cumhaz, n_risk,
 * n_event, n_censor, strata): R's survfit(fit, newdata) for one patient, one row per distinct
 * time of the stratum (all strata when the model is stratified and none is given).
 */
Datum
coxph_predict_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ModelCache *c;
	CoxModel   *m;
	const double *x;
	double		r;
	int			s,
				s0,
				s1;

	if (PG_ARGISNULL(0))
	{
		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
		return (Datum) 0;
	}
	c = CachedModel(fcinfo, 0);
	m = c->model;
	x = CovariateArg(fcinfo, 1, m);
	CoxRequireBaseline(m, "predict_curve");
	IndexBaseline(fcinfo, c);
	s0 = PredictionStratum(fcinfo, 2, m, true, "predict_curve");
	r = exp(LinearPredictor(c, x));
	if (s0 < 0)
	{
		s0 = 0;
		s1 = m->nstrata;
	}
	else
		s1 = s0 + 1;
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (s = s0; s < s1; s++)
	{
		int64		i;

		for (i = m->time_first[s]; i < m->time_first[s + 1]; i++)
		{
			Datum		values[10];
			bool		nulls[10];
			double		surv,
						cumhaz,
						se;

			memset(nulls, 0, sizeof(nulls));
			CurvePoint(c, i, r, &surv, &cumhaz, &se);
			values[0] = Float8GetDatum(m->time[i]);
			values[1] = Float8GetDatum(surv);
			if (surv > 0 && isfinite(se))
			{
				values[2] = Float8GetDatum(exp(log(surv) - c->zq * se));
				values[3] = Float8GetDatum(Min(1.0, exp(log(surv) + c->zq * se)));
			}
			else
				nulls[2] = nulls[3] = true;
			values[4] = Float8GetDatum(se);
			values[5] = Float8GetDatum(cumhaz);
			values[6] = Float8GetDatum(m->n_risk[i]);
			values[7] = Float8GetDatum(m->n_event[i]);
			values[8] = Float8GetDatum(m->n_censor[i]);
			if (m->strata[s])
				values[9] = CStringGetTextDatum(m->strata[s]);
			else
				nulls[9] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
