/*
 * glmstep.c — the glmstep type and the coordinator side of federated GLM fitting.
 *
 * A glmstep holds the sums of one IRLS step over some rows (see GlmStep in glm.h): X'WX,
 * X'Wz, the deviance and AIC terms at beta, row counts and the sufficient sums of the null
 * model.  Sites compute it with logreg_step(y, x, beta, ...) (glm_agg.c); the coordinator
 * adds the sites' steps with glmstep_merge, takes the next coefficients from glm_newton, tests
 * convergence with glm_converged and builds the final model with glmmodel_from_step.  Because
 * every piece is a sum, this reproduces the pooled fit of logreg() over the union of the rows
 * (same iterations, coefficients, covariance and deviances, up to the order of additions).
 *
 * Text form: a JSON object of all fields, floats in shortest exact form (coefficients sent
 * to sites and steps coming back are bit-exact).  Binary form: version byte, then the fields.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/float.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "clinnova.h"
#include "glm.h"
#include "model_json.h"

#define GLMSTEP_FORMAT_VERSION 1

static const JsonReader StepReader = {ERRCODE_INVALID_TEXT_REPRESENTATION, "glmstep"};

/* The int64 fields of GlmStep, in text and binary order. */
#define STEP_NCOUNTS 7
static int64 *
StepCounts(GlmStep *s, int i)
{
	int64	   *f[STEP_NCOUNTS] = {&s->n_rows, &s->n_pos, &s->n_y0, &s->n_y1, &s->n_boundary,
	&s->n_nonint, &s->n_invalid};

	return f[i];
}
static const char *const StepCountNames[STEP_NCOUNTS] = {
	"n_rows", "n_pos", "n_y0", "n_y1", "n_boundary", "n_nonint", "n_invalid"
};

/* The double fields of GlmStep, in text and binary order. */
#define STEP_NSUMS 9
static double *
StepSums(GlmStep *s, int i)
{
	double	   *f[STEP_NSUMS] = {&s->sum_w, &s->sum_wy, &s->mean_y, &s->m2_y, &s->sum_wylogy,
	&s->sum_wyoff, &s->sum_wexpoff, &s->deviance, &s->aic_part};

	return f[i];
}
static const char *const StepSumNames[STEP_NSUMS] = {
	"sum_w", "sum_wy", "mean_y", "m2_y", "sum_wylogy", "sum_wyoff", "sum_wexpoff",
	"deviance", "aic_part"
};

/* ---- text I/O ---- */

