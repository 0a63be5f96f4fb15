/*
 * glmmodel.c — the glmmodel type: text and binary I/O, the accessors glm_coefs and glm_stats,
 * and scoring (predict, predict_interval).
 *
 * Text form: a JSON object with every stored field, floats in shortest exact form so that a
 * model read back is bit-identical (postgres_fdw ships values as text):
 *
 *   {"family": "binomial", "link": "logit", "intercept": true,
 *    "terms": ["(Intercept)", "age"], "coefficients": [0.56, 0.021],
 *    "covariance": [[1.49, -0.0195], [-0.0195, 0.00031]],
 *    "deviance": 240.7, "null_deviance": 268.1, "aic": 248.7, "dispersion": 1,
 *    "iterations": 4, "converged": true, "boundary": false, "n": 227, "n_rows": 227,
 *    "conf_level": 0.95}
 *
 * An aliased term has a null coefficient and null covariance entries.  Non-finite numbers
 * (a NaN dispersion when no residual degrees of freedom remain, an infinite AIC) are the
 * strings "NaN", "Infinity", "-Infinity".  Binary form: format version byte, then the fields
 * in the order of GlmModel.  Input and recv both end in GlmModelValidate.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "clinnova.h"
#include "glm.h"
#include "model_cache.h"
#include "distributions.h"
#include "model_json.h"
#include "models.h"

#define GLMMODEL_FORMAT_VERSION 1

static const JsonReader ModelReader = {ERRCODE_INVALID_TEXT_REPRESENTATION, "glmmodel"};

/* ---- text I/O ---- */

/* Read the JSON array at key into p doubles; JSON null marks an aliased entry when allowed. */
static void
ReadVector(JsonbContainer *root, const char *key, int p, double *out, uint8 *nulls)
{
	JsonbValue	v;
	JsonbContainer *arr;
	int			j;

	JsonGet(&ModelReader, root, key, true, &v);
	arr = JsonArray(&ModelReader, &v, key, -1);
	if (JsonArraySize(arr) != p)
		JsonFail(&ModelReader, key, -1, "must have one element per term");
	for (j = 0; j < p; j++)
	{
		JsonbValue	e;

		JsonElement(arr, j, &e);
		if (e.type == jbvNull && nulls != NULL)
		{
			nulls[j] = 1;
			out[j] = 0.0;
		}
		else
			out[j] = JsonFloat8(&ModelReader, &e, key, j, false, true);
	}
}

