/*
 * coxph.c — the SQL aggregates of the Cox module: coxph (fit a model), coxph_step (one
 * Newton step's sufficient statistics, for federation) and cox_zph (proportional-hazards
 * test of a fitted model), all collecting the same rows into a CoxData state.
 *
 * Aggregate life cycle: the transition functions validate and append one row (no per-row
 * allocation beyond the occasional doubling of the columns), parallel workers serialize
 * their rows, the leader deserializes them straight into its aggregate context and the
 * combine function adopts or appends them, and the final function sorts once and fits.
 * Final functions sort and centre the state in place (FINALFUNC_MODIFY = READ_WRITE).
 *
 * NULL handling: time, event and x must not be NULL (22023; filter incomplete rows with
 * WHERE, or use coxph_fit, which drops them like R's na.omit).  A NULL entry means the row is
 * at risk from the start, a NULL weight is 1, a NULL stratum is a stratum of its own (the
 * only one when strata are not used), a NULL cluster makes the row its own cluster, NULL
 * options are the defaults.  An empty input gives NULL.
 *
 * Disclosure control (clinnova.federation_roles): coxph refuses, because its model holds the
 * baseline hazard at every event time; coxph_step and cox_zph refuse fewer than
 * clinnova.min_cell_count rows or events.
 */
#include "postgres.h"

#include <math.h>
#include <time.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "clinnova.h"
#include "coxph.h"

PG_FUNCTION_INFO_V1(coxph_transfn);
PG_FUNCTION_INFO_V1(coxph_transfn_opts);
PG_FUNCTION_INFO_V1(coxph_transfn_full);
PG_FUNCTION_INFO_V1(coxph_step_transfn);
PG_FUNCTION_INFO_V1(coxph_step_transfn_opts);
PG_FUNCTION_INFO_V1(coxph_step_transfn_full);
PG_FUNCTION_INFO_V1(cox_zph_transfn);
PG_FUNCTION_INFO_V1(cox_zph_transfn_full);
PG_FUNCTION_INFO_V1(coxph_combinefn);
PG_FUNCTION_INFO_V1(coxph_serialfn);
PG_FUNCTION_INFO_V1(coxph_deserialfn);
PG_FUNCTION_INFO_V1(coxph_finalfn);
PG_FUNCTION_INFO_V1(coxph_step_finalfn);
PG_FUNCTION_INFO_V1(cox_zph_finalfn);

/* Where each input sits in a transition function's arguments (-1: not an argument). */
typedef struct ArgMap
{
	int			entry;
	int			time;
	int			event;
	int			x;
	int			strata;
	int			weight;
	int			cluster;
	int			extra;			/* beta (coxph_step) or model (cox_zph) */
	int			options;
	const char *extra_name;
} ArgMap;

/* ---- disclosure control ---- */

/* coxph under disclosure control: refuse (the model describes individual event times). */
void
CoxDisclosureRefuse(const char *fname)
{
	if (clinnova_disclosure_control_active())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s is not available to federation roles", fname),
				 errdetail("A Cox model holds the baseline hazard at every event time, which describes individual patients."),
				 errhint("Use coxph_step and the federated Newton loop, which exchange only p + p^2 + 1 sums per site.")));
}

/* coxph_step / cox_zph under disclosure control: at least min_cell_count rows and events. */
void
CoxDisclosureCheckCounts(const char *fname, int64 rows, int64 events)
{
	if (!clinnova_disclosure_control_active())
		return;
	if (rows < clinnova_min_cell_count || events < clinnova_min_cell_count)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s refuses to describe fewer than clinnova.min_cell_count = %d people",
						fname, clinnova_min_cell_count),
				 errdetail("Fewer than %d rows, or fewer than %d events, contribute to it.",
						   clinnova_min_cell_count, clinnova_min_cell_count),
				 errhint("Merge small sites or strata before fitting.")));
}

/* ---- transition ---- */

/* 22023 for a NULL in a required argument. */
static void
RequireNotNull(FunctionCallInfo fcinfo, int argno, const char *what, const char *fname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s of %s must not be NULL", what, fname),
				 (strcmp(what, "beta") == 0 || strcmp(what, "model") == 0) ?
				 errhint("Pass the same %s on every row.", what) :
				 errhint("Filter incomplete rows with WHERE, or use coxph_fit, which drops them like R's na.omit.")));
}

/* Copy a (detoasted) varlena argument into the aggregate context. */
static struct varlena *
CopyArg(FunctionCallInfo fcinfo, int argno, MemoryContext aggcxt)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	struct varlena *c = MemoryContextAllocHuge(aggcxt, VARSIZE(v));

	memcpy(c, v, VARSIZE(v));
	return c;
}

