/*
 * model_json.c — JSON reading and writing helpers of the models module (see model_json.h).
 *
 * Documents are parsed by PostgreSQL's own jsonb parser (which limits nesting depth and
 * reports syntax errors); this file walks the parsed containers.  Numbers are converted
 * from jsonb's exact decimal form with correctly rounded strtod/strtof (through numeric_float8
 * and numeric_float4), so a float8 written in shortest exact form reads back bit for bit, and
 * so does a float4 written in shortest float4 form.
 */
#include "postgres.h"

#include <errno.h>
#include <float.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "clinnova.h"
#include "model_json.h"

/* Raise the reader's error naming the field (and element index, when >= 0). */
void
JsonFail(const JsonReader *r, const char *path, int index, const char *problem)
{
	if (index >= 0)
		ereport(ERROR,
				(errcode(r->errcode),
				 errmsg("invalid %s", r->what),
				 errdetail("Field \"%s[%d]\" %s.", path, index, problem)));
	ereport(ERROR,
			(errcode(r->errcode),
			 errmsg("invalid %s", r->what),
			 errdetail("Field \"%s\" %s.", path, problem)));
}

/*
 * Parse text as jsonb; the root must be an object.  jsonb_in raises 22P02 on a syntax error
 * (and 54001 on absurd nesting), which suits the type input functions that call this.
 */
JsonbContainer *
JsonParseObject(const JsonReader *r, const char *text)
{
	Datum		d = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));

	return JsonRootObject(r, DatumGetJsonbP(d));
}

/* The root container of a jsonb value, which must be an object. */
JsonbContainer *
JsonRootObject(const JsonReader *r, Jsonb *jb)
{
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(r->errcode),
				 errmsg("invalid %s", r->what),
				 errdetail("The document must be a JSON object.")));
	return &jb->root;
}

/* Error unless every key of obj is in the NULL-terminated list allowed. */
void
JsonCheckKeys(const JsonReader *r, JsonbContainer *obj, const char *path,
			  const char *const *allowed)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const char *const *a;
		bool		known = false;

		if (tok != WJB_KEY)
			continue;
		for (a = allowed; *a != NULL; a++)
		{
			if (strlen(*a) == (size_t) v.val.string.len &&
				memcmp(*a, v.val.string.val, v.val.string.len) == 0)
			{
				known = true;
				break;
			}
		}
		if (!known)
		{
			char	   *key = pnstrdup(v.val.string.val, v.val.string.len);

			if (path == NULL || path[0] == '\0')
				ereport(ERROR,
						(errcode(r->errcode),
						 errmsg("invalid %s", r->what),
						 errdetail("Unknown key \"%s\".", key)));
			ereport(ERROR,
					(errcode(r->errcode),
					 errmsg("invalid %s", r->what),
					 errdetail("Unknown key \"%s\" in \"%s\".", key, path)));
		}
	}
}

/* Look key up in obj. */
bool
JsonGet(const JsonReader *r, JsonbContainer *obj, const char *key, bool required,
		JsonbValue *out)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), out);

	if (v == NULL)
	{
		if (required)
			ereport(ERROR,
					(errcode(r->errcode),
					 errmsg("invalid %s", r->what),
					 errdetail("Required field \"%s\" is missing.", key)));
		return false;
	}
	return true;
}

/* The object container of v. */
JsonbContainer *
JsonObject(const JsonReader *r, JsonbValue *v, const char *path, int index)
{
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		JsonFail(r, path, index, "must be a JSON object");
	return v->val.binary.data;
}

/* The array container of v. */
JsonbContainer *
JsonArray(const JsonReader *r, JsonbValue *v, const char *path, int index)
{
	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerIsScalar(v->val.binary.data))
		JsonFail(r, path, index, "must be a JSON array");
	return v->val.binary.data;
}

/* Element i of an array container. */
void
JsonElement(JsonbContainer *arr, int i, JsonbValue *out)
{
	JsonbValue *v = getIthJsonbValueFromContainer(arr, (uint32) i);

	if (v == NULL)
		elog(ERROR, "clinnova: JSON array index %d out of range", i);
	*out = *v;
	pfree(v);
}

/* Is v a string equal to s? */
bool
JsonStringIs(JsonbValue *v, const char *s)
{
	return v->type == jbvString && strlen(s) == (size_t) v->val.string.len &&
		memcmp(v->val.string.val, s, v->val.string.len) == 0;
}

