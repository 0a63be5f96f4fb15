/*
 * registry.c — binding named features to a model's covariate vector.
 *
 * The model registry (sql/: table clinnova.model_registry, register_model, score,
 * rank_treatments) stores each model with the ordered names of its features.  Scoring a
 * patient given as a JSON object {"age": 61, "crp": 12.5, ...} needs the values in the
 * model's order, and must never guess: bind_features refuses an absent feature, an unknown
 * (extra) key and a value that is not a JSON number, each with 22023 naming the feature.  A
 * JSON null is a missing value where the model handles missing values (tree ensembles) and
 * an error otherwise.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "clinnova.h"

/* The names of a text[] argument: one-dimensional, no NULLs (22023). */
static char **
NamesArg(ArrayType *a, int *n)
{
	Datum	   *d;
	bool	   *nulls;
	char	  **names;
	int			i;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("feature names must be a one-dimensional array")));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &d, &nulls, n);
	names = palloc(sizeof(char *) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature names must not be NULL")));
		names[i] = TextDatumGetCString(d[i]);
	}
	return names;
}

/* Comma-separated list of names for a message (the first 20). */
static char *
NameList(char **names, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n && i < 20; i++)
		appendStringInfo(&buf, "%s\"%s\"", (i > 0) ? ", " : "", names[i]);
	if (n > 20)
		appendStringInfo(&buf, " and %d more", n - 20);
	return buf.data;
}

/* Name of a JSON value's type for messages. */
static const char *
JsonTypeName(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		default:
			return "an array or object";
	}
}

PG_FUNCTION_INFO_V1(bind_features);
/*
 * bind_features(features jsonb, names text[], missing_ok boolean DEFAULT false) -> float8[]:
 * the values of features in the order of names (see the file comment).
 */
Datum
bind_features(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	int			n;
	char	  **names = NamesArg(PG_GETARG_ARRAYTYPE_P(1), &n);
	bool		missing_ok = PG_GETARG_BOOL(2);
	Datum	   *values = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc0(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			i;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("features must be a JSON object of feature names and values"),
				 errhint("For example {\"age\": 61, \"crp\": 12.5}.")));

	/* every key must be a feature of the model */
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		bool		known = false;

		if (tok != WJB_KEY)
			continue;
		for (i = 0; i < n && !known; i++)
			known = (strlen(names[i]) == (size_t) v.val.string.len &&
					 memcmp(names[i], v.val.string.val, v.val.string.len) == 0);
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown feature \"%s\"", pnstrdup(v.val.string.val, v.val.string.len)),
					 errdetail("The model's features are %s.", NameList(names, n))));
	}

	/* every feature must be given, as a number (or null where missing values are allowed) */
	for (i = 0; i < n; i++)
	{
		if (getKeyJsonValueFromContainer(&jb->root, names[i], strlen(names[i]), &v) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature \"%s\" is missing", names[i]),
					 errhint(missing_ok ? "Give every feature of the model; write null for a missing value." :
							 "Give every feature of the model.")));
		if (v.type == jbvNull)
		{
			if (!missing_ok)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("feature \"%s\" is null", names[i]),
						 errdetail("This model needs a value for every feature.")));
			nulls[i] = true;
			values[i] = (Datum) 0;
			continue;
		}
		if (v.type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature \"%s\" must be a number", names[i]),
					 errdetail("It is %s.", JsonTypeName(&v))));
		values[i] = DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric));
		if (!isfinite(DatumGetFloat8(values[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature \"%s\" is out of the range of float8", names[i])));
	}
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(FLOAT8OID));
	PG_RETURN_ARRAYTYPE_P(construct_md_array(values, nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