/* Validate one row and append it to the state (created on the first row). */
static Datum
CoxTransition(FunctionCallInfo fcinfo, const ArgMap *am, const char *fname)
{
	MemoryContext aggcxt;
	CoxData    *d;
	CoxRow		row;
	ClnShortArrayBuf xbuf;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: %s transition called outside an aggregate", fname);
	d = PG_ARGISNULL(0) ? CoxDataCreate(aggcxt) : (CoxData *) PG_GETARG_POINTER(0);

	RequireNotNull(fcinfo, am->time, "time", fname);
	RequireNotNull(fcinfo, am->event, "event", fname);
	RequireNotNull(fcinfo, am->x, "x", fname);
	if (am->extra >= 0)
		RequireNotNull(fcinfo, am->extra, am->extra_name, fname);

	memset(&row, 0, sizeof(row));
	row.time = PG_GETARG_FLOAT8(am->time);
	row.status = PG_GETARG_BOOL(am->event);
	row.entry = (am->entry >= 0 && !PG_ARGISNULL(am->entry)) ? PG_GETARG_FLOAT8(am->entry) : NAN;
	if (am->entry >= 0 && !PG_ARGISNULL(am->entry) && isnan(row.entry))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entry time must be a finite number"),
				 errdetail("A row has entry time NaN.")));
	row.weight = (am->weight >= 0 && !PG_ARGISNULL(am->weight)) ? PG_GETARG_FLOAT8(am->weight) : 1.0;
	if (am->strata >= 0 && !PG_ARGISNULL(am->strata))
	{
		text	   *t = PG_GETARG_TEXT_PP(am->strata);

		row.strata = VARDATA_ANY(t);
		row.strata_len = VARSIZE_ANY_EXHDR(t);
	}
	if (am->cluster >= 0 && !PG_ARGISNULL(am->cluster))
	{
		text	   *t = PG_GETARG_TEXT_PP(am->cluster);

		row.cluster = VARDATA_ANY(t);
		row.cluster_len = VARSIZE_ANY_EXHDR(t);
	}
	row.x = clinnova_float8_array_arg(fcinfo, am->x, &xbuf, &row.p, "x");
	CoxDataAddRow(d, &row);

	/* constant arguments: keep the first one */
	if (am->options >= 0 && d->options == NULL && !PG_ARGISNULL(am->options))
		d->options = CopyArg(fcinfo, am->options, aggcxt);
	if (am->extra >= 0 && d->extra == NULL)
		d->extra = CopyArg(fcinfo, am->extra, aggcxt);
	PG_RETURN_POINTER(d);
}

/* coxph(time, event, x) */
Datum
coxph_transfn(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {-1, 1, 2, 3, -1, -1, -1, -1, -1, NULL};

	return CoxTransition(fcinfo, &am, "coxph");
}

/* coxph(time, event, x, options) */
Datum
coxph_transfn_opts(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {-1, 1, 2, 3, -1, -1, -1, -1, 4, NULL};

	return CoxTransition(fcinfo, &am, "coxph");
}

/* coxph(entry, time, event, x, strata, weight, cluster, options) */
Datum
coxph_transfn_full(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {1, 2, 3, 4, 5, 6, 7, -1, 8, NULL};

	return CoxTransition(fcinfo, &am, "coxph");
}

/* coxph_step(time, event, x, beta) */
Datum
coxph_step_transfn(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {-1, 1, 2, 3, -1, -1, -1, 4, -1, "beta"};

	return CoxTransition(fcinfo, &am, "coxph_step");
}

/*
 * coxph_step(time, event, x, beta, options): the options form without NULL placeholders, which
 * postgres_fdw can push down (it refuses aggregates with a NULL::text constant argument).
 */
Datum
coxph_step_transfn_opts(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {-1, 1, 2, 3, -1, -1, -1, 4, 5, "beta"};

	return CoxTransition(fcinfo, &am, "coxph_step");
}

/* coxph_step(entry, time, event, x, strata, weight, beta, options) */
Datum
coxph_step_transfn_full(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {1, 2, 3, 4, 5, 6, -1, 7, 8, "beta"};

	return CoxTransition(fcinfo, &am, "coxph_step");
}

/* cox_zph(time, event, x, model) */
Datum
cox_zph_transfn(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {-1, 1, 2, 3, -1, -1, -1, 4, -1, "model"};

	return CoxTransition(fcinfo, &am, "cox_zph");
}