PG_FUNCTION_INFO_V1(glmmodel_in);
/* Text input: the JSON object described at the top of this file. */
Datum
glmmodel_in(PG_FUNCTION_ARGS)
{
	static const char *const keys[] = {
		"family", "link", "intercept", "terms", "coefficients", "covariance", "deviance",
		"null_deviance", "aic", "dispersion", "iterations", "converged", "boundary", "n",
		"n_rows", "conf_level", NULL
	};
	char	   *str = PG_GETARG_CSTRING(0);
	JsonbContainer *root = JsonParseObject(&ModelReader, str);
	JsonbValue	v;
	JsonbContainer *terms;
	GlmFamily	family;
	GlmLink		link;
	GlmModel   *m;
	char	  **names;
	Size		names_len = 0;
	int			p,
				i,
				j;
	char	   *t;
	uint8	   *null_coef;

	JsonCheckKeys(&ModelReader, root, NULL, keys);

	JsonGet(&ModelReader, root, "family", true, &v);
	if (!GlmFamilyFromName(JsonText(&ModelReader, &v, "family", -1), &family))
		JsonFail(&ModelReader, "family", -1, "must be \"binomial\", \"gaussian\" or \"poisson\"");
	JsonGet(&ModelReader, root, "link", true, &v);
	if (!GlmLinkFromName(JsonText(&ModelReader, &v, "link", -1), &link) ||
		link != GlmFamilyLink(family))
		JsonFail(&ModelReader, "link", -1, "must be the canonical link of the family");

	JsonGet(&ModelReader, root, "terms", true, &v);
	terms = JsonArray(&ModelReader, &v, "terms", -1);
	p = JsonArraySize(terms);
	if (p > GLM_MAX_COEF)
		JsonFail(&ModelReader, "terms", -1, "has too many elements");
	names = palloc(sizeof(char *) * Max(p, 1));
	for (j = 0; j < p; j++)
	{
		JsonbValue	e;

		JsonElement(terms, j, &e);
		names[j] = JsonText(&ModelReader, &e, "terms", j);
		names_len += strlen(names[j]) + 1;
	}

	m = GlmModelAlloc(p, names_len);
	m->family = (uint8) family;
	JsonGet(&ModelReader, root, "intercept", true, &v);
	if (JsonBool(&ModelReader, &v, "intercept", -1))
		m->flags |= GLMMODEL_INTERCEPT;
	JsonGet(&ModelReader, root, "converged", true, &v);
	if (JsonBool(&ModelReader, &v, "converged", -1))
		m->flags |= GLMMODEL_CONVERGED;
	JsonGet(&ModelReader, root, "boundary", true, &v);
	if (JsonBool(&ModelReader, &v, "boundary", -1))
		m->flags |= GLMMODEL_BOUNDARY;
	JsonGet(&ModelReader, root, "iterations", true, &v);
	m->iterations = (int32) JsonInt(&ModelReader, &v, "iterations", -1, 0, PG_INT32_MAX, false);
	JsonGet(&ModelReader, root, "n", true, &v);
	m->n = JsonInt(&ModelReader, &v, "n", -1, 0, PG_INT64_MAX / 2, false);
	JsonGet(&ModelReader, root, "n_rows", true, &v);
	m->n_rows = JsonInt(&ModelReader, &v, "n_rows", -1, 0, PG_INT64_MAX / 2, false);
	JsonGet(&ModelReader, root, "deviance", true, &v);
	m->deviance = JsonFloat8(&ModelReader, &v, "deviance", -1, false, true);
	JsonGet(&ModelReader, root, "null_deviance", true, &v);
	m->null_deviance = JsonFloat8(&ModelReader, &v, "null_deviance", -1, false, true);
	JsonGet(&ModelReader, root, "aic", true, &v);
	m->aic = JsonFloat8(&ModelReader, &v, "aic", -1, false, true);
	JsonGet(&ModelReader, root, "dispersion", true, &v);
	m->dispersion = JsonFloat8(&ModelReader, &v, "dispersion", -1, false, true);
	JsonGet(&ModelReader, root, "conf_level", true, &v);
	m->conf_level = JsonFloat8(&ModelReader, &v, "conf_level", -1, false, false);

	null_coef = GlmModelAliased(m);
	ReadVector(root, "coefficients", p, GlmModelCoef(m), null_coef);

	/* covariance: p rows of p; null exactly where the row or column term is aliased */
	JsonGet(&ModelReader, root, "covariance", true, &v);
	{
		JsonbContainer *rows = JsonArray(&ModelReader, &v, "covariance", -1);

		if (JsonArraySize(rows) != p)
			JsonFail(&ModelReader, "covariance", -1, "must have one row per term");
		for (i = 0; i < p; i++)
		{
			JsonbValue	r;
			JsonbContainer *row;

			JsonElement(rows, i, &r);
			row = JsonArray(&ModelReader, &r, "covariance", i);
			if (JsonArraySize(row) != p)
				JsonFail(&ModelReader, "covariance", i, "must have one column per term");
			for (j = 0; j < p; j++)
			{
				JsonbValue	e;
				bool		al = null_coef[i] || null_coef[j];

				JsonElement(row, j, &e);
				if (al != (e.type == jbvNull))
					JsonFail(&ModelReader, "covariance", i,
							 "must be null exactly in the rows and columns of terms with a null coefficient");
				GlmModelCov(m)[i + (Size) j * p] = al ? 0.0 :
					JsonFloat8(&ModelReader, &e, "covariance", i, false, true);
			}
		}
	}

	t = GlmModelTerms(m);
	for (j = 0; j < p; j++)
	{
		strcpy(t, names[j]);
		t += strlen(names[j]) + 1;
	}
	GlmModelValidate(m, VARSIZE(m), ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(m);
}

PG_FUNCTION_INFO_V1(glmmodel_out);
/* Text output: JSON with every float in shortest exact form. */
Datum
glmmodel_out(PG_FUNCTION_ARGS)
{
	GlmModel   *m = PG_GETARG_GLMMODEL_P(0);
	const char **names = GlmModelTermNames(m);
	const uint8 *al = GlmModelAliased(m);
	StringInfoData buf;
	int			p = m->p;
	int			i,
				j;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"family\": ");
	JsonAppendString(&buf, GlmFamilyName((GlmFamily) m->family));
	appendStringInfoString(&buf, ", \"link\": ");
	JsonAppendString(&buf, GlmLinkName(GlmFamilyLink((GlmFamily) m->family)));
	appendStringInfo(&buf, ", \"intercept\": %s, \"terms\": [",
					 (m->flags & GLMMODEL_INTERCEPT) ? "true" : "false");
	for (j = 0; j < p; j++)
	{
		if (j > 0)
			appendStringInfoString(&buf, ", ");
		JsonAppendString(&buf, names[j]);
	}
	appendStringInfoString(&buf, "], \"coefficients\": [");
	for (j = 0; j < p; j++)
	{
		if (j > 0)
			appendStringInfoString(&buf, ", ");
		if (al[j])
			appendStringInfoString(&buf, "null");
		else
			JsonAppendFloat8(&buf, GlmModelCoef(m)[j]);
	}
	appendStringInfoString(&buf, "], \"covariance\": [");
	for (i = 0; i < p; i++)
	{
		appendStringInfoString(&buf, (i > 0) ? ", [" : "[");
		for (j = 0; j < p; j++)
		{
			if (j > 0)
				appendStringInfoString(&buf, ", ");
			if (al[i] || al[j])
				appendStringInfoString(&buf, "null");
			else
				JsonAppendFloat8(&buf, GlmModelCov(m)[i + (Size) j * p]);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "], \"deviance\": ");
	JsonAppendFloat8(&buf, m->deviance);
	appendStringInfoString(&buf, ", \"null_deviance\": ");
	JsonAppendFloat8(&buf, m->null_deviance);
	appendStringInfoString(&buf, ", \"aic\": ");
	JsonAppendFloat8(&buf, m->aic);
	appendStringInfoString(&buf, ", \"dispersion\": ");
	JsonAppendFloat8(&buf, m->dispersion);
	appendStringInfo(&buf, ", \"iterations\": %d, \"converged\": %s, \"boundary\": %s, "
					 "\"n\": " INT64_FORMAT ", \"n_rows\": " INT64_FORMAT ", \"conf_level\": ",
					 m->iterations, (m->flags & GLMMODEL_CONVERGED) ? "true" : "false",
					 (m->flags & GLMMODEL_BOUNDARY) ? "true" : "false", m->n, m->n_rows);
	JsonAppendFloat8(&buf, m->conf_level);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* ---- binary I/O ---- */

PG_FUNCTION_INFO_V1(glmmodel_send);
/* Binary output: version byte, header fields, coefficients, covariance, flags, names. */
Datum
glmmodel_send(PG_FUNCTION_ARGS)
{
	GlmModel   *m = PG_GETARG_GLMMODEL_P(0);
	const char **names = GlmModelTermNames(m);
	StringInfoData buf;
	Size		k;
	int			j;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, GLMMODEL_FORMAT_VERSION);
	pq_sendbyte(&buf, m->family);
	pq_sendbyte(&buf, m->flags);
	pq_sendint32(&buf, m->p);
	pq_sendint32(&buf, m->iterations);
	pq_sendint64(&buf, m->n);
	pq_sendint64(&buf, m->n_rows);
	pq_sendfloat8(&buf, m->deviance);
	pq_sendfloat8(&buf, m->null_deviance);
	pq_sendfloat8(&buf, m->aic);
	pq_sendfloat8(&buf, m->dispersion);
	pq_sendfloat8(&buf, m->conf_level);
	for (k = 0; k < (Size) m->p * (m->p + 1); k++)
		pq_sendfloat8(&buf, GlmModelCoef(m)[k]);	/* coef[p] then cov[p * p] */
	for (j = 0; j < m->p; j++)
		pq_sendbyte(&buf, GlmModelAliased(m)[j]);
	for (j = 0; j < m->p; j++)
		pq_sendstring(&buf, names[j]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(glmmodel_recv);
/* Binary input: every length is checked before use, then the same validation as input. */
Datum
glmmodel_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			family,
				flags,
				p,
				iterations,
				j;
	int64		n,
				n_rows;
	double		hdr[5];
	double	   *nums;
	uint8	   *al;
	const char **names;
	Size		names_len = 0,
				k,
				count;
	GlmModel   *m;
	char	   *t;

	clinnova_recv_version(buf, GLMMODEL_FORMAT_VERSION, "glmmodel");
	family = pq_getmsgbyte(buf);
	flags = pq_getmsgbyte(buf);
	p = pq_getmsgint(buf, 4);
	iterations = pq_getmsgint(buf, 4);
	n = pq_getmsgint64(buf);
	n_rows = pq_getmsgint64(buf);
	for (j = 0; j < 5; j++)
		hdr[j] = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	if (p < 0 || p > GLM_MAX_COEF)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of glmmodel"),
				 errdetail("The number of terms %d is out of range.", p)));
	count = (Size) p * (p + 1);
	if ((Size) (buf->len - buf->cursor) < count * 8 + p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of glmmodel"),
				 errdetail("The value is truncated.")));
	nums = palloc(sizeof(double) * Max(count, 1));
	for (k = 0; k < count; k++)
		nums[k] = clinnova_canonical_float8(pq_getmsgfloat8(buf));
	al = palloc(Max(p, 1));
	for (j = 0; j < p; j++)
		al[j] = (uint8) pq_getmsgbyte(buf);
	names = palloc(sizeof(char *) * Max(p, 1));
	for (j = 0; j < p; j++)
	{
		/* a name must end inside the value (pq_getmsgstring would raise 08P01) */
		if (memchr(buf->data + buf->cursor, '\0', buf->len - buf->cursor) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary representation of glmmodel"),
					 errdetail("Term name %d is not terminated.", j + 1)));
		names[j] = pq_getmsgstring(buf);
		names_len += strlen(names[j]) + 1;
	}
	clinnova_recv_end(buf, "glmmodel");

	m = GlmModelAlloc(p, names_len);
	m->family = (uint8) family;
	m->flags = (uint8) flags;
	m->iterations = iterations;
	m->n = n;
	m->n_rows = n_rows;
	m->deviance = hdr[0];
	m->null_deviance = hdr[1];
	m->aic = hdr[2];
	m->dispersion = hdr[3];
	m->conf_level = hdr[4];
	memcpy(GlmModelCoef(m), nums, sizeof(double) * count);
	memcpy(GlmModelAliased(m), al, p);
	t = GlmModelTerms(m);
	for (j = 0; j < p; j++)
	{
		strcpy(t, names[j]);
		t += strlen(names[j]) + 1;
	}
	if (family != m->family || flags != m->flags)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary representation of glmmodel")));
	GlmModelValidate(m, VARSIZE(m), ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(m);
}