PG_FUNCTION_INFO_V1(glmstep_in);
/* Text input: the JSON object glmstep_out writes. */
Datum
glmstep_in(PG_FUNCTION_ARGS)
{
	static const char *const keys[] = {
		"family", "intercept", "offset", "at_start", "beta", "n_rows", "n_pos", "n_y0", "n_y1",
		"n_boundary", "n_nonint", "n_invalid", "sum_w", "sum_wy", "mean_y", "m2_y",
		"sum_wylogy", "sum_wyoff", "sum_wexpoff", "deviance", "aic_part", "xtwx", "xtwz", NULL
	};
	char	   *str = PG_GETARG_CSTRING(0);
	JsonbContainer *root = JsonParseObject(&StepReader, str);
	JsonbValue	v;
	JsonbContainer *arr;
	GlmFamily	family;
	bool		intercept,
				offset,
				at_start;
	GlmStep    *s;
	int			p,
				i,
				j;

	JsonCheckKeys(&StepReader, root, NULL, keys);
	JsonGet(&StepReader, root, "family", true, &v);
	if (!GlmFamilyFromName(JsonText(&StepReader, &v, "family", -1), &family))
		JsonFail(&StepReader, "family", -1, "must be \"binomial\", \"gaussian\" or \"poisson\"");
	JsonGet(&StepReader, root, "intercept", true, &v);
	intercept = JsonBool(&StepReader, &v, "intercept", -1);
	JsonGet(&StepReader, root, "offset", true, &v);
	offset = JsonBool(&StepReader, &v, "offset", -1);
	JsonGet(&StepReader, root, "at_start", true, &v);
	at_start = JsonBool(&StepReader, &v, "at_start", -1);

	JsonGet(&StepReader, root, "beta", true, &v);
	arr = JsonArray(&StepReader, &v, "beta", -1);
	p = JsonArraySize(arr);
	if (p > GLM_MAX_COEF)
		JsonFail(&StepReader, "beta", -1, "has too many elements");
	s = GlmStepCreate(family, p, intercept, offset, NULL);
	if (!at_start)
		s->flags &= ~GLMSTEP_AT_START;
	for (j = 0; j < p; j++)
	{
		JsonbValue	e;

		JsonElement(arr, j, &e);
		GlmStepBeta(s)[j] = JsonFloat8(&StepReader, &e, "beta", j, false, false);
	}
	for (i = 0; i < STEP_NCOUNTS; i++)
	{
		JsonGet(&StepReader, root, StepCountNames[i], true, &v);
		*StepCounts(s, i) = JsonInt(&StepReader, &v, StepCountNames[i], -1, 0, PG_INT64_MAX / 2, false);
	}
	for (i = 0; i < STEP_NSUMS; i++)
	{
		JsonGet(&StepReader, root, StepSumNames[i], true, &v);
		*StepSums(s, i) = JsonFloat8(&StepReader, &v, StepSumNames[i], -1, false, true);
	}
	JsonGet(&StepReader, root, "xtwx", true, &v);
	arr = JsonArray(&StepReader, &v, "xtwx", -1);
	if (JsonArraySize(arr) != p)
		JsonFail(&StepReader, "xtwx", -1, "must have one row per coefficient");
	for (i = 0; i < p; i++)
	{
		JsonbValue	r;
		JsonbContainer *row;

		JsonElement(arr, i, &r);
		row = JsonArray(&StepReader, &r, "xtwx", i);
		if (JsonArraySize(row) != p)
			JsonFail(&StepReader, "xtwx", i, "must have one column per coefficient");
		for (j = 0; j < p; j++)
		{
			JsonbValue	e;

			JsonElement(row, j, &e);
			GlmStepXtWX(s)[i + (Size) j * p] = JsonFloat8(&StepReader, &e, "xtwx", i, false, true);
		}
	}
	JsonGet(&StepReader, root, "xtwz", true, &v);
	arr = JsonArray(&StepReader, &v, "xtwz", -1);
	if (JsonArraySize(arr) != p)
		JsonFail(&StepReader, "xtwz", -1, "must have one element per coefficient");
	for (j = 0; j < p; j++)
	{
		JsonbValue	e;

		JsonElement(arr, j, &e);
		GlmStepXtWz(s)[j] = JsonFloat8(&StepReader, &e, "xtwz", j, false, true);
	}
	GlmStepValidate(s, ERRCODE_INVALID_TEXT_REPRESENTATION, "glmstep");
	PG_RETURN_POINTER(s);
}