/* cox_zph(entry, time, event, x, strata, weight, model, options) */
Datum
cox_zph_transfn_full(PG_FUNCTION_ARGS)
{
	static const ArgMap am = {1, 2, 3, 4, 5, 6, -1, 7, 8, "model"};

	return CoxTransition(fcinfo, &am, "cox_zph");
}

/* ---- parallel support ---- */

/* Combine two states (either may be NULL) into the aggregate context. */
Datum
coxph_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	CoxData    *a = PG_ARGISNULL(0) ? NULL : (CoxData *) PG_GETARG_POINTER(0);
	CoxData    *b = PG_ARGISNULL(1) ? NULL : (CoxData *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: coxph_combinefn called outside an aggregate");
	if (a == NULL && b == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(CoxDataCombine(a, b, aggcxt));
}

/* Serialize a state for the leader. */
Datum
coxph_serialfn(PG_FUNCTION_ARGS)
{
	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "clinnova: coxph_serialfn called outside an aggregate");
	PG_RETURN_BYTEA_P(CoxDataSerialize((CoxData *) PG_GETARG_POINTER(0)));
}

/* Rebuild a state directly in the aggregate context (so combine can adopt it). */
Datum
coxph_deserialfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "clinnova: coxph_deserialfn called outside an aggregate");
	PG_RETURN_POINTER(CoxDataDeserialize(PG_GETARG_BYTEA_PP(0), aggcxt));
}

/* ---- final functions ---- */

/* CPU seconds used by this backend, for the DEBUG1 phase timings (robust to a busy machine). */
static double
Seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Parse the state's options for a function. */
static void
StateOptions(const CoxData *d, CoxOptions *o, int allowed, const char *fname)
{
	CoxOptionsInit(o);
	CoxOptionsParse(o, (Jsonb *) d->options, allowed, fname);
}

/* coxph final: sort once, fit, baseline, concordance, store the model. */
Datum
coxph_finalfn(PG_FUNCTION_ARGS)
{
	CoxData    *d;
	CoxOptions	o;
	CoxFitResult fit;
	CoxConcordance conc;
	CoxBaseline base;
	CoxModelBuild b;
	struct varlena *model;
	double		t0,
				t1,
				t2,
				t3,
				t4;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = (CoxData *) PG_GETARG_POINTER(0);
	if (d->n == 0)
		PG_RETURN_NULL();
	CoxDisclosureRefuse("coxph");
	StateOptions(d, &o, COX_OPT_FIT, "coxph");
	CoxCheckTerms(&o, d->p, "coxph");
	if (d->nevents == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot fit a Cox model without events"),
				 errdetail("All %lld rows are censored.", (long long) d->n),
				 errhint("Check how the event column is coded (event must be true for an observed event).")));
	t0 = Seconds();
	CoxDataPrepare(d, o.timefix);
	t1 = Seconds();
	CoxFit(d, &o, &fit);
	t2 = Seconds();
	CoxModelBuildFromFit(&b, d, &o, &fit, o.concordance, o.baseline);
	model = CoxModelAllocate(&b);
	if (o.baseline)
	{
		base.p = d->p;
		base.nstrata = d->nstrata;
		base.ntimes = b.stratum_ntimes;
		base.total_times = b.ntimes;
		base.total_events = b.nevtimes;
		base.time = b.time;
		base.n_risk = b.n_risk;
		base.n_event = b.n_event;
		base.n_censor = b.n_censor;
		base.cumhaz = b.cumhaz;
		base.cumvar = b.cumvar;
		base.cumxbar = b.cumxbar;
		CoxComputeBaseline(d, o.ties, fit.lp, &base);
	}
	t3 = Seconds();
	/* last: it may overwrite the covariates */
	if (o.concordance)
	{
		CoxComputeConcordance(d, &conc);
		CoxModelSetConcordance(&b, &conc);
	}
	t4 = Seconds();
	CoxModelValidate(&b, ERRCODE_DATA_EXCEPTION);
	CoxModelFinish(&b, model);
	ereport(DEBUG1,
			(errmsg_internal("coxph: %lld rows, CPU seconds: sort %.3f, fit %.3f, baseline %.3f, concordance %.3f, checks %.3f",
						(long long) d->n, t1 - t0, t2 - t1, t3 - t2, t4 - t3, Seconds() - t4)));
	PG_RETURN_POINTER(model);
}

/*
 * Are the log-likelihood, score, information and weighted sums of a step all finite?  (The
 * coxstep type refuses anything else, so a step must never be returned otherwise.)
 */