/* ---- accessors ---- */

/* The critical value of the model's Wald intervals: normal, or t on df_residual (gaussian). */
static double
CriticalValue(const GlmModel *m, double level)
{
	double		df = (double) (m->n - GlmModelRank(m));

	if (m->family == GLM_GAUSSIAN)
		return (df > 0) ? dist_t_quantile(0.5 + level / 2.0, df) : get_float8_nan();
	return dist_norm_quantile(0.5 + level / 2.0);
}

/* Confidence level argument (NULL: the model's own); 22023 outside (0, 1). */
static double
ConfLevelArg(FunctionCallInfo fcinfo, int argno, const GlmModel *m)
{
	double		level;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return m->conf_level;
	level = PG_GETARG_FLOAT8(argno);
	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conf_level must be between 0 and 1"),
				 errdetail("conf_level is %s.", float8out_internal(level))));
	return level;
}

PG_FUNCTION_INFO_V1(glm_coefs);
/*
 * glm_coefs(model, conf_level DEFAULT NULL): one row per term with R's summary.glm table
 * (z for binomial and poisson, t for gaussian, the other NULL), Wald intervals (normal
 * quantile as confint.default; t quantile for gaussian as confint.lm), and exp(coef) as
 * odds_ratio (binomial) or rate_ratio (poisson).  Aliased terms have NULLs.
 */
