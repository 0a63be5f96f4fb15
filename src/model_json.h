/*
 * model_json.h — reading and writing the JSON documents of the models module.
 *
 * Three kinds of JSON pass through the models module: the text form of its types (glmmodel,
 * glmstep, treemodel: a JSON object, floats in shortest exact form), the options argument of
 * the fitting aggregates, and documents users hand in (XGBoost models, feature records).  All
 * of them are read through a JsonReader, which knows which SQLSTATE a malformed document
 * raises (22P02 for the text form of a type, 22023 for an argument) and what to call the
 * document in messages.  Every reader function validates the JSON type of what it reads and
 * names the offending field in the error DETAIL, so callers never check JSON types themselves.
 */
#ifndef CLINNOVA_MODEL_JSON_H
#define CLINNOVA_MODEL_JSON_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* How to report a malformed document: SQLSTATE and the document's name in messages. */
typedef struct JsonReader
{
	int			errcode;		/* e.g. ERRCODE_INVALID_TEXT_REPRESENTATION */
	const char *what;			/* e.g. "glmmodel", "XGBoost model", "options" */
} JsonReader;

/* Raise the reader's error: errmsg "invalid <what>", DETAIL "Field <path>[<index>] <problem>." */
extern void JsonFail(const JsonReader *r, const char *path, int index, const char *problem)
			pg_attribute_noreturn();

/* Parse text into jsonb with the reader's SQLSTATE on a syntax error; returns the root object. */
extern JsonbContainer *JsonParseObject(const JsonReader *r, const char *text);

/* The root container of a jsonb argument, required to be an object. */
extern JsonbContainer *JsonRootObject(const JsonReader *r, Jsonb *jb);

/* Error unless every key of the object is one of the NULL-terminated list allowed. */
extern void JsonCheckKeys(const JsonReader *r, JsonbContainer *obj, const char *path,
						  const char *const *allowed);

/*
 * Look key up in obj into *out.  Returns false when the key is absent, raising an error instead
 * when required.  A JSON null is returned as present (type jbvNull).
 */
extern bool JsonGet(const JsonReader *r, JsonbContainer *obj, const char *key, bool required,
					JsonbValue *out);

/* The container of an object / array value; error naming path otherwise. */
extern JsonbContainer *JsonObject(const JsonReader *r, JsonbValue *v, const char *path, int index);
extern JsonbContainer *JsonArray(const JsonReader *r, JsonbValue *v, const char *path, int index);

/* Number of elements of an array container. */
static inline int
JsonArraySize(JsonbContainer *arr)
{
	return (int) JsonContainerSize(arr);
}

/* Element i of an array container (0-based), in *out. */
extern void JsonElement(JsonbContainer *arr, int i, JsonbValue *out);

/*
 * Scalars.  Numbers may be given as JSON numbers or, where strings_ok, as strings holding a
 * number (XGBoost writes most parameters that way); "NaN", "Infinity" and "-Infinity" strings
 * are accepted where nonfinite_ok.
 */
extern double JsonFloat8(const JsonReader *r, JsonbValue *v, const char *path, int index,
						 bool strings_ok, bool nonfinite_ok);
extern float JsonFloat4(const JsonReader *r, JsonbValue *v, const char *path, int index,
						bool strings_ok);
extern int64 JsonInt(const JsonReader *r, JsonbValue *v, const char *path, int index,
					 int64 min, int64 max, bool strings_ok);
extern bool JsonBool(const JsonReader *r, JsonbValue *v, const char *path, int index);
extern char *JsonText(const JsonReader *r, JsonbValue *v, const char *path, int index);

/*
 * Whole arrays of scalars, read sequentially (for large documents): n must equal the array's
 * length.  Integers must lie in [min, max]; booleans may be JSON booleans or 0/1 numbers.
 */
extern void JsonReadInt32Array(const JsonReader *r, JsonbContainer *arr, const char *path,
							   int32 min, int32 max, int32 *out, int n);
extern void JsonReadFloat4Array(const JsonReader *r, JsonbContainer *arr, const char *path,
								float *out, int n);
extern void JsonReadBoolArray(const JsonReader *r, JsonbContainer *arr, const char *path,
							  bool *out, int n);

/* Is the value a string equal to s? */
extern bool JsonStringIs(JsonbValue *v, const char *s);

/* ---- writing ---- */

/* Append a float8 as a JSON value: shortest exact number, or "NaN"/"Infinity" as strings. */
extern void JsonAppendFloat8(StringInfo buf, double v);

/* Append a float4 as a JSON number in shortest exact float4 form (finite values only). */
extern void JsonAppendFloat4(StringInfo buf, float v);

/* Append a JSON string literal. */
extern void JsonAppendString(StringInfo buf, const char *s);

#endif							/* CLINNOVA_MODEL_JSON_H */
