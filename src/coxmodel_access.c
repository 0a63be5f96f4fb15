/*
 * coxmodel_access.c — reading a coxmodel: the coefficient table, the model statistics, the
 * variance matrix, the concordance counts and the baseline cumulative hazard.
 *
 * Conventions follow R's summary.coxph: when the fit is robust (non-integer weights or
 * clusters, or the robust option), z, p and the confidence interval use the robust standard
 * error, and the Wald test the robust variance; se is always the model-based one.  Aliased
 * terms (R's NA coefficient) have NULL in every column but the name.  Tests have df = the
 * number of estimable coefficients, p-values are upper chi-square tails.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "clinnova.h"
#include "distributions.h"
#include "coxph.h"

PG_FUNCTION_INFO_V1(coxph_coefs);
PG_FUNCTION_INFO_V1(coxph_stats);
PG_FUNCTION_INFO_V1(coxph_vcov);
PG_FUNCTION_INFO_V1(coxph_concordance);
PG_FUNCTION_INFO_V1(coxph_basehaz);

/* The detoasted, parsed model of argument argno. */
static CoxModel *
ModelArg(FunctionCallInfo fcinfo, int argno)
{
	return CoxModelParse(PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)));
}

/* Number of estimable (non-aliased) coefficients. */
static int
EstimableCount(const CoxModel *m)
{
	int			j,
				k = 0;

	for (j = 0; j < m->p; j++)
		k += !isnan(m->coef[j]);
	return k;
}

/* Set values[i] to v, or NULL when v is NaN. */
static inline void
SetFloat(Datum *values, bool *nulls, int i, double v)
{
	if (isnan(v))
		nulls[i] = true;
	else
		values[i] = Float8GetDatum(v);
}

/*
 * coxph_coefs(model) -> (term, coef, hr, se, robust_se, z, p, hr_lower, hr_upper, mean):
 * one row per term, R's summary(fit)$coefficients and $conf.int.
 */