Datum
glm_coefs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	GlmModel   *m;
	double		level,
				crit,
				df;
	const char **names;
	int			j;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	m = PG_GETARG_GLMMODEL_P(0);
	level = ConfLevelArg(fcinfo, 1, m);
	crit = CriticalValue(m, level);
	df = (double) (m->n - GlmModelRank(m));
	names = GlmModelTermNames(m);
	for (j = 0; j < m->p; j++)
	{
		Datum		values[10];
		bool		nulls[10];
		double		coef = GlmModelCoef(m)[j];
		double		se = sqrt(GlmModelCov(m)[j + (Size) j * m->p]);
		double		stat = coef / se;
		int			c;

		for (c = 0; c < 10; c++)
			nulls[c] = true;
		values[0] = CStringGetTextDatum(names[j]);
		nulls[0] = false;
		if (!GlmModelAliased(m)[j])
		{
			values[1] = Float8GetDatum(coef);
			values[2] = Float8GetDatum(se);
			if (m->family == GLM_GAUSSIAN)
			{
				values[4] = Float8GetDatum(stat);
				values[5] = Float8GetDatum((df > 0) ? dist_t_two_sided(stat, df) : get_float8_nan());
				nulls[4] = false;
			}
			else
			{
				values[3] = Float8GetDatum(stat);
				values[5] = Float8GetDatum(2.0 * dist_norm_upper(fabs(stat)));
				nulls[3] = false;
			}
			values[6] = Float8GetDatum(coef - crit * se);
			values[7] = Float8GetDatum(coef + crit * se);
			nulls[1] = nulls[2] = nulls[5] = nulls[6] = nulls[7] = false;
			if (m->family == GLM_BINOMIAL)
			{
				values[8] = Float8GetDatum(exp(coef));
				nulls[8] = false;
			}
			else if (m->family == GLM_POISSON)
			{
				values[9] = Float8GetDatum(exp(coef));
				nulls[9] = false;
			}
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(glm_stats);
/*
 * glm_stats(model): n, deviance, null_deviance, aic, iterations, converged, df_residual,
 * df_null, dispersion, loglik, bic, rank, sigma, r_squared, adj_r_squared, family, link.
 * loglik and bic as R's logLik.glm and BIC (which counts all rows, zero weights included);
 * sigma, r_squared and adj_r_squared as summary.lm, for gaussian models only.
 */
Datum
glm_stats(PG_FUNCTION_ARGS)
{
	GlmModel   *m = PG_GETARG_GLMMODEL_P(0);
	TupleDesc	tupdesc;
	Datum		values[17];
	bool		nulls[17] = {false};
	int			rank = GlmModelRank(m);
	int			intercept = (m->flags & GLMMODEL_INTERCEPT) ? 1 : 0;
	int64		df_res = m->n - rank;
	int			df_ll;
	double		loglik = GlmModelLogLik(m, &df_ll);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: glm_stats must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);

	values[0] = Int64GetDatum(m->n);
	values[1] = Float8GetDatum(m->deviance);
	values[2] = Float8GetDatum(m->null_deviance);
	values[3] = Float8GetDatum(m->aic);
	values[4] = Int32GetDatum(m->iterations);
	values[5] = BoolGetDatum((m->flags & GLMMODEL_CONVERGED) != 0);
	values[6] = Int64GetDatum(df_res);
	values[7] = Int64GetDatum(m->n - intercept);
	values[8] = Float8GetDatum(m->dispersion);
	values[9] = Float8GetDatum(loglik);
	values[10] = Float8GetDatum(-2.0 * loglik + log((double) m->n_rows) * df_ll);
	values[11] = Int32GetDatum(rank);
	if (m->family == GLM_GAUSSIAN)
	{
		double		r2 = 1.0 - m->deviance / m->null_deviance;

		values[12] = Float8GetDatum(sqrt(m->dispersion));
		values[13] = Float8GetDatum(r2);
		values[14] = Float8GetDatum(1.0 - (1.0 - r2) * ((double) (m->n - intercept) / (double) df_res));
	}
	else
		nulls[12] = nulls[13] = nulls[14] = true;
	values[15] = CStringGetTextDatum(GlmFamilyName((GlmFamily) m->family));
	values[16] = CStringGetTextDatum(GlmLinkName(GlmFamilyLink((GlmFamily) m->family)));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(glmmodel_terms);
/* glm_terms(model): the names of x's elements in order (the terms without the intercept). */
Datum
glmmodel_terms(PG_FUNCTION_ARGS)
{
	GlmModel   *m = PG_GETARG_GLMMODEL_P(0);
	const char **names = GlmModelTermNames(m);
	int			ic = (m->flags & GLMMODEL_INTERCEPT) ? 1 : 0;
	Datum	   *d = palloc(sizeof(Datum) * Max(m->p, 1));
	int			j;

	for (j = ic; j < m->p; j++)
		d[j - ic] = CStringGetTextDatum(names[j]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, m->p - ic, TEXTOID, -1, false, TYPALIGN_INT));
}

/* ---- scoring ---- */

/* Cache preparation: the detoasted model is used as it is. */
static void *
PrepareGlm(struct varlena *value, MemoryContext cxt)
{
	return value;
}

/*
 * The model argument of a scoring call.  A plain in-memory value (the usual case for models,
 * a few kB, and for constants) is used in place at no cost; compressed or out-of-line values
 * are detoasted once per query through the model cache.
 */
static GlmModel *
ModelArg(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));

	if (VARATT_IS_4B_U(raw))
		return (GlmModel *) raw;
	return (GlmModel *) ModelCacheGet(fcinfo, argno, PrepareGlm);
}