/* NUL-terminated copy of a JSON string value. */
static char *
StringValue(JsonbValue *v)
{
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* Parse a whole string as a double with strtod; false unless it is entirely a number. */
static bool
ParseDouble(const char *s, double *out)
{
	char	   *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || *end != '\0')
		return false;
	/* strtod sets ERANGE for underflow too; only overflow is an error */
	if (errno == ERANGE && isinf(*out))
		return false;
	return true;
}

/* A float8 from a JSON number (or numeric string where allowed). */
double
JsonFloat8(const JsonReader *r, JsonbValue *v, const char *path, int index,
		   bool strings_ok, bool nonfinite_ok)
{
	double		d;

	if (v->type == jbvNumeric)
	{
		/* numeric_float8 goes through numeric_out and strtod: correctly rounded */
		if (numeric_is_nan(v->val.numeric) || numeric_is_inf(v->val.numeric))
			JsonFail(r, path, index, "must be a finite number");
		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											   NumericGetDatum(v->val.numeric)));
		if (!isfinite(d))
			JsonFail(r, path, index, "is out of the range of float8");
		return d;
	}
	if (v->type == jbvString)
	{
		char	   *s = StringValue(v);

		if (nonfinite_ok)
		{
			if (strcmp(s, "NaN") == 0)
				return get_float8_nan();
			if (strcmp(s, "Infinity") == 0)
				return get_float8_infinity();
			if (strcmp(s, "-Infinity") == 0)
				return -get_float8_infinity();
		}
		if (strings_ok && ParseDouble(s, &d) && isfinite(d))
			return d;
		pfree(s);
	}
	JsonFail(r, path, index, nonfinite_ok ? "must be a number, \"NaN\", \"Infinity\" or \"-Infinity\""
			 : "must be a finite number");
}

/* A float4 from a JSON number (or numeric string), rounded once from its decimal form. */
float
JsonFloat4(const JsonReader *r, JsonbValue *v, const char *path, int index, bool strings_ok)
{
	float		f;

	if (v->type == jbvNumeric)
	{
		char	   *s;
		char	   *end;

		if (numeric_is_nan(v->val.numeric) || numeric_is_inf(v->val.numeric))
			JsonFail(r, path, index, "must be a finite number");
		s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		errno = 0;
		f = strtof(s, &end);
		if (*end != '\0' || (errno == ERANGE && isinf(f)) || !isfinite(f))
			JsonFail(r, path, index, "is out of the range of float4");
		pfree(s);
		return f;
	}
	if (strings_ok && v->type == jbvString)
	{
		char	   *s = StringValue(v);
		char	   *end;

		errno = 0;
		f = strtof(s, &end);
		if (end != s && *end == '\0' && isfinite(f) && !(errno == ERANGE && isinf(f)))
		{
			pfree(s);
			return f;
		}
	}
	JsonFail(r, path, index, "must be a finite number");
}

/* An integer in [min, max] from a JSON number (or integer string where allowed). */
int64
JsonInt(const JsonReader *r, JsonbValue *v, const char *path, int index,
		int64 min, int64 max, bool strings_ok)
{
	double		d;
	char		problem[128];

	if (v->type == jbvNumeric)
	{
		if (numeric_is_nan(v->val.numeric) || numeric_is_inf(v->val.numeric))
			JsonFail(r, path, index, "must be an integer");
		d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											   NumericGetDatum(v->val.numeric)));
	}
	else if (strings_ok && v->type == jbvString)
	{
		char	   *s = StringValue(v);

		if (!ParseDouble(s, &d))
			JsonFail(r, path, index, "must be an integer");
		pfree(s);
	}
	else
		JsonFail(r, path, index, "must be an integer");

	if (!isfinite(d) || d != floor(d))
		JsonFail(r, path, index, "must be an integer");
	if (d < (double) min || d > (double) max)
	{
		snprintf(problem, sizeof(problem), "must be between " INT64_FORMAT " and " INT64_FORMAT,
				 min, max);
		JsonFail(r, path, index, problem);
	}
	/*
	 * Doubles are exact integers only below 2^53; a larger count (which binary input and
	 * send accept) is read exactly from the numeric, so that it round-trips through text.
	 */
	if (v->type == jbvNumeric && fabs(d) >= 9007199254740992.0)
	{
		int64		exact = DatumGetInt64(DirectFunctionCall1(numeric_int8,
															  NumericGetDatum(v->val.numeric)));

		if (exact < min || exact > max)
		{
			snprintf(problem, sizeof(problem), "must be between " INT64_FORMAT " and " INT64_FORMAT,
					 min, max);
			JsonFail(r, path, index, problem);
		}
		return exact;
	}
	return (int64) d;
}