Datum
coxph_coefs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CoxModel   *m = ModelArg(fcinfo, 0);
	double		zq = CoxModelZ(m);
	int			j;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (j = 0; j < m->p; j++)
	{
		Datum		values[10];
		bool		nulls[10];
		double		b = m->coef[j];

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(m->terms[j]);
		if (isnan(b))
		{
			for (int k = 1; k < 9; k++)
				nulls[k] = true;
		}
		else
		{
			double		se = sqrt(m->var[j + j * m->p]);
			double		rse = m->robust_var ? sqrt(m->robust_var[j + j * m->p]) : NAN;
			double		use = m->robust_var ? rse : se;
			double		z = b / use;

			values[1] = Float8GetDatum(b);
			values[2] = Float8GetDatum(exp(b));
			values[3] = Float8GetDatum(se);
			SetFloat(values, nulls, 4, rse);
			SetFloat(values, nulls, 5, z);
			SetFloat(values, nulls, 6, dist_chisq_upper(z * z, 1));
			SetFloat(values, nulls, 7, exp(b - zq * use));
			SetFloat(values, nulls, 8, exp(b + zq * use));
		}
		values[9] = Float8GetDatum(m->means[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * coxph_stats(model) -> one row: n, events, log-likelihoods, likelihood-ratio, Wald and score
 * tests with df and p, concordance and its standard error, iterations, convergence, and the
 * robust score test, robustness, tie method, number of strata and confidence level.
 */
Datum
coxph_stats(PG_FUNCTION_ARGS)
{
	CoxModel   *m = ModelArg(fcinfo, 0);
	const CoxModelHeader *h = m->hdr;
	TupleDesc	tupdesc;
	Datum		values[23];
	bool		nulls[23];
	int			df = EstimableCount(m);
	double		lr = 2.0 * (h->loglik - h->loglik0);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: coxph_stats must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(h->n);
	values[1] = Int64GetDatum(h->events);
	values[2] = Float8GetDatum(h->loglik0);
	values[3] = Float8GetDatum(h->loglik);
	values[4] = Float8GetDatum(lr);
	values[5] = Int32GetDatum(df);
	SetFloat(values, nulls, 6, dist_chisq_upper(lr, df));
	SetFloat(values, nulls, 7, h->wald);
	values[8] = Int32GetDatum(df);
	SetFloat(values, nulls, 9, dist_chisq_upper(h->wald, df));
	SetFloat(values, nulls, 10, h->score);
	values[11] = Int32GetDatum(df);
	SetFloat(values, nulls, 12, dist_chisq_upper(h->score, df));
	SetFloat(values, nulls, 13, (h->flags & COXMODEL_HAS_CONC) ? h->conc[5] : NAN);
	SetFloat(values, nulls, 14, (h->flags & COXMODEL_HAS_CONC) ? h->conc[6] : NAN);
	values[15] = Int32GetDatum(h->iterations);
	values[16] = BoolGetDatum((h->flags & COXMODEL_CONVERGED) != 0);
	SetFloat(values, nulls, 17, h->rscore);
	SetFloat(values, nulls, 18, isnan(h->rscore) ? NAN : dist_chisq_upper(h->rscore, df));
	values[19] = BoolGetDatum((h->flags & COXMODEL_ROBUST) != 0);
	values[20] = CStringGetTextDatum(CoxTiesName(m->ties));
	values[21] = Int32GetDatum(m->nstrata);
	values[22] = Float8GetDatum(h->conf_level);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * coxph_vcov(model, robust boolean DEFAULT NULL) -> float8[][]: the p x p variance matrix,
 * robust or model-based; NULL robust means the one the model reports (R's vcov(fit)).
 * Rows and columns of aliased terms are 0, as in R.
 */
Datum
coxph_vcov(PG_FUNCTION_ARGS)
{
	CoxModel   *m;
	const double *v;
	Datum	   *elems;
	int			dims[2],
				lbs[2] = {1, 1};
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	m = ModelArg(fcinfo, 0);
	if (PG_ARGISNULL(1))
		v = CoxModelVar(m);
	else if (PG_GETARG_BOOL(1))
	{
		if (m->robust_var == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the model has no robust variance"),
					 errhint("Fit with '{\"robust\": true}', case weights or a cluster.")));
		v = m->robust_var;
	}
	else
		v = m->var;
	elems = palloc(sizeof(Datum) * m->p * m->p);
	for (i = 0; i < m->p * m->p; i++)
		elems[i] = Float8GetDatum(v[i]);	/* symmetric: row-major = column-major */
	dims[0] = dims[1] = m->p;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID,
											 sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * coxph_concordance(model) -> (concordant, discordant, tied_x, tied_y, tied_xy, concordance,
 * std_err): R's fit$concordance (weighted pair counts); NULLs when it was not computed.
 */
Datum
coxph_concordance(PG_FUNCTION_ARGS)
{
	CoxModel   *m = ModelArg(fcinfo, 0);
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7];
	int			k;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: coxph_concordance must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	memset(nulls, 0, sizeof(nulls));
	for (k = 0; k < 7; k++)
		SetFloat(values, nulls, k, (m->flags & COXMODEL_HAS_CONC) ? m->hdr->conc[k] : NAN);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* 22023 unless the model carries a baseline hazard. */
void
CoxRequireBaseline(const CoxModel *m, const char *fname)
{
	if (!(m->flags & COXMODEL_HAS_BASELINE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a model with a baseline hazard", fname),
				 errdetail((m->flags & COXMODEL_FROM_STEPS) ?
						   "The model was assembled from federated Newton steps, which carry no baseline hazard." :
						   "The model was fitted with '{\"baseline\": false}'."),
				 errhint("Fit the model with coxph() on the rows to predict survival curves.")));
}

/*
 * coxph_basehaz(model, centered boolean DEFAULT true) -> (strata, time, n_risk, n_event,
 * n_censor, cumhaz): R's basehaz(fit, centered): the baseline cumulative hazard at every
 * distinct time, at the covariate means (centered) or at all covariates 0.
 */
Datum
coxph_basehaz(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CoxModel   *m = ModelArg(fcinfo, 0);
	bool		centered = PG_ARGISNULL(1) ? true : PG_GETARG_BOOL(1);
	double		factor = 1.0;
	int			s,
				j;

	CoxRequireBaseline(m, "coxph_basehaz");
	if (!centered)
	{
		double		off = 0;

		for (j = 0; j < m->p; j++)
			if (!isnan(m->coef[j]))
				off += m->means[j] * m->coef[j];
		factor = exp(-off);
	}
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (s = 0; s < m->nstrata; s++)
	{
		int64		i,
					e = m->ev_first[s] - 1;

		for (i = m->time_first[s]; i < m->time_first[s + 1]; i++)
		{
			Datum		values[6];
			bool		nulls[6];

			if (m->n_event[i] > 0)
				e++;
			memset(nulls, 0, sizeof(nulls));
			if (m->strata[s])
				values[0] = CStringGetTextDatum(m->strata[s]);
			else
				nulls[0] = true;
			values[1] = Float8GetDatum(m->time[i]);
			values[2] = Float8GetDatum(m->n_risk[i]);
			values[3] = Float8GetDatum(m->n_event[i]);
			values[4] = Float8GetDatum(m->n_censor[i]);
			values[5] = Float8GetDatum(e >= m->ev_first[s] ? m->cumhaz[e] * factor : 0.0);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