/* 'link' -> false, 'response' -> true; 22023 otherwise. */
static bool
ResponseScale(text *type)
{
	if (TextIs(type, "response"))
		return true;
	if (TextIs(type, "link"))
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown prediction type \"%s\" for a glmmodel", text_to_cstring(type)),
			 errhint("Use 'response' (the fitted mean) or 'link' (the linear predictor).")));
}

/* x of the row, checked against the model: one finite value per term. */
static double *
CovariatesArg(FunctionCallInfo fcinfo, int argno, const GlmModel *m)
{
	int			n,
				j;
	double	   *x = clinnova_float8_array(PG_GETARG_ARRAYTYPE_P(argno), &n, "x");
	int			p_raw = m->p - ((m->flags & GLMMODEL_INTERCEPT) ? 1 : 0);

	if (n != p_raw)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("x has %d elements but the model has %d covariates", n, p_raw)));
	for (j = 0; j < n; j++)
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x must contain only finite values"),
					 errdetail("Element %d of x is %s.", j + 1, float8out_internal(x[j]))));
	return x;
}

/* The offset argument (finite). */
static double
OffsetArg(FunctionCallInfo fcinfo, int argno)
{
	double		off = PG_GETARG_FLOAT8(argno);

	if (!isfinite(off))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("offset must be finite")));
	return off;
}