PG_FUNCTION_INFO_V1(glmstep_out);
/* Text output: JSON, floats in shortest exact form. */
Datum
glmstep_out(PG_FUNCTION_ARGS)
{
	GlmStep    *s = PG_GETARG_GLMSTEP_P(0);
	StringInfoData buf;
	int			p = s->p;
	int			i,
				j;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"family\": ");
	JsonAppendString(&buf, GlmFamilyName((GlmFamily) s->family));
	appendStringInfo(&buf, ", \"intercept\": %s, \"offset\": %s, \"at_start\": %s, \"beta\": [",
					 (s->flags & GLMSTEP_INTERCEPT) ? "true" : "false",
					 (s->flags & GLMSTEP_OFFSET) ? "true" : "false",
					 (s->flags & GLMSTEP_AT_START) ? "true" : "false");
	for (j = 0; j < p; j++)
	{
		if (j > 0)
			appendStringInfoString(&buf, ", ");
		JsonAppendFloat8(&buf, clinnova_canonical_float8(GlmStepBeta(s)[j]));
	}
	appendStringInfoChar(&buf, ']');
	for (i = 0; i < STEP_NCOUNTS; i++)
		appendStringInfo(&buf, ", \"%s\": " INT64_FORMAT, StepCountNames[i], *StepCounts(s, i));
	for (i = 0; i < STEP_NSUMS; i++)
	{
		appendStringInfo(&buf, ", \"%s\": ", StepSumNames[i]);
		JsonAppendFloat8(&buf, clinnova_canonical_float8(*StepSums(s, i)));
	}
	appendStringInfoString(&buf, ", \"xtwx\": [");
	for (i = 0; i < p; i++)
	{
		appendStringInfoString(&buf, (i > 0) ? ", [" : "[");
		for (j = 0; j < p; j++)
		{
			if (j > 0)
				appendStringInfoString(&buf, ", ");
			JsonAppendFloat8(&buf, clinnova_canonical_float8(GlmStepXtWX(s)[i + (Size) j * p]));
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "], \"xtwz\": [");
	for (j = 0; j < p; j++)
	{
		if (j > 0)
			appendStringInfoString(&buf, ", ");
		JsonAppendFloat8(&buf, clinnova_canonical_float8(GlmStepXtWz(s)[j]));
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* ---- binary I/O ---- */

PG_FUNCTION_INFO_V1(glmstep_send);
/* Binary output: version, family, flags, p, counts, sums, beta, X'WX, X'Wz. */
Datum
glmstep_send(PG_FUNCTION_ARGS)
{
	GlmStep    *s = PG_GETARG_GLMSTEP_P(0);
	StringInfoData buf;
	Size		k,
				n = (Size) s->p * s->p + 2 * (Size) s->p;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, GLMSTEP_FORMAT_VERSION);
	pq_sendbyte(&buf, s->family);
	pq_sendbyte(&buf, s->flags);
	pq_sendint32(&buf, s->p);
	for (i = 0; i < STEP_NCOUNTS; i++)
		pq_sendint64(&buf, *StepCounts(s, i));
	for (i = 0; i < STEP_NSUMS; i++)
		pq_sendfloat8(&buf, clinnova_canonical_float8(*StepSums(s, i)));
	for (k = 0; k < n; k++)
		pq_sendfloat8(&buf, clinnova_canonical_float8(GlmStepBeta(s)[k]));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(glmstep_recv);
/* Binary input: lengths checked before use, then the same validation as text input. */
Datum
glmstep_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			family,
				flags,
				p,
				i;
	GlmStep    *s;
	Size		k,
				n;

	clinnova_recv_version(buf, GLMSTEP_FORMAT_VERSION, "glmstep");
	family = pq_getmsgbyte(buf);
	flags = pq_getmsgbyte(buf);
	p = pq_getmsgint(buf, 4);
	if (family < GLM_BINOMIAL || family > GLM_POISSON || p < 0 || p > GLM_MAX_COEF ||
		(flags & ~GLMSTEP_ALL_FLAGS) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of glmstep"),
				 errdetail("The header is invalid.")));
	n = (Size) p * p + 2 * (Size) p;
	if ((Size) (buf->len - buf->cursor) != 8 * (STEP_NCOUNTS + STEP_NSUMS + n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of glmstep"),
				 errdetail("The value has %d bytes after the header; %d coefficients need %zu.",
						   buf->len - buf->cursor, p, 8 * (STEP_NCOUNTS + STEP_NSUMS + n))));
	s = GlmStepCreate((GlmFamily) family, p, false, false, NULL);
	s->flags = (uint8) flags;
	for (i = 0; i < STEP_NCOUNTS; i++)
		*StepCounts(s, i) = pq_getmsgint64(buf);
	for (i = 0; i < STEP_NSUMS; i++)
		*StepSums(s, i) = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	for (k = 0; k < n; k++)
		GlmStepBeta(s)[k] = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	clinnova_recv_end(buf, "glmstep");
	GlmStepValidate(s, ERRCODE_INVALID_BINARY_REPRESENTATION, "glmstep");
	PG_RETURN_POINTER(s);
}

/* ---- merging ---- */

PG_FUNCTION_INFO_V1(glmstep_merge_transfn);
/*
 * Transition (and combine) function of glmstep_merge(glmstep): add the second step to the
 * first.  Inside an aggregate the state belongs to the aggregate and is updated in place.
 */
Datum
glmstep_merge_transfn(PG_FUNCTION_ARGS)
{
	GlmStep    *a = PG_GETARG_GLMSTEP_P(0);
	GlmStep    *b = PG_GETARG_GLMSTEP_P(1);

	if (!AggCheckCallContext(fcinfo, NULL))
	{
		GlmStep    *copy = palloc(VARSIZE(a));

		memcpy(copy, a, VARSIZE(a));
		a = copy;
	}
	GlmStepMerge(a, b);
	PG_RETURN_POINTER(a);
}

/* ---- coordinator helpers ---- */

PG_FUNCTION_INFO_V1(glmstep_info);
/*
 * glmstep_info(step) -> (family, n_rows, n, sum_weights, deviance, at_start, beta, xtwx,
 * xtwz): the pieces of a step, X'WX as a p x p array.
 */
