/*
 * coxstep.c — type clinnova.coxstep: the sufficient statistics of one Newton-Raphson step of
 * a Cox partial likelihood, the federation primitive for site-stratified Cox regression.
 *
 * A site computes, at a coefficient vector beta sent by the coordinator, its partial
 * log-likelihood, score u (p) and information I (p x p) with coxph_step; each site is its own
 * stratum (and may have strata of its own), so the pooled stratified likelihood is the sum
 * of the sites' and coxstep_merge adds steps up.  Only p + p^2 + a few numbers leave a site,
 * and coxph_step refuses (under disclosure control) to describe fewer than
 * clinnova.min_cell_count rows or events.
 *
 * The coordinator's loop needs no Cox math of its own (R's coxph.fit rules):
 *   beta := 0; s0 := merged step at 0; best := s0.loglik; beta_new := coxph_newton(s0, 0)
 *   repeat up to max_iter times:
 *     s := merged step at beta_new
 *     if |1 - best / s.loglik| <= tol: converged at beta_new
 *     if s.loglik < best: halve (h := h + 1; beta_new := (beta_new + h beta) / (h + 1))
 *     else: h := 0; best := s.loglik; beta := beta_new; beta_new := coxph_newton(s, beta)
 *   coxmodel_from_step(s, s0, beta_new, iterations, converged, options)
 * which gives the same coefficients, variance, log-likelihoods and tests as coxph() on the
 * pooled rows with strata = site.
 *
 * A step also carries the weighted covariate sums (for the model's means, as coxph.fit
 * computes them) and per column whether all values were in {-1, 0, 1} (R leaves such columns
 * uncentred), so that the assembled model predicts like the pooled one.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "clinnova.h"
#include "coxjson.h"
#include "coxph.h"
#include "linalg.h"

PG_FUNCTION_INFO_V1(coxstep_in);
PG_FUNCTION_INFO_V1(coxstep_out);
PG_FUNCTION_INFO_V1(coxstep_recv);
PG_FUNCTION_INFO_V1(coxstep_send);
PG_FUNCTION_INFO_V1(coxstep_merge_transfn);
PG_FUNCTION_INFO_V1(coxstep_parts);
PG_FUNCTION_INFO_V1(coxph_newton);
PG_FUNCTION_INFO_V1(coxmodel_from_step);

StaticAssertDecl(sizeof(CoxStepHeader) % 8 == 0, "CoxStepHeader must keep doubles aligned");

/* A zeroed step for p covariates. */
CoxStepHeader *
CoxStepMake(int p, CoxTies ties)
{
	Size		size = COXSTEP_SIZE(p);
	CoxStepHeader *h = palloc0(size);

	SET_VARSIZE(h, size);
	h->version = COXSTEP_VERSION;
	h->ties = (uint8) ties;
	h->p = p;
	return h;
}

/* Raise code (22P02 / 22P03) for an invalid step. */
static void
BadStep(int code, const char *detail)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg(code == ERRCODE_INVALID_BINARY_REPRESENTATION ?
					"invalid binary representation of coxstep" :
					"invalid input syntax for type coxstep"),
			 errdetail("%s", detail)));
}

/* Every invariant of a step: sizes, finiteness, symmetry of the information. */
static void
ValidateStep(const CoxStepHeader *h, int code)
{
	int			p = h->p,
				i,
				j;
	const double *info = COXSTEP_INFO(h);

	if (h->ties != COX_EFRON && h->ties != COX_BRESLOW)
		BadStep(code, "The tie method is unknown.");
	if (h->n < 0 || h->events < 0 || h->events > h->n || h->nstrata < 0)
		BadStep(code, "The counts are invalid.");
	if (!isfinite(h->loglik) || !(isfinite(h->sum_w) && h->sum_w >= 0))
		BadStep(code, "The log-likelihood and the weight sum must be finite.");
	for (i = 0; i < p; i++)
	{
		if (!isfinite(COXSTEP_BETA(h)[i]) || !isfinite(COXSTEP_U(h)[i]) ||
			!isfinite(COXSTEP_SUMWX(h)[i]))
			BadStep(code, "beta, score and weighted sums must be finite.");
		if (COXSTEP_NOCENTER(h)[i] > 1)
			BadStep(code, "nocenter flags must be true or false.");
		for (j = 0; j < p; j++)
			if (!isfinite(info[i + j * p]) || info[i + j * p] != info[j + i * p])
				BadStep(code, "The information must be a finite symmetric matrix.");
	}
}