static bool
StepFinite(const CoxStepHeader *h, int p)
{
	const double *info = COXSTEP_INFO(h);
	int			j;

	if (!isfinite(h->loglik) || !isfinite(h->sum_w))
		return false;
	for (j = 0; j < p; j++)
		if (!isfinite(COXSTEP_U(h)[j]) || !isfinite(COXSTEP_SUMWX(h)[j]))
			return false;
	for (j = 0; j < p * p; j++)
		if (!isfinite(info[j]))
			return false;
	return true;
}

/* coxph_step final: log-likelihood, score and information at the given beta. */
Datum
coxph_step_finalfn(PG_FUNCTION_ARGS)
{
	CoxData    *d;
	CoxOptions	o;
	CoxStepResult st;
	CoxStepHeader *h;
	const double *beta;
	int			nb,
				j;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = (CoxData *) PG_GETARG_POINTER(0);
	if (d->n == 0)
		PG_RETURN_NULL();
	StateOptions(d, &o, COX_OPT_STEP, "coxph_step");
	CoxCheckTerms(&o, d->p, "coxph_step");
	beta = clinnova_float8_array((ArrayType *) d->extra, &nb, "beta");
	if (nb != d->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("beta has %d elements but x has %d", nb, d->p)));
	for (j = 0; j < nb; j++)
		if (!isfinite(beta[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("beta must hold finite numbers")));
	CoxDisclosureCheckCounts("coxph_step", d->n, d->nevents);
	CoxDataPrepare(d, o.timefix);
	CoxStep(d, o.ties, beta, &st);
	h = CoxStepMake(d->p, o.ties);
	h->n = d->n;
	h->events = d->nevents;
	h->nstrata = d->nstrata;
	h->loglik = st.loglik;
	h->sum_w = st.sum_w;
	memcpy(COXSTEP_BETA(h), beta, sizeof(double) * d->p);
	memcpy(COXSTEP_U(h), st.u, sizeof(double) * d->p);
	memcpy(COXSTEP_INFO(h), st.info, sizeof(double) * d->p * d->p);
	memcpy(COXSTEP_SUMWX(h), st.sum_wx, sizeof(double) * d->p);
	for (j = 0; j < d->p; j++)
		COXSTEP_NOCENTER(h)[j] = d->pm1[j] ? 1 : 0;
	if (!StepFinite(h, d->p))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the partial likelihood is not finite at this beta"),
				 errdetail("exp(x beta) or the products of covariates overflow for some rows."),
				 errhint("Halve the step: the coordinator should try a beta closer to the last good one.")));
	PG_RETURN_POINTER(h);
}

/* The type clinnova.cox_zph_test, row type of cox_zph's result. */
static Oid
ZphRowType(void)
{
	Oid			nsp = get_namespace_oid("clinnova", false);
	Oid			typ = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									  CStringGetDatum("cox_zph_test"), ObjectIdGetDatum(nsp));

	if (!OidIsValid(typ))
		elog(ERROR, "clinnova: type clinnova.cox_zph_test is missing");
	return typ;
}

/* cox_zph final: the table of (term, chisq, df, p) rows with GLOBAL, as an array. */
Datum
cox_zph_finalfn(PG_FUNCTION_ARGS)
{
	CoxData    *d;
	CoxOptions	o;
	CoxModel   *m;
	CoxZphResult res;
	Oid			rowtype;
	TupleDesc	tupdesc;
	Datum	   *elems;
	int			t;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = (CoxData *) PG_GETARG_POINTER(0);
	if (d->n == 0)
		PG_RETURN_NULL();
	StateOptions(d, &o, COX_OPT_ZPH, "cox_zph");
	m = CoxModelParse(d->extra);
	if (m->p != d->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x has %d elements but the model has %d terms", d->p, m->p),
				 errhint("Pass the rows and covariates the model was fitted on.")));
	if (d->nevents == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot test proportional hazards without events")));
	CoxDisclosureCheckCounts("cox_zph", d->n, d->nevents);
	CoxDataPrepare(d, o.timefix);
	CoxZphCompute(d, m, &o, &res);

	rowtype = ZphRowType();
	tupdesc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(rowtype, -1));
	elems = palloc(sizeof(Datum) * res.nterms);
	for (t = 0; t < res.nterms; t++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(res.term[t]);
		values[1] = Float8GetDatum(res.chisq[t]);
		values[2] = Int32GetDatum(res.df[t]);
		values[3] = Float8GetDatum(res.p[t]);
		elems[t] = HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, res.nterms, rowtype, -1, false, TYPALIGN_DOUBLE));
}