/* A JSON boolean. */
bool
JsonBool(const JsonReader *r, JsonbValue *v, const char *path, int index)
{
	if (v->type != jbvBool)
		JsonFail(r, path, index, "must be true or false");
	return v->val.boolean;
}

/* A JSON string, as a palloc'd C string (no embedded NUL allowed). */
char *
JsonText(const JsonReader *r, JsonbValue *v, const char *path, int index)
{
	if (v->type != jbvString)
		JsonFail(r, path, index, "must be a string");
	if (memchr(v->val.string.val, '\0', v->val.string.len) != NULL)
		JsonFail(r, path, index, "must not contain NUL characters");
	return StringValue(v);
}

/* ---- whole arrays ---- */

/* Iterate the elements of arr, calling fn(r, value, path, index, ctx) for each. */
static void
ForEachElement(const JsonReader *r, JsonbContainer *arr, const char *path, int n,
			   void (*fn) (const JsonReader *, JsonbValue *, const char *, int, void *), void *ctx)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			i = 0;

	if (JsonArraySize(arr) != n)
	{
		char		problem[64];

		snprintf(problem, sizeof(problem), "must have %d elements", n);
		JsonFail(r, path, -1, problem);
	}
	it = JsonbIteratorInit(arr);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		fn(r, &v, path, i, ctx);
		i++;
	}
	Assert(i == n);
}

typedef struct IntArrayCtx
{
	int32		min;
	int32		max;
	int32	   *out;
} IntArrayCtx;

/* Element callback of JsonReadInt32Array. */
static void
ReadIntElement(const JsonReader *r, JsonbValue *v, const char *path, int i, void *ctx)
{
	IntArrayCtx *c = (IntArrayCtx *) ctx;

	c->out[i] = (int32) JsonInt(r, v, path, i, c->min, c->max, false);
}

/* Element callback of JsonReadFloat4Array. */
static void
ReadFloat4Element(const JsonReader *r, JsonbValue *v, const char *path, int i, void *ctx)
{
	((float *) ctx)[i] = JsonFloat4(r, v, path, i, false);
}

/* Element callback of JsonReadBoolArray: true/false or 0/1. */
static void
ReadBoolElement(const JsonReader *r, JsonbValue *v, const char *path, int i, void *ctx)
{
	((bool *) ctx)[i] = (v->type == jbvBool) ? v->val.boolean :
		(JsonInt(r, v, path, i, 0, 1, false) == 1);
}

/* An array of n integers in [min, max]. */
void
JsonReadInt32Array(const JsonReader *r, JsonbContainer *arr, const char *path,
				   int32 min, int32 max, int32 *out, int n)
{
	IntArrayCtx c = {min, max, out};

	ForEachElement(r, arr, path, n, ReadIntElement, &c);
}

/* An array of n finite float4 values. */
void
JsonReadFloat4Array(const JsonReader *r, JsonbContainer *arr, const char *path, float *out, int n)
{
	ForEachElement(r, arr, path, n, ReadFloat4Element, out);
}

/* An array of n booleans (true/false or 0/1). */
void
JsonReadBoolArray(const JsonReader *r, JsonbContainer *arr, const char *path, bool *out, int n)
{
	ForEachElement(r, arr, path, n, ReadBoolElement, out);
}

/* ---- writing ---- */

/* A float8 as a JSON value: shortest exact number, or a string for NaN and infinities. */
void
JsonAppendFloat8(StringInfo buf, double v)
{
	if (isfinite(v))
		clinnova_append_float8(buf, v);
	else
	{
		appendStringInfoChar(buf, '"');
		clinnova_append_float8(buf, v);
		appendStringInfoChar(buf, '"');
	}
}

/* A finite float4 in the shortest decimal form that reads back (with strtof) to it. */
void
JsonAppendFloat4(StringInfo buf, float v)
{
	char		tmp[FLOAT_SHORTEST_DECIMAL_LEN];

	Assert(isfinite(v));
	float_to_shortest_decimal_buf(v, tmp);
	appendStringInfoString(buf, tmp);
}

/* A JSON string literal with escapes. */
void
JsonAppendString(StringInfo buf, const char *s)
{
	escape_json(buf, s);
}