/* The step argument argno, detoasted. */
static CoxStepHeader *
StepArg(FunctionCallInfo fcinfo, int argno)
{
	CoxStepHeader *h = (CoxStepHeader *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));

	if (VARSIZE(h) < sizeof(CoxStepHeader) || h->version != COXSTEP_VERSION ||
		h->p < 1 || h->p > COX_MAX_TERMS || VARSIZE(h) != COXSTEP_SIZE(h->p))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupt coxstep value")));
	return h;
}

/* ---- text I/O ---- */

/* coxstep_out: JSON text form, float8 shortest-exact. */
Datum
coxstep_out(PG_FUNCTION_ARGS)
{
	CoxStepHeader *h = StepArg(fcinfo, 0);
	StringInfoData buf;
	int			j;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"type\": \"coxstep\", \"version\": %d, \"ties\": \"%s\", "
					 "\"n\": " INT64_FORMAT ", \"events\": " INT64_FORMAT ", \"strata\": " INT64_FORMAT
					 ", \"loglik\": ",
					 COXSTEP_VERSION, CoxTiesName((CoxTies) h->ties), h->n, h->events, h->nstrata);
	CoxJsonAppendFloat(&buf, h->loglik, false);
	appendStringInfoString(&buf, ", \"sum_weights\": ");
	CoxJsonAppendFloat(&buf, h->sum_w, false);
	appendStringInfoString(&buf, ", \"beta\": ");
	CoxJsonAppendFloats(&buf, COXSTEP_BETA(h), h->p, false);
	appendStringInfoString(&buf, ", \"score\": ");
	CoxJsonAppendFloats(&buf, COXSTEP_U(h), h->p, false);
	appendStringInfoString(&buf, ", \"information\": ");
	CoxJsonAppendMatrix(&buf, COXSTEP_INFO(h), h->p, h->p);
	appendStringInfoString(&buf, ", \"weighted_sums\": ");
	CoxJsonAppendFloats(&buf, COXSTEP_SUMWX(h), h->p, false);
	appendStringInfoString(&buf, ", \"nocenter\": [");
	for (j = 0; j < h->p; j++)
		appendStringInfo(&buf, "%s%s", j ? ", " : "", COXSTEP_NOCENTER(h)[j] ? "true" : "false");
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* coxstep_in: parse the JSON text form and validate. */
Datum
coxstep_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	CoxJsonDoc *doc = CoxJsonParse(str, "coxstep");
	const int	code = ERRCODE_INVALID_TEXT_REPRESENTATION;
	char	   *ties;
	int64		p;
	CoxStepHeader *h;
	double	   *v;
	bool	   *nc;
	int			j;

	if (strcmp(CoxJsonString(doc, "type"), "coxstep") != 0)
		BadStep(code, "The \"type\" field must be \"coxstep\".");
	if (CoxJsonInt(doc, "version", 0, 1000) != COXSTEP_VERSION)
		BadStep(code, "The format version is not supported.");
	p = CoxJsonLength(doc, "beta");
	if (p < 1 || p > COX_MAX_TERMS)
		BadStep(code, "\"beta\" must be an array of 1 to 2000 numbers.");
	ties = CoxJsonString(doc, "ties");
	if (strcmp(ties, "efron") != 0 && strcmp(ties, "breslow") != 0)
		BadStep(code, psprintf("Unknown tie method \"%s\".", ties));
	h = CoxStepMake((int) p, strcmp(ties, "breslow") == 0 ? COX_BRESLOW : COX_EFRON);
	h->n = CoxJsonInt(doc, "n", 0, PG_INT64_MAX / 2);
	h->events = CoxJsonInt(doc, "events", 0, PG_INT64_MAX / 2);
	h->nstrata = CoxJsonInt(doc, "strata", 0, PG_INT64_MAX / 2);
	h->loglik = CoxJsonFloat(doc, "loglik", false);
	h->sum_w = CoxJsonFloat(doc, "sum_weights", false);
	v = CoxJsonFloats(doc, "beta", p, false, NULL);
	memcpy(COXSTEP_BETA(h), v, sizeof(double) * p);
	v = CoxJsonFloats(doc, "score", p, false, NULL);
	memcpy(COXSTEP_U(h), v, sizeof(double) * p);
	v = CoxJsonMatrix(doc, "information", p, p);
	memcpy(COXSTEP_INFO(h), v, sizeof(double) * p * p);
	v = CoxJsonFloats(doc, "weighted_sums", p, false, NULL);
	memcpy(COXSTEP_SUMWX(h), v, sizeof(double) * p);
	nc = CoxJsonBools(doc, "nocenter", p);
	for (j = 0; j < p; j++)
		COXSTEP_NOCENTER(h)[j] = nc[j] ? 1 : 0;
	CoxJsonCheckAllUsed(doc);
	ValidateStep(h, code);
	PG_RETURN_POINTER(h);
}