Datum
glmstep_info(PG_FUNCTION_ARGS)
{
	GlmStep    *s = PG_GETARG_GLMSTEP_P(0);
	int			p = s->p;
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {false};
	Datum	   *d;
	int			dims[2] = {p, p};
	int			lbs[2] = {1, 1};
	int			i,
				j;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: glmstep_info must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = CStringGetTextDatum(GlmFamilyName((GlmFamily) s->family));
	values[1] = Int64GetDatum(s->n_rows);
	values[2] = Int64GetDatum(s->n_pos);
	values[3] = Float8GetDatum(s->sum_w);
	values[4] = Float8GetDatum(s->deviance);
	values[5] = BoolGetDatum((s->flags & GLMSTEP_AT_START) != 0);
	values[6] = PointerGetDatum(clinnova_make_float8_array(GlmStepBeta(s), p));
	d = palloc(sizeof(Datum) * Max((Size) p * p, 1));
	for (i = 0; i < p; i++)
		for (j = 0; j < p; j++)
			d[i * p + j] = Float8GetDatum(GlmStepXtWX(s)[i + (Size) j * p]);
	values[7] = (p == 0) ? PointerGetDatum(construct_empty_array(FLOAT8OID)) :
		PointerGetDatum(construct_md_array(d, NULL, 2, dims, lbs, FLOAT8OID, sizeof(float8),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[8] = PointerGetDatum(clinnova_make_float8_array(GlmStepXtWz(s), p));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(glm_newton);
/*
 * glm_newton(step, beta DEFAULT NULL) -> float8[]: the coefficients of the weighted
 * least-squares solve of the step (aliased terms 0).  When beta is given it must be the
 * coefficients the step was evaluated at, which guards against mixing up steps.
 */
Datum
glm_newton(PG_FUNCTION_ARGS)
{
	GlmStep    *s;
	int			p;
	double	   *beta;
	bool	   *aliased;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_GLMSTEP_P(0);
	p = s->p;
	beta = palloc(sizeof(double) * Max(p, 1));
	aliased = palloc(sizeof(bool) * Max(p, 1));
	if (!PG_ARGISNULL(1))
	{
		int			n;
		double	   *given = clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(1), &n, "beta");

		if ((s->flags & GLMSTEP_AT_START) || n != p ||
			memcmp(given, GlmStepBeta(s), sizeof(double) * p) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("beta is not the point at which the step was evaluated"),
					 errhint("Pass the coefficients sent to the sites for this step, or NULL.")));
	}
	GlmNewton(s, beta, aliased);
	PG_RETURN_ARRAYTYPE_P(clinnova_make_float8_array(beta, p));
}

PG_FUNCTION_INFO_V1(glm_converged);
/* glm_converged(previous, current, tol DEFAULT 1e-8): R's relative deviance-change test. */
Datum
glm_converged(PG_FUNCTION_ARGS)
{
	GlmStep    *prev = PG_GETARG_GLMSTEP_P(0);
	GlmStep    *cur = PG_GETARG_GLMSTEP_P(1);
	double		tol = PG_GETARG_FLOAT8(2);

	if (!(tol > 0.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tol must be positive")));
	if (prev->family != cur->family || prev->p != cur->p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the two IRLS steps belong to different models")));
	PG_RETURN_BOOL(GlmConverged(prev, cur, tol));
}

PG_FUNCTION_INFO_V1(glmmodel_from_step);
/*
 * glmmodel_from_step(step, final_step, iterations, converged, options DEFAULT NULL,
 * boundary DEFAULT false) -> glmmodel: the fitted model of an IRLS run whose last solve used
 * step and whose coefficients final_step was evaluated at.  options supply term names and
 * the confidence level; the intercept is taken from the steps.
 */
Datum
glmmodel_from_step(PG_FUNCTION_ARGS)
{
	GlmStep    *last;
	GlmStep    *final;
	int32		iterations;
	bool		converged;
	Jsonb	   *options;
	bool		boundary;
	bool		intercept;
	GlmOptions	opt;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(5))
		PG_RETURN_NULL();
	last = PG_GETARG_GLMSTEP_P(0);
	final = PG_GETARG_GLMSTEP_P(1);
	iterations = PG_GETARG_INT32(2);
	converged = PG_GETARG_BOOL(3);
	options = PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4);
	boundary = PG_GETARG_BOOL(5);
	intercept = (final->flags & GLMSTEP_INTERCEPT) != 0;
	if (iterations < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iterations must not be negative")));
	GlmOptionsParse(options, &opt);
	if (options != NULL)
	{
		JsonbValue	v;

		if (getKeyJsonValueFromContainer(&options->root, "intercept", 9, &v) != NULL &&
			opt.intercept != intercept)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options say \"intercept\": %s but the steps were computed %s an intercept",
							opt.intercept ? "true" : "false", intercept ? "with" : "without")));
	}
	opt.intercept = intercept;
	PG_RETURN_POINTER(GlmModelFromSteps(last, final, iterations, converged, boundary, &opt));
}