PG_FUNCTION_INFO_V1(glmmodel_predict);
/*
 * predict(model glmmodel, x float8[], type text DEFAULT 'response', offset float8 DEFAULT 0):
 * the linear predictor or the fitted mean (R's linkinv, with its guards) for one row.
 * Aliased terms contribute nothing, as in R's predict.  The model is detoasted once per query.
 */
Datum
glmmodel_predict(PG_FUNCTION_ARGS)
{
	GlmModel   *m = ModelArg(fcinfo, 0);
	double	   *x = CovariatesArg(fcinfo, 1, m);
	bool		response = ResponseScale(PG_GETARG_TEXT_PP(2));
	double		eta = GlmModelLinearPredictor(m, x, OffsetArg(fcinfo, 3));

	if (response)
		PG_RETURN_FLOAT8(GlmLinkInverse(GlmFamilyLink((GlmFamily) m->family), eta));
	PG_RETURN_FLOAT8(eta);
}

PG_FUNCTION_INFO_V1(glmmodel_predict_interval);
/*
 * predict_interval(model, x, type DEFAULT 'response', conf_level DEFAULT NULL, offset
 * DEFAULT 0) -> (fit, se, lower, upper): R's predict(se.fit = TRUE) — se of the linear
 * predictor sqrt(x' V x), times |mu.eta| on the response scale — and a Wald interval formed
 * on the link scale and mapped through the inverse link (normal quantile; t on df_residual
 * for gaussian).
 */