/* ---- binary I/O ---- */

/* coxstep_send: version byte, header fields, then the arrays in network byte order. */
Datum
coxstep_send(PG_FUNCTION_ARGS)
{
	CoxStepHeader *h = StepArg(fcinfo, 0);
	StringInfoData buf;
	int			j;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, COXSTEP_VERSION);
	pq_sendbyte(&buf, h->ties);
	pq_sendint32(&buf, h->p);
	pq_sendint64(&buf, h->n);
	pq_sendint64(&buf, h->events);
	pq_sendint64(&buf, h->nstrata);
	pq_sendfloat8(&buf, h->loglik);
	pq_sendfloat8(&buf, h->sum_w);
	for (j = 0; j < 3 * h->p + h->p * h->p; j++)
		pq_sendfloat8(&buf, COXSTEP_BETA(h)[j]);
	for (j = 0; j < h->p; j++)
		pq_sendbyte(&buf, COXSTEP_NOCENTER(h)[j]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* coxstep_recv: read the binary form and run the text form's checks. */
Datum
coxstep_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const int	code = ERRCODE_INVALID_BINARY_REPRESENTATION;
	CoxStepHeader *h;
	int			ties,
				p,
				j;

	clinnova_recv_version(buf, COXSTEP_VERSION, "coxstep");
	if (buf->len - buf->cursor < 1 + 4)
		BadStep(code, "The value ends early.");
	ties = pq_getmsgbyte(buf);
	p = pq_getmsgint(buf, 4);
	if (p < 1 || p > COX_MAX_TERMS)
		BadStep(code, psprintf("The number of terms %d is out of range.", p));
	if (buf->len - buf->cursor != 3 * 8 + 2 * 8 + 8 * (3 * p + p * p) + p)
		BadStep(code, "The value's length does not match its number of terms.");
	h = CoxStepMake(p, (CoxTies) ties);
	h->ties = (uint8) ties;
	h->n = pq_getmsgint64(buf);
	h->events = pq_getmsgint64(buf);
	h->nstrata = pq_getmsgint64(buf);
	h->loglik = pq_getmsgfloat8(buf);
	h->sum_w = pq_getmsgfloat8(buf);
	for (j = 0; j < 3 * p + p * p; j++)
		COXSTEP_BETA(h)[j] = pq_getmsgfloat8(buf);
	for (j = 0; j < p; j++)
		COXSTEP_NOCENTER(h)[j] = (uint8) pq_getmsgbyte(buf);
	clinnova_recv_end(buf, "coxstep");
	ValidateStep(h, code);
	PG_RETURN_POINTER(h);
}

/* ---- merging ---- */

/*
 * coxstep_merge(step) aggregate: the transition and combine function adds two steps taken
 * at the same beta with the same tie method (sums of log-likelihood, score, information,
 * counts and weighted sums; nocenter flags AND-ed).
 */
Datum
coxstep_merge_transfn(PG_FUNCTION_ARGS)
{
	CoxStepHeader *a,
			   *b,
			   *out;
	int			p,
				j;
	MemoryContext aggcxt,
				old;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = StepArg(fcinfo, 1);
	if (!AggCheckCallContext(fcinfo, &aggcxt))
		aggcxt = CurrentMemoryContext;
	old = MemoryContextSwitchTo(aggcxt);
	if (PG_ARGISNULL(0))
	{
		out = palloc(VARSIZE(b));
		memcpy(out, b, VARSIZE(b));
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(out);
	}
	a = StepArg(fcinfo, 0);
	p = a->p;
	if (b->p != p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge Cox steps with %d and %d terms", p, b->p)));
	if (b->ties != a->ties)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge Cox steps computed with different tie methods")));
	if (memcmp(COXSTEP_BETA(a), COXSTEP_BETA(b), sizeof(double) * p) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge Cox steps taken at different coefficients"),
				 errhint("Every site must evaluate the same beta; send it with extra_float_digits = 3.")));
	out = palloc(VARSIZE(a));
	memcpy(out, a, VARSIZE(a));
	MemoryContextSwitchTo(old);
	out->n += b->n;
	out->events += b->events;
	out->nstrata += b->nstrata;
	out->loglik += b->loglik;
	out->sum_w += b->sum_w;
	for (j = 0; j < p; j++)
	{
		COXSTEP_U(out)[j] += COXSTEP_U(b)[j];
		COXSTEP_SUMWX(out)[j] += COXSTEP_SUMWX(b)[j];
		COXSTEP_NOCENTER(out)[j] = COXSTEP_NOCENTER(out)[j] && COXSTEP_NOCENTER(b)[j];
	}
	for (j = 0; j < p * p; j++)
		COXSTEP_INFO(out)[j] += COXSTEP_INFO(b)[j];
	PG_RETURN_POINTER(out);
}

/* A float8[] from n doubles. */
static Datum
FloatArray(const double *v, int n)
{
	return PointerGetDatum(clinnova_make_float8_array(v, n));
}

/* A p x p float8[][] from a column-major (here symmetric) matrix. */
static Datum
FloatMatrix(const double *v, int p)
{
	Datum	   *elems = palloc(sizeof(Datum) * p * p);
	int			dims[2] = {p, p},
				lbs[2] = {1, 1};
	int			i;

	for (i = 0; i < p * p; i++)
		elems[i] = Float8GetDatum(v[i]);
	return PointerGetDatum(construct_md_array(elems, NULL, 2, dims, lbs, FLOAT8OID,
											  sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * coxstep_parts(step) -> (n, events, strata, loglik, score, information, beta, sum_weights,
 * means): the pieces of a step as SQL values.
 */
Datum
coxstep_parts(PG_FUNCTION_ARGS)
{
	CoxStepHeader *h = StepArg(fcinfo, 0);
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {0};
	double	   *means = palloc(sizeof(double) * h->p);
	int			j;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: coxstep_parts must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	for (j = 0; j < h->p; j++)
		means[j] = COXSTEP_NOCENTER(h)[j] ? 0.0 : COXSTEP_SUMWX(h)[j] / h->sum_w;
	values[0] = Int64GetDatum(h->n);
	values[1] = Int64GetDatum(h->events);
	values[2] = Int64GetDatum(h->nstrata);
	values[3] = Float8GetDatum(h->loglik);
	values[4] = FloatArray(COXSTEP_U(h), h->p);
	values[5] = FloatMatrix(COXSTEP_INFO(h), h->p);
	values[6] = FloatArray(COXSTEP_BETA(h), h->p);
	values[7] = Float8GetDatum(h->sum_w);
	if (h->sum_w > 0)
		values[8] = FloatArray(means, h->p);
	else
		nulls[8] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* beta argument: a float8[] of the step's length equal to the step's own beta. */
static const double *
BetaArg(FunctionCallInfo fcinfo, int argno, const CoxStepHeader *h)
{
	int			n;
	const double *beta;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("beta must not be NULL")));
	beta = clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(argno), &n, "beta");
	if (n != h->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("beta has %d elements but the step has %d terms", n, h->p)));
	if (memcmp(beta, COXSTEP_BETA(h), sizeof(double) * n) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("beta is not the coefficient vector the step was computed at"),
				 errhint("Pass the beta that was sent to the sites for this step.")));
	return beta;
}

/* Options of the step helpers (ties, terms, toler_chol, conf_level). */
static void
StepOptions(FunctionCallInfo fcinfo, int argno, CoxOptions *o, const char *fname)
{
	CoxOptionsInit(o);
	if (argno < PG_NARGS() && !PG_ARGISNULL(argno))
		CoxOptionsParse(o, PG_GETARG_JSONB_P(argno), COX_OPT_STEP, fname);
}

/*
 * coxph_newton(step, beta [, options]) -> the next Newton iterate beta + I^-1 u, with
 * aliased columns (cholesky2 rule) left where they are.  Step halving is the caller's.
 */
Datum
coxph_newton(PG_FUNCTION_ARGS)
{
	CoxStepHeader *h = StepArg(fcinfo, 0);
	const double *beta = BetaArg(fcinfo, 1, h);
	CoxOptions	o;
	int			p = h->p,
				j;
	bool	   *aliased = palloc(sizeof(bool) * p);
	double	   *step = palloc(sizeof(double) * p);

	StepOptions(fcinfo, 2, &o, "coxph_newton");
	memcpy(step, COXSTEP_U(h), sizeof(double) * p);
	if (linalg_find_aliased(p, COXSTEP_INFO(h), o.toler_chol, aliased) > 0)
		linalg_spd_solve(p, COXSTEP_INFO(h), aliased, step, "the information matrix");
	else
		memset(step, 0, sizeof(double) * p);
	for (j = 0; j < p; j++)
		step[j] += beta[j];
	PG_RETURN_ARRAYTYPE_P(clinnova_make_float8_array(step, p));
}