Datum
glmmodel_predict_interval(PG_FUNCTION_ARGS)
{
	GlmModel   *m;
	double	   *x;
	bool		response;
	double		level,
				eta;
	GlmLink		link;
	int			ic,
				p;
	const double *cov;
	double		var = 0.0,
				se,
				crit,
				lo,
				hi;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false};
	int			i,
				j;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	m = ModelArg(fcinfo, 0);
	x = CovariatesArg(fcinfo, 1, m);
	response = ResponseScale(PG_GETARG_TEXT_PP(2));
	level = ConfLevelArg(fcinfo, 3, m);
	eta = GlmModelLinearPredictor(m, x, OffsetArg(fcinfo, 4));
	link = GlmFamilyLink((GlmFamily) m->family);
	ic = (m->flags & GLMMODEL_INTERCEPT) ? 1 : 0;
	p = m->p;
	cov = GlmModelCov(m);

	/* x' V x with x = (1, x) when there is an intercept; aliased rows of V are 0 */
	for (j = 0; j < p; j++)
	{
		double		xj = (j < ic) ? 1.0 : x[j - ic];
		double		s = 0.0;

		for (i = 0; i < p; i++)
			s += cov[i + (Size) j * p] * ((i < ic) ? 1.0 : x[i - ic]);
		var += xj * s;
	}
	se = sqrt(fmax(var, 0.0));
	crit = CriticalValue(m, level);
	lo = eta - crit * se;
	hi = eta + crit * se;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "clinnova: predict_interval must be called in a context that accepts a record");
	tupdesc = BlessTupleDesc(tupdesc);
	if (response)
	{
		values[0] = Float8GetDatum(GlmLinkInverse(link, eta));
		values[1] = Float8GetDatum(se * fabs(GlmMuEta(link, eta)));
		values[2] = Float8GetDatum(GlmLinkInverse(link, lo));
		values[3] = Float8GetDatum(GlmLinkInverse(link, hi));
	}
	else
	{
		values[0] = Float8GetDatum(eta);
		values[1] = Float8GetDatum(se);
		values[2] = Float8GetDatum(lo);
		values[3] = Float8GetDatum(hi);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