/*
 * coxmodel_from_step(step_at_final_beta, step_at_zero, beta, iterations, converged, options)
 * -> a coxmodel with the pooled fit's coefficients, variance, log-likelihoods and tests.
 * It has no concordance and no baseline hazard (predict_curve and predict_surv refuse it).
 */
Datum
coxmodel_from_step(PG_FUNCTION_ARGS)
{
	CoxStepHeader *hf,
			   *h0;
	const double *beta;
	CoxOptions	o;
	CoxModelBuild b;
	int			p,
				j,
				k,
				nkept = 0;
	bool	   *aliased;
	double	   *var;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("coxmodel_from_step needs both steps, iterations and converged")));
	hf = StepArg(fcinfo, 0);
	h0 = StepArg(fcinfo, 1);
	beta = BetaArg(fcinfo, 2, hf);
	p = hf->p;
	StepOptions(fcinfo, 5, &o, "coxmodel_from_step");
	CoxCheckTerms(&o, p, "coxmodel_from_step");
	if (h0->p != p || h0->ties != hf->ties || h0->n != hf->n || h0->events != hf->events)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the two steps do not describe the same data"),
				 errdetail("They differ in terms, tie method, rows or events.")));
	for (j = 0; j < p; j++)
		if (COXSTEP_BETA(h0)[j] != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the second step must be taken at beta = 0")));
	if (PG_GETARG_INT32(3) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iterations must not be negative")));
	if (hf->events == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot fit a Cox model without events"),
				 errdetail("The merged steps count 0 events.")));

	aliased = palloc(sizeof(bool) * p);
	var = palloc(sizeof(double) * p * p);
	memcpy(var, COXSTEP_INFO(hf), sizeof(double) * p * p);
	nkept = linalg_find_aliased(p, var, o.toler_chol, aliased);
	if (nkept > 0)
		linalg_spd_inverse(p, var, aliased, "the information matrix");
	else
		memset(var, 0, sizeof(double) * p * p);

	memset(&b, 0, sizeof(b));
	b.ties = (CoxTies) hf->ties;
	b.flags = COXMODEL_FROM_STEPS | (PG_GETARG_BOOL(4) ? COXMODEL_CONVERGED : 0);
	b.p = p;
	b.iterations = PG_GETARG_INT32(3);
	b.n = hf->n;
	b.events = hf->events;
	b.conf_level = o.conf_level;
	b.loglik0 = h0->loglik;
	b.loglik = hf->loglik;
	b.score = CoxQuadraticTest(p, COXSTEP_INFO(h0), COXSTEP_U(h0), o.toler_chol, NULL);
	b.rscore = NAN;
	for (j = 0; j < 7; j++)
		b.conc[j] = NAN;
	b.terms = palloc(sizeof(char *) * p);
	b.coef = palloc(sizeof(double) * p);
	b.means = palloc(sizeof(double) * p);
	for (j = 0; j < p; j++)
	{
		b.terms[j] = CoxTermName(&o, j);
		b.coef[j] = aliased[j] ? NAN : beta[j];
		b.means[j] = (COXSTEP_NOCENTER(hf)[j] || hf->sum_w <= 0) ? 0.0 :
			COXSTEP_SUMWX(hf)[j] / hf->sum_w;
	}
	b.var = var;
	/* Wald test on the estimable coefficients: b' V^-1 b */
	{
		double	   *Vs = palloc(sizeof(double) * Max(nkept * nkept, 1));
		double	   *bs = palloc(sizeof(double) * Max(nkept, 1));
		int			a = 0,
					c;

		for (j = 0; j < p; j++)
		{
			if (aliased[j])
				continue;
			bs[a] = beta[j];
			c = 0;
			for (k = 0; k < p; k++)
				if (!aliased[k])
					Vs[a + (c++) * nkept] = var[j + k * p];
			a++;
		}
		b.wald = nkept > 0 ? CoxQuadraticTest(nkept, Vs, bs, o.toler_chol, NULL) : 0.0;
	}
	b.nstrata = 0;
	b.strata = NULL;
	for (j = 0; j < p; j++)
		if (aliased[j])
			ereport(WARNING,
					(errmsg("coefficient of \"%s\" is not estimable and is reported as NULL",
							b.terms[j]),
					 errdetail("The covariate is constant or a linear combination of other covariates (R reports NA).")));
	CoxModelValidate(&b, ERRCODE_INVALID_PARAMETER_VALUE);
	PG_RETURN_POINTER(CoxModelFlatten(&b));
}
